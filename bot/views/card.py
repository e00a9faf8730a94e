"""The candidate card posted in the channel after an add. Emails and phones are never shown."""

from __future__ import annotations

from typing import Any

from bot.i18n import Lang, format_number, t, tn
from bot.leonar import Contact
from bot.leonar.linkedin import parse_profile
from bot.manifest import COMMAND
from bot.views.text import clip, escape, mrkdwn, plain

MAX_LIST = 12  # skills/tags shown; the rest is counted
MAX_YEARS = 70
LINKEDIN_ACTION = "open_linkedin"  # a URL button: its action only needs an ack


def candidate_card(
    contact: Contact, project: str, stage: str | None, added_by: str, lang: Lang = "en", *, details: bool = False
) -> dict[str, Any]:
    """`text` is the notification and screen-reader fallback; blocks carry the card. Emails and phones only with
    `details` (a workspace setting, off by default)."""
    name = display_name(contact, lang)
    blocks: list[dict[str, Any]] = [{"type": "header", "text": plain(name, 150)}]

    role = _role(contact, lang)
    facts = [f":round_pushpin: {_field(contact.location)}" if contact.location else "",
             _experience(contact.years_experience, lang)]
    summary = "\n".join(line for line in (role, "  ·  ".join(f for f in facts if f)) if line)
    if summary:
        blocks.append({"type": "section", "text": mrkdwn(summary)})

    blocks.append({
        "type": "section",
        "fields": [mrkdwn(f"*{t(lang, 'card.project')}*\n{_field(project)}"),
                   mrkdwn(f"*{t(lang, 'card.stage')}*\n{_field(stage or t(lang, 'card.first_stage'))}")],
    })
    for label, values in ((t(lang, "card.skills"), contact.skills), (t(lang, "card.tags"), contact.tags)):
        if values:
            shown = ", ".join(_field(value, 60) for value in values[:MAX_LIST])
            more = " " + tn(lang, "card.more", len(values) - MAX_LIST) if len(values) > MAX_LIST else ""
            blocks.append({"type": "section", "text": mrkdwn(f"*{label}:* {shown}{more}")})

    if details and (contact.emails or contact.phones):
        emails = ", ".join(_field(e, 100) for e in contact.emails[:3]) or "-"
        phones = ", ".join(_field(p, 40) for p in contact.phones[:3]) or "-"
        blocks.append({"type": "section", "text": mrkdwn(t(lang, "card.contact_details", emails=emails,
                                                             phones=phones))})
    linkedin = _safe_url(contact.linkedin_profile)
    if linkedin:
        blocks.append({
            "type": "actions",
            "block_id": "links",
            "elements": [{"type": "button", "action_id": LINKEDIN_ACTION, "text": plain(t(lang, "card.linkedin")),
                          "url": linkedin}],
        })
    blocks.append({"type": "context",
                   "elements": [mrkdwn(t(lang, "card.added_by", user=added_by, command=COMMAND))]})

    text = (t(lang, "card.text_at", name=_field(name), project=_field(project), stage=_field(stage), user=added_by)
            if stage else t(lang, "card.text", name=_field(name), project=_field(project), user=added_by))
    return {"text": text, "blocks": blocks}


def display_name(contact: Contact, lang: Lang = "en") -> str:
    return contact.full_name if contact.first_name or contact.last_name else t(lang, "card.unnamed")


def _field(value: str | None, limit: int = 300) -> str:
    """Leonar data made safe for mrkdwn: clipped first so escaping never cuts an entity in half."""
    return escape(clip(value or "", limit))


def _role(contact: Contact, lang: Lang) -> str:
    title, company = contact.title, contact.current_company
    if title and company:
        return t(lang, "card.title_at_company", title=_field(title), company=_field(company))
    return f"*{_field(title or company)}*" if title or company else ""


def _experience(years: float | None, lang: Lang) -> str:
    if years is None or not 0 <= years <= MAX_YEARS:  # NaN and absurd values (1e25) say nothing about a career
        return ""
    shown = round(years, 1)
    # A fraction of a year reads as a plural ("1.5 years"); whole years follow the language's rule.
    count = int(shown) if float(shown).is_integer() else 2
    return tn(lang, "card.years", count, years=format_number(shown, lang))


def _safe_url(url: str | None) -> str | None:
    """Only a LinkedIn profile becomes a button, labelled "LinkedIn profile": the URL is rebuilt from the parsed
    host and path (https, no userinfo, port, query or anything a browser could read another way), never passed
    through, so the button cannot lead anywhere else."""
    profile = parse_profile(url or "")
    return profile.url if profile else None
