"""Asking Leonar from Slack: find a candidate, a project's pulse. Used by `/leonar-add find` and `pipeline`
(bot/listeners/commands.py) and meant for @Leonar mentions; each answer is a message ({"text", "blocks"}), never
None: a Leonar that is slow, rate-limited or down, or a workspace not connected, is said in the message.

- `find_answer(services, workspace, user, query, lang, *, details=False)`: up to MAX_FOUND candidates (the add's
  search: LinkedIn URL, email or name, bot/slack/add_prefill.py), each with where they stand: followed projects'
  snapshots, recent adds, then a look-up of the user's last project and the followed projects not yet polled;
  the first two found are read whole (skills; emails and phones where cards show them); at most MAX_REQUESTS
  Leonar requests in all (the search included), each within the user's fair share.
- `pipeline_answer(services, workspace, user, project_text, lang, *, share=True, shared_by=None)`: the project
  named like the Workflow Builder step names it (bot/leonar/resolve.py), its pulse (bot/activity/pulse.py).
  `pipeline_pulse` says too whether that is the pulse (Share in channel posts only a pulse).
- `details_here`: whether an answer in a channel may show emails and phones (the card's rule); the share buttons
  are bot/slack/sharing.py's.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.activity.events import Snapshot
from bot.activity.pulse import parse_stamp, pulse
from bot.activity.stages import Board
from bot.i18n import Lang, t
from bot.leonar import Contact, LeonarClient, LeonarError, normalize_linkedin
from bot.leonar.links import contact_url, project_url
from bot.leonar.resolve import ProjectAmbiguous, ProjectNotFound, find_project, fold
from bot.manifest import COMMAND
from bot.services import KeyChoice, Services
from bot.slack import channels
from bot.slack.add_prefill import EMAIL, SEARCH_LIMIT, matches, seed_from
from bot.slack.users import SlackUser
from bot.slack.whose_key import no_key_text
from bot.store import StoreUnavailable, Workspace
from bot.views import find as views
from bot.views.errors import describe
from bot.views.find import Found, Standing
from bot.views.pulse import pulse_message

log = logging.getLogger(__name__)
MAX_FOUND = 5
MAX_REQUESTS = 5  # per find, the search included
FULL_READS = 2  # found contacts read whole; the rest of the budget goes to where they stand
PIPELINE_PAGES = 3  # entries read for a pulse: 300; a bigger project's counts are Leonar's own


def no_key(services: Services, workspace: Workspace, choice: KeyChoice, lang: Lang) -> dict[str, Any]:
    """Why the asker's request has no Leonar key to use: their own to link first, else the workspace's to connect."""
    return views.problem(no_key_text(lang, must_link=choice.must_link, home=services.slack_app.home_url(
        workspace.team_id), not_connected="admin.not_connected"))


async def find_answer(services: Services, workspace: Workspace, user: SlackUser, query: str, lang: Lang, *,
                      details: bool = False, share: bool = True) -> dict[str, Any]:
    """Who `query` (a name, an email or a LinkedIn URL) finds, and where they stand (module docstring), asked with
    the user's own key when they linked one."""
    seed = seed_from(query)
    if not seed:
        return views.nothing_found(query, "empty", lang)
    try:
        choice = await services.leonar_for(workspace, user.id)
        if (client := choice.client) is None:
            return no_key(services, workspace, choice, lang)
        # The add form's limit: its candidate menu then reads the same search from the cache, and vice versa.
        listing = await matches(client, seed, limit=SEARCH_LIMIT)
    except LeonarError as exc:
        log.info("find failed: %s", exc.code)
        return views.problem(describe(exc, lang))
    except StoreUnavailable:
        return views.problem(t(lang, "access.store_down"))
    contacts = listing.items[:MAX_FOUND]
    if not contacts:
        kind = "linkedin" if normalize_linkedin(seed) else "email" if EMAIL.fullmatch(seed) else "name"
        return views.nothing_found(seed, kind, lang)
    contacts, left = await _full(client, contacts, MAX_REQUESTS - 1)
    found = await where_they_stand(services, workspace, user, client, contacts, left)
    slug = await leonar_slug(services, workspace)
    urls = {c.id: contact_url(slug, c.id) for c in contacts}
    shares = {c.id: views.share_value(workspace.key, user.id, c.id) for c in contacts} if share else {}
    return views.find_message(seed, found, lang, details=details, urls=urls, shares=shares)


async def _full(client: LeonarClient, contacts: list[Contact], budget: int) -> tuple[list[Contact], int]:
    """Search results are slim (no skills, emails nor phones): the first FULL_READS are read whole, as the card
    shows them (cached a while: a repeated find costs nothing). Returns them and the budget left."""
    whole = []
    for n, contact in enumerate(contacts):
        if n < FULL_READS and budget > 0:
            budget -= 1
            try:
                client.admit()  # counted even when the read is cached: a find never exceeds the user's share
                contact = await client.read_contact(contact.id)
            except LeonarError as exc:  # the slim one is still worth showing
                log.info("a found contact not read whole: %s", exc.code)
        whole.append(contact)
    return whole, budget


async def leonar_slug(services: Services, workspace: Workspace) -> str | None:
    try:
        return (await services.store.workspaces.settings(workspace)).leonar_slug
    except StoreUnavailable:
        return None


