"""Per-request context, decoded once by a global middleware so listeners receive data, not payloads.

- which workspace asked (from the team and enterprise ids Bolt verified, so no listener can look up another
  workspace's key), its Leonar connection and client;
- the Slack user behind the request (role and language, looked up lazily, once: `users.UserLookup`);
- the modal's `private_metadata`, decoded into its typed object.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.i18n import Lang
from bot.leonar import LeonarClient
from bot.services import Services
from bot.slack.users import SlackUser, UserLookup
from bot.store import Connection, Workspace
from bot.views.create_contact import CALLBACK_ID as CREATE_CALLBACK_ID
from bot.views.create_contact import Return
from bot.views.metadata import ModalContext


def install(app: AsyncApp, services: Services) -> None:
    async def per_request(context: AsyncBoltContext, body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> None:
        workspace = Workspace(context.enterprise_id, context.team_id)
        context["services"] = services
        context["workspace"] = workspace
        known = workspace.team_id or workspace.enterprise_id
        context["connection"] = services.store.get_connection(workspace) if known else None
        context["slack_user"] = UserLookup(context.client, context.team_id, context.user_id)
        context["metadata"] = metadata_of(body.get("view") if isinstance(body, dict) else None)
        await next()

    app.middleware(per_request)


def metadata_of(view: Any) -> ModalContext | Return | None:
    if not isinstance(view, dict):
        return None
    raw = view.get("private_metadata")
    # The pushed creation form carries where to go back to; every other modal carries a ModalContext.
    if view.get("callback_id") == CREATE_CALLBACK_ID:
        return Return.loads(raw)
    return ModalContext.loads(raw)


def services(context: dict[str, Any]) -> Services:
    return cast(Services, context["services"])


def workspace(context: dict[str, Any]) -> Workspace:
    return cast(Workspace, context["workspace"])


def connection(context: dict[str, Any]) -> Connection | None:
    return cast(Connection | None, context.get("connection"))


def leonar(context: dict[str, Any]) -> LeonarClient | None:
    """This workspace's Leonar client, or None when no key is connected."""
    conn = connection(context)
    return services(context).leonar.client(conn.api_key, user_id=context.get("user_id")) if conn else None


async def user(context: dict[str, Any]) -> SlackUser:
    return await cast(UserLookup, context["slack_user"]).user()


async def user_lang(context: dict[str, Any]) -> Lang:
    return await cast(UserLookup, context["slack_user"]).lang()


def modal(context: dict[str, Any]) -> ModalContext:
    """The metadata of the modal this request comes from (empty outside a modal)."""
    found = context.get("metadata")
    return found if isinstance(found, ModalContext) else ModalContext()


def creation_return(context: dict[str, Any]) -> Return | None:
    """Where the creation form goes back to, when the request comes from it."""
    found = context.get("metadata")
    return found if isinstance(found, Return) else None
