"""A Work Object's flexpane, per person: someone clicked a Leonar link's preview (`entity_details_requested`), the bot
answers `entity.presentDetails` with what that person may see (research slack-platform-3 §6).

- Guests (whatever admins allowed for unfurls) and people of another organisation: the public preview only — the
  entity everyone in the conversation already sees, read with the workspace's key (never anyone's own); for people
  of another organisation never with emails or phones.
- A member who linked their own Leonar key: what Leonar shows them, read with their key — the candidate's projects
  and stages (`asking.where_they_stand`: followed projects' snapshots, adds made in Slack, then a bounded look-up),
  the latest notes, and emails and phones when their key may read contacts (a key that may not is said so).
- Any other member: what the workspace's key allows under the card's rule (emails and phones only when the workspace
  shows them), their projects and stages; no notes — the team's notes are not on the card.
- When admins require members' own keys and this member has none: the public preview, and Slack's prompt to
  authenticate (`user_auth_required`), which leads to the app's Home and its "Link my Leonar account".
- Not connected, a record Leonar will not show, Leonar down or slow: Slack's `error` (`custom`, `not_found`,
  `internal_error`), never a flexpane left spinning; one log line says why (ids, never a key).

Slack gives the trigger 3 s like others [INF]: the person's lookup, the store and Leonar get FLEXPANE_SECONDS of it,
counted from when the event is handled; past that, Slack's timeout error goes instead.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import Lang, lang_of, t
from bot.leonar import Contact, LeonarClient, LeonarError, NotFound
from bot.leonar.errors import InsufficientScope
from bot.leonar.links import UUID, contact_url, project_url
from bot.services import Services
from bot.slack.asking import where_they_stand
from bot.slack.context import connection, home_url, services, workspace, workspace_leonar
from bot.slack.users import SlackUser, UserLookup
from bot.store import StoreUnavailable, Workspace, WorkspaceSettings
from bot.views.work_objects import CONTACT_REF, PROJECT_REF, Private, contact_entity, project_entity

log = logging.getLogger(__name__)
FLEXPANE_SECONDS = 2.0
LOOKUPS = 3  # Leonar requests for where the candidate stands, beyond what the bot keeps
NOTES = 3
KINDS = {CONTACT_REF: "contact", PROJECT_REF: "project"}
Entity = dict[str, Any]


class Unreadable(Exception):
    """The record cannot be shown now: `status` is Slack's error status for it."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


async def present(client: AsyncWebClient, body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]
                  ) -> None:
    deadline = asyncio.get_running_loop().time() + FLEXPANE_SECONDS  # the trigger's clock started at the click
    trigger_id = str(event.get("trigger_id") or "")
    ref = _object(event.get("external_ref"))
    kind, record_id = KINDS.get(str(ref.get("type"))), str(ref.get("id") or "")
    lang = lang_of(event.get("user_locale"))
    if not trigger_id:
        log.info("entity_details_requested without a trigger_id")
        return
    if kind is None or not UUID.fullmatch(record_id):  # not an entity this app unfurled: nothing reaches Leonar
        log.info("flexpane refused: not a Leonar record")
        await _answer(client, trigger_id, error={"status": "not_found"})
        return
    here, svc = workspace(context), services(context)
    if connection(context) is None:
        log.info("flexpane in workspace %s: not connected to Leonar", here.key)
        await _answer(client, trigger_id, error=_error(lang, "not_connected"))
        return
    public = cast(LeonarClient, workspace_leonar(context))
    home = home_url(context)  # the event named the app
    who: SlackUser | None = None
    try:
        async with asyncio.timeout_at(deadline):
            who = await cast(UserLookup, context["slack_user"]).recent()
            settings = await svc.store.workspaces.settings(here)
            url = _url(event, kind, settings, record_id)
            answer = await _answer_for(svc, here, who, public, kind, record_id, url, settings, lang, home)
    except (Unreadable, LeonarError, StoreUnavailable, TimeoutError) as exc:
        status = exc.status if isinstance(exc, Unreadable) else "not_found" if isinstance(exc, NotFound) else (
            "timeout" if isinstance(exc, TimeoutError) else "internal_error")
        log.info("flexpane of %s %s for %s: %s", kind, record_id, who.id if who else "?", status)
        await _answer(client, trigger_id, error=_error(lang, status))
        return
    await _answer(client, trigger_id, **answer)


