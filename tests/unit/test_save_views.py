"""The Save to Leonar form's builders (bot/views/save_modal.py): valid Block Kit in both languages, the context's
JSON, what a submission reads; the card's candidate (bot/views/card.py)."""

from __future__ import annotations

import json

import pytest

from bot.i18n import Lang
from bot.leonar import Contact
from bot.views.card import candidate_card, card_contact
from bot.views.save_modal import (
    NOTE_BLOCK,
    NOTE_MAX,
    PREFILLED_BLOCK,
    Form,
    SaveContext,
    done_modal,
    pending_modal,
    read_submission,
    save_modal,
    sealed_of,
)
from tests.support.slack_schema import view_problem

CTX = SaveContext(workspace="-:T0001", user="U0001", channel="C0001", ts="1733580000.000100",
                  thread_ts="1733580000.000100", author="U0042",
                  permalink="https://leonar-test.slack.com/archives/C0001/p1733580000000100")
OPTION = {"text": {"type": "plain_text", "text": "Bob Stone — CTO", "emoji": True}, "value": "c-1"}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_state_of_the_form_is_valid_block_kit(lang: Lang) -> None:
    long_note = "word " * 2000  # more than a text input holds
    views = [save_modal(CTX, "sealed", Form(note=long_note, contact=OPTION, has_thread=True, notice="a < b"), lang),
             save_modal(SaveContext(workspace="-:T1", user="U1", channel="C1", ts="x"), "s", Form(note=""), lang),
             pending_modal("Bob <Stone>", lang), done_modal("Bob", lang, told="not marked"),
             done_modal("Bob", lang, outcome="not_saved"), done_modal("Bob", lang, outcome="unconfirmed")]
    for view in views:
        assert view_problem(view) is None, view
    note = next(b for b in views[0]["blocks"] if b.get("block_id") == NOTE_BLOCK)
    assert len(note["element"]["initial_value"]) <= NOTE_MAX
    assert "&lt;" in json.dumps(views[0]["blocks"][1]) and "Bob &lt;Stone&gt;" in json.dumps(views[2])


def test_the_metadata_holds_the_workspace_and_the_sealed_context_only() -> None:
    view = save_modal(CTX, "gAAAA-sealed", Form(note="secret text about Bob"), "en")
    assert json.loads(view["private_metadata"]) == {"workspace": "-:T0001", "sealed": "gAAAA-sealed"}
    assert sealed_of(view["private_metadata"]) == "gAAAA-sealed" and sealed_of("not json") is None


def test_the_context_reads_back_and_refuses_what_lacks_its_ids() -> None:
    assert SaveContext.loads(CTX.dumps()) == CTX
    assert SaveContext.loads(json.dumps({"workspace": "-:T1", "user": "U1"})) is None
    assert SaveContext.loads("[1]") is None and SaveContext.loads("{") is None


def test_a_submission_reads_the_prefilled_candidate_the_note_and_the_replies() -> None:
    values = {PREFILLED_BLOCK: {"save_contact_select": {"type": "external_select", "selected_option": OPTION}},
              NOTE_BLOCK: {"save_note_input": {"type": "plain_text_input", "value": "Strong yes"}},
              "save_replies": {"save_replies_check": {"type": "checkboxes",
                                                      "selected_options": [{"value": "replies"}]}}}
    choice = read_submission(values)
    assert (choice.contact_id, choice.contact_block, choice.note, choice.replies) == (
        "c-1", PREFILLED_BLOCK, "Strong yes", True)
    assert choice.problems("en") == {}
    empty = read_submission({NOTE_BLOCK: {"save_note_input": {"value": "  "}}})
    assert set(empty.problems("en")) == {"save_contact", NOTE_BLOCK} and not empty.replies


def test_a_card_names_its_candidate_in_its_blocks() -> None:
    card = candidate_card(Contact(id="0b5e9a52-1111-4222-8333-944445555666", first_name="Bob"), "P", None, "U1")
    assert card_contact(card["blocks"]) == "0b5e9a52-1111-4222-8333-944445555666"
    assert card_contact([{"type": "divider"}]) is None and card_contact(None) is None
