"""Work Slack was told was accepted — a Workflow Builder step, an add shown as pending, a card to post — recorded
durably with the ack, so that it is resumed after a crash by whichever instance is alive, and done once.

- `accept` records a job under its idempotency key (a step's `function_execution_id`, an event's `event_id`, an
  add's submission) and leases it to the instance that accepted it, which runs it at once. A key seen before is
  not accepted again: a redelivered event does nothing, on any instance, after any restart.
- The holder renews its lease while it works and saves each step's outcome (`progress`) as it goes; a step already
  in `progress` is not done again when the job is resumed. An instance that dies stops renewing: once the lease
  has run out (`{now}`, the database's clock), `claim` hands the job to another instance (or the restarted one).
- `finish` keeps only the key (the payload may hold a workflow token, a response_url, a note's text): it keeps the
  job from being accepted again for KEPT_SECONDS, after which `prune` (an hourly chore) deletes it.
The payload and progress are JSON, encrypted like the Leonar keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.store.database import Database, Row
from bot.store.models import Workspace
from bot.store.secrets import Cipher

KEPT_SECONDS = 7 * 86400  # a finished job's key: Slack retries an event for minutes, a workflow step for hours
JOB = "key, workspace, kind, payload, progress, attempts, created_at"
PRUNE_BATCH = 500  # rows per delete: each a short statement, never a long lock


@dataclass(frozen=True)
class Job:
    key: str
    workspace: Workspace
    kind: str
    payload: dict[str, Any]
    progress: dict[str, Any] = field(default_factory=dict)
    attempts: int = 1  # runs begun, this one included: more than 1 means it was resumed or retried
    created_at: float = 0.0  # epoch seconds on the database's clock

    @property
    def resumed(self) -> bool:
        return self.attempts > 1


class Jobs:
    def __init__(self, db: Database, cipher: Cipher) -> None:
        self._db, self._cipher = db, cipher

    async def accept(self, key: str, workspace: Workspace, kind: str, payload: dict[str, Any], *, holder: str,
                     lease_seconds: float) -> Job | None:
        """The job, leased to `holder`; None when `key` was accepted before (a redelivery: nothing to do)."""
        row = await self._db.one(
            "accept_job",
            "INSERT INTO jobs (key, workspace, kind, payload, progress, state, attempts, holder, lease_until, "
            "created_at) VALUES (?, ?, ?, ?, ?, 'pending', 1, ?, {now} + ?, {now}) ON CONFLICT (key) DO NOTHING "
            f"RETURNING {JOB}", (key, workspace.key, kind, self._seal(payload), self._seal({}), holder,
                                 lease_seconds))
        return self._job(row) if row else None

    async def first(self, key: str, workspace: Workspace) -> bool:
        """Whether this is the first time `key` is seen (then it is recorded, done): for work done at once, in the
        request, whose loss in a crash costs nothing worth resuming (an unfurl), but which must not be done twice
        when Slack delivers its event again, to any instance."""
        return await self._db.execute(
            "first_delivery", "INSERT INTO jobs (key, workspace, kind, state, created_at, finished_at) VALUES "
            "(?, ?, 'once', 'done', {now}, {now}) ON CONFLICT (key) DO NOTHING", (key, workspace.key)) > 0

    async def claim(self, holder: str, *, lease_seconds: float, limit: int = 20) -> list[Job]:
        """Jobs nobody holds any more (their holder died, or gave them back to be retried later), leased to
        `holder`. The outer WHERE is checked again on each row as it is locked: two instances never both take one."""
        due = ("state = 'pending' AND lease_until < {now} AND not_before <= {now}")
        rows = await self._db.all(
            "claim_jobs",
            f"UPDATE jobs SET holder = ?, lease_until = {{now}} + ?, attempts = attempts + 1 WHERE {due} AND key IN "
            f"(SELECT key FROM jobs WHERE {due} ORDER BY created_at LIMIT ?) RETURNING {JOB}",
            (holder, lease_seconds, limit))
        return [self._job(row) for row in rows]

    async def renew(self, key: str, holder: str, lease_seconds: float) -> bool:
        """False when the job is no longer this holder's (its lease ran out and another took it, or it was
        forgotten with its workspace): the holder stops."""
        return await self._db.execute(
            "renew_job", "UPDATE jobs SET lease_until = {now} + ? WHERE key = ? AND holder = ? AND state = 'pending'",
            (lease_seconds, key, holder)) > 0

    async def save_progress(self, key: str, holder: str, progress: dict[str, Any]) -> bool:
        return await self._db.execute(
            "save_job_progress", "UPDATE jobs SET progress = ? WHERE key = ? AND holder = ? AND state = 'pending'",
            (self._seal(progress), key, holder)) > 0

    async def retry_later(self, key: str, holder: str, delay_seconds: float) -> None:
        """Given back, to be claimed again (by any instance) once `delay_seconds` have passed."""
        await self._db.execute(
            "retry_job", "UPDATE jobs SET lease_until = 0, not_before = {now} + ? WHERE key = ? AND holder = ?",
            (delay_seconds, key, holder))

    async def hurry(self, key: str) -> None:
        """A pending job waiting for its moment (`not_before`) made due now: whichever instance looks next runs it
        (a feedback request's summary once everyone answered, instead of at its due date)."""
        await self._db.execute("hurry_job", "UPDATE jobs SET not_before = 0 WHERE key = ? AND state = 'pending'",
                               (key,))

    async def release(self, key: str, holder: str) -> None:
        """Given back at once (a shutdown): another instance takes it at its next look."""
        await self.retry_later(key, holder, 0)

    async def finish(self, key: str, holder: str, *, failed: bool = False) -> None:
        """Done (or given up): only the key is kept, against redeliveries; old keys go."""
        await self._db.execute(
            "finish_job", "UPDATE jobs SET state = ?, payload = NULL, progress = NULL, finished_at = {now} "
            "WHERE key = ? AND holder = ?", ("failed" if failed else "done", key, holder))

    async def prune(self) -> int:
        """Keys kept longer than KEPT_SECONDS deleted, a batch at a time (a chore: `first` keeps a key for every
        unfurl, and no job may ever finish to clean up after them). How many went."""
        gone = 0
        while True:  # until a batch comes back short
            batch = await self._db.execute(
                "prune_jobs", "DELETE FROM jobs WHERE key IN (SELECT key FROM jobs WHERE state != 'pending' AND "
                "finished_at < {now} - ? LIMIT ?)", (KEPT_SECONDS, PRUNE_BATCH))
            gone += batch
            if batch < PRUNE_BATCH:
                return gone

    async def pending(self, workspace: Workspace | None = None) -> list[Job]:
        """Jobs not finished yet, oldest first (tests, and what an operator may want to see)."""
        sql, params = f"SELECT {JOB} FROM jobs WHERE state = 'pending'", []
        if workspace is not None:
            sql, params = sql + " AND workspace = ?", [workspace.key]
        return [self._job(row) for row in await self._db.all("pending_jobs", sql + " ORDER BY created_at", params)]

    def _seal(self, data: dict[str, Any]) -> str:
        return self._cipher.encrypt(json.dumps(data))

    def _job(self, row: Row) -> Job:
        return Job(row[0], Workspace.from_key(row[1]), row[2], json.loads(self._cipher.decrypt(row[3])),
                   json.loads(self._cipher.decrypt(row[4])) if row[4] else {}, int(row[5]), float(row[6]))
