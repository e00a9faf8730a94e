"""Unfurling Leonar links pasted in Slack (`link_shared` → `chat.unfurl`).

An unfurl shows Leonar data to everyone in the conversation, so it is made only with the workspace's own key, for
a link posted by one of its own people (a guest only when admins allowed guests), never in a channel shared with
another organisation (Slack Connect), and only for records that key can read. Anything else — not connected, a
refused poster, an unknown id, Leonar down, Slack refusing — leaves the message as it is: nothing is posted in the
conversation, one log line says why (ids and kinds, never the key).

Each record goes as a Work Object when the app has them (`work_objects.py`: the same fields under the same rule, the
same buttons), else as the classic card.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import Lang, lang_of
from bot.leonar import LeonarClient, LeonarError
from bot.leonar.links import Kind, LeonarLink, contact_url, parse_link, project_url, valid_slug
from bot.slack import work_objects
from bot.slack.context import services, workspace, workspace_leonar
from bot.slack.users import UserLookup
from bot.store import WorkspaceSettings
from bot.views.unfurls import contact_unfurl, project_unfurl
from bot.views.work_objects import contact_entity, project_entity

log = logging.getLogger(__name__)
# Leonar records unfurled per message: Slack documents no cap, integrations commonly stop at about 5 (research
# slack-platform-2 §2.6); each costs one Leonar read when not cached.
MAX_RECORDS = 5

Record = tuple[Kind, str]  # (kind, id)


def leonar_links(event: dict[str, Any]) -> dict[str, LeonarLink]:
    """The event's URLs that name a Leonar record, by URL (Slack wants each URL back as it sent it)."""
    found: dict[str, LeonarLink] = {}
    for link in event.get("links") or []:
        url = link.get("url") if isinstance(link, dict) else None
        if isinstance(url, str) and (parsed := parse_link(url)) is not None:
            found[url] = parsed
    return found


async def unfurl(client: AsyncWebClient, body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]
                 ) -> None:
    here = workspace(context)
    links = leonar_links(event)
    if not links:
        return
    # Slack delivers an event again when it thinks it was not acknowledged, maybe to another instance, maybe after
    # a restart: its event_id, kept in the store, makes it unfurl once.
    event_id = str(body.get("event_id") or "")
    if event_id and not await services(context).store.jobs.first(f"event:{event_id}", here):
        log.info("link_shared %s already handled", event_id)
        return
    why = await _refusal(body, context)
    if why is not None:
        log.info("no unfurl in workspace %s: %s", here.key, why)
        return
    client_leonar = workspace_leonar(context)
    assert client_leonar is not None  # _refusal checked the connection
    records = list(dict.fromkeys((link.kind, link.id) for link in links.values()))
    if len(records) > MAX_RECORDS:
        log.info("link_shared with %d Leonar records: the first %d unfurled", len(records), MAX_RECORDS)
        records = records[:MAX_RECORDS]
    read = dict(zip(records, await asyncio.gather(*(_read(client_leonar, r) for r in records)), strict=True))
    settings = await _learn_slug(context, links, read)
    lang = lang_of(event.get("user_locale"))
    unfurls = {url: blocks for url, link in links.items()
               if (blocks := _render(read.get((link.kind, link.id)), link, settings, lang)) is not None}
    if not unfurls:
        log.info("no unfurl in workspace %s: no Leonar record could be read", here.key)
        return
    entities = [entity for url, link in links.items()
                if (entity := _entity(read.get((link.kind, link.id)), url, link, settings, lang)) is not None
                ] if services(context).settings.work_objects else []
    await work_objects.send(client, _target(event), unfurls, entities, services(context).work_objects, here.key)


async def _refusal(body: dict[str, Any], context: dict[str, Any]) -> str | None:
    if context.get("connection") is None:
        return "not connected to Leonar"
    if body.get("is_ext_shared_channel"):
        return "a channel shared with another organisation"
    who = await cast(UserLookup, context["slack_user"]).recent()
    if who is None or who.role == "unknown":
        return "the poster could not be looked up"
    if not who.belongs_to(workspace(context)):
        return f"poster {who.id} is not of the workspace"
    if who.role == "guest" and not (await services(context).store.workspaces.settings(workspace(context))).allow_guests:
        return f"poster {who.id} is a guest"
    return None


async def _read(client: LeonarClient, record: Record) -> Any:
    """The contact or project, or None (unknown id, no scope, Leonar down): cached reads, like the add form's."""
    kind, record_id = record
    try:
        return await (client.read_contact(record_id) if kind == "contact" else client.get_project(record_id))
    except LeonarError as exc:
        log.info("%s %s not unfurled: %s", kind, record_id, exc.code)
        return None


async def _learn_slug(context: dict[str, Any], links: dict[str, LeonarLink], read: dict[Record, Any]
                      ) -> WorkspaceSettings:
    """The workspace's Leonar address, learnt from the first link whose record its own key could read (a made-up
    link to a record it cannot read teaches nothing); an address already set, by an admin or so, is kept."""
    store, here = services(context).store.workspaces, workspace(context)
    settings = await store.settings(here)
    if settings.leonar_slug:
        return settings
    slug = next((link.slug for link in links.values() if link.slug and read.get((link.kind, link.id)) is not None
                 and valid_slug(link.slug)), None)
    if slug is None:
        return settings
    settings = await store.update_settings(here, leonar_slug=slug)
    log.info("workspace %s: Leonar address learnt from a link: %s", here.key, slug)
    return settings


def _render(record: Any, link: LeonarLink, settings: WorkspaceSettings, lang: Lang) -> dict[str, Any] | None:
    if record is None:
        return None
    if link.kind == "contact":
        return contact_unfurl(record, lang, details=settings.show_contact_details,
                              leonar_url=contact_url(settings.leonar_slug, record.id))
    return project_unfurl(record, lang, leonar_url=project_url(settings.leonar_slug, record.id))


def _entity(record: Any, url: str, link: LeonarLink, settings: WorkspaceSettings, lang: Lang
            ) -> dict[str, Any] | None:
    """The record as a Work Object seen by the whole conversation: the card's fields under the card's rule."""
    if record is None:
        return None
    if link.kind == "contact":
        return contact_entity(record, lang, url=contact_url(settings.leonar_slug, record.id) or url,
                              app_unfurl_url=url, details=settings.show_contact_details)
    return project_entity(record, lang, url=project_url(settings.leonar_slug, record.id) or url, app_unfurl_url=url)


def _target(event: dict[str, Any]) -> dict[str, Any]:
    # unfurl_id + source serve both the composer's preview and a posted message; channel + ts is the older form.
    if event.get("unfurl_id") and event.get("source"):
        return {"unfurl_id": str(event["unfurl_id"]), "source": str(event["source"])}
    return {"channel": str(event.get("channel") or ""), "ts": str(event.get("message_ts") or "")}
