"""The candidate card posted in the channel after an add. Emails and phones are never shown."""

from __future__ import annotations

from typing import Any

from bot.i18n import Lang, format_number, t, tn
from bot.leonar import Contact
from bot.leonar.linkedin import parse_profile
from bot.manifest import COMMAND
from bot.views.feedback import ask_block
from bot.views.text import clip, escape, mrkdwn, plain

MAX_LIST = 12  # skills/tags shown; the rest is counted
MAX_YEARS = 70
LINKEDIN_ACTION = "open_linkedin"  # a URL button: its action only needs an ack
OPEN_LEONAR_ACTION = "open_leonar"  # likewise
CARD_BLOCK_PREFIX = "card_contact:"


def candidate_card(
    contact: Contact, project: str, stage: str | None, added_by: str, lang: Lang = "en", *, details: bool = False,
    leonar_url: str | None = None, project_id: str | None = None,
) -> dict[str, Any]:
    """`text` is the notification and screen-reader fallback; blocks carry the card. Emails and phones only with
    `details` (a workspace setting, off by default); an "Open in Leonar" button with `leonar_url` (built from the
    workspace's Leonar address, `bot/leonar/links.py`)."""
    name = display_name(contact, lang)
    head, rest = profile_blocks(contact, lang, details=details)
    blocks = [*head, {
        "type": "section",
        "fields": [mrkdwn(f"*{t(lang, 'card.project')}*\n{_field(project)}"),
                   mrkdwn(f"*{t(lang, 'card.stage')}*\n{_field(stage or t(lang, 'card.first_stage'))}")],
    }, *rest]
    if buttons := link_buttons(contact, lang, leonar_url):
        blocks.append({"type": "actions", "block_id": "links", "elements": buttons})
    blocks.append(ask_block(contact.id, lang, project_id))
    # The block id names the candidate, so the card's own message says whom it is about ("Save to Leonar").
    blocks.append({"type": "context", "block_id": CARD_BLOCK_PREFIX + contact.id[:200],
                   "elements": [mrkdwn(t(lang, "card.added_by", user=added_by, command=COMMAND))]})

    text = (t(lang, "card.text_at", name=_field(name), project=_field(project), stage=_field(stage), user=added_by)
            if stage else t(lang, "card.text", name=_field(name), project=_field(project), user=added_by))
    return {"text": text, "blocks": blocks}


def profile_blocks(contact: Contact, lang: Lang, *, details: bool
                   ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Who the candidate is, shared by the card and the link unfurl: (name and role, skills/tags/details), so a
    builder can put its own facts in between."""
    head: list[dict[str, Any]] = [{"type": "header", "text": plain(display_name(contact, lang), 150)}]
    role = _role(contact, lang)
    facts = [f":round_pushpin: {_field(contact.location)}" if contact.location else "",
             _experience(contact.years_experience, lang)]
    summary = "\n".join(line for line in (role, "  ·  ".join(f for f in facts if f)) if line)
    if summary:
        head.append({"type": "section", "text": mrkdwn(summary)})
    rest: list[dict[str, Any]] = []
    for label, values in ((t(lang, "card.skills"), contact.skills), (t(lang, "card.tags"), contact.tags)):
        if values:
            shown = ", ".join(_field(value, 60) for value in values[:MAX_LIST])
            more = " " + tn(lang, "card.more", len(values) - MAX_LIST) if len(values) > MAX_LIST else ""
            rest.append({"type": "section", "text": mrkdwn(f"*{label}:* {shown}{more}")})
    if details and (contact.emails or contact.phones):
        emails = ", ".join(_field(e, 100) for e in contact.emails[:3]) or "-"
        phones = ", ".join(_field(p, 40) for p in contact.phones[:3]) or "-"
        rest.append({"type": "section", "text": mrkdwn(t(lang, "card.contact_details", emails=emails,
                                                           phones=phones))})
    return head, rest


def link_buttons(contact: Contact, lang: Lang, leonar_url: str | None) -> list[dict[str, Any]]:
    """The LinkedIn profile and the contact's page in Leonar, as URL buttons (each only when its URL is known)."""
    buttons: list[dict[str, Any]] = []
    if linkedin := _safe_url(contact.linkedin_profile):
        buttons.append({"type": "button", "action_id": LINKEDIN_ACTION, "text": plain(t(lang, "card.linkedin")),
                        "url": linkedin})
    if leonar_url:
        buttons.append(open_in_leonar(leonar_url, lang))
    return buttons


def open_in_leonar(url: str, lang: Lang) -> dict[str, Any]:
    """A URL built by `bot/leonar/links.py` from a validated slug and a Leonar id, never a pasted one."""
    return {"type": "button", "action_id": OPEN_LEONAR_ACTION, "text": plain(t(lang, "card.open_leonar"), 75),
            "url": url}


def card_contact(blocks: Any) -> str | None:
    """The candidate a card (its message's blocks, as Slack gives them back) is about; the caller makes sure the
    message is the bot's own."""
    for block in blocks if isinstance(blocks, list) else []:
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if isinstance(block_id, str) and block_id.startswith(CARD_BLOCK_PREFIX):
            return block_id.removeprefix(CARD_BLOCK_PREFIX) or None
    return None


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
