"""The "Add to Leonar" modal: project, candidate, stage and where to post the card."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.i18n import Lang, t
from bot.leonar import AlreadyInProject, LeonarError, NewEntry, NotFound, Project, ValidationFailed
from bot.views.metadata import ModalContext
from bot.views.options import CREATE_PREFIX, NOTICE_VALUE, stage_option
from bot.views.text import escape, modal, mrkdwn, plain

CALLBACK_ID = "leonar_add"
PROJECT_BLOCK, PROJECT_ACTION = "project", "project_select"
CONTACT_BLOCK, CONTACT_ACTION = "contact", "contact_select"
# The candidate menu gets a new block when the bot picks a candidate for the user (a prefill's single match, a
# contact just created), so Slack shows that initial option instead of what the old block held.
PREFILLED_BLOCK, CREATED_BLOCK = "contact_prefilled", "contact_created"
# The stage block's id embeds the project id: a new project gets a new block, so Slack drops the old
# project's stage selection instead of carrying it over.
STAGE_BLOCK_PREFIX, STAGE_ACTION = "stage_", "stage_select"
STAGE_PLACEHOLDER_BLOCK, STAGE_PLACEHOLDER_ACTION = "stage_pending", "stage_pending_select"
CHANNEL_BLOCK, CHANNEL_ACTION = "channel", "channel_select"
NOTE_BLOCK, NOTE_ACTION = "note", "note_input"
NOTE_MAX = 3000


@dataclass(frozen=True)
class Picked:
    """Choices to show again when the modal is rebuilt from scratch (after a slow submit failed)."""

    project: dict[str, Any] | None = None
    contact: dict[str, Any] | None = None
    stage_id: str | None = None
    channel_id: str | None = None
    note: str | None = None


def contact_block_of(view: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """The candidate menu's block id in a view, and the option it was built with (a prefilled candidate)."""
    for block in view.get("blocks", []):
        element = block.get("element") or {}
        if element.get("action_id") == CONTACT_ACTION:
            return str(block.get("block_id") or CONTACT_BLOCK), element.get("initial_option")
    return CONTACT_BLOCK, None


def stage_block_id(project_id: str) -> str:
    return f"{STAGE_BLOCK_PREFIX}{project_id}"[:255]


def add_modal(
    ctx: ModalContext,
    *,
    project: Project | None = None,
    stages_note: str | None = None,
    notice: str | None = None,
    error: str | None = None,
    picked: Picked | None = None,
    lang: Lang = "en",
    contact_block: str = CONTACT_BLOCK,
) -> dict[str, Any]:
    """`contact_block` other than the default gives the candidate menu a new block, so Slack shows its new
    initial option (a prefilled candidate) instead of keeping what the old block held."""
    picked = picked or Picked()
    blocks: list[dict[str, Any]] = []
    if notice:
        blocks.append({"type": "context", "elements": [mrkdwn(notice)]})
    if error:
        blocks.append({"type": "section", "block_id": "error", "text": mrkdwn(f":warning: {escape(error)}")})
    blocks.append(_select_input(PROJECT_BLOCK, PROJECT_ACTION, t(lang, "add.project"),
                                t(lang, "add.project_placeholder"), min_query_length=0, dispatch=True,
                                initial=picked.project))
    # Seeded, the menu lists the seed's matches as soon as it opens.
    # dispatch_action: choosing "Create …" must reach the bot at once, to push the creation form.
    blocks.append(_select_input(contact_block, CONTACT_ACTION, t(lang, "add.candidate"),
                                t(lang, "add.candidate_placeholder"), min_query_length=0 if ctx.seed else 2,
                                dispatch=True, initial=picked.contact))
    blocks.extend(_stage_blocks(project, stages_note, picked.stage_id, lang))
    note: dict[str, Any] = {"type": "plain_text_input", "action_id": NOTE_ACTION, "multiline": True,
                            "max_length": NOTE_MAX, "placeholder": plain(t(lang, "add.note_placeholder"), 150)}
    if picked.note:
        note["initial_value"] = picked.note
    blocks.append({"type": "input", "block_id": NOTE_BLOCK, "optional": True, "label": plain(t(lang, "add.note")),
                   "element": note})
    channel: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": CHANNEL_ACTION,
        "default_to_current_conversation": True,
        # Gives the submit a response_url for the chosen conversation: the card's fallback route when
        # the bot is not a member there.
        "response_url_enabled": True,
        "placeholder": plain(t(lang, "add.channel_placeholder")),
    }
    if preset := picked.channel_id or ctx.default_channel:
        # Slack ignores initial_conversation while default_to_current_conversation is on.
        channel["default_to_current_conversation"] = False
        channel["initial_conversation"] = preset
    elif ctx.channel_id:
        channel["initial_conversation"] = ctx.channel_id
    blocks.append({"type": "input", "block_id": CHANNEL_BLOCK, "label": plain(t(lang, "add.channel")),
                   "element": channel})
    return modal(t(lang, "add.title"), blocks, submit=t(lang, "add.submit"), close=t(lang, "add.cancel"),
                 callback_id=CALLBACK_ID, private_metadata=ctx.dumps())


def _select_input(
    block_id: str,
    action_id: str,
    label: str,
    placeholder: str,
    *,
    min_query_length: int,
    dispatch: bool = False,
    initial: dict[str, Any] | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "external_select",
        "action_id": action_id,
        "placeholder": plain(placeholder, 150),
        "min_query_length": min_query_length,
    }
    if initial:
        element["initial_option"] = initial
    block: dict[str, Any] = {"type": "input", "block_id": block_id, "label": plain(label), "element": element}
    if dispatch:
        # Without it a select inside an input block sends no block_actions, and the stages never load.
        block["dispatch_action"] = True
    return block


