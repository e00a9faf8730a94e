"""The "Save to Leonar" form (a Slack message saved as a note on a candidate): the candidate, the note (the message's
text, editable), whether the thread's replies go with it; its pending and done states.

The form's context (which message, whose form) is sealed by `bot/slack/saving.py` before it goes into
`private_metadata`: here it is only data and its JSON.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from bot.i18n import Lang, format_clock, format_day, t
from bot.views.limits import compact_json
from bot.views.options import CREATE_PREFIX, NOTICE_VALUE
from bot.views.text import clip, escape, modal, mrkdwn, plain

CALLBACK_ID = "leonar_save"
CONTACT_BLOCK, CONTACT_ACTION = "save_contact", "save_contact_select"
# A candidate the bot preselects after the form opened comes in a block of its own, so Slack shows it.
PREFILLED_BLOCK = "save_contact_prefilled"
NOTE_BLOCK, NOTE_ACTION = "save_note", "save_note_input"
REPLIES_BLOCK, REPLIES_ACTION = "save_replies", "save_replies_check"
REPLIES_VALUE = "replies"
NOTE_MAX = 3000  # Slack's most for a plain_text_input


@dataclass(frozen=True)
class SaveContext:
    """Which message the form saves, for whom: never a token, never the message's text (the note field holds it)."""

    workspace: str
    user: str  # who opened the form: the only one whose submission counts
    channel: str
    ts: str
    thread_ts: str | None = None  # the thread the message is in or starts, when it has one
    author: str | None = None  # the message's author (a user id), for the note's heading
    permalink: str | None = None  # chat.getPermalink's, once known

    def dumps(self) -> str:
        return compact_json({k: v for k, v in asdict(self).items() if v is not None})

    @classmethod
    def loads(cls, raw: str) -> SaveContext | None:
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("workspace", "user",
                                                                                         "channel", "ts")):
            return None
        return cls(**{k: str(v) for k, v in data.items() if k in cls.__dataclass_fields__ and v is not None})

    def with_permalink(self, permalink: str | None) -> SaveContext:
        return replace(self, permalink=permalink) if permalink else self


@dataclass(frozen=True)
class Form:
    """What the form shows: the note's starting text, the candidate preselected (an option), what it says."""

    note: str
    contact: dict[str, Any] | None = None
    has_thread: bool = False
    notice: str | None = None  # e.g. why the candidate could not be preselected, or a scope the key lacks
    error: str | None = None


def save_modal(ctx: SaveContext, sealed: str, form: Form, lang: Lang) -> dict[str, Any]:
    """`sealed` is the context as `saving.py` sealed it; the view's metadata also names the workspace, for the
    middleware's check that a request comes from the workspace the form was opened in."""
    blocks: list[dict[str, Any]] = [{"type": "context", "elements": [mrkdwn(_source(ctx, lang))]}]
    if form.notice:
        blocks.append({"type": "context", "elements": [mrkdwn(escape(form.notice))]})
    if form.error:
        blocks.append({"type": "section", "block_id": "error", "text": mrkdwn(f":warning: {escape(form.error)}")})
    contact: dict[str, Any] = {"type": "external_select", "action_id": CONTACT_ACTION, "min_query_length": 2,
                               "placeholder": plain(t(lang, "save.candidate_placeholder"), 150)}
    if form.contact:
        contact["initial_option"] = form.contact
    blocks.append({"type": "input", "block_id": PREFILLED_BLOCK if form.contact else CONTACT_BLOCK,
                   "label": plain(t(lang, "save.candidate")), "element": contact})
    note: dict[str, Any] = {"type": "plain_text_input", "action_id": NOTE_ACTION, "multiline": True,
                            "max_length": NOTE_MAX}
    if form.note.strip():
        note["initial_value"] = clip(form.note, NOTE_MAX, one_line=False)
    blocks.append({"type": "input", "block_id": NOTE_BLOCK, "label": plain(t(lang, "save.note")),
                   "hint": plain(t(lang, "save.note_hint")), "element": note})
    if form.has_thread:
        option = {"text": plain(t(lang, "save.replies")), "value": REPLIES_VALUE}
        blocks.append({"type": "input", "block_id": REPLIES_BLOCK, "optional": True,
                       "label": plain(t(lang, "save.replies_label")),
                       "element": {"type": "checkboxes", "action_id": REPLIES_ACTION, "options": [option]}})
    metadata = compact_json({"workspace": ctx.workspace, "sealed": sealed})
    return modal(t(lang, "save.title"), blocks, submit=t(lang, "save.submit"), close=t(lang, "add.cancel"),
                 callback_id=CALLBACK_ID, private_metadata=metadata)


