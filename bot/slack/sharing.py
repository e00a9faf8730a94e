"""A private find or pipeline answer's "Share in channel" (bot/slack/asking.py): posted for everyone, attributed,
and refused to anyone but who asked (the button's value names the workspace and the person: a press by another,
or from another workspace, is refused) and where candidate cards may not go (bot/slack/channels.py)."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import Lang, t
from bot.leonar import LeonarError
from bot.leonar.links import contact_url
from bot.services import Services
from bot.slack.asking import (
    MAX_REQUESTS,
    leonar_slug,
    no_key,
    pipeline_pulse,
    where_allowed,
    where_they_stand,
)
from bot.slack.card_delivery import deliver_card
from bot.slack.users import SlackUser
from bot.store import StoreUnavailable, Workspace
from bot.views import find as views
from bot.views.errors import describe

log = logging.getLogger(__name__)


def _allowed(value: str, workspace: Workspace, user: SlackUser) -> str | None:
    """The subject of a share button, or None when the presser is not who asked, or not of that workspace."""
    parsed = views.read_share(value)
    if parsed is None or parsed[0] != workspace.key or parsed[1] != user.id:
        log.warning("a share button pressed by someone other than who asked: refused")
        return None
    return parsed[2]


async def share_find(slack: AsyncWebClient, services: Services, workspace: Workspace, user: SlackUser, value: str,
                     channel_id: str, response_url: str | None, lang: Lang) -> dict[str, Any] | None:
    """Post the candidate in `channel_id` for everyone, attributed, read with the presser's own key when they linked
    one. Returns what to tell the presser privately (None: it went out)."""
    contact_id = _allowed(value, workspace, user)
    if contact_id is None:
        return views.problem(t(lang, "find.share_refused"))
    try:
        details, why = await where_allowed(slack, services, workspace, channel_id, lang)
        if why is not None:
            return views.problem(why)
        choice = await services.leonar_for(workspace, user.id)
        if (client := choice.client) is None:
            return no_key(services, workspace, choice, lang)
        contact = await client.read_contact(contact_id)
    except LeonarError as exc:
        return views.problem(describe(exc, lang))
    except StoreUnavailable:
        return views.problem(t(lang, "access.store_down"))
    found = (await where_they_stand(services, workspace, user, client, [contact], MAX_REQUESTS - 1))[0]
    card = views.shared_card(found, lang, details=bool(details), shared_by=user.id,
                             leonar_url=contact_url(await leonar_slug(services, workspace), contact.id))
    await deliver_card(slack, card, channel_id=channel_id, user_id=user.id, response_urls=[],
                       command_channel_id=channel_id, command_response_url=response_url, lang=lang)
    return None


async def share_pulse(slack: AsyncWebClient, services: Services, workspace: Workspace, user: SlackUser, value: str,
                      channel_id: str, response_url: str | None, lang: Lang) -> dict[str, Any] | None:
    """Post the project's pulse in `channel_id` for everyone, attributed (no email nor phone in a pulse, but a
    channel where no card may go gets no pulse either)."""
    project_id = _allowed(value, workspace, user)
    if project_id is None:
        return views.problem(t(lang, "find.share_refused"))
    try:
        _, why = await where_allowed(slack, services, workspace, channel_id, lang)
    except StoreUnavailable:
        return views.problem(t(lang, "access.store_down"))
    if why is not None:
        return views.problem(why)
    message, is_pulse = await pipeline_pulse(services, workspace, user, project_id, lang, share=False,
                                             shared_by=user.id)
    if not is_pulse:  # said to the presser only
        return message
    await deliver_card(slack, message, channel_id=channel_id, user_id=user.id, response_urls=[],
                       command_channel_id=channel_id, command_response_url=response_url, lang=lang)
    return None
