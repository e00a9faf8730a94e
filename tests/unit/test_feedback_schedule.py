"""When feedback reminders and summaries fall (bot/feedback/schedule.py): working days, 9:00-18:00, own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.feedback import schedule

PARIS = ZoneInfo("Europe/Paris")


def local(moment: float, tz: str) -> datetime:
    return datetime.fromtimestamp(moment, ZoneInfo(tz))


def test_the_default_due_date_is_two_working_days_later() -> None:
    assert schedule.default_due(date(2026, 12, 7)) == date(2026, 12, 9)  # Monday → Wednesday
    assert schedule.default_due(date(2026, 12, 10)) == date(2026, 12, 14)  # Thursday → Monday
    assert schedule.default_due(date(2026, 12, 12)) == date(2026, 12, 15)  # Saturday → Tuesday


def test_reminders_fall_on_the_due_morning_and_the_next_working_morning_in_the_reviewers_zone() -> None:
    first, second = schedule.reminder_moments(date(2026, 12, 11), "America/New_York")  # a Friday
    assert local(first, "America/New_York") == datetime(2026, 12, 11, 9, tzinfo=ZoneInfo("America/New_York"))
    assert local(second, "America/New_York").date() == date(2026, 12, 14)  # Monday, not the weekend
    assert local(second, "America/New_York").hour == 9


def test_a_due_date_on_a_weekend_reminds_on_monday_and_an_unknown_zone_is_utc() -> None:
    first, second = schedule.reminder_moments(date(2026, 12, 12), "Mars/Olympus")
    assert datetime.fromtimestamp(first, UTC) == datetime(2026, 12, 14, 9, tzinfo=UTC)
    assert datetime.fromtimestamp(second, UTC) == datetime(2026, 12, 15, 9, tzinfo=UTC)


def test_a_moment_outside_working_hours_moves_to_the_next_working_morning() -> None:
    evening = datetime(2026, 12, 11, 19, 30, tzinfo=PARIS)  # Friday evening
    assert schedule.within_working_time(evening) == datetime(2026, 12, 14, 9, tzinfo=PARIS)
    assert schedule.within_working_time(datetime(2026, 12, 8, 7, tzinfo=PARIS)) == datetime(2026, 12, 8, 9,
                                                                                              tzinfo=PARIS)
    inside = datetime(2026, 12, 8, 15, tzinfo=PARIS)
    assert schedule.within_working_time(inside) == inside


def test_the_summary_comes_at_the_end_of_the_due_working_day_in_the_requesters_zone() -> None:
    summary = local(schedule.summary_moment(date(2026, 12, 9), "Europe/Paris"), "Europe/Paris")
    assert (summary.date(), summary.hour, summary.minute) == (date(2026, 12, 9), 17, 59)