def _source(ctx: SaveContext, lang: Lang) -> str:
    """Who wrote the message and when, as Slack renders them for each reader; the link back once known."""
    seconds = ctx.ts.split(".")[0]
    # The fallback, for a client that cannot render the token, is the UTC date and time in words.
    fallback = f"{format_day(_moment(seconds), lang)} {format_clock(_moment(seconds), lang)} UTC" if \
        seconds.isdigit() else ""
    when = f"<!date^{seconds}^{{date_short_pretty}} {{time}}|{fallback}>" if seconds.isdigit() else ""
    who = f"<@{ctx.author}>" if ctx.author and ctx.author.isalnum() else t(lang, "save.someone")
    text = t(lang, "save.source", author=who, when=when)
    if ctx.permalink:
        text += f" · <{ctx.permalink.replace('|', '%7C').replace('>', '%3E')}|{t(lang, 'save.open_message')}>"
    return text


def _moment(seconds: str) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)


def sealed_of(raw: str | None) -> str | None:
    """The sealed context a view's metadata carries."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return None
    sealed = data.get("sealed") if isinstance(data, dict) else None
    return sealed if isinstance(sealed, str) else None


def pending_modal(candidate: str, lang: Lang) -> dict[str, Any]:
    text = t(lang, "save.pending", candidate=escape(candidate))
    return modal(t(lang, "save.title"), [{"type": "section", "text": mrkdwn(text)}], close=t(lang, "add.close"),
                 callback_id=CALLBACK_ID + "_pending")


Outcome = Literal["saved", "not_saved", "unconfirmed"]  # unconfirmed: Leonar may have the note, nobody can tell
OUTCOME_KEYS: dict[Outcome, str] = {"saved": "save.done", "not_saved": "save.not_saved",
                                    "unconfirmed": "save.not_confirmed"}


def done_modal(candidate: str, lang: Lang, *, told: str | None = None, outcome: Outcome = "saved") -> dict[str, Any]:
    """How the save ended; `told` (mrkdwn, escaped by the caller) says what else the saver should know: why, or
    that the ✓ could not be added."""
    key = OUTCOME_KEYS[outcome]
    blocks: list[dict[str, Any]] = [{"type": "section", "text": mrkdwn(t(lang, key, candidate=escape(candidate)))}]
    if told:
        blocks.append({"type": "context", "elements": [mrkdwn(told)]})
    return modal(t(lang, "save.title"), blocks, close=t(lang, "add.done_button"), callback_id=CALLBACK_ID + "_done")


@dataclass(frozen=True)
class Choice:
    contact: dict[str, Any] | None
    contact_block: str
    note: str
    replies: bool

    @property
    def contact_id(self) -> str:
        return str((self.contact or {}).get("value") or "")

    def problems(self, lang: Lang) -> dict[str, str]:
        problems = {}
        if self.contact_id in ("", NOTICE_VALUE) or self.contact_id.startswith(CREATE_PREFIX):
            problems[self.contact_block] = t(lang, "add.pick_candidate")
        if not self.note.strip():
            problems[NOTE_BLOCK] = t(lang, "save.note_empty")
        return problems


def read_submission(values: dict[str, dict[str, Any]]) -> Choice:
    block = PREFILLED_BLOCK if PREFILLED_BLOCK in values else CONTACT_BLOCK
    option = (values.get(block) or {}).get(CONTACT_ACTION, {}).get("selected_option")
    note = (values.get(NOTE_BLOCK) or {}).get(NOTE_ACTION, {}).get("value")
    ticked = (values.get(REPLIES_BLOCK) or {}).get(REPLIES_ACTION, {}).get("selected_options") or []
    return Choice(contact=option if isinstance(option, dict) else None, contact_block=block,
                  note=note if isinstance(note, str) else "",
                  replies=any(isinstance(o, dict) and o.get("value") == REPLIES_VALUE for o in ticked))
