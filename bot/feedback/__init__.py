"""Feedback requests' pure core (no I/O): when reminders and the requester's summary fall (`schedule.py`). The
flow itself is bot/slack/feedback*.py, its messages bot/views/feedback*.py, its rows bot/store/feedback.py."""
