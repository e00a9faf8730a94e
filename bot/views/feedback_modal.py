"""The "Ask for feedback" form: candidates, reviewers (people and/or one channel), a question, a due date.

Opened from a candidate's button (card, unfurl: that candidate) or `/leonar-add feedback [project]`: then a project
(its own menu ids; the same options as the add form's), a stage (its block id embeds the project id, so Slack drops
a stage of the previous project) and up to MAX_CANDIDATES of that stage's candidates, all ticked.

Its metadata (`FeedbackForm`) carries the workspace (checked by the access gate like any modal's), the project and
the candidates the form shows: names come from there at submit, never from Leonar again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from bot.i18n import Lang, t
from bot.leonar import Project
from bot.store.feedback import Candidate
from bot.views.limits import compact_json, slack_length
from bot.views.metadata import MAX_LENGTH, json_object
from bot.views.options import option, stage_option
from bot.views.text import clip, escape, modal, mrkdwn, plain

CALLBACK_ID = "leonar_feedback"
ERROR_BLOCK = "feedback_error"
PROJECT_BLOCK, PROJECT_ACTION = "feedback_project", "feedback_project_select"
STAGE_BLOCK_PREFIX, STAGE_ACTION = "feedback_stage_", "feedback_stage_select"
CANDIDATES_BLOCK, CANDIDATES_ACTION = "feedback_candidates", "feedback_candidates_pick"
REVIEWERS_BLOCK, REVIEWERS_ACTION = "feedback_reviewers", "feedback_reviewers_pick"
CHANNEL_BLOCK, CHANNEL_ACTION = "feedback_channel", "feedback_channel_pick"
QUESTION_BLOCK, QUESTION_ACTION = "feedback_question", "feedback_question_input"
DUE_BLOCK, DUE_ACTION = "feedback_due", "feedback_due_pick"
MAX_CANDIDATES = 10
MAX_REVIEWERS = 20
NAME, ROLE = 60, 60  # how much of a candidate's name and role the form carries (metadata is 3,000 characters)


@dataclass(frozen=True)
class FeedbackForm:
    """The form's private_metadata. `fixed`: the candidates came with it (a candidate's button)."""

    workspace: str | None = None
    project_id: str | None = None
    project_name: str | None = None
    stage_id: str | None = None
    candidates: tuple[Candidate, ...] = ()
    fixed: bool = False

    def dumps(self) -> str:
        """As JSON within Slack's 3,000 characters: names and roles are shortened until it fits (ids always stay;
        ten candidates whose names are emoji take twice the room of plain ones)."""
        for name, role in ((NAME, ROLE), (30, 20), (12, 0)):
            people = [asdict(Candidate(c.id, clip(c.name, name), clip(c.role, role) if role else ""))
                      for c in self.candidates]
            data = asdict(self) | {"candidates": people, "project_name": clip(self.project_name or "", 60) or None}
            raw = compact_json({k: v for k, v in data.items() if v not in (None, (), [], False)})
            if slack_length(raw) <= MAX_LENGTH:
                return raw
        return compact_json({"workspace": self.workspace, "fixed": self.fixed} if self.fixed else
                            {"workspace": self.workspace})

    @classmethod
    def loads(cls, raw: str | None) -> FeedbackForm:
        data = json_object(raw)
        listed = data.get("candidates")
        people: list[Any] = listed if isinstance(listed, list) else []
        candidates = tuple(Candidate(str(c.get("id") or ""), str(c.get("name") or ""), str(c.get("role") or ""))
                           for c in people[:MAX_CANDIDATES] if isinstance(c, dict) and c.get("id"))
        text = {k: str(data[k]) for k in ("workspace", "project_id", "project_name", "stage_id") if data.get(k)}
        return cls(candidates=candidates, fixed=bool(data.get("fixed")), **text)

    def with_candidates(self, candidates: list[Candidate]) -> FeedbackForm:
        return replace(self, candidates=tuple(Candidate(c.id, clip(c.name, NAME), clip(c.role, ROLE))
                                              for c in candidates[:MAX_CANDIDATES]))


@dataclass(frozen=True)
class FeedbackChoice:
    """A submitted form."""

    contact_ids: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    channel: str | None = None
    question: str = ""
    due: date | None = None
    problems: dict[str, str] = field(default_factory=dict)


def feedback_modal(form: FeedbackForm, *, due: date, lang: Lang, project: Project | None = None,
                   error: str | None = None, empty_stage: bool = False) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    if error:
        blocks.append({"type": "section", "block_id": ERROR_BLOCK, "text": mrkdwn(f":warning: {error}")})
    if form.fixed:
        names = "\n".join(_line(c) for c in form.candidates)
        blocks.append({"type": "section", "text": mrkdwn(f"*{t(lang, 'feedback.candidates')}*\n{names}")})
        if form.project_name:  # from a card: what the verdict is for
            blocks.append({"type": "context", "elements": [
                mrkdwn(t(lang, "feedback.for_project", project=escape(clip(form.project_name, 150))))]})
    else:
        blocks += _pickers(form, project, lang, empty_stage=empty_stage)
    blocks += [
        {"type": "input", "block_id": REVIEWERS_BLOCK, "optional": True,
         "label": plain(t(lang, "feedback.reviewers"), 2000), "hint": plain(t(lang, "feedback.reviewers_hint"), 2000),
         "element": {"type": "multi_users_select", "action_id": REVIEWERS_ACTION, "max_selected_items": MAX_REVIEWERS,
                     "placeholder": plain(t(lang, "feedback.reviewers_placeholder"), 150)}},
        {"type": "input", "block_id": CHANNEL_BLOCK, "optional": True,
         "label": plain(t(lang, "feedback.channel"), 2000),
         "element": {"type": "conversations_select", "action_id": CHANNEL_ACTION,
                     "filter": {"include": ["public", "private"], "exclude_bot_users": True},
                     "placeholder": plain(t(lang, "feedback.channel_placeholder"), 150)}},
        {"type": "input", "block_id": QUESTION_BLOCK, "label": plain(t(lang, "feedback.question"), 2000),
         "element": {"type": "plain_text_input", "action_id": QUESTION_ACTION, "max_length": 300,
                     "initial_value": t(lang, "feedback.default_question")}},
        {"type": "input", "block_id": DUE_BLOCK, "label": plain(t(lang, "feedback.due"), 2000),
         "element": {"type": "datepicker", "action_id": DUE_ACTION, "initial_date": due.isoformat()}},
    ]
    return modal(t(lang, "feedback.title"), blocks, close=t(lang, "add.cancel"), submit=t(lang, "feedback.send"),
                 callback_id=CALLBACK_ID, private_metadata=form.dumps())


def _pickers(form: FeedbackForm, project: Project | None, lang: Lang, *, empty_stage: bool) -> list[dict[str, Any]]:
    menu: dict[str, Any] = {"type": "external_select", "action_id": PROJECT_ACTION, "min_query_length": 0,
                            "placeholder": plain(t(lang, "add.project_placeholder"), 150)}
    if form.project_id:
        menu["initial_option"] = option(form.project_name or form.project_id, form.project_id)
    blocks: list[dict[str, Any]] = [{"type": "input", "block_id": PROJECT_BLOCK, "dispatch_action": True,
                                     "label": plain(t(lang, "add.project"), 2000), "element": menu}]
    if project is None or not project.stages:
        return blocks
    stages: dict[str, Any] = {"type": "static_select", "action_id": STAGE_ACTION,
                              "options": [stage_option(s) for s in project.stages[:100]],
                              "placeholder": plain(t(lang, "feedback.stage_placeholder"), 150)}
    picked = next((s for s in project.stages if s.id == form.stage_id), None)
    if picked is not None:
        stages["initial_option"] = stage_option(picked)
    blocks.append({"type": "input", "block_id": f"{STAGE_BLOCK_PREFIX}{project.id}"[:255], "dispatch_action": True,
                   "label": plain(t(lang, "feedback.stage"), 2000), "element": stages})
    if form.candidates:
        options = [option(_label(c), c.id) for c in form.candidates]
        blocks.append({"type": "input", "block_id": f"{CANDIDATES_BLOCK}_{form.stage_id}"[:255],
                       "label": plain(t(lang, "feedback.candidates"), 2000),
                       "element": {"type": "checkboxes", "action_id": CANDIDATES_ACTION, "options": options,
                                   "initial_options": options}})
    elif empty_stage:
        blocks.append({"type": "context", "elements": [mrkdwn(t(lang, "feedback.empty_stage"))]})
    return blocks


def _label(candidate: Candidate) -> str:
    return f"{candidate.name} — {candidate.role}" if candidate.role else candidate.name


def _line(candidate: Candidate) -> str:
    role = f" — {escape(candidate.role)}" if candidate.role else ""
    return f"• *{escape(candidate.name)}*{role}"


def read_feedback(values: dict[str, dict[str, Any]], form: FeedbackForm, lang: Lang, today: date) -> FeedbackChoice:
    """What was submitted, and what is wrong with it (errors keyed by the input block they belong to)."""
    def picked(prefix: str, action: str) -> tuple[str, dict[str, Any]]:
        for block_id, actions in values.items():
            if block_id.startswith(prefix) and action in actions:
                return block_id, actions[action] or {}
        return prefix, {}

    problems: dict[str, str] = {}
    if form.fixed:
        contact_ids = tuple(c.id for c in form.candidates)
    else:
        block, ticked = picked(CANDIDATES_BLOCK, CANDIDATES_ACTION)
        known = {c.id for c in form.candidates}
        contact_ids = tuple(o["value"] for o in ticked.get("selected_options") or [] if o.get("value") in known)
        if not contact_ids:
            where = block if block != CANDIDATES_BLOCK else (
                picked(STAGE_BLOCK_PREFIX, STAGE_ACTION)[0] if form.project_id else PROJECT_BLOCK)
            problems[where if where in values else PROJECT_BLOCK] = t(lang, "feedback.no_candidates")
    reviewers = tuple(dict.fromkeys(str(u) for u in picked(REVIEWERS_BLOCK, REVIEWERS_ACTION)[1]
                                    .get("selected_users") or []))
    channel = picked(CHANNEL_BLOCK, CHANNEL_ACTION)[1].get("selected_conversation") or None
    if not reviewers and not channel:
        problems[REVIEWERS_BLOCK] = t(lang, "feedback.no_reviewers")
    question = " ".join(str(picked(QUESTION_BLOCK, QUESTION_ACTION)[1].get("value") or "").split())
    raw_due = picked(DUE_BLOCK, DUE_ACTION)[1].get("selected_date")
    try:
        due = date.fromisoformat(str(raw_due)) if raw_due else None
    except ValueError:
        due = None
    if due is None or due < today:
        problems[DUE_BLOCK] = t(lang, "feedback.due_past")
    return FeedbackChoice(contact_ids, reviewers, str(channel) if channel else None,
                          question or t(lang, "feedback.default_question"), due, problems)
