"""Ephemeral and fallback messages around the card."""

from __future__ import annotations

from typing import Any

from bot.i18n import Lang, t
from bot.manifest import COMMAND
from bot.views.text import escape, modal, mrkdwn


def help_message(lines: tuple[str, ...], lang: Lang = "en") -> dict[str, Any]:
    """`lines`: the catalog keys of the sub-commands' help lines, in the order to show them."""
    text = "\n".join(t(lang, key, command=COMMAND) for key in ("help.intro", *lines))
    return {"response_type": "ephemeral", "text": text, "blocks": [{"type": "section", "text": mrkdwn(text)}]}


def did_you_mean(word: str, meant: str, lang: Lang = "en") -> dict[str, Any]:
    """The slash command's own answer (its ack), like the help."""
    return {"response_type": "ephemeral",
            "text": t(lang, "msg.did_you_mean", word=escape(word), meant=meant, command=COMMAND)}


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


def withheld_card(channel_id: str, card: dict[str, Any], reason: str, lang: Lang = "en") -> dict[str, Any]:
    """The card shown to the user alone because it may not be posted in that conversation (Slack Connect)."""
    note = t(lang, "msg.withheld", channel=channel_id, reason=reason)
    return {
        "response_type": "ephemeral",
        "replace_original": False,
        "text": card["text"],
        "blocks": [{"type": "section", "text": mrkdwn(note)}, *card["blocks"][:49]],
    }


def notice_modal(title: str, text: str, lang: Lang = "en") -> dict[str, Any]:
    return modal(title, [{"type": "section", "text": mrkdwn(escape(text))}], close=t(lang, "add.close"))


def failure_ack() -> dict[str, Any]:
    """The ack of a submission that failed unexpectedly: the modal shows what happened instead of closing as if it
    had worked. English: it is built before any request, when no user's language is known."""
    return {"response_action": "update", "view": notice_modal("Leonar", t("en", "add.failed"))}


def welcome(lang: Lang = "en") -> dict[str, Any]:
    """To a workspace's admins when an org admin gives the org-wide app to their workspace: connect Leonar."""
    text = t(lang, "welcome.connect", command=COMMAND)
    return {"text": text, "blocks": [{"type": "section", "text": mrkdwn(text)}]}