async def _answer_for(svc: Services, here: Workspace, who: SlackUser | None, public: LeonarClient, kind: str,
                      record_id: str, url: str, settings: WorkspaceSettings, lang: Lang,
                      home: str | None) -> dict[str, Any]:
    """The arguments of `entity.presentDetails` for this person (module docstring)."""
    if who is None or not who.belongs_to(here) or who.role == "guest":
        log.info("flexpane for %s: the public preview only (%s)", who.id if who else "?",
                 "a guest" if who and who.role == "guest" else "not of the workspace")
        # Never emails or phones to another organisation (the card's rule in shared channels), whatever the workspace
        # shows its own people: a link unfurled in an internal channel can reach them later (forwarded, shared).
        outside = who is None or not who.belongs_to(here)
        return {"metadata": await _preview(public, kind, record_id, url, settings, lang, details=not outside)}
    choice = await svc.leonar_for(here, who.id)
    if choice.must_link:
        log.info("flexpane for %s: their own Leonar key is required", who.id)
        prompt: dict[str, Any] = {"user_auth_required": True} | ({"user_auth_url": home} if home else {})
        return {"metadata": await _preview(public, kind, record_id, url, settings, lang), **prompt}
    if choice.client is None:  # disconnected meanwhile
        raise Unreadable("not_connected")
    if kind == "project":
        return {"metadata": project_entity(await choice.client.get_project(record_id), lang, url=url,
                                           app_unfurl_url=None)}
    return {"metadata": await _contact(svc, here, who, choice.client, public, record_id, url, settings, lang,
                                       personal=choice.personal)}


async def _contact(svc: Services, here: Workspace, who: SlackUser, client: LeonarClient, public: LeonarClient,
                   record_id: str, url: str, settings: WorkspaceSettings, lang: Lang, *, personal: bool) -> Entity:
    refused = False
    try:
        contact: Contact = await client.read_contact(record_id)
    except InsufficientScope:
        if not personal:
            raise
        # Their key may not read contacts: the card as the channel sees it, and they are told why no more.
        contact, refused = await public.read_contact(record_id), True
    # Where they stand and the notes are two independent reads, made at once: the panel has Slack's few seconds.
    standing = asyncio.ensure_future(where_they_stand(svc, here, who, client, [contact], LOOKUPS))
    try:
        notes = await client.latest_notes(contact.id, limit=NOTES) if personal else None
    except BaseException:  # the deadline's cancellation included: nothing left reading after the answer
        standing.cancel()
        raise
    found = await standing
    private = Private(details=not refused if personal else settings.show_contact_details,
                      details_refused=refused, standing=found[0].standing, standing_complete=found[0].known,
                      notes=notes, notes_refused=personal and notes is None)
    return contact_entity(contact, lang, url=url, app_unfurl_url=None, details=private.details, private=private)


async def _preview(public: LeonarClient, kind: str, record_id: str, url: str, settings: WorkspaceSettings,
                   lang: Lang, *, details: bool = True) -> Entity:
    """The entity the conversation sees (the unfurl's), read with the workspace's key; `details`: False never shows
    emails or phones, whatever the workspace's cards do."""
    if kind == "project":
        return project_entity(await public.get_project(record_id), lang, url=url, app_unfurl_url=None)
    return contact_entity(await public.read_contact(record_id), lang, url=url, app_unfurl_url=None,
                          details=details and settings.show_contact_details)


def _url(event: dict[str, Any], kind: str, settings: WorkspaceSettings, record_id: str) -> str:
    """The entity's URL as Slack knows it (the unfurl's `url`, in the event), else the record's page in Leonar,
    else the link that was clicked."""
    link = _object(event.get("link"))
    made = (contact_url if kind == "contact" else project_url)(settings.leonar_slug, record_id)
    return str(event.get("entity_url") or made or event.get("app_unfurl_url") or link.get("url") or "")


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _error(lang: Lang, status: str) -> dict[str, Any]:
    if status == "not_connected":
        return _custom(lang, "wo.not_connected_title", "wo.not_connected")
    return {"status": status}


def _custom(lang: Lang, title: str, message: str) -> dict[str, Any]:
    return {"status": "custom", "custom_title": t(lang, title), "custom_message": t(lang, message)}


async def _answer(client: AsyncWebClient, trigger_id: str, **arguments: Any) -> None:
    try:
        await client.entity_presentDetails(trigger_id=trigger_id, **arguments)
    except SlackApiError as exc:
        log.info("entity.presentDetails refused: %s", exc.response.get("error"))
