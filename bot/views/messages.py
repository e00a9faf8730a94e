"""Ephemeral and fallback messages around the card."""

from __future__ import annotations

from typing import Any

from bot.views.i18n import Lang, t
from bot.views.text import escape, modal, mrkdwn

COMMAND = "/leonar-add"


def help_message(lang: Lang = "en") -> dict[str, Any]:
    keys = ("help.intro", "help.add", "help.status", "help.connect", "help.disconnect", "help.help")
    text = "\n".join(t(lang, key, command=COMMAND) for key in keys)
    return {"response_type": "ephemeral", "text": text, "blocks": [{"type": "section", "text": mrkdwn(text)}]}


def ephemeral(text: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": text, "replace_original": False}


def not_in_channel_notice(channel_id: str, lang: Lang = "en") -> dict[str, Any]:
    return ephemeral(t(lang, "msg.not_in_channel", channel=channel_id))


def undelivered_card(channel_id: str, card: dict[str, Any], reason: str, lang: Lang = "en") -> dict[str, Any]:
    """The card shown to the user alone when it could not be posted anywhere public: never lost."""
    note = t(lang, "msg.undelivered", channel=channel_id, reason=escape(reason))
    return {
        "response_type": "ephemeral",
        "replace_original": False,
        "text": card["text"],
        "blocks": [{"type": "section", "text": mrkdwn(note)}, *card["blocks"][:49]],
    }


def notice_modal(title: str, text: str, lang: Lang = "en") -> dict[str, Any]:
    return modal(title, [{"type": "section", "text": mrkdwn(escape(text))}], close=t(lang, "add.close"))
