"""Per-request context, decoded once by a global middleware so listeners receive data, not payloads.

- which workspace asked (the installation's identity, `identity.py`: never a field naming the acting person, so
  no listener can look up another workspace's key), its Leonar connection and client;
- the Slack user behind the request (role and language, looked up lazily, once: `users.UserLookup`);
- the modal's `private_metadata`, decoded into its typed object;
and refuses, before any listener runs, what `access.py` says may not go on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import Lang
from bot.leonar import LeonarClient
from bot.observability import requests
from bot.services import KeyChoice, Services
from bot.slack import access, guard
from bot.slack.identity import request_workspace
from bot.slack.users import SlackUser, UserLookup
from bot.store import Connection, StoreUnavailable, Workspace
from bot.views.access import Refusal
from bot.views.add_create_contact import CALLBACK_ID as CREATE_CALLBACK_ID
from bot.views.add_create_contact import Return
from bot.views.member_keys import link_first_text
from bot.views.metadata import ModalContext

log = logging.getLogger(__name__)
Next = Callable[[], Awaitable[None]]


class Middleware(AsyncMiddleware):
    """`func(context, body, next)` as a global Bolt middleware.

    A middleware registered as a plain function gets its arguments built by Bolt on every call from all it can
    inject (ack, say, respond, the payload read as a command, an action, a view…): that was half of what our
    middlewares cost per request, for two arguments read straight off the request here.
    """

    def __init__(self, func: Callable[[AsyncBoltContext, Any, Next], Awaitable[BoltResponse | None]]) -> None:
        self.func = func

    async def async_process(  # type: ignore[override]  # Bolt's next returns a response it never reads from us
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Next
    ) -> BoltResponse | None:
        return await self.func(req.context, req.body, next)

    @property
    def name(self) -> str:
        return f"Middleware({self.func.__qualname__})"


def install(app: AsyncApp, services: Services) -> None:
    async def per_request(context: AsyncBoltContext, body: Any, next: Next) -> BoltResponse | None:
        body = body if isinstance(body, dict) else {}
        requests.begin(body)  # this request's id and kind, for metrics and every log line
        metadata = metadata_of(body.get("view"))
        recorded = recorded_workspace(metadata)
        here = request_workspace(context, body, recorded)
        context["services"] = services
        services.slack_app.learn(body.get("api_app_id"))  # for links to the app's Home tab (`home_url`)
        context["workspace"] = here
        context["slack_user"] = users = UserLookup(context.client, here, context.user_id, services.people,
                                                   services.settings.limits.users_info_seconds)
        context["metadata"] = metadata
        kind = access.kind_of(body)
        refused: tuple[Refusal, Lang] | None
        try:
            known = here.team_id or here.enterprise_id
            context["connection"] = await services.store.workspaces.get_connection(here) if known else None
            if kind in access.GATED and context["connection"] is not None:
                # Whose key the member's calls use (`leonar`). Events (every message, every profile change) carry
                # none: what they set off resolves its key itself, with the same Services.leonar_for.
                context["leonar_key"] = await services.leonar_for(here, context.user_id)
            refused = await access.refusal(kind, here, recorded, users, services.store.workspaces,
                                           answering=access.answers_feedback(body))
        except StoreUnavailable as exc:
            if kind not in access.GATED:
                if (trigger := _flexpane_trigger(body)) is not None:
                    # A flexpane's trigger lives 3 s: no later delivery could answer it; Slack's error panel now.
                    log.error("database unavailable, flexpane answered with an error: %s", exc)
                    guard.later(_flexpane_error(context.client, trigger), "flexpane_error")
                    return BoltResponse(status=200, body="")
                raise  # an event: Bolt answers 500 and Slack sends it again later
            log.error("database unavailable, request refused: %s", exc)
            refused = "store_down", users.known_lang()
        if refused is None and must_link(context) and access.wants_leonar(body):
            lang = await users.lang()
            text = link_first_text(lang, home_url(context))
            if kind in ("shortcut", "message_action"):
                guard.later(access.tell_in_modal(context.client, body, text, lang), "tell_shortcut")
            return access.link_required_response(kind, text)
        if refused is not None:
            why, lang = refused
            name = context.authorize_result.team if context.authorize_result is not None else None
            if kind in ("shortcut", "message_action"):
                guard.later(access.tell_shortcut(context.client, body, why, lang, name), "tell_shortcut")
            return access.refused_response(kind, why, lang, name)
        await next()
        return None

    app.middleware(Middleware(per_request))


def _flexpane_trigger(body: dict[str, Any]) -> str | None:
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    trigger = (event or {}).get("trigger_id")
    return str(trigger) if (event or {}).get("type") == "entity_details_requested" and trigger else None


async def _flexpane_error(client: AsyncWebClient, trigger_id: str) -> None:
    try:
        await client.entity_presentDetails(trigger_id=trigger_id, error={"status": "internal_error"})
    except SlackApiError as exc:
        log.info("entity.presentDetails refused: %s", exc.response.get("error"))


def recorded_workspace(metadata: ModalContext | Return | None) -> str | None:
    if isinstance(metadata, Return):
        return ModalContext.loads(metadata.root_metadata).workspace
    return metadata.workspace if metadata is not None else None


def metadata_of(view: Any) -> ModalContext | Return | None:
    if not isinstance(view, dict):
        return None
    raw = view.get("private_metadata")
    # The pushed creation form carries where to go back to; every other modal carries a ModalContext.
    if view.get("callback_id") == CREATE_CALLBACK_ID:
        return Return.loads(raw)
    return ModalContext.loads(raw)


def action_channel(body: dict[str, Any]) -> str:
    """The channel of the message whose button was pressed ("" from the Home tab or a modal)."""
    return str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or "")


def services(context: dict[str, Any]) -> Services:
    return cast(Services, context["services"])


def workspace(context: dict[str, Any]) -> Workspace:
    return cast(Workspace, context["workspace"])


def connection(context: dict[str, Any]) -> Connection | None:
    return cast(Connection | None, context.get("connection"))


def key(context: dict[str, Any]) -> KeyChoice:
    """Whose Leonar key the member behind the request uses, as Services.leonar_for said for this request."""
    found = context.get("leonar_key")
    return found if isinstance(found, KeyChoice) else KeyChoice(None)


def leonar(context: dict[str, Any]) -> LeonarClient | None:
    """The Leonar client of the member behind the request: their own key when they linked one, else the workspace's;
    None when no key is connected, or when admins require members' own keys and this member has not linked theirs
    (`must_link`)."""
    return key(context).client


def workspace_leonar(context: dict[str, Any]) -> LeonarClient | None:
    """The workspace's own key, whoever acts: for what everyone in a conversation sees (unfurls) and admins' checks."""
    conn = connection(context)
    return services(context).leonar.client(conn.api_key) if conn else None


def home_url(context: dict[str, Any]) -> str | None:
    """A link to the app's Home tab for the member behind the request."""
    return services(context).slack_app.home_url(workspace(context).team_id or context.get("team_id"))


def must_link(context: dict[str, Any]) -> bool:
    """Admins require members' own keys, and this member has none linked."""
    return key(context).must_link


async def user(context: dict[str, Any]) -> SlackUser:
    return await cast(UserLookup, context["slack_user"]).user()


async def user_lang(context: dict[str, Any]) -> Lang:
    return await cast(UserLookup, context["slack_user"]).lang()


def new_modal(context: dict[str, Any], **fields: str | None) -> ModalContext:
    """The metadata of a modal opened now: it records this workspace, the only one it will serve."""
    return ModalContext(workspace=workspace(context).key, **fields)


def modal(context: dict[str, Any]) -> ModalContext:
    """The metadata of the modal this request comes from (empty outside a modal)."""
    found = context.get("metadata")
    return found if isinstance(found, ModalContext) else ModalContext()


def creation_return(context: dict[str, Any]) -> Return | None:
    """Where the creation form goes back to, when the request comes from it."""
    found = context.get("metadata")
    return found if isinstance(found, Return) else None
