"""The "Connect Leonar" modal: one field for the workspace's Leonar API key."""

from __future__ import annotations

from typing import Any

from bot.i18n import Lang, t
from bot.leonar import REQUIRED_SCOPES
from bot.manifest import COMMAND
from bot.views.metadata import ModalContext
from bot.views.text import modal, mrkdwn, plain

CALLBACK_ID = "leonar_connect"
KEY_BLOCK, KEY_ACTION = "api_key", "api_key_input"
KEY_PREFIX = "leo_"


def connect_modal(ctx: ModalContext, lang: Lang = "en") -> dict[str, Any]:
    scopes = ", ".join(f"`{scope}`" for scope in REQUIRED_SCOPES)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": mrkdwn(t(lang, "connect.intro", command=COMMAND))},
        {
            "type": "input",
            "block_id": KEY_BLOCK,
            "label": plain(t(lang, "connect.label")),
            "hint": plain(t(lang, "connect.hint")),
            "element": {
                "type": "plain_text_input",
                "action_id": KEY_ACTION,
                "placeholder": plain("leo_…"),
                "min_length": 8,
                "max_length": 200,
            },
        },
        {"type": "context", "elements": [mrkdwn(t(lang, "connect.scopes", scopes=scopes))]},
    ]
    return modal(t(lang, "connect.title"), blocks, submit=t(lang, "connect.submit"), close=t(lang, "add.cancel"),
                 callback_id=CALLBACK_ID, private_metadata=ctx.dumps())


def key_format_problem(key: str, lang: Lang = "en") -> str | None:
    """Why `key` cannot be a Leonar key, said on the key field before Leonar is asked.

    The key travels in an HTTP header, which carries printable ASCII only: a zero-width space or byte-order mark
    picked up with a copy would otherwise fail the request itself, and the admin would read "Something went
    wrong" instead of what to fix. Checked before the prefix, which such a character can hide in front of.
    """
    if any(ch.isspace() for ch in key):
        return t(lang, "connect.spaces")
    for position, ch in enumerate(key, 1):
        if not "!" <= ch <= "~":
            return t(lang, "connect.hidden_character", character=f"U+{ord(ch):04X}", position=position)
    if not key.startswith(KEY_PREFIX):
        return t(lang, "connect.bad_prefix", prefix=KEY_PREFIX)
    return None
