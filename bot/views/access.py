"""What someone who may not use the bot here is told, in the shape each kind of request answers with."""

from __future__ import annotations

from typing import Any, Literal

from bot.i18n import Lang, t
from bot.views.messages import notice_modal
from bot.views.options import notice_option
from bot.views.text import escape

Refusal = Literal["external", "guest", "unchecked", "unchecked_scope", "other_workspace", "store_down"]
KEYS: dict[Refusal, str] = {
    "external": "access.external",
    "guest": "access.guest",
    "unchecked": "access.unchecked",
    "unchecked_scope": "access.unchecked_scope",
    "other_workspace": "access.other_workspace",
    "store_down": "access.store_down",
}
# The same sentences naming the workspace, when Slack told its name.
NAMED: dict[Refusal, str] = {"external": "access.external_named", "guest": "access.guest_named"}


def refusal_text(why: Refusal, lang: Lang = "en", workspace: str | None = None) -> str:
    if workspace and why in NAMED:
        return t(lang, NAMED[why], workspace=workspace)
    return t(lang, KEYS[why])


def refusal_answer(kind: str, why: Refusal, lang: Lang = "en", workspace: str | None = None) -> dict[str, Any] | None:
    """The ack body for a request of `kind` (Slack's payload type, or "command"); None: an empty ack."""
    if kind == "command":
        return {"response_type": "ephemeral", "text": refusal_text(why, lang, escape(workspace or "") or None)}
    text = refusal_text(why, lang, workspace)
    if kind == "block_suggestion":
        return {"options": [notice_option(text)]}
    if kind == "view_submission":
        return {"response_action": "update", "view": notice_modal("Leonar", text, lang)}
    return None
