"""Card threads saved as notes: the App Home's section and the command's answers are valid Block Kit, in English
and French; and which events are a person's reply (`reply_of`, the filter everything else is dropped by)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.i18n import Lang
from bot.slack.thread_notes import Reply, reply_of
from bot.store import WorkspaceSettings
from bot.views import home, thread_notes
from tests.support.slack_schema import message_problem, view_problem


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("count", [0, 1, 30])
def test_the_home_section_is_valid_with_any_number_of_channels(lang: Lang, count: int) -> None:
    view = home.home_view(None, [], WorkspaceSettings(), admin=True, lang=lang)
    section = thread_notes.home_section([f"C{n:04d}" for n in range(count)], lang)
    view["blocks"] += section
    assert view_problem(view) is None
    stops = [b for b in section if b.get("accessory", {}).get("action_id") == thread_notes.OFF_ACTION]
    assert len(stops) == min(count, thread_notes.MAX_LISTED)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_command_answers_are_valid_messages(lang: Lang) -> None:
    for message in (thread_notes.turned("C1", on=True, member=False, lang=lang),
                    thread_notes.turned("C1", on=False, member=True, lang=lang),
                    thread_notes.status("C1", on=True, lang=lang), thread_notes.admins_only(lang),
                    thread_notes.not_a_channel(lang)):
        assert message_problem({k: v for k, v in message.items() if k != "response_type"}) is None, message


REPLY: dict[str, Any] = {"type": "message", "channel": "C1", "user": "U2", "text": "yes", "ts": "2.0",
                         "thread_ts": "1.0", "channel_type": "channel"}


@pytest.mark.parametrize(("event", "expected"), [
    (REPLY, Reply("C1", "2.0", "1.0", "U2", "yes")),
    ({**REPLY, "subtype": "thread_broadcast"}, Reply("C1", "2.0", "1.0", "U2", "yes")),
    ({**REPLY, "channel_type": "group"}, Reply("C1", "2.0", "1.0", "U2", "yes")),
    ({**REPLY, "subtype": "file_share", "files": [{"id": "F1"}]}, Reply("C1", "2.0", "1.0", "U2", "yes")),
    ({**REPLY, "subtype": "file_share", "text": ""}, None),  # a file alone: no words to save
    ({**REPLY, "thread_ts": None}, None),  # not in a thread
    ({**REPLY, "thread_ts": "2.0"}, None),  # the thread's parent itself
    ({**REPLY, "channel_type": "im"}, None),
    ({**REPLY, "channel_type": "mpim"}, None),
    ({**REPLY, "user": "UBOT"}, None),  # the bot itself
    ({**REPLY, "bot_id": "B2"}, None),  # another app
    ({**REPLY, "app_id": "A2"}, None),
    ({**REPLY, "subtype": "bot_message"}, None),
    ({**REPLY, "subtype": "channel_join"}, None),
    ({**REPLY, "subtype": "message_deleted"}, None),
    ({**REPLY, "user": None}, None),
    ({"type": "message", "subtype": "message_changed", "channel": "C1", "channel_type": "channel",
      "message": {**REPLY, "text": "yes!"}, "previous_message": REPLY}, Reply("C1", "2.0", "1.0", "U2", "yes!", True)),
    ({"type": "message", "subtype": "message_changed", "channel": "C1", "channel_type": "channel",
      "message": {**REPLY, "attachments": [{}]}, "previous_message": REPLY}, None),  # an unfurl, same words
    ({"type": "message", "subtype": "message_changed", "channel": "C1", "channel_type": "channel",
      "message": {**REPLY, "text": "x", "bot_id": "B2"}, "previous_message": REPLY}, None),
])
def test_only_a_persons_reply_in_a_thread_is_read(event: dict[str, Any], expected: Reply | None) -> None:
    assert reply_of(event, "UBOT") == expected
