"""The @Leonar answers (bot/views/mentions.py): valid Block Kit within Slack's limits whatever the names, Leonar's
data and the asker's words escaped, and a button value that carries who asked and stays under 2,000 characters."""

from __future__ import annotations

import json

import pytest

from bot.i18n import t
from bot.views.mentions import ADD_ACTION, CHANGE_ACTION, Understood, confirmation, help_message, notice, unresolved
from tests.support.slack_schema import message_problem

LONG = "Ünïcode <b>&amp; name " * 200


def understood(name: str = "Bob Stone", project: str = "Backend", stage: str | None = "Call") -> Understood:
    return Understood("U0001", "T0001", "C0001", "1700000000.000100", name, contact="c1", contact_name=name,
                      project="p1", project_name=project, stage="s1" if stage else None, stage_name=stage)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_answer_is_valid_block_kit_even_with_huge_names(lang: str) -> None:
    for message in (help_message(lang), notice(LONG), confirmation(understood(LONG, LONG, LONG), lang),
                    confirmation(understood(stage=None), lang), unresolved(LONG, understood(LONG, LONG), lang)):
        assert message_problem(message) is None, message
        for block in message["blocks"]:
            for element in block.get("elements", []):
                assert len(element.get("value", "")) <= 2000


def test_names_from_leonar_are_escaped_in_mrkdwn() -> None:
    message = confirmation(understood("<!channel> & <@U9>", "R&D <team>"), "en")
    text = message["blocks"][0]["text"]["text"]
    assert "&lt;!channel&gt; &amp; &lt;@U9&gt;" in text and "R&amp;D &lt;team&gt;" in text and "<!" not in text


def test_the_buttons_carry_who_asked_and_what_to_add() -> None:
    message = confirmation(understood(), "fr")
    buttons = message["blocks"][-1]["elements"]
    assert [b["action_id"] for b in buttons] == [ADD_ACTION, CHANGE_ACTION]
    assert buttons[0]["text"]["text"] == t("fr", "mention.add") and buttons[1]["text"]["text"] == "Modifier…"
    carried = Understood.loads(buttons[0]["value"])
    assert carried == understood()
    assert json.loads(buttons[0]["value"])["asker"] == "U0001"
    in_dm = Understood("U0001", "T0001", "U0001", None, "Bob")  # the app's DM: no thread
    assert Understood.loads(in_dm.dumps()) == in_dm
    assert Understood.loads("not json") is None and Understood.loads('{"asker": "U1"}') is None


def test_an_unresolved_answer_offers_the_form_only() -> None:
    message = unresolved("Several projects", understood(), "en")
    assert [e["action_id"] for e in message["blocks"][-1]["elements"]] == [CHANGE_ACTION]
