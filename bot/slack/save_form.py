"""The "Save to Leonar" form as it opens: at once, from what the shortcut's payload holds (the trigger lives 3 s and
works once), then filled in by views.update with the link back to the message and the candidate the message points
to — a card of the bot's, a card's thread, a Leonar contact link or a LinkedIn profile URL. What a submission does is
`saving.py`.

The form's context (the message, the saver) goes into `private_metadata` sealed with ENCRYPTION_KEY's cipher: Slack
gives it back with the submission, and a context that does not open (tampered, another deployment's) saves nothing.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import Lang, t
from bot.leonar import LeonarClient, LeonarError, NotFound, normalize_linkedin
from bot.leonar.links import UUID, parse_link
from bot.slack.add_prefill import seed_from
from bot.slack.context import leonar, services, workspace
from bot.slack.modals import open_view
from bot.store import Cipher, EncryptionKeyError, StoreUnavailable
from bot.views.card import card_contact
from bot.views.options import contact_option
from bot.views.save_modal import Form, SaveContext, save_modal
from bot.views.slack_notes import readable

log = logging.getLogger(__name__)
URL = re.compile(r"https?://[^\s<>|]+")
FILL_SECONDS = 5.0  # the link and the candidate are shown if found by then; the form works without them


def seal(cipher: Cipher, ctx: SaveContext) -> str:
    return cipher.encrypt(ctx.dumps())


def unseal(cipher: Cipher, sealed: str | None) -> SaveContext | None:
    """The context the bot sealed, or None for anything it did not seal (a forged or altered metadata)."""
    if not sealed:
        return None
    try:
        return SaveContext.loads(cipher.decrypt(sealed))
    except EncryptionKeyError:
        return None


def context_of(shortcut: dict[str, Any], context: dict[str, Any]) -> SaveContext | None:
    message = shortcut.get("message") or {}
    channel, ts = (shortcut.get("channel") or {}).get("id"), message.get("ts")
    user = (shortcut.get("user") or {}).get("id") or context.get("user_id")
    if not (isinstance(channel, str) and isinstance(ts, str) and isinstance(user, str)):
        return None
    # A message starting a thread has reply_count; a reply carries its parent's thread_ts.
    thread = message.get("thread_ts") or (ts if message.get("reply_count") else None)
    author = message.get("user")
    return SaveContext(workspace=workspace(context).key, user=user, channel=channel, ts=ts,
                       thread_ts=str(thread) if thread else None, author=str(author) if author else None)


async def open_save(client: AsyncWebClient, shortcut: dict[str, Any], context: dict[str, Any], lang: Lang) -> None:
    ctx = context_of(shortcut, context)
    if ctx is None:
        log.info("save shortcut without a channel or message: nothing to open")
        return
    message = shortcut.get("message") or {}
    cipher = services(context).store.cipher
    leonar_client = leonar(context)
    # A key Leonar refused a note for: said at once, before the saver types anything (still tried at submit).
    lacks = leonar_client is not None and leonar_client.known_to_lack_notes_write()
    form = Form(note=readable(str(message.get("text") or "")), has_thread=bool(ctx.thread_ts),
                notice=t(lang, "save.lacks_notes_write") if lacks else None)
    opened = await open_view(client, None, str(shortcut.get("trigger_id")), save_modal(ctx, seal(cipher, ctx), form,
                                                                                       lang), lang)
    if opened is None or leonar_client is None:
        return
    is_ours = bool(message.get("bot_id")) and message.get("bot_id") == context.get("bot_id")
    try:
        async with asyncio.timeout(FILL_SECONDS):
            permalink, (option, notice) = await asyncio.gather(
                _permalink(client, ctx), _candidate(leonar_client, message, is_ours, lang,
                                                    functools.partial(_card_contact, context, ctx)))
    except TimeoutError:
        log.info("save form left as opened: the link or the candidate took too long")
        return
    if permalink is None and option is None and notice is None:
        return
    ctx = ctx.with_permalink(permalink)
    filled = replace(form, contact=option, notice=notice or form.notice)
    try:
        # The hash: a form the saver changed meanwhile through Slack is left as it is.
        await client.views_update(view_id=opened["id"], hash=opened.get("hash"),
                                  view=save_modal(ctx, seal(cipher, ctx), filled, lang))
    except SlackApiError as exc:
        log.info("save form not filled in: %s", exc.response.get("error"))


async def _permalink(client: AsyncWebClient, ctx: SaveContext) -> str | None:
    try:
        response = await client.chat_getPermalink(channel=ctx.channel, message_ts=ctx.ts)
    except SlackApiError as exc:
        log.info("no permalink for a saved message: %s", exc.response.get("error"))
        return None
    link = response.get("permalink")
    return link if isinstance(link, str) and link.startswith("https://") else None


def _own_card(message: dict[str, Any]) -> str | None:
    """The contact of a card of the bot's, by the id its blocks carry (the caller checked the message is ours)."""
    found = card_contact(message.get("blocks"))
    return found.lower() if found and UUID.fullmatch(found) else None


def linked_contact(message: dict[str, Any]) -> str | None:
    """A Leonar contact link in the message's text."""
    for url in URL.findall(str(message.get("text") or "")):
        link = parse_link(url.replace("&amp;", "&"))
        if link is not None and link.kind == "contact":
            return link.id
    return None


async def _card_contact(context: dict[str, Any], ctx: SaveContext) -> str | None:
    """The contact of the card this message is, or of the card whose thread it is in (the cards the bot recorded)."""
    cards, here = services(context).store.cards, workspace(context)
    try:
        for ts in dict.fromkeys(t for t in (ctx.ts, ctx.thread_ts) if t):
            if found := await cards.contact_of(here, ctx.channel, ts):
                return found
    except StoreUnavailable as exc:
        log.info("save form: the card record could not be read: %s", exc)
    return None


async def _candidate(leonar_client: LeonarClient, message: dict[str, Any], is_ours: bool, lang: Lang,
                     card_of: Callable[[], Awaitable[str | None]]) -> tuple[dict[str, Any] | None, str | None]:
    """The candidate to preselect, as a menu option, or a notice saying why the one the message names is not."""
    # A card of ours (by its blocks, else the record), a card's thread, then a link in the text.
    contact_id = ((is_ours and _own_card(message)) or await card_of() or linked_contact(message))
    try:
        if contact_id:
            return contact_option(await leonar_client.read_contact(contact_id)), None
        seed = seed_from(str(message.get("text") or ""))
        if seed and normalize_linkedin(seed):
            found = await leonar_client.find_by_linkedin(seed)
            if len(found.items) == 1:
                return contact_option(found.items[0]), None
    except NotFound:
        return None, t(lang, "save.linked_unknown")
    except LeonarError as exc:
        log.info("save form: candidate not preselected: %s", exc.code)
    return None, None
