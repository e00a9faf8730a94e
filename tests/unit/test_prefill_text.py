"""Reading what the user typed: the search seed of /leonar-add <text>, and the creation form's first values."""

from __future__ import annotations

import pytest

from bot.slack.add_prefill import seed_from
from bot.views.add_create_contact import prefill


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


@pytest.mark.parametrize(("text", "seed"), [
    ("<@W222> Bob Stone", "Bob Stone"),
    ("<@U0123ABC|alice> can you add *Bob Stone*?", "can you add Bob Stone"),
    ("<!here> Bob Stone", "Bob Stone"),
    ("<!subteam^S0614TZR7|@recruiters> Bob Stone :tada:", "Bob Stone"),
    ("<#C123|hiring> Bob Stone", "Bob Stone"),
    ("Bob Stone <https://example.com/cv.pdf|CV>", "Bob Stone"),
    ("<https://example.com|Bob Stone>", None),
    ("<@W222> <!channel>", None),
    ("<@W222>", None),
    ("<!date^1392734382^{date_short}|Feb 18> Bob Stone", "Bob Stone"),
    ("_Bob Stone_", "Bob Stone"),
    ("> Bob Stone", "Bob Stone"),
    ("Ping <@W222|bob>: <https://www.linkedin.com/in/eloise-martin|Eloise>", "https://www.linkedin.com/in/eloise-martin"),
    ("<https://fr.linkedin.com/in/eloise-martin?a=1&amp;b=2>", "https://fr.linkedin.com/in/eloise-martin?a=1&b=2"),
    ("(https://www.linkedin.com/in/eloise-martin).", "https://www.linkedin.com/in/eloise-martin"),
    ("<mailto:bob@example.com|bob@example.com> <@W222>", "bob@example.com"),
    ("<https://evil.example\\@www.linkedin.com/in/x|x> Bob Stone", "Bob Stone"),
    ("Tom &amp; Jerry", "Tom & Jerry"),
])
def test_slack_markup_never_reaches_the_search(text: str, seed: str | None) -> None:
    assert seed_from(text) == seed
