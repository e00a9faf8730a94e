"""A project's entries changed since a moment, whether or not Leonar honours the list operators.

`GET /projects/{id}/entries` is documented with `stage_id`, `limit`, `offset`; the filter operators
(`updated_at=gte.<iso>`) and `sort=-updated_at` are documented for "most list endpoints", but which fields accept
them on this one is not [GAP]. So every answer is checked against what was asked:

- an entry older than `since` means the filter was ignored: the project's pages are then read to the end (the
  same query, so the first page is not asked for twice), which is a full scan: it also shows which entries left;
- `updated_at` going up along the pages means the sort was ignored. It changes nothing to the reading: a filtered
  answer is exactly the changes in whatever order, and an unfiltered one is read whole. Reading stops early on
  the first old entry only if the sort were known to be honoured, and an ordered start of a list proves nothing
  (a Leonar sorting by creation lists a long-standing candidate moved a minute ago last), so it never does.

The entries' own `updated_at` (Leonar's clock) is compared, never ours. At most `max_pages` pages of 100 are read
per call; a cut read says so (`complete` False), and is never a full scan. So does a read whose `meta.total`
changed between its pages: entries joined or left the list meanwhile, the offsets shifted, and one may have been
skipped; the caller then reads from the same `since` again next time rather than advancing it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.leonar import envelope
from bot.leonar.models import Entry
from bot.leonar.scopes import PIPELINE_READ
from bot.leonar.transport import Transport

log = logging.getLogger(__name__)
PAGE_SIZE = 100  # Leonar's maximum `limit`
MAX_PAGES = 20  # per call: 2,000 entries


@dataclass(frozen=True)
class ChangedEntries:
    """What one read found.

    `entries`: each with `id`, `contact_id` (and the embedded contact), `stage`, `updated_at`. `full_scan`: they
    are all of the project's entries, so one missing from them has left the project (only then may a caller
    conclude "removed"). `complete`: nothing was cut by the page cap. `ignored`: which of "filter" and "sort"
    Leonar was seen to ignore (for logs and the benchmark). `requests`: pages read.
    """

    entries: list[Entry]
    full_scan: bool
    complete: bool = True
    ignored: frozenset[str] = frozenset()
    requests: int = 0


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def changed_since(transport: Transport, project_id: str, since: datetime | None, *,
                        max_pages: int = MAX_PAGES) -> ChangedEntries:
    """The project's entries whose `updated_at` ≥ `since` (every entry, as a full scan, when `since` is None)."""
    since = _utc(since)
    if since is not None:  # Leonar's stamps have whole seconds: compare with the bound as sent
        since = since.replace(microsecond=0)
    params: dict[str, Any] = {"sort": "-updated_at", "limit": PAGE_SIZE}
    if since is not None:
        params["updated_at"] = f"gte.{iso(since)}"
    changed: dict[str, Entry] = {}
    everything: dict[str, Entry] = {}
    ignored: set[str] = set()
    last: datetime | None = None
    offset, pages, has_more = 0, 0, True
    totals: set[int | None] = set()
    while has_more and pages < max_pages:
        body = await transport.get(f"projects/{project_id}/entries", params={**params, "offset": offset},
                                   scope=PIPELINE_READ)
        items, meta = envelope.page(body)
        totals.add(meta.total)
        pages, has_more, offset = pages + 1, meta.has_more and bool(items), offset + PAGE_SIZE
        for entry in envelope.parse_list(Entry, items):
            stamp = _utc(entry.updated_at)
            if stamp is not None and last is not None and stamp > last:
                ignored.add("sort")
            last = stamp if stamp is not None else last
            everything.setdefault(entry.id, entry)  # offset pages overlap when entries move meanwhile
            if since is not None and (stamp is None or stamp < since):
                ignored.add("filter")
            else:
                changed.setdefault(entry.id, entry)
    if ignored:
        log.info("Leonar ignored the %s of a project's entries", " and ".join(sorted(ignored)))
    shifted = len(totals) > 1
    if shifted:
        log.info("a project's entries changed while its pages were read: read again from the same moment next time")
    complete = not has_more and not shifted
    full = since is None or "filter" in ignored
    return ChangedEntries(list((everything if full else changed).values()), full_scan=full and complete,
                          complete=complete, ignored=frozenset(ignored), requests=pages)
