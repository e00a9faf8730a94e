"""A person's time zone from the IANA name Slack's users.info gives (`tz`), for the digests and feedback reminders."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone, UTC for a missing or unknown name (users.info always gives one; a bad one must not stop a
    digest or a reminder)."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
