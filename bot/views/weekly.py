"""A follow's weekly report (bot/activity/weekly.py): the project's pulse (bot/views/pulse.py, unchanged: the
stage bar, the last 7 days' adds, moves and hires, who waits longest), said to be the weekly report, with the
activity posts' footer. No email nor phone: the pulse shows none."""

from __future__ import annotations

from typing import Any

from bot.activity.pulse import Pulse
from bot.i18n import Lang, t
from bot.manifest import COMMAND
from bot.views.pulse import pulse_message
from bot.views.text import escape, mrkdwn


def weekly_post(pulse: Pulse, lang: Lang = "en", *, url: str | None = None) -> dict[str, Any]:
    message = pulse_message(pulse, lang, url=url)
    title = t(lang, "weekly.title")
    blocks = message["blocks"]
    # After the pulse's header: what this message is; last: how to stop it, as every activity post says.
    blocks.insert(1, {"type": "context", "elements": [mrkdwn(escape(title))]})
    blocks.append({"type": "context", "elements": [mrkdwn(t(lang, "activity.footer", command=COMMAND))]})
    return {"text": f"{escape(title)} — {message['text']}", "blocks": blocks}
