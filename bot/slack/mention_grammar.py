"""What a mention of the bot (or a message in its DM) asks, read with a small fixed grammar, English or French.

    find <who>                                   cherche <who>
    pipeline <project>                           pipeline <project>
    add <who> to <project> [at <stage>]          ajoute <who> à <project> [en <stage>]

<who> is a LinkedIn URL, a Leonar contact link, an email or a name. The verb is the first word (case and accents
ignored); anything else is `Unknown`, answered with the help: the bot never guesses. For an add, <who> ends at the
first " to " / " à ", and the stage starts at the last " at " / " en " (a project named "… at …" is then written
without a stage: "add X to Sales at Paris at Interview"). Pure: Slack's markup is read here, nothing is looked up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.leonar.links import parse_link
from bot.leonar.resolve import fold

# Slack's markup: <@U…> people (the bot's mention among them), <#C…|name>, <!here>, <url|label>, <mailto:x|x>.
MARKUP = re.compile(r"<([^<>\n]*)>")
MAX_TEXT = 500  # more is a message, not a request to the bot


@dataclass(frozen=True)
class Find:
    who: str
    lang: str


@dataclass(frozen=True)
class Pipeline:
    project: str
    lang: str | None  # the same word in both languages: the asker's own


@dataclass(frozen=True)
class Add:
    who: str
    project: str
    stage: str | None
    lang: str
    contact_id: str | None = None  # a Leonar contact link names its contact


@dataclass(frozen=True)
class Unknown:
    lang: str | None  # the language the words were in, when a verb told it


Request = Find | Pipeline | Add | Unknown

VERBS = {"find": ("find", "en"), "cherche": ("find", "fr"), "chercher": ("find", "fr"),
         "pipeline": ("pipeline", None), "add": ("add", "en"), "ajoute": ("add", "fr"), "ajouter": ("add", "fr")}
TO = {"en": " to ", "fr": " a "}  # compared folded: "à" is "a"
AT = {"en": " at ", "fr": " en "}


def parse(text: str, bot_user_id: str | None) -> Request:
    """The request in the message text `text` (as Slack sends it, markup and escapes included)."""
    words = plain(text, bot_user_id)
    if not words or len(words) > MAX_TEXT:
        return Unknown(None)
    verb, _, rest = words.partition(" ")
    found = VERBS.get(fold(verb).rstrip(":,"))
    if found is None:
        return Unknown(None)
    kind, lang = found
    rest = rest.strip()
    if not rest:
        return Unknown(lang)
    if kind == "find":
        return Find(rest, lang or "en")
    if kind == "pipeline":
        return Pipeline(rest, None)
    assert lang is not None
    return _add(rest, lang)


def _add(rest: str, lang: str) -> Request:
    folded = fold(rest)
    # fold() keeps the length of plain text but not of every character: work on the folded text's positions only
    # when they line up with the original's.
    if len(folded) != len(rest):
        return Unknown(lang)
    cut = folded.find(TO[lang])
    if cut <= 0:
        return Unknown(lang)
    who, after = rest[:cut].strip(), rest[cut + len(TO[lang]):]
    at = fold(after).rfind(AT[lang])
    project, stage = (after[:at], after[at + len(AT[lang]):]) if at > 0 else (after, None)
    project, stage = project.strip(), (stage or "").strip() or None
    if not who or not project:
        return Unknown(lang)
    link = parse_link(who)
    return Add(who, project, stage, lang, contact_id=link.id if link and link.kind == "contact" else None)


def plain(text: str, bot_user_id: str | None) -> str:
    """The words, Slack's markup read: the bot's own mention and <!here>-like specials dropped, a link as its
    address (mailto: as the email), other people and channels as their bare ids (@U…, #C…: never looked up, so
    no name is acted on); Slack's three escapes undone; spaces collapsed."""

    def unmarked(found: re.Match[str]) -> str:
        target = found.group(1).split("|", 1)[0].strip()
        if target.startswith(("@", "#", "!")):
            return " " if target[1:] == bot_user_id or target.startswith("!") else f" {target} "
        return f" {target.removeprefix('mailto:')} "

    words = MARKUP.sub(unmarked, text or "")
    words = words.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(words.split())
