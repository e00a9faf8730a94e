"""Linking a member's own key: the form, opened before any call but the store's, and unlinking; and whether a key a
member wants to link may be linked: a Leonar key (its format), accepted by Leonar with the scopes
the bot needs, not the workspace's own key, and of the same Leonar workspace as the workspace's key.

Leonar documents no call that names a key's workspace. Two keys of one workspace list the same members
(`LeonarClient.workspace_member_ids`, [CODE only]): no member in common means another workspace, and the key is
refused with that reason. When either key cannot list them (no such route, a key that may not), the bot cannot
tell, links the key, and logs it (README, "Members' own keys").
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import Lang, t
from bot.leonar import LeonarError
from bot.manifest import COMMAND
from bot.services import Services
from bot.slack.context import key, new_modal, services, user_lang, workspace
from bot.slack.modals import open_view
from bot.store import Connection
from bot.views import member_keys as views
from bot.views.errors import describe_key_check, missing_scopes_problem

log = logging.getLogger(__name__)


async def key_problem(services: Services, connection: Connection | None, api_key: str, user_id: str,
                      lang: Lang) -> str | None:
    """Why `api_key` cannot be linked by `user_id`, said under the key field; None: it may be linked."""
    if connection is None:
        return t(lang, "member.workspace_not_connected", command=COMMAND)
    if api_key == connection.api_key:
        return t(lang, "member.same_as_workspace")
    own = services.leonar.client(api_key, user_id=user_id)
    scopes, own_members, members = await asyncio.gather(
        own.missing_scopes(), own.workspace_member_ids(),
        services.leonar.client(connection.api_key).workspace_member_ids(),
        return_exceptions=True)
    if isinstance(scopes, BaseException):
        return _failure(scopes, lang)
    if problem := missing_scopes_problem(scopes, lang):
        return problem
    if isinstance(own_members, BaseException):
        return _failure(own_members, lang)
    if isinstance(members, BaseException) or members is None or own_members is None:
        log.info("a member's key linked without knowing its Leonar workspace: Leonar did not list its members")
        return None
    if not own_members & members:
        log.info("a member's key refused: it lists none of the workspace key's Leonar members")
        return t(lang, "member.other_workspace")
    return None


def _failure(exc: BaseException, lang: Lang) -> str:
    if isinstance(exc, LeonarError):
        return describe_key_check(exc, lang)
    raise exc


async def open_link(client: AsyncWebClient, respond: Any, trigger_id: str, context: dict[str, Any]) -> None:
    """The link form, opened before any call but the store's (the trigger lives 3 s)."""
    lang = await user_lang(context)
    form = views.link_modal(new_modal(context), lang, linked=key(context).personal)
    await open_view(client, respond, trigger_id, form, lang)


async def unlink_own(context: dict[str, Any]) -> bool:
    """The member's own key, deleted; whether there was one."""
    found, here, user_id = services(context), workspace(context), str(context.get("user_id") or "")
    removed = await found.store.member_keys.unlink(here, user_id)
    if removed:
        log.info("a member unlinked their own Leonar key in workspace %s: %s", here.key, user_id)
    return removed
