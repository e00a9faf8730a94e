"""Who may use the bot, decided before any listener runs (so before any Leonar call).

- A modal only serves the workspace it was opened for: its metadata records that workspace, and a request whose
  installation is another one is refused.
- Commands, menus, shortcuts, submissions and actions are for the installing workspace's own people: someone of
  another organisation (Slack Connect, `is_stranger`) never, a guest only when an admin allowed guests.
- The one exception: answering a feedback request (its buttons, its comment form), which someone of another
  organisation may do when an admin allowed shared channels (the request was only sent to them then); whether they
  are one of its reviewers is the answer's own check (bot/slack/feedback_answers.py).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import Lang
from bot.observability import requests
from bot.slack.users import UserLookup
from bot.store import Workspace
from bot.store.workspaces import Workspaces
from bot.views.access import Refusal, refusal_answer, refusal_text
from bot.views.feedback import ANSWER_ACTION, COMMENT_ACTION, COMMENT_CALLBACK
from bot.views.messages import notice_modal

log = logging.getLogger(__name__)
# What the gate looks at; events (the Home, uninstalls) and a closed modal carry nothing to refuse.
GATED = {"command", "block_suggestion", "block_actions", "view_submission", "shortcut", "message_action"}
# Slack's answers for someone it will not describe to this workspace: an outsider.
OUTSIDER_ERRORS = {"user_not_found", "user_not_visible"}
ANSWERING = (ANSWER_ACTION, COMMENT_ACTION)  # action ids that answer a feedback request (prefixes)
# /leonar-add's words that use no Leonar key of the member's: linking one, the connection, help, follows' lists.
WITHOUT_LEONAR = {"connect", "disconnect", "status", "help", "following", "unfollow", "thread-notes"}


def kind_of(body: dict[str, Any]) -> str:
    return "command" if "command" in body else str(body.get("type") or "")


def answers_feedback(body: dict[str, Any]) -> bool:
    """Whether the request answers a feedback request (a verdict button, the comment button or its form)."""
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    if (view or {}).get("callback_id") == COMMENT_CALLBACK:
        return True
    actions = body.get("actions") if isinstance(body.get("actions"), list) else []
    return bool(actions) and all(isinstance(a, dict) and str(a.get("action_id") or "").startswith(ANSWERING)
                                 for a in actions or [])


async def refusal(
    kind: str, workspace: Workspace, recorded: str | None, users: UserLookup, store: Workspaces,
    *, answering: bool = False,
) -> tuple[Refusal, Lang] | None:
    """Why this request is refused (and in which language to say it), or None when it may go on."""
    if kind not in GATED:
        return None
    if recorded and recorded != workspace.key:
        log.warning("refused: a modal of workspace %s used from workspace %s", recorded, workspace.key)
        return "other_workspace", await users.lang()
    who = await users.recent()
    if who is None or (who.role == "unknown" and who.error not in OUTSIDER_ERRORS):
        # Slack could not say in time (down, rate limited, slow, or the users:read scope missing). The payload's
        # team is no proof: guests share it with members. Closed when in doubt: only someone Slack described lately
        # goes on, as Slack described them then.
        why: Refusal = "unchecked_scope" if who is not None and who.error == "missing_scope" else "unchecked"
        who = users.known()
        if who is None:
            log.info("refused: Slack could not describe a user never seen (%s)", why)
            return why, users.known_lang()
    if not who.belongs_to(workspace) and not (answering and (await store.settings(workspace)).allow_shared_channels):
        log.info("refused: user %s is not of workspace %s", who.id, workspace.key)
        return "external", who.lang
    if who.role == "guest" and not (await store.settings(workspace)).allow_guests:
        return "guest", who.lang
    return None


def refused_response(kind: str, why: Refusal, lang: Lang, workspace: str | None = None) -> BoltResponse:
    """`workspace`: the installing workspace's name, when Slack told it (auth.test), to say whose bot it is."""
    requests.answered("refused")
    answer = refusal_answer(kind, why, lang, workspace)
    if answer is None:
        return BoltResponse(status=200, body="")
    return BoltResponse(status=200, body=json.dumps(answer), headers={"content-type": "application/json"})


async def tell_shortcut(
    client: AsyncWebClient, body: dict[str, Any], why: Refusal, lang: Lang, workspace: str | None = None
) -> None:
    """A shortcut's ack carries no message: the refusal opens as a modal (its trigger lives 3 s)."""
    await tell_in_modal(client, body, refusal_text(why, lang, workspace), lang)


async def tell_in_modal(client: AsyncWebClient, body: dict[str, Any], text: str, lang: Lang) -> None:
    trigger = body.get("trigger_id")
    if not trigger:
        return
    try:
        await client.views_open(trigger_id=trigger, view=notice_modal("Leonar", text, lang))
    except SlackApiError as exc:
        log.info("refusal not shown: %s", exc.response.get("error"))


def wants_leonar(body: dict[str, Any]) -> bool:
    """Whether the request opens a form or an answer that uses Leonar as the member: what a member who must link
    their own key first is stopped at, with the link (`link_required_response`), before a form opens for nothing.
    What it leaves through (buttons, submissions, menus) meets `context.leonar`'s None and says the same."""
    kind = kind_of(body)
    if kind in ("shortcut", "message_action"):
        return True
    if kind != "command":
        return False
    word = str(body.get("text") or "").strip().partition(" ")[0].lower()
    return word not in WITHOUT_LEONAR


def link_required_response(kind: str, text: str) -> BoltResponse:
    requests.answered("refused")
    if kind != "command":
        return BoltResponse(status=200, body="")  # a shortcut: told in a modal (`tell_in_modal`)
    return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral", "text": text}),
                        headers={"content-type": "application/json"})
