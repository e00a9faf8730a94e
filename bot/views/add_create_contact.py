"""The short form that creates a candidate Leonar does not know yet, pushed over the add modal."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from bot.i18n import Lang, t
from bot.views.limits import compact_json, fit, slack_length
from bot.views.metadata import MAX_LENGTH, ModalContext
from bot.views.text import clip, modal, mrkdwn, plain

CALLBACK_ID = "leonar_create_contact"
# block_id (and action_id) of each field, by the Leonar field it fills.
FIELDS = {"first_name": "create.first_name", "last_name": "create.last_name", "title": "create.title_field",
          "current_company": "create.company", "linkedin_profile": "create.linkedin", "email": "create.email"}
FIRST_FIELD = "first_name"  # the one required field, where errors without a field of their own show
ELEMENTS = {"linkedin_profile": "url_text_input", "email": "email_text_input"}
TEXT_MAX = 100  # max_length of each plain text field
PREFILL_MAX = 150  # the URL and email fields have no max_length: what the search text can hold is enough
EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")


@dataclass(frozen=True)
class Return:
    """Where to go back to: the add modal's id, its private_metadata, and what it had chosen so far."""

    root_view_id: str
    root_metadata: str
    project: dict[str, Any] | None = None
    stage_id: str | None = None

    def dumps(self) -> str:
        """Within Slack's 3,000 characters whatever the add modal held: nested, its metadata is escaped once more
        (every quote and backslash doubles), so the whole is measured, and the nested metadata and the project's
        label give way before anything fails. Ids always stay."""
        raw = self._json(self.root_metadata, self.project)
        if _fits(raw):
            return raw
        root = ModalContext.loads(self.root_metadata)
        for project in (self.project, _bare(self.project), None):
            raw = self._json(root.dumps(self._fits_beside(project)), project)
            if _fits(raw):
                return raw
        return self._json("{}", None)

    def _fits_beside(self, project: dict[str, Any] | None) -> Callable[[str], bool]:
        """Whether the add modal's metadata, nested here beside `project`, keeps the whole within the limit."""
        return lambda nested: _fits(self._json(nested, project))

    def _json(self, root_metadata: str, project: dict[str, Any] | None) -> str:
        return compact_json(asdict(replace(self, root_metadata=root_metadata, project=project)))

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
        if element["type"] == "plain_text_input":
            element["max_length"] = TEXT_MAX
        if value := fit(values.get(field) or "", element.get("max_length", PREFILL_MAX)).strip():
            element["initial_value"] = value  # Slack refuses a view whose initial value exceeds max_length
        blocks.append({"type": "input", "block_id": field, "label": plain(t(lang, label)), "element": element,
                       "optional": field != FIRST_FIELD})
    return modal(t(lang, "create.title"), blocks, submit=t(lang, "create.submit"), close=t(lang, "create.back"),
                 callback_id=CALLBACK_ID, private_metadata=back.dumps())


def _fits(raw: str) -> bool:
    return slack_length(raw) <= MAX_LENGTH


def _bare(project: dict[str, Any] | None) -> dict[str, Any] | None:
    """The picked project's option, its label cut short: the add modal shows it selected again on return."""
    if not project:
        return None
    label = str((project.get("text") or {}).get("text") or "")
    return {"text": plain(clip(label, 20)), "value": str(project.get("value") or "")[:150]}


def read_fields(values: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {field: str((values.get(field) or {}).get(field, {}).get("value") or "").strip() for field in FIELDS}
