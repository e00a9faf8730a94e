"""Finding a contact's entry in a project (the duplicate check before an add), whether or not Leonar filters.

`GET /projects/{id}/entries` is documented with `stage_id`, `limit`, `offset` and, like every list, `sort`; a
`contact_id` filter is not documented [INF]. So the answer is checked: an entry of another contact in it means
Leonar ignored the filter and sent the project's first page instead, and then the project's pages are read, at
most MAX_PAGES per check, asking for `sort=created_at` so that entries added later come last. A project with more
than that is not added to until a later check has read the rest (`CheckIncomplete`): a duplicate in the customer's
pipeline is worse than asking the user to submit again.

What was read is kept per project for INDEX_TTL (`EntryIndex`): the contacts seen, and the entries listed so far
in Leonar's order. The next check reads on from the last entry kept: if it is still at its place, nothing before
it was removed or reordered, and whatever is new comes after it (typically one request instead of all pages).
When Leonar ignores the sort as well (entries out of creation order), or that entry has moved, the project is
read again from the start: every doubt costs requests, never a missed duplicate.

Several instances (PostgreSQL) share their indexes through the database (`SharedIndexes`, the store's): an index
read on one serves the next check on another, instead of each instance reading the project's pages again. Only
ids and stages are in it; when the database does not answer, each instance reads Leonar as it would alone.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.leonar import envelope, errors
from bot.leonar.cache import ReadCache
from bot.leonar.models import Entry, PageMeta
from bot.leonar.scopes import PIPELINE_READ
from bot.leonar.transport import Transport

log = logging.getLogger(__name__)
PAGE_SIZE = 100  # Leonar's maximum `limit`
MAX_PAGES = 20  # per check: 2,000 entries; a bigger project is covered over the next checks
INDEX_TTL = 300.0  # an entry removed in Leonar may still block a new add of that contact for this long

Page = tuple[list[Entry], PageMeta]

_SHARING: set[asyncio.Task[None]] = set()  # indexes being saved for other instances


class SharedIndexes(Protocol):
    """Where instances share their indexes (JSON, with when it was read on the wall clock)."""

    async def load_index(self, key_id: str, project_id: str) -> tuple[str, float] | None: ...
    async def save_index(self, key_id: str, project_id: str, data: str, read_at: float) -> None: ...


@dataclass
class EntryIndex:
    read_at: float
    ids: list[str] = field(default_factory=list)  # entries in Leonar's order, as far as read
    contacts: dict[str, Entry] = field(default_factory=dict)  # contact id -> its entry, without the contact
    ordered: bool = True  # `created_at` never went down along `ids`: Leonar honoured the sort
    _seen: set[str] = field(default_factory=set)
    _last_created: datetime | None = None
    read_wall: float = field(default_factory=time.time)  # when, for other instances (read_at is this one's clock)

    def dumps(self) -> str:
        return json.dumps({"ids": self.ids, "ordered": self.ordered,
                           "last": self._last_created.isoformat() if self._last_created else None,
                           "contacts": {c: e.model_dump(mode="json") for c, e in self.contacts.items()}})

    @classmethod
    def loads(cls, data: str, *, read_at: float, read_wall: float) -> EntryIndex:
        found = json.loads(data)
        index = cls(read_at, list(found["ids"]), {c: Entry.model_validate(e) for c, e in found["contacts"].items()},
                    bool(found["ordered"]), read_wall=read_wall)
        index._seen = set(index.ids)
        index._last_created = datetime.fromisoformat(found["last"]) if found.get("last") else None
        return index

    def take(self, entry: Entry, *, listed: bool = True) -> None:
        if entry.contact is not None:
            self.contacts[entry.contact.id] = entry.model_copy(update={"contact": None})
        if not listed or entry.id in self._seen:
            return
        self._seen.add(entry.id)
        self.ids.append(entry.id)
        created = entry.created_at
        if created is not None and created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        if created is None or (self._last_created is not None and created < self._last_created):
            self.ordered = False
        self._last_created = created


class EntryLookup:
    """One API key's duplicate checks; the indexes live in the shared read cache, weighed by their size."""

    def __init__(self, transport: Transport, cache: ReadCache, key_id: str,
                 clock: Callable[[], float] = time.monotonic, shared: SharedIndexes | None = None) -> None:
        self._transport, self._cache, self._key_id, self._clock = transport, cache, key_id, clock
        self._shared = shared

    async def find(self, project_id: str, contact_id: str) -> Entry | None:
        index = self._index(project_id) or await self._shared_index(project_id)
        if index is not None:
            if contact_id in index.contacts:
                return index.contacts[contact_id]
            if index.ordered and index.ids:
                start = len(index.ids) - 1
                first = await self._page(project_id, contact_id, start)
                if first[0] and first[0][0].id == index.ids[-1]:
                    return await self._read_on(project_id, contact_id, index, start, first)
        first = await self._page(project_id, contact_id, 0)
        if all(e.contact is not None and e.contact.id == contact_id for e in first[0]):
            return first[0][0] if first[0] else None  # filtered by Leonar (or the project holds only them)
        log.info("Leonar ignored the contact_id filter on a project's entries: reading its pages")
        return await self._read_on(project_id, contact_id, EntryIndex(self._clock()), 0, first)

    def added(self, project_id: str, entry: Entry) -> None:
        """Our own add: known at once, without reading the project again."""
        if (index := self._index(project_id)) is not None:
            index.take(entry, listed=False)

    async def _read_on(self, project_id: str, contact_id: str, index: EntryIndex, start: int, first: Page
                       ) -> Entry | None:
        """Read the project's entries from `start` (the page there is `first`) to its end or MAX_PAGES pages."""
        pages, meta, offset = [first[0]], first[1], start
        end = start + MAX_PAGES * PAGE_SIZE
        if meta.has_more and meta.total is not None:  # the pages are known: read them all at once
            offsets = range(start + PAGE_SIZE, min(meta.total, end), PAGE_SIZE)
            if offsets:
                read = await asyncio.gather(*(self._page(project_id, contact_id, at) for at in offsets))
                pages += [items for items, _ in read]
                meta, offset = read[-1][1], offsets[-1]
        while meta.has_more and offset + PAGE_SIZE < end:  # no total, or entries added meanwhile
            offset += PAGE_SIZE
            items, meta = await self._page(project_id, contact_id, offset)
            pages.append(items)
        found = None
        for entry in (e for items in pages for e in items):
            index.take(entry)
            if found is None and entry.contact is not None and entry.contact.id == contact_id:
                found = entry
        self._cache.put(self._cache_key(project_id), index, weight=1 + len(index.ids))
        self._share(project_id, index)
        if found is None and meta.has_more:
            total = meta.total or 0
            log.warning("duplicate check: %d entries read of %s in the project", len(index.ids), total or "more")
            raise errors.CheckIncomplete("more entries than one check reads", read=len(index.ids), total=total)
        return found

    async def _page(self, project_id: str, contact_id: str, offset: int) -> Page:
        params: dict[str, Any] = {"contact_id": contact_id, "sort": "created_at", "limit": PAGE_SIZE,
                                  "offset": offset}
        body = await self._transport.get(f"projects/{project_id}/entries", params=params, scope=PIPELINE_READ)
        items, meta = envelope.page(body)
        return envelope.parse_list(Entry, items), meta

    def _index(self, project_id: str) -> EntryIndex | None:
        index = self._cache.stale(self._cache_key(project_id))
        if isinstance(index, EntryIndex) and self._clock() - index.read_at < INDEX_TTL:
            return index
        return None

    async def _shared_index(self, project_id: str) -> EntryIndex | None:
        """Another instance's index of the project, still fresh (kept here from now on)."""
        if self._shared is None:
            return None
        try:
            found = await self._shared.load_index(self._key_id, project_id)
        except Exception as exc:  # the database's trouble: read Leonar as one instance would
            log.info("duplicate check: the shared index could not be read (%s)", type(exc).__name__)
            return None
        if found is None or time.time() - found[1] >= INDEX_TTL:
            return None
        age = time.time() - found[1]
        index = EntryIndex.loads(found[0], read_at=self._clock() - age, read_wall=found[1])
        self._cache.put(self._cache_key(project_id), index, weight=1 + len(index.ids))
        return index

    def _share(self, project_id: str, index: EntryIndex) -> None:
        """Saved for the other instances behind the user's back: the add does not wait for the database."""
        if self._shared is None:
            return
        task = asyncio.create_task(self._save(self._shared, project_id, index.dumps(), index.read_wall))
        _SHARING.add(task)  # held until done (the loop keeps only a weak reference)
        task.add_done_callback(_SHARING.discard)

    async def _save(self, shared: SharedIndexes, project_id: str, data: str, read_wall: float) -> None:
        try:
            await shared.save_index(self._key_id, project_id, data, read_wall)
        except Exception as exc:
            log.info("duplicate check: the index could not be shared (%s)", type(exc).__name__)

    def _cache_key(self, project_id: str) -> tuple[str, str, str]:
        return (self._key_id, "entries", project_id)
