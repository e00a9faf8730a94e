"""Card threads saved as notes: the App Home's section for admins, and the answers of `/leonar-add thread-notes`."""

from __future__ import annotations

from typing import Any

from bot.i18n import Lang, t
from bot.manifest import COMMAND
from bot.views.messages import ephemeral
from bot.views.text import mrkdwn, plain

ON_ACTION, OFF_ACTION = "home_thread_notes_on", "home_thread_notes_off"
MAX_LISTED = 20  # channels with a button each; a Home holds 100 blocks


def home_section(channels: list[str], lang: Lang = "en") -> list[dict[str, Any]]:
    """The channels whose card threads are saved, each with its Stop button, and a menu to add one."""
    blocks: list[dict[str, Any]] = [{"type": "divider"},
                                    {"type": "section", "block_id": "thread_notes",
                                     "text": mrkdwn(t(lang, "home.thread_notes"))}]
    for channel in channels[:MAX_LISTED]:
        blocks.append({"type": "section", "block_id": f"thread_notes_{channel}", "text": mrkdwn(f"<#{channel}>"),
                       "accessory": {"type": "button", "action_id": OFF_ACTION, "value": channel,
                                     "text": plain(t(lang, "home.thread_notes_stop"), 75)}})
    if not channels:
        blocks.append({"type": "context", "elements": [mrkdwn(t(lang, "home.thread_notes_none", command=COMMAND))]})
    blocks.append({"type": "actions", "block_id": "thread_notes_add", "elements": [
        {"type": "conversations_select", "action_id": ON_ACTION,
         "placeholder": plain(t(lang, "home.thread_notes_add"), 150),
         "filter": {"include": ["public", "private"]}}]})
    return blocks


def turned(channel: str, *, on: bool, member: bool, lang: Lang = "en") -> dict[str, Any]:
    """The command's answer once the setting changed; `member`: whether Slack sends the bot that channel's
    messages (it must be in the channel)."""
    text = t(lang, "thread_notes.on" if on else "thread_notes.off", channel=channel)
    if on and not member:
        text += "\n" + t(lang, "thread_notes.invite")
    return ephemeral(text)


def status(channel: str, *, on: bool, lang: Lang = "en") -> dict[str, Any]:
    return ephemeral(t(lang, "thread_notes.status_on" if on else "thread_notes.status_off", channel=channel,
                       command=COMMAND))


def admins_only(lang: Lang = "en") -> dict[str, Any]:
    return ephemeral(t(lang, "thread_notes.admins_only"))


def not_a_channel(lang: Lang = "en") -> dict[str, Any]:
    return ephemeral(t(lang, "thread_notes.not_a_channel", command=COMMAND))