async def where_they_stand(services: Services, workspace: Workspace, user: SlackUser, client: LeonarClient,
                           contacts: list[Contact], budget: int) -> list[Found]:
    """Each contact's projects and stages: what the bot keeps first, then at most `budget` Leonar requests."""
    ids = {c.id for c in contacts}
    standing: dict[str, dict[str, Standing]] = {c.id: {} for c in contacts}
    unchecked: list[tuple[str, str]] = []  # projects (id, name) no stored reading covers
    complete = dict.fromkeys(ids, True)  # per contact: every project the bot knows of was checked
    try:
        follows = [f for f in await services.store.follows.list_follows(workspace) if f.stopped is None]
        for project_id, name in dict((f.project_id, f.project_name) for f in follows).items():
            snapshot = (await services.store.follows.project_state(workspace, project_id)).snapshot
            if snapshot is None:
                unchecked.append((project_id, name))
                continue
            board = Board(project.stages) if (project := client.cached_project(project_id)) else None
            for seen in (s for s in snapshot.values() if s.contact_id in ids):
                stage = board.ref(seen.stage_id) if board else None
                standing[str(seen.contact_id)][project_id] = Standing(name, stage.name if stage else None,
                                                                      parse_stamp(seen.updated_at))
        by_name = {fold(c.full_name): c.id for c in contacts}
        for add in await services.store.workspaces.recent_adds(workspace, limit=100):
            contact_id = by_name.get(fold(add.contact))
            if contact_id and not any(s.project == add.project for s in standing[contact_id].values()):
                standing[contact_id]["recent:" + add.project] = Standing(add.project, add.stage, add.at)
        last = await services.store.workspaces.last_project(workspace, user.id)
        if last and last[0] not in {p for p, _ in unchecked} and not any(f.project_id == last[0] for f in follows):
            unchecked.insert(0, last)
    except StoreUnavailable:
        complete = dict.fromkeys(ids, False)
    for project_id, name in unchecked:
        for contact in contacts:
            known = standing[contact.id]
            if project_id in known or "recent:" + name in known:
                continue  # already told (a snapshot, or an add from Slack): its request is kept for another
            if budget <= 0:
                complete[contact.id] = False
                continue
            budget -= 1
            try:
                entries = await client.contact_entries(project_id, contact.id)
            except LeonarError as exc:
                log.info("find's look-up stopped: %s", exc.code)
                complete[contact.id], budget = False, 0
                continue
            if entries is None:
                complete[contact.id] = False
            for entry in entries or []:
                standing[contact.id][project_id] = Standing(name, entry.stage.name if entry.stage else None,
                                                            entry.updated_at)
    return [Found(c, sorted(standing[c.id].values(), key=lambda s: s.project.casefold()), complete[c.id])
            for c in contacts]


async def pipeline_answer(services: Services, workspace: Workspace, user: SlackUser, project_text: str, lang: Lang,
                          *, share: bool = True, shared_by: str | None = None) -> dict[str, Any]:
    """The pulse of the project `project_text` names; choices when it names several, the closest when none. Read
    with the user's own key when they linked one."""
    return (await pipeline_pulse(services, workspace, user, project_text, lang, share=share, shared_by=shared_by))[0]


async def pipeline_pulse(services: Services, workspace: Workspace, user: SlackUser, project_text: str, lang: Lang,
                         *, share: bool = True, shared_by: str | None = None) -> tuple[dict[str, Any], bool]:
    """pipeline_answer's message, and whether it is the pulse (False: a problem or the projects to choose from)."""
    if not project_text.strip():
        return views.problem(t(lang, "pipeline.usage", command=COMMAND)), False
    try:
        choice = await services.leonar_for(workspace, user.id)
        if (client := choice.client) is None:
            return no_key(services, workspace, choice, lang), False
        try:
            project = await find_project(client, project_text)
        except ProjectAmbiguous as exc:
            return views.project_choices(project_text, exc.matches, lang, ambiguous=True), False
        except ProjectNotFound as exc:
            return views.project_choices(project_text, exc.closest, lang, ambiguous=False), False
        pages = max(1, min(PIPELINE_PAGES, math.ceil((project.entries_count or 0) / 100)))
        client.admit(cost=pages)  # the pages read below count against the user's share, like a search
        read = await client.entries_changed_since(project.id, None, max_pages=PIPELINE_PAGES)
    except LeonarError as exc:
        log.info("pipeline failed: %s", exc.code)
        return views.problem(describe(exc, lang)), False
    except StoreUnavailable:
        return views.problem(t(lang, "access.store_down")), False
    snapshot: Snapshot | None = None
    try:
        snapshot = (await services.store.follows.project_state(workspace, project.id)).snapshot
    except StoreUnavailable:
        log.info("pulse without the poller's snapshot: the store failed")
    found = pulse(project, read.entries, datetime.now(UTC), snapshot=snapshot, complete=read.complete)
    value = views.share_value(workspace.key, user.id, project.id) if share else None
    return pulse_message(found, lang, url=project_url(await leonar_slug(services, workspace), project.id),
                         share_value=value, shared_by=shared_by), True


async def where_allowed(slack: AsyncWebClient, services: Services, workspace: Workspace, channel_id: str, lang: Lang
                 ) -> tuple[bool | None, str | None]:
    """(contact details allowed, why not there): the card's rule for that channel."""
    where = await channels.reach(slack, services.channels, workspace, channel_id)
    settings = await services.store.workspaces.settings(workspace)
    if key := channels.refusal(where, settings):
        return None, t(lang, key)
    return channels.details_allowed(where, settings), None


async def details_here(slack: AsyncWebClient, services: Services, workspace: Workspace, channel_id: str) -> bool:
    """Whether a private answer in `channel_id` may show emails and phones: where a card there would."""
    try:
        return (await where_allowed(slack, services, workspace, channel_id, "en"))[0] is True
    except StoreUnavailable:
        return False
