"""The find answers' Block Kit: valid in every language, Leonar data escaped, emails and phones only with
`details`, share values that name who asked."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.i18n import LANGS
from bot.leonar.models import Contact, Project
from bot.views.find import (
    Found,
    Standing,
    find_message,
    nothing_found,
    project_choices,
    read_share,
    share_value,
    shared_card,
)
from tests.support.slack_schema import message_problem

CONTACT = Contact(id="c1", first_name="Ana <b>", last_name="&Co", emails=["ana@x.io"], phones=["+33 6"],
                  skills=["Go"])
FOUND = [Found(CONTACT, [Standing("Backend <Paris>", "Interview", datetime(2026, 11, 2, tzinfo=UTC))], False)]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("details", [False, True])
def test_find_messages_are_valid_and_escaped(lang: str, details: bool) -> None:
    messages = [find_message("Ana", FOUND * 5, lang, details=details, urls={}, shares={"c1": "T|U|c1"}),
                shared_card(FOUND[0], lang, details=details, leonar_url=None, shared_by="U1"),
                nothing_found("<@U1> x", "name", lang),
                project_choices("data", [Project(id="p1", name="Data"), Project(id="p2", name="Data")], lang,
                                ambiguous=True)]
    for message in messages:
        assert message_problem(message) is None
        text = json.dumps(message, ensure_ascii=False)
        for shown in _mrkdwn(message):  # plain_text (headers, buttons) shows markup literally: no need there
            assert "<b>" not in shown and "<Paris>" not in shown and "<@U1> x" not in shown
        assert ("ana@x.io" in text) == (details and message is not messages[2] and message is not messages[3])


def _mrkdwn(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "mrkdwn" else []
        return own + [t for v in node.values() for t in _mrkdwn(v)]
    return [t for v in node for t in _mrkdwn(v)] if isinstance(node, list) else []


def test_share_values_round_trip_and_refuse_garbage() -> None:
    assert read_share(share_value("T1", "U1", "c1")) == ("T1", "U1", "c1")
    assert read_share("T1|U1") is None and read_share("T1||c1") is None
