"""What a Slack message becomes as a note in Leonar (issue 19 B: the "Save to Leonar" shortcut, card threads).

A note is plain text in Leonar, read far from Slack: Slack's markup is turned into what it says (a mention into
the person's name when known, a link into its label and address), and each message says who wrote it, when, and
where to find it again. Pure: the names, the dates and the link back are the caller's.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.i18n import Lang, format_clock, format_day, t

MAX_NOTE = 10_000  # characters: a thread of replies is cut (and says so) rather than refused by Leonar [GAP]
_MARKUP = re.compile(r"<([^<>]+)>")


@dataclass(frozen=True)
class SlackMessage:
    author: str  # a name as Slack gives it (users.info), never an email
    at: datetime
    text: str  # Slack's markup, as the event or the message carries it


MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")  # a person mentioned in Slack's markup: their id


def readable(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack's markup as words: `<@U1>` → "@Jane Doe" (from `names`, else "@U1"), `<#C1|hiring>` → "#hiring",
    `<https://x|label>` → "label (https://x)", `<!here>` → "@here"; `&amp;`, `&lt;`, `&gt;` are unescaped."""

    def word(match: re.Match[str]) -> str:
        inner, _, label = match.group(1).partition("|")
        if inner.startswith("@"):
            return "@" + (label or (names or {}).get(inner[1:], inner[1:]))
        if inner.startswith("#"):
            return "#" + (label or inner[1:])
        if inner.startswith("!"):
            return "@" + (label or inner[1:].split("^")[0])
        return f"{label} ({inner})" if label and label != inner else inner

    return html.unescape(_MARKUP.sub(word, text))


def note_text(message: SlackMessage, permalink: str | None, lang: Lang, *,
              replies: Sequence[SlackMessage] = (), names: Mapping[str, str] | None = None,
              heading_key: str = "notes.slack_message") -> str:
    """The note: a heading (who, when, the link back), the message, then each reply with its author and time."""
    heading = t(lang, heading_key, author=message.author, day=format_day(message.at, lang),
                clock=format_clock(message.at, lang))
    parts = [heading + (f"\n{permalink}" if permalink else ""), readable(message.text, names).strip()]
    if replies:
        parts.append(t(lang, "notes.replies"))
        parts.extend(t(lang, "notes.reply", author=reply.author, day=format_day(reply.at, lang),
                       clock=format_clock(reply.at, lang), text=readable(reply.text, names).strip())
                     for reply in replies)
    text = "\n\n".join(part for part in parts if part)
    if len(text) > MAX_NOTE:
        cut = t(lang, "notes.cut")
        text = text[: MAX_NOTE - len(cut) - 2].rstrip() + "\n\n" + cut
    return text
