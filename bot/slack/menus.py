"""Answering an options load (a menu being typed in) within Slack's 3 seconds, whatever Leonar does; the project
menu that the add and follow forms share."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncAck

from bot.i18n import Lang, t
from bot.leonar import LeonarClient, LeonarError, Listing, Project
from bot.observability import requests
from bot.slack.context import leonar, services, user_lang
from bot.slack.following import follow_leonar
from bot.slack.whose_key import unavailable_option
from bot.views.errors import describe
from bot.views.options import MAX_OPTIONS, MenuAnswer, notice_option, project_menu

log = logging.getLogger(__name__)

T = TypeVar("T")


async def answer(
    ack: AsyncAck, context: dict[str, Any],
    load: Callable[[LeonarClient], Awaitable[Listing[T]]], build: Callable[[list[T], Lang], MenuAnswer], *,
    key: Callable[[dict[str, Any]], LeonarClient | None] | None = None,
) -> None:
    """Ack with the options `build` makes of what `load` got from Leonar, or with one explanatory option when
    Leonar cannot answer in time (Limits.options_seconds: Slack waits 3 s). The members-only gate has asked Slack
    about the user already (or given up at the request's users.info deadline, which the language shares), so the
    language is awaited beside Leonar's answer without adding to it. `key`: whose client reads (the member's, by
    default)."""
    language = asyncio.ensure_future(user_lang(context))
    leonar_client = (key or leonar)(context)
    if leonar_client is None:
        await ack(options=[notice_option(unavailable_option(context, await language))])
        return
    try:
        # A timeout scope, not wait_for: a listing served from the cache is read inline, with no task made for it.
        # Leonar gets options_seconds, and the whole load (users.info for the members-only gate came first)
        # answer_seconds from its arrival.
        limits = services(context).settings.limits
        async with asyncio.timeout(limits.within_answer(limits.options_seconds, requests.elapsed())):
            found = await load(leonar_client)
        lang = await language
        menu = build(found.items, lang)
        if found.stale:
            # Say whose budget made the results old: the user's own share, or the workspace's key.
            notice = t(lang, "options.stale_limited" if found.limited else "options.stale")
            menu = MenuAnswer([notice_option(notice), *menu.options[: MAX_OPTIONS - 1]])
    except TimeoutError:
        menu = MenuAnswer([notice_option(t(await language, "options.slow"))])
    except LeonarError as exc:
        log.info("options load failed: %s", exc.code)
        menu = MenuAnswer([notice_option(describe(exc, await language))])
    # Bolt sends a string ack as it is, as JSON since it is an object: the same bytes as ack(options=…), encoded
    # once per listing and query instead of at every keystroke.
    await ack(menu.body)


async def projects(ack: AsyncAck, payload: dict[str, Any], context: dict[str, Any]) -> None:
    """The active projects matching what was typed, as the member's key sees them: the add form's project menu."""
    await _projects(ack, payload, context, leonar)


async def followable_projects(ack: AsyncAck, payload: dict[str, Any], context: dict[str, Any]) -> None:
    """The follow form's project menu: as the poller will read them (`following.follow_leonar`)."""
    await _projects(ack, payload, context, follow_leonar)


async def _projects(ack: AsyncAck, payload: dict[str, Any], context: dict[str, Any],
                    key: Callable[[dict[str, Any]], LeonarClient | None]) -> None:
    query = str(payload.get("value") or "")

    async def load(leonar_client: LeonarClient) -> Listing[Project]:
        return await leonar_client.list_projects()

    await answer(ack, context, load, lambda found, lang: project_menu(found, query, lang), key=key)