def _stage_blocks(
    project: Project | None, note: str | None, stage_id: str | None, lang: Lang
) -> list[dict[str, Any]]:
    stages = project.stages[:100] if project else []
    if not stages:
        # A stage menu is there from the start, so the form reads the same before and after a project is
        # picked; until then its only option explains what to do.
        hint = note or t(lang, "add.stage_pick_project" if project is None else "add.stage_none")
        return [{
            "type": "input",
            "block_id": STAGE_PLACEHOLDER_BLOCK,
            "optional": True,
            "label": plain(t(lang, "add.stage")),
            "hint": plain(hint, 2000),
            "element": {"type": "external_select", "action_id": STAGE_PLACEHOLDER_ACTION, "min_query_length": 0,
                        "placeholder": plain(t(lang, "add.stage_first"))},
        }]
    assert project is not None
    options = [stage_option(stage) for stage in stages]
    initial = next((o for o in options if o["value"] == stage_id), options[0])
    return [{
        "type": "input",
        "block_id": stage_block_id(project.id),
        "optional": True,
        "label": plain(t(lang, "add.stage")),
        "hint": plain(t(lang, "add.stage_hint")),
        "element": {
            "type": "static_select",
            "action_id": STAGE_ACTION,
            "placeholder": plain(t(lang, "add.stage_placeholder")),
            "options": options,
            "initial_option": initial,
        },
    }]


def pending_modal(ctx: ModalContext, candidate: str, project: str, lang: Lang = "en") -> dict[str, Any]:
    """Shown while Leonar is slower than Slack's 3-second submit window allows."""
    text = t(lang, "add.pending", candidate=escape(candidate), project=escape(project))
    return modal(t(lang, "add.title"), [{"type": "section", "text": mrkdwn(text)}], close=t(lang, "add.close"),
                 callback_id=CALLBACK_ID + "_pending", private_metadata=ctx.dumps())


def done_modal(candidate: str, project: str, stage: str | None, lang: Lang = "en") -> dict[str, Any]:
    text = (t(lang, "add.done_at", candidate=escape(candidate), project=escape(project), stage=escape(stage))
            if stage else t(lang, "add.done", candidate=escape(candidate), project=escape(project)))
    return modal(t(lang, "add.title"), [{"type": "section", "text": mrkdwn(text)}],
                 close=t(lang, "add.done_button"), callback_id=CALLBACK_ID + "_done")


@dataclass(frozen=True)
class Submission:
    """What the user chose, read from the submitted view's state: the add to send to Leonar (`entry`, once
    `problems` finds nothing wrong), the note and the card's conversation, and the options and blocks the form
    showed them in."""

    entry: NewEntry
    project: dict[str, Any] | None
    contact: dict[str, Any] | None
    stage: dict[str, Any] | None
    channel_id: str | None
    note: str | None = None  # saved on the contact once the entry is in
    contact_block: str = CONTACT_BLOCK
    stage_block: str | None = None  # the picked project's stage block, when the form had its stages

    def problems(self, lang: Lang = "en") -> dict[str, str]:
        """Inline errors keyed by block_id, for choices that are explanatory notices rather than picks."""
        problems = {}
        if self.entry.project_id in ("", NOTICE_VALUE):
            problems[PROJECT_BLOCK] = t(lang, "add.pick_project")
        if self.entry.contact_id in ("", NOTICE_VALUE) or self.entry.contact_id.startswith(CREATE_PREFIX):
            problems[self.contact_block] = t(lang, "add.pick_candidate")
        if not self.channel_id:
            problems[CHANNEL_BLOCK] = t(lang, "add.pick_channel")
        return problems

    def error_block(self, error: LeonarError) -> str:
        """The input block a failed add's error shows under, judged from Leonar's "<field>: <reason>" message."""
        if isinstance(error, AlreadyInProject):
            return self.contact_block
        if isinstance(error, ValidationFailed) and error.field == "stage_id" and self.stage_block:
            return self.stage_block
        if isinstance(error, ValidationFailed | NotFound) and "contact" in error.message.lower():
            return self.contact_block
        return PROJECT_BLOCK

    def picked(self) -> Picked:
        return Picked(project=self.project, contact=self.contact, stage_id=self.entry.stage_id,
                      channel_id=self.channel_id, note=self.note)


def read_submission(values: dict[str, dict[str, Any]]) -> Submission:
    def selected(block_id: str, action_id: str) -> dict[str, Any] | None:
        option = (values.get(block_id) or {}).get(action_id, {}).get("selected_option")
        return option if isinstance(option, dict) else None

    project = selected(PROJECT_BLOCK, PROJECT_ACTION)
    project_id = (project or {}).get("value")
    # Only the stage block of the chosen project counts; a stale one (older project) is ignored.
    stage_block = stage_block_id(project_id) if project_id else None
    stage = selected(stage_block, STAGE_ACTION) if stage_block and stage_block in values else None
    channel = (values.get(CHANNEL_BLOCK) or {}).get(CHANNEL_ACTION, {}).get("selected_conversation")
    note = (values.get(NOTE_BLOCK) or {}).get(NOTE_ACTION, {}).get("value")
    contact_block = next((b for b in values if b.startswith(CONTACT_BLOCK) and CONTACT_ACTION in values[b]),
                         CONTACT_BLOCK)
    contact = selected(contact_block, CONTACT_ACTION)
    return Submission(
        entry=NewEntry(project_id=str(project_id or ""), contact_id=str((contact or {}).get("value") or ""),
                       stage_id=(stage or {}).get("value")),
        project=project,
        contact=contact,
        contact_block=contact_block,
        stage=stage,
        stage_block=stage_block if stage_block and stage_block in values else None,
        channel_id=channel,
        note=note.strip() if isinstance(note, str) and note.strip() else None,
    )
