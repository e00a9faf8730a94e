"""What someone who may not use the bot here is told, in the shape each kind of request answers with."""

from __future__ import annotations

from typing import Any, Literal

from bot.i18n import Lang, t
from bot.views.messages import notice_modal
from bot.views.options import notice_option

Refusal = Literal["external", "guest", "unchecked", "other_workspace"]
KEYS: dict[Refusal, str] = {
    "external": "access.external",
    "guest": "access.guest",
    "unchecked": "access.unchecked",
    "other_workspace": "access.other_workspace",
}


def refusal_text(why: Refusal, lang: Lang = "en") -> str:
    return t(lang, KEYS[why])


def refusal_answer(kind: str, why: Refusal, lang: Lang = "en") -> dict[str, Any] | None:
    """The ack body for a request of `kind` (Slack's payload type, or "command"); None: an empty ack."""
    text = refusal_text(why, lang)
    if kind == "command":
        return {"response_type": "ephemeral", "text": text}
    if kind == "block_suggestion":
        return {"options": [notice_option(text)]}
    if kind == "view_submission":
        return {"response_action": "update", "view": notice_modal("Leonar", text, lang)}
    return None
