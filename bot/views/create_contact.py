"""The short form that creates a candidate Leonar does not know yet, pushed over the add modal."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from bot.i18n import Lang, t
from bot.views.text import modal, mrkdwn, plain

CALLBACK_ID = "leonar_create_contact"
# block_id (and action_id) of each field, by the Leonar field it fills.
FIELDS = {"first_name": "create.first_name", "last_name": "create.last_name", "title": "create.title_field",
          "current_company": "create.company", "linkedin_profile": "create.linkedin", "email": "create.email"}
FIRST_FIELD = "first_name"  # the one required field, where errors without a field of their own show
ELEMENTS = {"linkedin_profile": "url_text_input", "email": "email_text_input"}
EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")


@dataclass(frozen=True)
class Return:
    """Where to go back to: the add modal's id, its private_metadata, and what it had chosen so far."""

    root_view_id: str
    root_metadata: str
    project: dict[str, Any] | None = None
    stage_id: str | None = None

    def dumps(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def loads(cls, raw: str | None) -> Return | None:
        try:
            data = json.loads(raw or "")
            return cls(**data) if isinstance(data, dict) else None
        except (ValueError, TypeError):
            return None


def prefill(text: str) -> dict[str, str]:
    """The fields a typed search fills: an email, a LinkedIn URL, or first and last name."""
    text = " ".join(text.split())
    if EMAIL.match(text):
        return {"email": text, "first_name": text.split("@")[0].split(".")[0].capitalize()}
    if "linkedin.com/in/" in text.lower():
        slug = text.rstrip("/").split("/")[-1].split("?")[0]
        words = [w for w in slug.split("-") if w.isalpha()]
        return {"linkedin_profile": text, "first_name": " ".join(words[:1]).capitalize(),
                "last_name": " ".join(words[1:]).title()}
    first, _, last = text.partition(" ")
    return {"first_name": first, "last_name": last}


def create_contact_modal(back: Return, values: dict[str, str], lang: Lang = "en") -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [{"type": "context", "elements": [mrkdwn(t(lang, "create.intro"))]}]
    for field, label in FIELDS.items():
        element: dict[str, Any] = {"type": ELEMENTS.get(field, "plain_text_input"), "action_id": field}
        if values.get(field):
            element["initial_value"] = values[field][:150]
        if element["type"] == "plain_text_input":
            element["max_length"] = 100
        blocks.append({"type": "input", "block_id": field, "label": plain(t(lang, label)), "element": element,
                       "optional": field != FIRST_FIELD})
    return modal(t(lang, "create.title"), blocks, submit=t(lang, "create.submit"), close=t(lang, "create.back"),
                 callback_id=CALLBACK_ID, private_metadata=back.dumps())


def read_fields(values: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {field: str((values.get(field) or {}).get(field, {}).get("value") or "").strip() for field in FIELDS}
