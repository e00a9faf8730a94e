"""When a feedback request's moments fall, in each person's own time zone (pure: no I/O, no clock of its own).

Working time is Monday to Friday, 9:00 to 18:00 local. A request is due on its due date at 9:00 in the reviewer's
time zone (their reminder then); the second reminder comes a working day later, at the same hour; the requester
hears who did not answer at 18:00 of the due date in theirs. A moment outside working time moves to the next
working morning. Time zones are IANA names from users.info (`tz`); an unknown one is UTC.
"""

from __future__ import annotations

import time as wall
from datetime import date, datetime, time, timedelta

from bot.time_zones import zone

OPENS, CLOSES = time(9), time(18)


def now() -> float:
    """The wall clock (epoch seconds), read through here so that a test can move it (monkeypatch this)."""
    return wall.time()


def working_days_after(day: date, days: int) -> date:
    """`days` working days after `day` (weekends skipped)."""
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def default_due(today: date) -> date:
    return working_days_after(today, 2)


def within_working_time(moment: datetime) -> datetime:
    """`moment` (aware), or the next working moment after it, in its own time zone."""
    local = moment
    while True:
        if local.weekday() >= 5 or local.time() >= CLOSES:
            following = local.date() + timedelta(days=1)
            local = datetime.combine(following, OPENS, local.tzinfo)
            continue
        if local.time() < OPENS:
            return datetime.combine(local.date(), OPENS, local.tzinfo)
        return local


def reminder_moments(due: date, tz: str | None) -> list[float]:
    """Epoch seconds of a reviewer's reminders: the due date's working morning, then the next working day's."""
    where = zone(tz)
    first = within_working_time(datetime.combine(due, OPENS, where))
    second = within_working_time(datetime.combine(working_days_after(first.date(), 1), first.time(), where))
    return [first.timestamp(), second.timestamp()]


def summary_moment(due: date, tz: str | None) -> float:
    """When the requester hears who did not answer: the end of the due date's working day, in their time zone."""
    where = zone(tz)
    return within_working_time(datetime.combine(due, CLOSES, where) - timedelta(minutes=1)).timestamp()


def today_in(tz: str | None, now: float) -> date:
    return datetime.fromtimestamp(now, zone(tz)).date()
