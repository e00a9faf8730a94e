"""Following a Leonar project in a channel: opening the follow modal, showing a picked project's stages, and
saving a submitted follow once the key may read pipelines and the bot may post in the channel."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.activity.follow import Delivery, Follow
from bot.i18n import DEFAULT_LANG, LANGS, Lang, t
from bot.leonar import LeonarClient, LeonarError, Project
from bot.leonar.scopes import PIPELINE_READ
from bot.slack import channels
from bot.slack.card_delivery import NOT_A_MEMBER
from bot.slack.context import modal, must_link, services, user, workspace, workspace_leonar
from bot.slack.modals import open_view
from bot.store import StoreUnavailable
from bot.views.errors import describe
from bot.views.follow_modal import ERROR_BLOCK, FollowChoice, follow_modal, read_follow
from bot.views.follows import cannot_post, followed_message, missing_scope, unfollowed_message
from bot.views.metadata import ModalContext
from bot.views.options import fold, project_option

log = logging.getLogger(__name__)


def follow_leonar(context: dict[str, Any]) -> LeonarClient | None:
    """The client a follow's form reads with (its menu, its stages, its check): the workspace's key, as the poller
    will (a project only a member's own key could read would never be polled); none for a member who must link their
    own key first (they are told so, `whose_key.unavailable`)."""
    return None if must_link(context) else workspace_leonar(context)
# Slack's answers for a channel the bot cannot post in: not a member of a private one, or an archived one.
CANNOT_POST = NOT_A_MEMBER | {"is_archived"}


def only_match(projects: list[Project], name: str) -> Project | None:
    """The project `name` designates: the one named exactly so, else the only one whose name holds its words."""
    wanted = " ".join(fold(name).split())
    if not wanted:
        return None
    exact = [p for p in projects if " ".join(fold(p.name).split()) == wanted]
    if exact:
        return exact[0] if len(exact) == 1 else None
    found = [p for p in projects if all(word in fold(p.name) for word in wanted.split())]
    return found[0] if len(found) == 1 else None


async def _named(client: LeonarClient, name: str) -> Project | None:
    if not name.strip():
        return None
    project = only_match((await client.list_projects()).items, name)
    return await client.get_project(project.id) if project else None


async def open_follow(client: AsyncWebClient, respond: AsyncRespond | None, trigger_id: str, ctx: ModalContext,
                      context: dict[str, Any], name: str, *, project_id: str | None = None) -> None:
    """The modal opens at once (the trigger cannot wait for Leonar); then the project `name` designates (or the
    project `project_id`, from a project link's button) is shown picked, with its stages, and a key without
    pipeline:read is told so, in one update."""
    who = await user(context)  # the access gate asked users.info already in this request
    opened = await open_view(client, respond, trigger_id, follow_modal(ctx, time_zone=who.tz, lang=who.lang),
                             who.lang)
    leonar_client = follow_leonar(context)
    if opened is None or leonar_client is None:
        return
    wanted = leonar_client.get_project(project_id) if project_id else _named(leonar_client, name)
    lacking, named = await asyncio.gather(leonar_client.lacks_pipeline_read(), wanted, return_exceptions=True)
    for failed in (lacking, named):
        if isinstance(failed, BaseException):
            log.info("follow modal opened without its preselection: %s", type(failed).__name__)
    project = named if isinstance(named, Project) else None
    error = missing_scope(PIPELINE_READ, who.lang) if lacking is True else None
    if project is None and error is None:
        return
    choice = FollowChoice(project=project_option(project)) if project else None
    if project:
        ctx = ctx.with_project(project.id, project.name)
    view = follow_modal(ctx, project=project, choice=choice, time_zone=who.tz, error=error, lang=who.lang)
    try:
        await client.views_update(view_id=opened["id"], hash=opened.get("hash"), view=view)
    except SlackApiError as exc:  # hash_conflict: the user picked something meanwhile; leave it
        log.info("follow modal not preselected: %s", exc.response.get("error"))


async def project_picked(client: AsyncWebClient, view: dict[str, Any], selected: dict[str, Any],
                         context: dict[str, Any]) -> None:
    """A project picked in the follow modal: the modal again, with that project's stages for "this stage or
    later" and the user's other choices kept."""
    leonar_client, who = follow_leonar(context), await user(context)
    if leonar_client is None:
        return
    # A missing scope said on top stays said, if it is still missing.
    warned = any(b.get("block_id") == ERROR_BLOCK for b in view.get("blocks") or [])
    try:
        project, lacking = await asyncio.gather(
            leonar_client.get_project(str(selected.get("value"))),
            leonar_client.lacks_pipeline_read() if warned else asyncio.sleep(0, False))
    except LeonarError as exc:
        log.info("stages of the followed project not shown: %s", exc.code)
        return
    choice = replace(read_choice(view), project=selected)
    error = missing_scope(PIPELINE_READ, who.lang) if lacking else None
    new_view = follow_modal(modal(context).with_project(project.id, project.name), project=project, choice=choice,
                            time_zone=who.tz, error=error, lang=who.lang)
    try:
        await client.views_update(view_id=view["id"], hash=view.get("hash"), view=new_view)
    except SlackApiError as exc:
        log.info("views.update after follow project pick: %s", exc.response.get("error"))


def read_choice(view: dict[str, Any]) -> FollowChoice:
    return read_follow((view.get("state") or {}).get("values") or {})


async def save(client: AsyncWebClient, leonar_client: LeonarClient, context: dict[str, Any],
               choice: FollowChoice, lang: Lang) -> dict[str, Any]:
    """Save the follow and tell the channel; returns the submission's ack: {} closes the modal, else errors or
    the modal again with what stands in the way (a missing scope, a channel the bot cannot post in)."""
    ctx, who = modal(context), await user(context)
    # Leonar (the project, the scope check) gets follow_check_seconds, the confirmation follow_post_seconds: room
    # is left for the store within Slack's 3 s.
    found, here = services(context), workspace(context)
    limits, channel_id = found.settings.limits, ctx.channel_id or ""
    # Pipeline activity names candidates: a channel shared with another organisation only when the admins allowed
    # it (and one the bot cannot tell about, never: bot/slack/channels.py). Asked beside Leonar, within the same
    # bound: a Slack too slow to say is "cannot tell".
    reaching = asyncio.ensure_future(channels.reach(client, found.channels, here, channel_id,
                                                    timeout=limits.follow_check_seconds))
    try:
        # The project is cached since it was picked; reading it again also tells one deleted meanwhile.
        project, lacking = await asyncio.wait_for(asyncio.gather(
            leonar_client.get_project(choice.project_id), leonar_client.lacks_pipeline_read(choice.project_id)),
            limits.follow_check_seconds)
    except (TimeoutError, LeonarError) as exc:
        reaching.cancel()
        return _error(choice, describe(exc, lang) if isinstance(exc, LeonarError) else t(lang, "options.slow"))

    def again(error: str) -> dict[str, Any]:
        return {"response_action": "update", "view": follow_modal(ctx, project=project, choice=choice,
                                                                  time_zone=who.tz, error=error, lang=lang)}

    if lacking:
        reaching.cancel()
        return again(missing_scope(PIPELINE_READ, lang))
    stage = next((s for s in project.stages if s.id == choice.filter.from_stage_id), None)
    follow = Follow(id="", channel_id=channel_id, project_id=project.id, project_name=project.name, created_by=who.id,
                    filter=choice.filter, delivery=choice.delivery,
                    digest_hour=choice.hour if choice.delivery is Delivery.DIGEST else None, time_zone=who.tz,
                    lang=lang, from_stage_name=stage.name if stage else None)
    follows = found.store.follows
    where = await reaching
    try:
        refused = channels.refusal(where, await found.store.workspaces.settings(here))
    except StoreUnavailable:
        return _error(choice, t(lang, "access.store_down"))
    if where is channels.Reach.HIDDEN:
        return again(cannot_post(channel_id, lang))
    if refused is not None:
        key = "channels.follow_shared" if where is channels.Reach.SHARED else "channels.follow_unknown"
        return again(t(lang, key, channel=channel_id))
    try:
        saved = await follows.add_follow(here, follow)
    except StoreUnavailable as exc:
        log.error("follow not saved: %s", exc)
        return _error(choice, t(lang, "access.store_down"))
    # The confirmation is the channel's to read (it says why the bot will speak there), and posting it is how the
    # bot learns whether it may post there at all.
    problem = await _post(client, channel_id, followed_message(saved, lang), limits.follow_post_seconds)
    if problem in CANNOT_POST:
        await follows.remove_follow(here, saved.id)
        return again(cannot_post(channel_id, lang))
    return {}


def _error(choice: FollowChoice, text: str) -> dict[str, Any]:
    return {"response_action": "errors", "errors": {choice.project_block: text}}


async def _post(client: AsyncWebClient, channel_id: str, message: dict[str, Any], timeout: float) -> str | None:
    """Slack's error code, or None once posted (or when Slack was too slow to tell: the follow stays)."""
    try:
        await asyncio.wait_for(client.chat_postMessage(channel=channel_id, unfurl_links=False, unfurl_media=False,
                                                       **message), timeout)
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        log.info("follow confirmation not posted in %s: %s", channel_id, error)
        return error
    except TimeoutError:
        log.warning("follow confirmation in %s unconfirmed", channel_id)
    return None


async def tell_unfollowed(client: AsyncWebClient, follow: Follow, user_id: str) -> None:
    """The channel hears that it will not hear of the project any more (in the follow's language)."""
    lang = follow.lang if follow.lang in LANGS else DEFAULT_LANG
    try:
        await client.chat_postMessage(channel=follow.channel_id, unfurl_links=False, unfurl_media=False,
                                      **unfollowed_message(follow, user_id, lang))
    except SlackApiError as exc:
        log.info("unfollow not told in %s: %s", follow.channel_id, exc.response.get("error"))
