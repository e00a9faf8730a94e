"""LinkedIn profile URLs, compared however they are written."""

from __future__ import annotations

import re

LINKEDIN = re.compile(r"(?:^|[/.@\s])linkedin\.com/in/([A-Za-z0-9\-_%.]+?)/?(?:[?#\s]|$)", re.IGNORECASE)


def normalize_linkedin(url: str) -> str | None:
    """"linkedin.com/in/slug" for any way of writing a LinkedIn profile URL (scheme, www., query, slash)."""
    match = LINKEDIN.search(url.strip())
    if not match:
        return None
    return f"linkedin.com/in/{match.group(1).lower()}"
