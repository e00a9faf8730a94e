"""Answering an options load (a menu being typed in) within Slack's 3 seconds, whatever Leonar does."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncAck

from bot.i18n import Lang, t
from bot.leonar import LeonarClient, LeonarError, Listing
from bot.manifest import COMMAND
from bot.slack.context import leonar, services, user_lang
from bot.views.errors import describe
from bot.views.options import MAX_OPTIONS, notice_option

log = logging.getLogger(__name__)

Options = list[dict[str, Any]]
T = TypeVar("T")


async def answer(
    ack: AsyncAck, context: dict[str, Any],
    load: Callable[[LeonarClient], Awaitable[Listing[T]]], build: Callable[[list[T], Lang], Options],
) -> None:
    """Ack with the options `build` makes of what `load` got from Leonar, or with one explanatory option when
    Leonar cannot answer in time (Limits.options_seconds: Slack waits 3 s). The members-only gate has asked Slack
    about the user already (or given up at the request's users.info deadline, which the language shares), so the
    language is awaited beside Leonar's answer without adding to it."""
    language = asyncio.ensure_future(user_lang(context))
    leonar_client = leonar(context)
    if leonar_client is None:
        await ack(options=[notice_option(t(await language, "options.connect_first", command=COMMAND))])
        return
    try:
        found = await asyncio.wait_for(load(leonar_client), services(context).settings.limits.options_seconds)
        lang = await language
        options = build(found.items, lang)
        if found.stale:
            # Say whose budget made the results old: the user's own share, or the workspace's key.
            notice = t(lang, "options.stale_limited" if found.limited else "options.stale")
            options = [notice_option(notice), *options[: MAX_OPTIONS - 1]]
    except TimeoutError:
        options = [notice_option(t(await language, "options.slow"))]
    except LeonarError as exc:
        log.info("options load failed: %s", exc.code)
        options = [notice_option(describe(exc, await language))]
    await ack(options=options)
