"""A Slack message as a Leonar note: Slack's markup read as words, who and when, the link back, replies."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.views.slack_notes import MAX_NOTE, SlackMessage, note_text, readable

AT = datetime(2026, 12, 7, 14, 3, tzinfo=UTC)


def test_markup_reads_as_words() -> None:
    text = "<@U1> and <@U2|marc> in <#C9|hiring>, <!here>: see <https://x.io/a?b=1&amp;c=2|the brief> &amp; <https://y.io>"
    assert readable(text, {"U1": "Jane Doe"}) == (
        "@Jane Doe and @marc in #hiring, @here: see the brief (https://x.io/a?b=1&c=2) & https://y.io")


def test_a_note_says_who_when_and_where_in_each_language() -> None:
    message = SlackMessage("Jane Doe", AT, "Strong on &lt;b&gt;system&lt;/b&gt; design &lt;3")  # as Slack sends it
    reply = SlackMessage("Marc", AT.replace(minute=5), "Agreed <@U1>")
    text = note_text(message, "https://acme.slack.com/archives/C1/p1", "en", replies=[reply], names={"U1": "Jane"})
    assert text.splitlines()[0] == "Slack message from Jane Doe, Dec 7, 2026 at 2:03\u202fPM UTC"
    assert "https://acme.slack.com/archives/C1/p1" in text and "Strong on <b>system</b> design <3" in text
    assert text.endswith("Marc, Dec 7, 2026 at 2:05\u202fPM UTC: Agreed @Jane")
    french = note_text(message, None, "fr")
    assert french.startswith("Message Slack de Jane Doe, le 7 déc. 2026 à 14:03 UTC") and "http" not in french


def test_a_long_thread_is_cut_and_says_so() -> None:
    replies = [SlackMessage("Marc", AT, "word " * 500) for _ in range(10)]
    text = note_text(SlackMessage("Jane", AT, "hello"), None, "en", replies=replies)
    assert len(text) <= MAX_NOTE and text.endswith("(cut: the rest is in Slack)")
