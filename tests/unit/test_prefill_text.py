"""Reading what the user typed: the search seed of /leonar-add <text>, and the creation form's first values."""

from __future__ import annotations

import pytest

from bot.slack.prefill import seed_from
from bot.views.create_contact import prefill


@pytest.mark.parametrize(("text", "fields"), [
    ("Zed Quinn", {"first_name": "Zed", "last_name": "Quinn"}),
    ("zed.quinn@example.com", {"email": "zed.quinn@example.com", "first_name": "Zed"}),
    ("https://www.linkedin.com/in/zed-quinn/", {"linkedin_profile": "https://www.linkedin.com/in/zed-quinn/",
                                                "first_name": "Zed", "last_name": "Quinn"}),
])
def test_the_typed_text_prefills_the_form(text: str, fields: dict[str, str]) -> None:
    assert prefill(text) == fields


@pytest.mark.parametrize(("text", "seed"), [
    ("Bob Stone", "Bob Stone"),
    ("see <https://www.linkedin.com/in/eloise-martin/?trk=x|profile>", "https://www.linkedin.com/in/eloise-martin/?trk=x"),
    ("bob@example.com please", "bob@example.com"),
    ("a" * 200, None),
    ("two\nlines of chat", None),
])
def test_seed_from_text(text: str, seed: str | None) -> None:
    assert seed_from(text) == seed
