"""Messages a followed project posts in its channel: the activity of one poll, the daily digest, and the "waiting
too long" alerts.

Candidate and stage names come from Leonar: escaped (and clipped before escaping) like the card's. Emails and
phones appear only with `details` (the workspace's admin setting that cards follow too). The "Open in Leonar"
button appears when the caller passes the project's URL (`bot.leonar.links.project_url`, built from the
workspace's Leonar address: Leonar exposes no such link).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.activity.digest import MAX_SHOWN, Batch, StageCount
from bot.activity.events import Event, Kind
from bot.activity.stages import StageRef
from bot.activity.waiting import Waiting
from bot.i18n import Lang, format_day, t, tn
from bot.leonar.links import HOST
from bot.manifest import COMMAND
from bot.views.text import clip, escape, mrkdwn, plain

OPEN_ACTION = "activity_open"  # a URL button: its action only needs an ack


def _safe(text: str | None, limit: int = 80) -> str:
    return escape(clip(text or "", limit))


def _name(event: Event, lang: Lang) -> str:
    return f"*{_safe(event.candidate.name) or escape(t(lang, 'activity.unnamed'))}*"


def _stage(ref: StageRef | None, lang: Lang) -> str:
    return _safe(ref.name, 40) if ref is not None and ref.name else escape(t(lang, "activity.unknown_stage"))


def event_line(event: Event, lang: Lang, *, details: bool = False) -> str:
    name, to, origin = _name(event, lang), _stage(event.to_stage, lang), _stage(event.from_stage, lang)
    if event.kind is Kind.REMOVED:
        line = t(lang, "activity.removed", stage=origin)
    elif event.kind is Kind.HIRED:
        line = t(lang, "activity.hired", name=name, stage=to)
    elif event.kind is Kind.ADDED:
        line = t(lang, "activity.added", name=name, stage=to)
    else:
        line = t(lang, "activity.moved", name=name, origin=origin, stage=to)
    contact = event.candidate
    if details and (contact.emails or contact.phones):
        emails = ", ".join(_safe(e, 100) for e in contact.emails[:2]) or "-"
        phones = ", ".join(_safe(p, 40) for p in contact.phones[:2]) or "-"
        line += "\n      " + t(lang, "card.contact_details", emails=emails, phones=phones)
    return f"• {line}"


def _open_button(url: str | None, lang: Lang) -> list[dict[str, Any]]:
    if not url or not url.startswith(f"https://{HOST}/"):
        return []
    return [{"type": "actions", "block_id": "open", "elements": [
        {"type": "button", "action_id": OPEN_ACTION, "text": plain(t(lang, "activity.open"), 75), "url": url}]}]


def activity_post(project: str, batch: Batch, lang: Lang = "en", *, details: bool = False,
                  url: str | None = None) -> dict[str, Any]:
    """One message for one poll of one follow: the first events of `batch`, then "…and N more"."""
    header = tn(lang, "activity.header", batch.total, project=clip(project, 100))
    lines = [event_line(event, lang, details=details) for event in batch.shown]
    if batch.more:
        lines.append(tn(lang, "activity.more", batch.more))
    blocks: list[dict[str, Any]] = [{"type": "header", "text": plain(header, 150)},
                                    {"type": "section", "text": mrkdwn("\n".join(lines))}]
    blocks += _open_button(url, lang)
    blocks.append({"type": "context", "elements": [mrkdwn(t(lang, "activity.footer", command=COMMAND))]})
    # The notification text: the header and the first event, no contact details.
    first = event_line(batch.shown[0], lang) if batch.shown else ""
    return {"text": f"{escape(header)}: {first.removeprefix('• ')}", "blocks": blocks}


def digest_post(project: str, counts: list[StageCount], day: datetime, lang: Lang = "en", *,
                url: str | None = None) -> dict[str, Any] | None:
    """The day's events counted per stage: "Sourced 12 · Interview 4 · Offer 1". None for a day without events:
    nothing is posted."""
    if not counts:
        return None
    total = sum(count.count for count in counts)
    header = t(lang, "digest.header", project=clip(project, 100), day=format_day(day, lang))
    parts = []
    for count in counts:
        label = (escape(t(lang, "digest.removed")) if count.stage is None
                 else _stage(count.stage, lang))
        parts.append(f"{label} *{count.count}*")
    summary = tn(lang, "digest.total", total)
    blocks: list[dict[str, Any]] = [{"type": "header", "text": plain(header, 150)},
                                    {"type": "section", "text": mrkdwn(f"{summary}\n{' · '.join(parts)}")}]
    blocks += _open_button(url, lang)
    blocks.append({"type": "context", "elements": [mrkdwn(t(lang, "activity.footer", command=COMMAND))]})
    return {"text": f"{escape(header)}: {summary}", "blocks": blocks}


def waiting_line(waiting: Waiting, now: datetime, lang: Lang) -> str:
    """A line: "*Jane Doe* in Interview for 16 days", or "for at least 16 days" when the start is a lower bound."""
    name = f"*{_safe(waiting.candidate.name) or escape(t(lang, 'activity.unnamed'))}*"
    key = "waiting.line" if waiting.exact else "waiting.line_at_least"
    return "• " + tn(lang, key, waiting.days(now), name=name, stage=_stage(waiting.stage, lang))


def waiting_post(project: str, waiting: list[Waiting], days: int, now: datetime, lang: Lang = "en", *,
                 url: str | None = None) -> dict[str, Any]:
    """One alert for one poll of one follow: the candidates waiting `days` or more in their stage, the longest
    first (the first MAX_SHOWN, then "and N more"); `waiting` must not be empty."""
    header = tn(lang, "waiting.header", len(waiting), project=clip(project, 100), days=days)
    lines = [waiting_line(w, now, lang) for w in waiting[:MAX_SHOWN]]
    if len(waiting) > MAX_SHOWN:
        lines.append(tn(lang, "activity.more", len(waiting) - MAX_SHOWN))
    blocks: list[dict[str, Any]] = [{"type": "header", "text": plain(header, 150)},
                                    {"type": "section", "text": mrkdwn("\n".join(lines))}]
    blocks += _open_button(url, lang)
    blocks.append({"type": "context", "elements": [mrkdwn(t(lang, "activity.footer", command=COMMAND))]})
    return {"text": f"{escape(header)}: {lines[0].removeprefix('• ')}", "blocks": blocks}
