"""A project's pulse as a message (bot/activity/pulse.py): the stage bar with counts, this week's adds, moves and
hires, and the candidates waiting longest in their stage.

Names come from Leonar: clipped, then escaped. No email nor phone ever: the pulse may be shared in any channel.
"Share in channel" appears when the caller passes `share_value` (a private answer); a shared one names who shared
it (`shared_by`). "Open in Leonar" with `url` (bot/leonar/links.py's project_url).
"""

from __future__ import annotations

from typing import Any

from bot.activity.pulse import Pulse, Waiting
from bot.i18n import Lang, format_day, t, tn
from bot.leonar.links import HOST
from bot.views.text import clip, escape, mrkdwn, plain

SHARE_ACTION = "pulse_share"  # value: the project id; who may press it is checked (bot/slack/asking.py)
OPEN_ACTION = "pulse_open"  # a URL button: its action only needs an ack
BAR_WIDTH = 10  # blocks of the widest stage's bar


def _safe(text: str | None, limit: int = 80) -> str:
    return escape(clip(text or "", limit))


def stage_bar(pulse: Pulse) -> str:
    """One line per stage: a bar scaled to the fullest stage, then the stage and its count."""
    top = max((s.count for s in pulse.stages), default=0)
    lines = []
    for total in pulse.stages:
        width = round(BAR_WIDTH * total.count / top) if top else 0
        bar = "▇" * width if width or not total.count else "▏"
        lines.append(f"`{bar.ljust(BAR_WIDTH, ' ')}` {_safe(total.stage.name, 40)} *{total.count}*")
    return "\n".join(lines)


def waiting_line(waiting: Waiting, pulse: Pulse, lang: Lang) -> str:
    name = f"*{_safe(waiting.name)}*" if waiting.name else escape(t(lang, "activity.unnamed"))
    days = waiting.in_stage.days(pulse.now)
    day = format_day(waiting.in_stage.since, lang)
    key = "pulse.waiting_at_least" if waiting.in_stage.lower_bound else "pulse.waiting_exact"
    return "• " + tn(lang, key, days, name=name, stage=_safe(waiting.stage.name, 40), day=day)


def pulse_message(pulse: Pulse, lang: Lang = "en", *, url: str | None = None, share_value: str | None = None,
                  shared_by: str | None = None) -> dict[str, Any]:
    header = t(lang, "pulse.header", project=clip(pulse.project_name, 100))
    total = tn(lang, "pulse.total", pulse.total)
    week = t(lang, "pulse.week", added=pulse.added, moved=pulse.moved, hired=pulse.hired)
    blocks: list[dict[str, Any]] = [{"type": "header", "text": plain(header, 150)},
                                    {"type": "section", "text": mrkdwn(f"*{escape(total)}*\n{stage_bar(pulse)}")},
                                    {"type": "section", "text": mrkdwn(escape(week))}]
    if pulse.waiting:
        lines = [waiting_line(w, pulse, lang) for w in pulse.waiting]
        if pulse.waiting_more:
            lines.append(tn(lang, "activity.more", pulse.waiting_more))
        title = tn(lang, "pulse.waiting_title", pulse.min_days)
        blocks.append({"type": "section", "text": mrkdwn(f"*{escape(title)}*\n" + "\n".join(lines))})
    else:
        blocks.append({"type": "section", "text": mrkdwn(escape(tn(lang, "pulse.waiting_none", pulse.min_days)))})
    buttons: list[dict[str, Any]] = []
    if share_value:
        buttons.append({"type": "button", "action_id": SHARE_ACTION, "text": plain(t(lang, "pulse.share"), 75),
                        "value": share_value[:2000]})
    if url and url.startswith(f"https://{HOST}/"):
        buttons.append({"type": "button", "action_id": OPEN_ACTION, "text": plain(t(lang, "activity.open"), 75),
                        "url": url})
    if buttons:
        blocks.append({"type": "actions", "block_id": "pulse_actions", "elements": buttons})
    notes = [t(lang, "pulse.how")]
    if not pulse.complete:
        notes.insert(0, t(lang, "pulse.partial"))
    if shared_by:
        notes.insert(0, t(lang, "pulse.shared_by", user=shared_by))
    blocks.append({"type": "context", "elements": [mrkdwn(" ".join(notes))]})
    return {"text": f"{escape(header)}: {escape(total)}. {escape(week)}", "blocks": blocks}
