"""Async client for the Leonar REST API (https://app.leonar.app/api/v1).

Behaviour the Leonar docs leave open is tagged on the one method that holds it, so it can be corrected in one
place: [INF] inferred from the docs, [GAP] undocumented (every plausible answer is handled), [CODE] seen in
public client code only. Sending, retries, the rate-limit budget and error mapping are the transport's
(`transport.py`); each user's share of that budget `fair.py`; the exactly-once add is `entries.py`, the
duplicate check `lookup.py`, the scope probes `scopes.py`; the process-wide pool, cache and budgets that
clients are made from `shared.py`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Generic, NamedTuple, TypeVar

from bot.leonar import changes, entries, envelope, errors, scopes
from bot.leonar.budget import Budget
from bot.leonar.cache import ReadCache
from bot.leonar.entries import NewEntry
from bot.leonar.fair import FairShare
from bot.leonar.linkedin import normalize_linkedin
from bot.leonar.lookup import EntryLookup, SharedIndexes
from bot.leonar.models import Contact, Entry, Listing, Note, PageMeta, Project, with_entry_added
from bot.leonar.scopes import CONTACTS_READ, CONTACTS_WRITE, NOTES_READ, NOTES_WRITE, PROJECTS_READ
from bot.leonar.scopes import NIL_UUID as NIL_UUID  # tests/flows.py reads it from here
from bot.leonar.transport import Transport

PAGE_SIZE = 100  # Leonar's maximum `limit`
MAX_PAGES = 50  # 5,000 projects: a bound so a misbehaving `has_more` cannot loop forever
log = logging.getLogger(__name__)
PROJECTS_TTL = 60.0
PROJECT_TTL = 300.0
CONTACTS_TTL = 30.0
CONTACT_TTL = 60.0  # one contact read for a preview (a link unfurl)
MEMBERS_TTL = 600.0  # a Leonar workspace's members: compared when a member links their own key
SCOPE_TTL = 600.0  # what a note or a probe taught of notes:write: a scope granted since is believed in 10 minutes

T = TypeVar("T")


class Read(NamedTuple, Generic[T]):
    value: T
    stale: bool  # served from the cache past its freshness
    limited: bool  # ...because this user's share of the budget is used up


class LeonarClient:
    """Leonar calls made with one workspace's API key.

    Reads are cached per key (projects 60 s, a project's stages 5 min, a contact search 30 s) and served stale
    when the key's budget is nearly spent or blocked, or the user's share of it used up (`fair.py`); the
    `Listing` returned then says so. Those that miss the cache raise `UserRateLimited` past that share.
    """

    def __init__(self, transport: Transport, *, cache: ReadCache, key_id: str, entry_read_timeout: float,
                 share: FairShare | None = None, user_id: str | None = None,
                 indexes: SharedIndexes | None = None) -> None:
        self._transport = transport
        self._entry_read_timeout = entry_read_timeout
        self._cache = cache
        self._key_id = key_id
        self._share = share or FairShare(transport.budget)
        self._user_id = user_id
        self._lookup = EntryLookup(transport, cache, key_id, shared=indexes)

    @property
    def budget(self) -> Budget:
        return self._transport.budget

    async def list_projects(self, *, status: str = "active") -> Listing[Project]:
        """Every project with `status`, across all pages (fetched concurrently once the total is known)."""
        read = await self._cached(("projects", status), PROJECTS_TTL, lambda: self._all_projects(status))
        return Listing(read.value, read.stale, limited=read.limited)

    async def _all_projects(self, status: str) -> list[Project]:
        async def page(offset: int) -> tuple[list[Any], PageMeta]:
            params = {"status": status, "limit": PAGE_SIZE, "offset": offset}
            return envelope.page(await self._transport.get("projects", params=params, scope=PROJECTS_READ))

        items, meta = await page(0)
        if meta.has_more and meta.total is not None:
            offsets = range(PAGE_SIZE, min(meta.total, MAX_PAGES * PAGE_SIZE), PAGE_SIZE)
            for more, _ in await asyncio.gather(*(page(offset) for offset in offsets)):
                items.extend(more)
        else:
            offset = 0
            while meta.has_more and offset < (MAX_PAGES - 1) * PAGE_SIZE:
                offset += PAGE_SIZE
                more, meta = await page(offset)
                items.extend(more)
        # Offset pages can overlap when projects are added meanwhile; keep each project once.
        return list({p.id: p for p in envelope.parse_list(Project, items)}.values())

    async def get_project(self, project_id: str) -> Project:
        """One project with its pipeline stages."""

        async def fetch() -> Project:
            body = await self._transport.get(f"projects/{project_id}", scope=PROJECTS_READ)
            return envelope.parse(Project, envelope.data(body))

        return (await self._cached(("project", project_id), PROJECT_TTL, fetch)).value

    def cached_project(self, project_id: str) -> Project | None:
        """The project as last read (any age), or None: never a request."""
        value = self._cache.stale((self._key_id, "project", project_id))
        return value if isinstance(value, Project) else None

    async def find_by_linkedin(self, url: str) -> Listing[Contact]:
        """Contacts whose `linkedin_profile` is this profile, however either URL is written (never cached).

        [INF] `GET /contacts` with the documented `ilike` filter operator on `linkedin_profile` (which fields
        accept operators is not documented); matches are checked here against the normalised URL.
        """
        wanted = normalize_linkedin(url)
        if wanted is None:
            return Listing([])
        path = wanted.split("linkedin.com", 1)[1]
        params = {"linkedin_profile": f"ilike.%{path}%", "limit": 10, "offset": 0}
        self._share.admit(self._user_id)
        items, _ = envelope.page(await self._transport.get("contacts", params=params, scope=CONTACTS_READ))
        return Listing(self._seen([c for c in envelope.parse_list(Contact, items)
                                   if c.linkedin_profile and normalize_linkedin(c.linkedin_profile) == wanted]))

    async def find_by_email(self, email: str) -> list[Contact]:
        """Contacts holding this email address (case-insensitive; never cached).

        [GAP] Leonar documents no email lookup: `GET /contacts` with `search` (documented as matching name,
        company and title) is asked, and only items whose `emails` hold the address are kept, so a Leonar that
        does not match emails finds none rather than someone else.
        """
        wanted = email.strip().casefold()
        self._share.admit(self._user_id)
        params = {"search": email.strip(), "limit": 10, "offset": 0}
        items, _ = envelope.page(await self._transport.get("contacts", params=params, scope=CONTACTS_READ))
        return self._seen([c for c in envelope.parse_list(Contact, items)
                           if any(e.casefold() == wanted for e in c.emails)])

    async def search_contacts(self, query: str, *, limit: int = 50) -> Listing[Contact]:
        """Contacts matching free text, searched by Leonar across the whole contact base.

        [INF] `POST /contacts/search` with `query`: the body fields are documented, how `query` matches
        (name, title, company; prefix or substring) is not.
        """
        query = " ".join(query.split())

        async def fetch() -> list[Contact]:
            reply = await self._transport.request("POST", "contacts/search", scope=CONTACTS_READ,
                                                  json={"query": query, "limit": limit, "offset": 0})
            return self._seen(envelope.parse_list(Contact, envelope.page(reply.body)[0]))

        read = await self._cached(("contacts", query.casefold(), limit), CONTACTS_TTL, fetch)
        return Listing(read.value, read.stale, limited=read.limited)

    async def get_contact(self, contact_id: str) -> Contact:
        """[INF] `GET /contacts/{id}`: implied by the `contacts:read` scope, no reference page found."""
        body = await self._transport.get(f"contacts/{contact_id}", scope=CONTACTS_READ)
        return envelope.parse(Contact, envelope.data(body))

    async def read_contact(self, contact_id: str) -> Contact:
        """The full contact, cached like the add form's reads: for previews (link unfurls), where the same link is
        often pasted again; the card after an add reads it fresh (`get_contact`)."""
        read = await self._cached(("contact_full", contact_id), CONTACT_TTL, lambda: self.get_contact(contact_id))
        return self._seen([read.value])[0]

    async def create_contact(self, fields: dict[str, str]) -> Contact:
        """`POST /contacts` with first_name (required), last_name, title, current_company, linkedin_profile, email.

        Not resent once it may have arrived: a duplicate contact is worse than a retry by the user.
        """
        reply = await self._transport.request("POST", "contacts", json={k: v for k, v in fields.items() if v},
                                              writes=True, retry_unsent=True, scope=CONTACTS_WRITE)
        return self._seen([envelope.parse(Contact, envelope.data(reply.body))])[0]

    def cached_contact(self, contact_id: str) -> Contact | None:
        """The contact as a recent search (or creation) returned it, or None: never a request. It names the
        candidate picked in a menu, whose option carries only the id."""
        value = self._cache.stale((self._key_id, "contact", contact_id))
        return value if isinstance(value, Contact) else None

    def _seen(self, contacts: list[Contact]) -> list[Contact]:
        for contact in contacts:
            self._cache.put((self._key_id, "contact", contact.id), contact)
        return contacts

    async def add_note(self, contact_id: str, content: str) -> str | None:
        """The new note's id, None if Leonar's answer names none. [CODE] `POST /contacts/{id}/notes` with
        `content`: seen in public client code, no reference page; the note's fields are [GAP] (an `id` assumed).

        Not retried once sent: a note twice is worse than a note the user is told failed.
        """
        try:
            reply = await self._transport.request("POST", f"contacts/{contact_id}/notes", json={"content": content},
                                                  writes=True, retry_unsent=True, scope=NOTES_WRITE)
        except errors.InsufficientScope:
            self._cache.put(self._notes_write_learnt, True)  # learnt: the next note form says so
            raise
        self._cache.put(self._notes_write_learnt, False)
        body = reply.body.get("data") if isinstance(reply.body, dict) else None
        note_id = body.get("id") if isinstance(body, dict) else None
        return note_id if isinstance(note_id, str) and note_id else None

    @property
    def _notes_write_learnt(self) -> tuple[str, str, str]:
        """Where what a note or a probe taught of this key's `notes:write` is cached (a write scope is learnt at first
        use, `scopes.py`)."""
        return self._key_id, "lacks", NOTES_WRITE

    def known_to_lack_notes_write(self) -> bool:
        """Whether Leonar refused this key's last note for want of `notes:write`, or the probe said so (a write
        scope is learnt at first use, `scopes.py`): never a request."""
        return self._cache.fresh(self._notes_write_learnt, SCOPE_TTL) is True

    async def update_note(self, contact_id: str, note_id: str, content: str) -> bool:
        """Whether the note now reads `content`. [INF] `PUT /contacts/{id}/notes/{note_id}` with `content`: the
        `notes:write` scope says "create+update", no page names the path. False when Leonar answers that there is no
        such note or no such route (404, 405): the caller adds a correction instead. Idempotent, so retried.
        """
        try:
            await self._transport.request("PUT", f"contacts/{contact_id}/notes/{note_id}",
                                          json={"content": content}, writes=True, retry_sent=True, scope=NOTES_WRITE)
        except errors.LeonarError as exc:
            if errors.no_route(exc):
                return False
            raise
        return True

    async def latest_notes(self, contact_id: str, *, limit: int = 3) -> list[Note] | None:
        """The contact's `limit` latest notes, newest first, or None when this key may not read them (no
        `notes:read`) or Leonar has no such route (404, 405). Never cached: a flexpane shows what is there now.

        [GAP] `GET /contacts/{id}/notes` is not documented (leonar-api.md §7.3): the `notes:read` scope ("list+view
        notes") implies it; `{"data": [...], "meta"}` like Leonar's other lists, `limit` ≤ 100, newest first. One
        whole page is read and sorted here again by `created_at`: should Leonar ignore `sort` and answer oldest
        first, the latest of its first 100 are still found (a page of `limit` would be the oldest).
        """
        self._share.admit(self._user_id)
        params = {"limit": PAGE_SIZE, "offset": 0, "sort": "-created_at"}
        try:
            items, _ = envelope.page(await self._transport.get(f"contacts/{contact_id}/notes", params=params,
                                                               scope=NOTES_READ))
        except errors.LeonarError as exc:
            if isinstance(exc, errors.InsufficientScope) or errors.no_route(exc):
                return None
            raise
        notes = envelope.parse_list(Note, items)
        oldest = datetime.min.replace(tzinfo=UTC)
        return sorted(notes, key=lambda n: n.created_at or oldest, reverse=True)[:limit]

    async def stage_entries(self, project_id: str, stage_id: str, *, limit: int = 10) -> list[Entry]:
        """The first `limit` entries of a project's stage, with their contacts (never cached: a feedback form's
        candidates are whoever is there now).

        [INF] `stage_id` as a filter of `GET /projects/{id}/entries` (documented for the board); entries of other
        stages in the answer, should Leonar ignore it, are left out here.
        """
        self._share.admit(self._user_id)
        params = {"stage_id": stage_id, "limit": PAGE_SIZE, "offset": 0}
        items, _ = envelope.page(await self._transport.get(f"projects/{project_id}/entries", params=params,
                                                           scope=scopes.PIPELINE_READ))
        found = [e for e in envelope.parse_list(Entry, items) if e.contact and (e.stage is None or
                                                                                 e.stage.id == stage_id)]
        return found[:limit]

    def admit(self, cost: int = 1) -> None:
        """Count `cost` requests about to be made for this user against their fair share (raises
        `UserRateLimited` when it is used up): for reads whose own method counts none (a pulse's pages)."""
        self._share.admit(self._user_id, cost)

    async def contact_entries(self, project_id: str, contact_id: str) -> list[Entry] | None:
        """The contact's entries in the project from ONE page of its entries (a find's bounded look-up), counted
        against the user's share; None when that page cannot tell (Leonar ignored the filter and the project has
        more entries than one page holds).

        [INF] `contact_id` as a filter of `GET /projects/{id}/entries` is not documented: other contacts' entries
        in the answer are left out here.
        """
        self._share.admit(self._user_id)
        params = {"contact_id": contact_id, "limit": PAGE_SIZE, "offset": 0}
        items, meta = envelope.page(await self._transport.get(f"projects/{project_id}/entries", params=params,
                                                              scope=scopes.PIPELINE_READ))
        entries = envelope.parse_list(Entry, items)
        found = [e for e in entries if e.contact_id == contact_id]
        if meta.has_more and len(found) < len(entries):
            return found or None
        return found

    async def lacks_notes_write(self) -> bool:
        """Whether this key lacks `notes:write` (a feedback request saves every answer as a note): what a note or an
        earlier probe taught, else one probe that cannot write (`scopes.lacks_notes_write`), counted against the
        user's share."""
        known = self._cache.fresh(self._notes_write_learnt, SCOPE_TTL)
        if isinstance(known, bool):  # learnt from a note, or an earlier probe: no request
            return known
        self._share.admit(self._user_id)
        lacks = await scopes.lacks_notes_write(self._transport)
        self._cache.put(self._notes_write_learnt, lacks)
        return lacks

    async def find_entry(self, project_id: str, contact_id: str) -> Entry | None:
        """The contact's entry in the project, if any.

        [INF] `contact_id` as a filter of `GET /projects/{id}/entries` is not documented: an answer holding
        other contacts' entries shows it was ignored, and then the project's pages are read (`sort=created_at`,
        documented for lists, checked too), at most 20 per call, with what was read kept 5 minutes
        (`lookup.py`).
        """
        return await self._lookup.find(project_id, contact_id)

    async def entries_changed_since(self, project_id: str, since: datetime | None, *,
                                    max_pages: int = changes.MAX_PAGES) -> changes.ChangedEntries:
        """The project's entries updated at or after `since` (all of them, a full scan, when None); never cached,
        not counted against any user's share (the poller is no Slack user).

        [INF] `updated_at=gte.<since>` and `sort=-updated_at` are documented operators, not documented for this
        list: when Leonar ignores the filter, every page is read and the answer is a full scan (`changes.py`).
        """
        return await changes.changed_since(self._transport, project_id, since, max_pages=max_pages)

    async def add_entry(self, new: NewEntry) -> Entry:
        """Add a contact to a project's pipeline, exactly once (`entries.add`); without a stage Leonar uses the
        first one. Raises `AlreadyInProject` when the contact is there already. The note is the caller's to save
        (`add_note`), once the entry is in."""
        entry = await entries.add(self._transport, self.find_entry, new, read_timeout=self._entry_read_timeout)
        self._note_added(new.project_id, entry.stage.id if entry.stage else new.stage_id)
        self._lookup.added(new.project_id, entry)
        return entry

    async def workspace_member_ids(self) -> frozenset[str] | None:
        """The user ids of the Leonar workspace this key belongs to, or None when Leonar will not say (no such route,
        or the key may not list them). [CODE only] `GET /workspace/members` → `data[{user_id, …}]`, read
        un-paginated in public client code; no reference page, no scope named. Two keys of one Leonar workspace
        list the same members: how a member's own key is told from another workspace's (README). Cached per key."""
        async def fetch() -> frozenset[str] | None:
            try:
                body = await self._transport.get("workspace/members", params={"limit": 100})
            except errors.LeonarError as exc:
                if isinstance(exc, errors.InsufficientScope) or errors.no_route(exc):
                    log.info("Leonar does not list this key's workspace members: %s", exc.code or exc.status)
                    return None
                raise
            items = body.get("data") if isinstance(body, dict) else None
            if not isinstance(items, list):
                return None
            return frozenset(str(m["user_id"]) for m in items if isinstance(m, dict) and m.get("user_id"))

        return (await self._cached(("workspace_members",), MEMBERS_TTL, fetch)).value

    async def missing_scopes(self) -> list[str]:
        """Which of the scopes that can be checked without writing (`scopes.CHECKED_SCOPES`) this key lacks.

        The write scopes are learnt at first use (`scopes.py`). Raises for a key Leonar refuses outright
        (`InvalidApiKey`) or when Leonar cannot answer; counts against the user's share (three reads).
        """
        self._share.admit(self._user_id, cost=len(scopes.CHECKED_SCOPES))
        return await scopes.missing(self._transport)

    async def lacks_pipeline_read(self, project_id: str = scopes.NIL_UUID) -> bool:
        """Whether this key lacks `pipeline:read`, which following a project needs (`scopes.lacks_pipeline_read`);
        one read, counted against the user's share."""
        self._share.admit(self._user_id)
        return await scopes.lacks_pipeline_read(self._transport, project_id)

    def _note_added(self, project_id: str, stage_id: str | None) -> None:
        """Bring the cached project (detail and list item) up to date with the add we just made, without
        asking Leonar again: the count it changed is known exactly."""
        self._cache.update((self._key_id, "project", project_id), lambda p: with_entry_added(p, stage_id))

        def in_list(projects: list[Project]) -> list[Project]:
            return [with_entry_added(p, stage_id) if p.id == project_id else p for p in projects]

        self._cache.update((self._key_id, "projects", "active"), in_list)

    async def _cached(self, key: tuple[Any, ...], ttl: float, fetch: Callable[[], Awaitable[T]]
                      ) -> Read[T]:
        """The value, and whether it is stale: an old value rather than none when the key's budget is low or used
        up, or this user's share of it; a read that has to be sent is counted against the user first."""
        budget, full_key = self.budget, (self._key_id, *key)

        def stale_ok() -> bool:
            return budget.low() or budget.blocked()

        try:
            if self._cache.would_fetch(full_key, ttl, stale_ok=stale_ok):
                self._share.admit(self._user_id)
            value, stale = await self._cache.get(full_key, ttl, fetch, stale_ok=stale_ok)
            return Read(value, stale, False)
        except (errors.RateLimited, errors.UserRateLimited) as exc:
            old = self._cache.stale(full_key)
            if old is None:
                raise
            return Read(old, True, isinstance(exc, errors.UserRateLimited) and not exc.reserved)
