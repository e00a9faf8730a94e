"""The "Connect Leonar" modal: one field for the workspace's Leonar API key."""

from __future__ import annotations

from typing import Any

from bot.leonar import REQUIRED_SCOPES
from bot.views.metadata import ModalContext
from bot.views.text import mrkdwn, plain

CALLBACK_ID = "leonar_connect"
KEY_BLOCK, KEY_ACTION = "api_key", "api_key_input"
KEY_PREFIX = "leo_"


def connect_modal(ctx: ModalContext) -> dict[str, Any]:
    scopes = ", ".join(f"`{scope}`" for scope in REQUIRED_SCOPES)
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain("Connect Leonar"),
        "submit": plain("Connect"),
        "close": plain("Cancel"),
        "private_metadata": ctx.dumps(),
        "blocks": [
            {
                "type": "section",
                "text": mrkdwn(
                    "Connect this Slack workspace to Leonar once, and everyone here can add candidates "
                    "with `/leonar-add`."
                ),
            },
            {
                "type": "input",
                "block_id": KEY_BLOCK,
                "label": plain("Leonar API key"),
                "hint": plain("Leonar › Settings › API. Stored encrypted, used only for this workspace."),
                "element": {
                    "type": "plain_text_input",
                    "action_id": KEY_ACTION,
                    "placeholder": plain("leo_…"),
                    "min_length": 8,
                    "max_length": 200,
                },
            },
            {"type": "context", "elements": [mrkdwn(f"The key needs the scopes {scopes}.")]},
        ],
    }


def key_format_problem(key: str) -> str | None:
    if not key.startswith(KEY_PREFIX):
        return f"A Leonar API key starts with “{KEY_PREFIX}”. Copy it from Leonar › Settings › API."
    if any(ch.isspace() for ch in key):
        return "The key contains spaces; paste it again without them."
    return None
