"""The "Follow a project" modal (`/leonar-add follow [project]`): project, what to post, how.

The project menu searches like the add form's (the same options load answers both) under ids of its own. Picking a
project rebuilds the modal with that project's stages in the "this stage or later" picker, whose block id embeds
the project id (as in the add form) so Slack drops a stage of the previous project.

The metadata is the add form's `ModalContext` (channel, project, workspace); the follower's time zone is only
shown here, the submission handler reads it from users.info again.

`/leonar-add follow <project name>`: open the modal at once with `choice=FollowChoice(project=<its option>)`
(the trigger_id lives 3 s and must not wait for Leonar), then `views.update` it with `project=` once its stages
are read. A key without `pipeline:read`: `error=follows.missing_scope(...)`; a channel the bot cannot post in:
`error=follows.cannot_post(...)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.activity.follow import Delivery, FollowFilter
from bot.activity.waiting import DEFAULT_DAYS, MAX_DAYS
from bot.i18n import Lang, format_clock, t
from bot.leonar import Project
from bot.views.metadata import ModalContext
from bot.views.options import NOTICE_VALUE, option, option_text, stage_option
from bot.views.text import escape, modal, mrkdwn, plain

CALLBACK_ID = "leonar_follow"
PROJECT_BLOCK, PROJECT_ACTION = "follow_project", "follow_project_select"
# A follow form opened before the deploy that gave it ids of its own still holds the add form's project menu
# until it is closed: its pick and its submission are read under those ids too. Remove a release later.
OLD_PROJECT_BLOCK, OLD_PROJECT_ACTION = "project", "project_select"
ERROR_BLOCK = "error"
WHAT_BLOCK, WHAT_ACTION = "follow_what", "follow_what_select"
STAGE_BLOCK_PREFIX, STAGE_ACTION = "follow_stage_", "follow_stage_select"
HOW_BLOCK, HOW_ACTION = "follow_how", "follow_how_select"
HOUR_BLOCK, HOUR_ACTION = "follow_hour", "follow_hour_select"
NEW, MOVES, FROM_STAGE, HIRES = "new", "moves", "from_stage", "hires"
DEFAULT_HOUR = 9
# "Waiting too long" (issue 20 C): a choice of "What to post", and its number of days.
WAITING = "waiting"
DAYS_BLOCK, DAYS_ACTION = "follow_waiting_days", "follow_waiting_days_input"
WEEKLY = "weekly"  # the weekly report (issue 20 C), Mondays 9:00 in the follower's time zone
WHATS = (NEW, MOVES, FROM_STAGE, HIRES, WAITING, WEEKLY)


@dataclass(frozen=True)
class FollowChoice:
    """What the modal shows picked (a rebuild keeps the user's choices) and what a submission holds."""

    project: dict[str, Any] | None = None  # the selected option {"text", "value"}
    what: frozenset[str] = frozenset({NEW, MOVES, HIRES})
    stage_id: str | None = None
    delivery: Delivery = Delivery.LIVE
    hour: int | None = None
    waiting_days: int | None = DEFAULT_DAYS  # None: what was typed is not a number of days in range
    project_block: str = PROJECT_BLOCK  # where the project menu is in the submitted view (errors go there)

    @property
    def project_id(self) -> str:
        return str((self.project or {}).get("value") or "")

    @property
    def project_name(self) -> str:
        return option_text(self.project)

    @property
    def filter(self) -> FollowFilter:
        return FollowFilter(NEW in self.what, MOVES in self.what, HIRES in self.what,
                            self.stage_id if FROM_STAGE in self.what else None,
                            self.waiting_days if WAITING in self.what else None, WEEKLY in self.what)

    def problems(self, lang: Lang = "en") -> dict[str, str]:
        """Inline errors keyed by block id (`response_action: errors`)."""
        problems = {}
        if self.project_id in ("", NOTICE_VALUE):
            problems[self.project_block] = t(lang, "follow.pick_project")
        if not self.what:
            problems[WHAT_BLOCK] = t(lang, "follow.pick_what")
        if FROM_STAGE in self.what and not self.stage_id and self.project_id not in ("", NOTICE_VALUE):
            problems[stage_block_id(self.project_id)] = t(lang, "follow.pick_stage")
        if self.delivery is Delivery.DIGEST and self.hour is None:
            problems[HOUR_BLOCK] = t(lang, "follow.pick_hour")
        if WAITING in self.what and self.waiting_days is None:
            problems[DAYS_BLOCK] = t(lang, "follow.pick_days")
        return problems


def stage_block_id(project_id: str) -> str:
    return f"{STAGE_BLOCK_PREFIX}{project_id}"[:255]


def hour_label(hour: int, lang: Lang) -> str:
    return format_clock(datetime(2000, 1, 1, hour, tzinfo=UTC), lang)


def follow_modal(ctx: ModalContext, *, project: Project | None = None, choice: FollowChoice | None = None,
                 time_zone: str | None = None, error: str | None = None, lang: Lang = "en") -> dict[str, Any]:
    """`project`: the picked project with its stages (None before one is picked); `error`: a mrkdwn sentence shown
    on top (`follows.missing_scope`, `follows.cannot_post`: their own parts escaped, and a channel mention that
    escaping would break)."""
    choice = choice or FollowChoice()
    blocks: list[dict[str, Any]] = []
    if ctx.channel_id:
        blocks.append({"type": "context", "elements": [mrkdwn(t(lang, "follow.intro", channel=ctx.channel_id))]})
    if error:
        blocks.append({"type": "section", "block_id": ERROR_BLOCK, "text": mrkdwn(f":warning: {error}")})
    project_menu: dict[str, Any] = {"type": "external_select", "action_id": PROJECT_ACTION, "min_query_length": 0,
                                    "placeholder": plain(t(lang, "add.project_placeholder"), 150)}
    if choice.project:
        project_menu["initial_option"] = choice.project
    blocks.append({"type": "input", "block_id": PROJECT_BLOCK, "dispatch_action": True,
                   "label": plain(t(lang, "add.project")), "element": project_menu})

    whats = [option(t(lang, f"follow.what_{key}"), key) for key in WHATS]
    what: dict[str, Any] = {"type": "checkboxes", "action_id": WHAT_ACTION, "options": whats}
    if picked := [o for o in whats if o["value"] in choice.what]:
        what["initial_options"] = picked
    blocks.append({"type": "input", "block_id": WHAT_BLOCK, "label": plain(t(lang, "follow.what")),
                   "element": what})
    blocks.append(_stage_block(project, choice.stage_id, lang))
    blocks.append(_days_block(choice.waiting_days, lang))

    hows = [option(t(lang, f"follow.how_{d.value}"), d.value) for d in Delivery]
    how = {"type": "radio_buttons", "action_id": HOW_ACTION, "options": hows,
           "initial_option": next(o for o in hows if o["value"] == choice.delivery.value)}
    blocks.append({"type": "input", "block_id": HOW_BLOCK, "label": plain(t(lang, "follow.how")), "element": how})
    hours = [option(hour_label(h, lang), str(h)) for h in range(24)]
    hour = {"type": "static_select", "action_id": HOUR_ACTION, "options": hours,
            "initial_option": hours[DEFAULT_HOUR if choice.hour is None else choice.hour]}
    blocks.append({"type": "input", "block_id": HOUR_BLOCK, "optional": True,
                   "label": plain(t(lang, "follow.hour")), "element": hour,
                   "hint": plain(t(lang, "follow.hour_hint", zone=time_zone or "UTC"), 2000)})
    return modal(t(lang, "follow.title"), blocks, submit=t(lang, "follow.submit"), close=t(lang, "add.cancel"),
                 callback_id=CALLBACK_ID, private_metadata=ctx.dumps())


def _stage_block(project: Project | None, stage_id: str | None, lang: Lang) -> dict[str, Any]:
    stages = project.stages[:100] if project else []
    if not stages:
        hint = t(lang, "follow.stage_pick_project" if project is None else "add.stage_none")
        return {"type": "context", "block_id": "follow_stage_pending", "elements": [mrkdwn(escape(hint))]}
    assert project is not None
    options = [stage_option(stage) for stage in stages]
    element: dict[str, Any] = {"type": "static_select", "action_id": STAGE_ACTION, "options": options,
                               "placeholder": plain(t(lang, "add.stage_placeholder"))}
    if initial := next((o for o in options if o["value"] == stage_id), None):
        element["initial_option"] = initial
    return {"type": "input", "block_id": stage_block_id(project.id), "optional": True,
            "label": plain(t(lang, "follow.stage")), "hint": plain(t(lang, "follow.stage_hint"), 2000),
            "element": element}


def _days_block(days: int | None, lang: Lang) -> dict[str, Any]:
    element = {"type": "number_input", "action_id": DAYS_ACTION, "is_decimal_allowed": False, "min_value": "1",
               "max_value": str(MAX_DAYS), "initial_value": str(days or DEFAULT_DAYS)}
    return {"type": "input", "block_id": DAYS_BLOCK, "optional": True, "label": plain(t(lang, "follow.waiting_days")),
            "hint": plain(t(lang, "follow.waiting_days_hint"), 2000), "element": element}


def _days(value: object) -> int | None:
    """Left empty: the default; else a whole number of days within range, or None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_DAYS
    text = str(value).strip()
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_DAYS else None


def read_follow(values: dict[str, dict[str, Any]]) -> FollowChoice:
    """The choices in a submitted (or updated) view's state; only the picked project's stage block counts."""
    def state(block_id: str, action_id: str) -> dict[str, Any]:
        found = (values.get(block_id) or {}).get(action_id)
        return found if isinstance(found, dict) else {}

    old = OLD_PROJECT_BLOCK in values and PROJECT_BLOCK not in values
    project_block, project_action = (OLD_PROJECT_BLOCK, OLD_PROJECT_ACTION) if old else (PROJECT_BLOCK, PROJECT_ACTION)
    project = state(project_block, project_action).get("selected_option")
    project = project if isinstance(project, dict) else None
    whats = state(WHAT_BLOCK, WHAT_ACTION).get("selected_options") or []
    what = frozenset(str(o.get("value")) for o in whats if isinstance(o, dict)) & set(WHATS)
    project_id = str((project or {}).get("value") or "")
    stage = state(stage_block_id(project_id), STAGE_ACTION).get("selected_option") if project_id else None
    how = (state(HOW_BLOCK, HOW_ACTION).get("selected_option") or {}).get("value")
    hour_value = (state(HOUR_BLOCK, HOUR_ACTION).get("selected_option") or {}).get("value")
    hour = int(hour_value) if isinstance(hour_value, str) and hour_value.isdigit() and int(hour_value) < 24 else None
    return FollowChoice(project=project, what=what,
                        stage_id=str(stage["value"]) if isinstance(stage, dict) and stage.get("value") else None,
                        delivery=Delivery.DIGEST if how == Delivery.DIGEST.value else Delivery.LIVE, hour=hour,
                        waiting_days=_days(state(DAYS_BLOCK, DAYS_ACTION).get("value")),
                        project_block=project_block)
