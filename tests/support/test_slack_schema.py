"""The Block Kit check's shortcut (a oneOf branch chosen by `type`) answers exactly as the standard validator."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.support import slack_schema

PLAIN = {"type": "plain_text", "text": "Project"}
MODAL: dict[str, Any] = {
    "type": "modal", "callback_id": "m", "title": {"type": "plain_text", "text": "Add"},
    "submit": {"type": "plain_text", "text": "Add"}, "private_metadata": "{}",
    "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "Head"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"},
         "accessory": {"type": "button", "action_id": "b", "text": PLAIN, "value": "v"}},
        {"type": "input", "block_id": "p", "label": PLAIN,
         "element": {"type": "external_select", "action_id": "p", "min_query_length": 0}},
        {"type": "input", "block_id": "s", "label": PLAIN, "optional": True,
         "element": {"type": "static_select", "action_id": "s",
                     "options": [{"text": PLAIN, "value": "1"}, {"text": PLAIN, "value": "2"}]}},
        {"type": "input", "block_id": "c", "label": PLAIN,
         "element": {"type": "conversations_select", "action_id": "c", "response_url_enabled": True}},
        {"type": "input", "block_id": "n", "label": PLAIN,
         "element": {"type": "plain_text_input", "action_id": "n", "multiline": True, "max_length": 3000}},
        {"type": "input", "block_id": "k", "label": PLAIN,
         "element": {"type": "checkboxes", "action_id": "k", "options": [{"text": PLAIN, "value": "x"}]}},
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "ctx"}]},
        {"type": "actions", "elements": [{"type": "button", "action_id": "a", "text": PLAIN, "url": "https://x.y"}]},
    ],
}
MESSAGE: dict[str, Any] = {"text": "card", "blocks": [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Ada*"},
     "fields": [{"type": "mrkdwn", "text": "a"}, {"type": "plain_text", "text": "b"}]},
    {"type": "context", "elements": [{"type": "image", "image_url": "https://x.y/i.png", "alt_text": "i"}]},
    {"type": "actions", "elements": [{"type": "button", "action_id": "o", "text": PLAIN, "value": "1",
                                      "style": "primary"}]},
]}


def mutations(blocks: list[dict[str, Any]], which: range) -> Iterator[list[dict[str, Any]]]:
    """Blocks broken in the ways a builder could break them: the type, a required field, a text, an element."""
    for i in which:
        for change in ("type:section", "type:input", "type:nonsense", "drop", "extra", "text", "element"):
            broken = copy.deepcopy(blocks)
            target = broken[i]
            kind, _, value = change.partition(":")
            if kind == "type":
                target["type"] = value
            elif kind == "drop":
                for field in [k for k in target if k not in ("type", "block_id")][:1]:
                    del target[field]
            elif kind == "extra":
                target["unexpected"] = True
            elif kind == "text":
                for field in ("text", "label"):
                    if isinstance(target.get(field), dict):
                        target[field]["text"] = ""
            elif isinstance(target.get("element") or target.get("accessory"), dict):
                element = target.get("element") or target.get("accessory")
                element["type"] = "static_select" if element["type"] != "static_select" else "button"
            yield broken


def standard(definition: str | None, instance: Any) -> str | None:
    schema, registry = slack_schema._block_kit()
    plain = Draft202012Validator(schema if definition is None else
                                 {"$ref": f"{schema['$id']}#/$defs/{definition}"}, registry=registry)
    return slack_schema._problem(plain, instance)


@pytest.mark.parametrize("definition", ["modal_view", None])
def test_the_shortcut_answers_as_the_standard_validator(definition: str | None) -> None:
    if definition:  # a section with an accessory and an input (the standard validator is slow on broken modals)
        corpus = [MODAL] + [MODAL | {"blocks": b} for b in mutations(MODAL["blocks"], range(1, 3))]
    else:
        corpus = [MESSAGE["blocks"], *mutations(MESSAGE["blocks"], range(3))]
    fast = slack_schema._validator(definition)
    answers = [(slack_schema._problem(fast, instance), standard(definition, instance)) for instance in corpus]
    assert answers[0] == (None, None)  # the valid one
    assert sum(1 for mine, _ in answers if mine) >= len(corpus) // 2  # most mutations are caught
    assert [mine for mine, _ in answers] == [theirs for _, theirs in answers]
