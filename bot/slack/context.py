"""Per-request context: which workspace asked, and its Leonar client when it is connected.

A global middleware resolves it once from the team and enterprise ids Bolt verified, so no listener can
look up another workspace's key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.leonar import LeonarClient
from bot.services import Services
from bot.store import Connection, Workspace


def install(app: AsyncApp, services: Services) -> None:
    async def resolve_workspace(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        workspace = Workspace(context.enterprise_id, context.team_id)
        context["services"] = services
        context["workspace"] = workspace
        known = workspace.team_id or workspace.enterprise_id
        context["connection"] = services.store.get_connection(workspace) if known else None
        await next()

    app.middleware(resolve_workspace)


def services(context: dict[str, Any]) -> Services:
    return cast(Services, context["services"])


def workspace(context: dict[str, Any]) -> Workspace:
    return cast(Workspace, context["workspace"])


def connection(context: dict[str, Any]) -> Connection | None:
    return cast(Connection | None, context.get("connection"))


def leonar(context: dict[str, Any]) -> LeonarClient | None:
    """This workspace's Leonar client, or None when no key is connected."""
    conn = connection(context)
    return services(context).leonar.client(conn.api_key) if conn else None
