"""What a feedback request looks like in Slack: the request message (a compact card per candidate with Yes / Maybe /
No and "Add a comment", and the tally), the comment form, the reminder, the requester's summary, the note saved in
Leonar, and the App Home's list of open requests. Candidates are shown by name and role: never an email or a phone,
whoever the reviewer is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from bot.i18n import Lang, format_day, t
from bot.store.feedback import VERDICTS, Answer, Candidate, FeedbackRequest
from bot.views.text import clip, escape, modal, mrkdwn, plain

ANSWER_ACTION = "feedback_answer"  # value: "<request>|<contact>|<verdict>"
COMMENT_ACTION = "feedback_comment"  # value: "<request>|<contact>"
COMMENT_CALLBACK = "leonar_feedback_comment"
VERDICT_BLOCK, VERDICT_ACTION = "feedback_verdict", "feedback_verdict_pick"
COMMENT_BLOCK, COMMENT_INPUT = "feedback_comment_text", "feedback_comment_input"
HOME_CLOSE_ACTION, HOME_REMIND_ACTION = "home_feedback_close", "home_feedback_remind"
ASK_ACTION = "ask_feedback"  # on candidate cards and contact unfurls; value: the contact's Leonar id[:project id]
STYLES = {"yes": "primary", "no": "danger"}


@dataclass(frozen=True)
class AnswerRef:
    """What an answer button carries: which request, which candidate, which verdict."""

    request_id: str
    contact_id: str
    verdict: str | None = None

    def value(self) -> str:
        return "|".join((self.request_id, self.contact_id, self.verdict or ""))

    @classmethod
    def parse(cls, raw: object) -> AnswerRef | None:
        parts = str(raw or "").split("|")
        if len(parts) != 3 or not parts[0] or not parts[1] or parts[2] not in ("", *VERDICTS):
            return None
        return cls(parts[0], parts[1], parts[2] or None)


def due_text(day: str, lang: Lang) -> str:
    return format_day(datetime.combine(date.fromisoformat(day), time(12), UTC), lang)


def verdict_text(verdict: str, lang: Lang) -> str:
    return t(lang, f"feedback.verdict_{verdict}")


def request_message(request: FeedbackRequest, answers: list[Answer], lang: Lang) -> dict[str, Any]:
    """The one message each reviewer (or the channel) gets, rebuilt with the tally after every answer."""
    closed = request.closed_at is not None
    question = escape(clip(request.question, 300))
    due = due_text(request.due_day, lang)
    intro = (t(lang, "feedback.asks_project", user=request.requester, project=escape(clip(request.project, 150)),
               question=question, due=due) if request.project
             else t(lang, "feedback.asks", user=request.requester, question=question, due=due))
    blocks: list[dict[str, Any]] = [{"type": "section", "text": mrkdwn(intro)}]
    for n, candidate in enumerate(request.candidates):
        blocks.append({"type": "section", "block_id": f"c{n}", "text": mrkdwn(_card(candidate))})
        if not closed:
            blocks.append({"type": "actions", "block_id": f"a{n}", "elements": _buttons(request.id, candidate, lang)})
        blocks.append({"type": "context", "block_id": f"t{n}",
                       "elements": [mrkdwn(tally(candidate.id, answers, lang))]})
    footer = t(lang, "feedback.closed") if closed else t(lang, "feedback.saved_in_leonar")
    blocks.append({"type": "context", "elements": [mrkdwn(footer)]})
    text = t(lang, "feedback.asks_text", user=request.requester, question=question)
    return {"text": text, "blocks": blocks}


def _card(candidate: Candidate) -> str:
    role = f"\n{escape(clip(candidate.role, 150))}" if candidate.role else ""
    return f"*{escape(clip(candidate.name, 150))}*{role}"


def _buttons(request_id: str, candidate: Candidate, lang: Lang) -> list[dict[str, Any]]:
    buttons: list[dict[str, Any]] = []
    for verdict in VERDICTS:
        button = {"type": "button", "action_id": f"{ANSWER_ACTION}_{verdict}",
                  "text": plain(verdict_text(verdict, lang), 75),
                  "value": AnswerRef(request_id, candidate.id, verdict).value()}
        if verdict in STYLES:
            button["style"] = STYLES[verdict]
        buttons.append(button)
    buttons.append({"type": "button", "action_id": COMMENT_ACTION, "text": plain(t(lang, "feedback.comment"), 75),
                    "value": AnswerRef(request_id, candidate.id).value()})
    return buttons


def tally(contact_id: str, answers: list[Answer], lang: Lang) -> str:
    """"Yes 1 · Maybe 0 · No 1 — @Jane: Yes, @Bob: No", or that nobody answered yet."""
    mine = [a for a in answers if a.contact_id == contact_id]
    if not mine:
        return t(lang, "feedback.no_answer_yet")
    counts = Counter(a.verdict for a in mine)
    totals = " · ".join(f"{verdict_text(v, lang)} {counts[v]}" for v in VERDICTS)
    who = ", ".join(f"<@{a.reviewer}>: {verdict_text(a.verdict, lang)}" for a in mine)
    return f"{totals} — {who}"


def comment_modal(ref: AnswerRef, candidate: Candidate, metadata: str, lang: Lang,
                  current: Answer | None = None) -> dict[str, Any]:
    options = [{"text": plain(verdict_text(v, lang), 75), "value": v} for v in VERDICTS]
    verdict: dict[str, Any] = {"type": "radio_buttons", "action_id": VERDICT_ACTION, "options": options}
    if current is not None:
        verdict["initial_option"] = next(o for o in options if o["value"] == current.verdict)
    text: dict[str, Any] = {"type": "plain_text_input", "action_id": COMMENT_INPUT, "multiline": True,
                            "max_length": 2000}
    if current is not None and current.comment:
        text["initial_value"] = current.comment
    blocks = [{"type": "section", "text": mrkdwn(_card(candidate))},
              {"type": "input", "block_id": VERDICT_BLOCK, "label": plain(t(lang, "feedback.verdict"), 2000),
               "element": verdict},
              {"type": "input", "block_id": COMMENT_BLOCK, "label": plain(t(lang, "feedback.comment_label"), 2000),
               "element": text}]
    return modal(t(lang, "feedback.comment_title"), blocks, close=t(lang, "add.cancel"),
                 submit=t(lang, "feedback.comment_submit"), callback_id=COMMENT_CALLBACK, private_metadata=metadata)


def note_text(request: FeedbackRequest, candidate: Candidate, answer: Answer, reviewer: str, requester: str,
              lang: Lang) -> str:
    """The note saved on the candidate in Leonar (plain text, not mrkdwn): who, when, what, and who asked."""
    verdict = verdict_text(answer.verdict, lang)
    said = t(lang, "feedback.note_changed", verdict=verdict) if answer.previous else verdict
    if answer.comment:
        said = f"{said} — {answer.comment.strip()}"
    if not said.endswith((".", "!", "?", "…")):
        said += "."  # one full stop, whether or not the comment brought its own
    asked = t(lang, "feedback.note_asked", user=requester, project=request.project) if request.project else (
        t(lang, "feedback.note_asked_alone", user=requester))
    day = format_day(datetime.fromtimestamp(answer.answered_at, UTC), lang)
    return t(lang, "feedback.note", reviewer=reviewer, day=day, said=said, asked=asked,
             question=request.question)


def reminder_message(request: FeedbackRequest, lang: Lang) -> dict[str, Any]:
    text = t(lang, "feedback.reminder", user=request.requester, count=len(request.candidates),
             question=escape(clip(request.question, 300)), due=due_text(request.due_day, lang))
    return {"text": text, "blocks": [{"type": "section", "text": mrkdwn(text)}]}


def summary_message(request: FeedbackRequest, answers: list[Answer], missing: list[str], lang: Lang
                    ) -> dict[str, Any]:
    """To the requester: once everyone answered (`missing` empty), or at the due date with who did not (a request
    with a channel, whose members are not counted, at the due date with the answers)."""
    question = escape(clip(request.question, 300))
    if missing:
        head = t(lang, "feedback.summary_missing", question=question, people=", ".join(f"<@{u}>" for u in missing))
    else:
        head = t(lang, "feedback.summary_due" if request.channel else "feedback.summary_all", question=question)
    lines = [f"*{escape(clip(c.name, 150))}*: {tally(c.id, answers, lang)}" for c in request.candidates]
    return {"text": head, "blocks": [{"type": "section", "text": mrkdwn(head)},
                                     {"type": "section", "text": mrkdwn("\n".join(lines))}]}


def home_requests(requests: list[tuple[FeedbackRequest, int, int]], lang: Lang) -> list[dict[str, Any]]:
    """The App Home's section: the viewer's open requests, each with (answered, expected) and Close / Remind now."""
    if not requests:
        return []
    blocks: list[dict[str, Any]] = [{"type": "divider"},
                                    {"type": "section", "text": mrkdwn(t(lang, "feedback.home_title"))}]
    for request, answered, expected in requests[:15]:
        names = ", ".join(escape(clip(c.name, 60)) for c in request.candidates[:5])
        where = f" · <#{request.channel}>" if request.channel else ""
        line = t(lang, "feedback.home_line", question=escape(clip(request.question, 150)), names=names,
                 answered=answered, expected=expected, due=due_text(request.due_day, lang)) + where
        blocks.append({"type": "section", "text": mrkdwn(line)})
        blocks.append({"type": "actions", "block_id": f"feedback_{request.id}"[:255], "elements": [
            {"type": "button", "action_id": HOME_REMIND_ACTION, "value": request.id,
             "text": plain(t(lang, "feedback.remind_now"), 75)},
            {"type": "button", "action_id": HOME_CLOSE_ACTION, "value": request.id, "style": "danger",
             "text": plain(t(lang, "feedback.close"), 75)}]})
    return blocks


def ask_block(contact_id: str, lang: Lang, project_id: str | None = None) -> dict[str, Any]:
    """Cards' and contact unfurls' "Ask for feedback", beside a line saying what it does. A card's names its
    project too ("<contact id>:<project id>"), for the request and its notes to say what the verdict is for."""
    value = f"{contact_id}:{project_id}" if project_id else contact_id
    button = {"type": "button", "action_id": ASK_ACTION, "value": value[:150],
              "text": plain(t(lang, "feedback.ask"), 75)}
    return {"type": "section", "block_id": "ask_feedback", "text": mrkdwn(t(lang, "feedback.ask_prompt")),
            "accessory": button}


def sent_modal(request: FeedbackRequest, lang: Lang) -> dict[str, Any]:
    """What the form becomes once the request is accepted: to whom it goes, and what comes next."""
    who = ", ".join([*(f"<@{u}>" for u in request.reviewers), *((f"<#{request.channel}>",) if request.channel else ())])
    text = t(lang, "feedback.sent", who=who, due=due_text(request.due_day, lang))
    return modal(t(lang, "feedback.title"), [{"type": "section", "text": mrkdwn(text)}], close=t(lang, "add.close"))
