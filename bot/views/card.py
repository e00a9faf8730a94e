"""The candidate card posted in the channel after an add. Emails and phones are never shown."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from bot.leonar import Contact
from bot.views.text import clip, escape, mrkdwn, plain

SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
HOST = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}", re.IGNORECASE)
MAX_LIST = 12  # skills/tags shown; the rest is counted


def candidate_card(contact: Contact, project: str, stage: str | None, added_by: str) -> dict[str, Any]:
    """`text` is the notification and screen-reader fallback; blocks carry the card."""
    name = contact.full_name
    blocks: list[dict[str, Any]] = [{"type": "header", "text": plain(name, 150)}]

    role = " at ".join(f"*{_field(part)}*" for part in (contact.title, contact.current_company) if part)
    facts = [f":round_pushpin: {_field(contact.location)}" if contact.location else "",
             _experience(contact.years_experience)]
    summary = "\n".join(line for line in (role, "  ·  ".join(f for f in facts if f)) if line)
    if summary:
        blocks.append({"type": "section", "text": mrkdwn(summary)})

    blocks.append({
        "type": "section",
        "fields": [mrkdwn(f"*Project*\n{_field(project)}"), mrkdwn(f"*Stage*\n{_field(stage or 'First stage')}")],
    })
    for label, values in (("Skills", contact.skills), ("Tags", contact.tags)):
        if values:
            shown = ", ".join(_field(value, 60) for value in values[:MAX_LIST])
            more = f" +{len(values) - MAX_LIST} more" if len(values) > MAX_LIST else ""
            blocks.append({"type": "section", "text": mrkdwn(f"*{label}:* {shown}{more}")})

    linkedin = _safe_url(contact.linkedin_profile)
    if linkedin:
        blocks.append({
            "type": "actions",
            "block_id": "links",
            "elements": [{"type": "button", "action_id": "open_linkedin", "text": plain("LinkedIn profile"),
                          "url": linkedin}],
        })
    blocks.append({"type": "context", "elements": [mrkdwn(f"Added by <@{added_by}> via /leonar-add")]})

    where = f"{_field(project)}" + (f" ({_field(stage)})" if stage else "")
    text = f"{_field(name)} added to {where} by <@{added_by}>"
    return {"text": text, "blocks": blocks}


def _field(value: str | None, limit: int = 300) -> str:
    """Leonar data made safe for mrkdwn: clipped first so escaping never cuts an entity in half."""
    return escape(clip(value or "", limit))


def _experience(years: float | None) -> str:
    if years is None or years < 0:
        return ""
    shown = int(years) if float(years).is_integer() else round(years, 1)
    return f":briefcase: {shown} year{'s' if shown != 1 else ''} of experience"


def _safe_url(url: str | None) -> str | None:
    """Only a real http(s) LinkedIn URL becomes a button; anything else is dropped rather than linked."""
    url = (url or "").strip()
    if not url or any(c in url for c in " <>|\"'"):
        return None
    if not url.lower().startswith(("http://", "https://")):
        if SCHEME.match(url):  # javascript:, data:, mailto: …
            return None
        url = f"https://{url}"  # "www.linkedin.com/in/…" as Leonar sometimes stores it
    host = (urlsplit(url).hostname or "").lower()
    # Labelled "LinkedIn profile", the button must not lead anywhere else.
    if not HOST.fullmatch(host) or not (host == "linkedin.com" or host.endswith(".linkedin.com")):
        return None
    return url if len(url) <= 3000 else None
