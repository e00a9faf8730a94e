"""What instances sharing a PostgreSQL database tell each other about Leonar, besides the rows everyone reads:
each user's spending of each key's budget (bot/leonar/fair.py's `Ledger`), and the duplicate checks' indexes of
projects (bot/leonar/lookup.py's `SharedIndexes`). Keyed by key digests, never keys; kept briefly (`prune`)."""

from __future__ import annotations

from bot.store.database import Database, Tx

SPEND_SECONDS = 3600.0  # a user's spending is counted for an hour (Leonar's window)
INDEX_SECONDS = 300.0  # as long as an index serves (lookup.INDEX_TTL)


class Shared:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def report(self, instance: str, spent: dict[tuple[str, str], float], at: float) -> None:
        async def add(tx: Tx) -> None:
            for (key_id, user_id), requests in spent.items():
                await tx.execute(
                    "INSERT INTO fair_spend (key_id, user_id, instance, spent, active_at, updated_at) VALUES "
                    "(?, ?, ?, ?, ?, {now}) ON CONFLICT (key_id, user_id, instance) DO UPDATE SET "
                    "spent = fair_spend.spent + excluded.spent, active_at = excluded.active_at, updated_at = {now}",
                    (key_id, user_id, instance, requests, at))

        await self._db.transaction("report_spend", add)

    async def elsewhere(self, instance: str) -> dict[tuple[str, str], tuple[float, float]]:
        rows = await self._db.all("spend_elsewhere", "SELECT key_id, user_id, sum(spent), max(active_at) FROM "
                                  "fair_spend WHERE instance != ? AND updated_at > {now} - ? GROUP BY key_id, "
                                  "user_id", (instance, SPEND_SECONDS))
        return {(r[0], r[1]): (float(r[2]), float(r[3])) for r in rows}

    async def load_index(self, key_id: str, project_id: str) -> tuple[str, float] | None:
        row = await self._db.one("load_index", "SELECT data, read_at FROM entry_indexes WHERE key_id = ? AND "
                                 "project_id = ?", (key_id, project_id))
        return (row[0], float(row[1])) if row else None

    async def save_index(self, key_id: str, project_id: str, data: str, read_at: float) -> None:
        await self._db.execute(
            "save_index", "INSERT INTO entry_indexes (key_id, project_id, data, read_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (key_id, project_id) DO UPDATE SET data = excluded.data, read_at = excluded.read_at",
            (key_id, project_id, data, read_at))

    async def prune(self) -> None:
        async def prune(tx: Tx) -> None:
            await tx.execute("DELETE FROM fair_spend WHERE updated_at < {now} - ?", (SPEND_SECONDS,))
            await tx.execute("DELETE FROM entry_indexes WHERE read_at < {now} - ?", (INDEX_SECONDS,))

        await self._db.transaction("prune_shared", prune)
