"""Card threads saved as notes (bot/slack/thread_notes.py): the channels whose admins opted in, and each reply
saved — its message (channel, ts), the contact and the Leonar note's id, never its text — so that an edit updates
that note. A saved reply's record goes after SAVED_DAYS, like its card's (cards.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.store.cards import CARD_DAYS
from bot.store.database import Database
from bot.store.models import Workspace

SAVED_DAYS = CARD_DAYS


@dataclass(frozen=True)
class SavedReply:
    contact_id: str
    note_id: str | None  # None when Leonar's answer named no note: an edit then adds a correction


class ThreadNotes:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def turn(self, workspace: Workspace, channel: str, *, on: bool, by: str) -> bool:
        """Whether that changed anything."""
        if not on:
            return await self._db.execute("thread_notes_off", "DELETE FROM thread_note_channels WHERE workspace = ? "
                                          "AND channel_id = ?", (workspace.key, channel)) > 0
        return await self._db.execute(
            "thread_notes_on", "INSERT INTO thread_note_channels (workspace, channel_id, enabled_by, enabled_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (workspace, channel_id) DO NOTHING",
            (workspace.key, channel, by, time.time())) > 0

    async def on_in(self, workspace: Workspace, channel: str) -> bool:
        return await self._db.one("thread_notes_on_in", "SELECT 1 FROM thread_note_channels WHERE workspace = ? AND "
                                  "channel_id = ?", (workspace.key, channel)) is not None

    async def channels(self, workspace: Workspace) -> list[str]:
        rows = await self._db.all("thread_notes_channels", "SELECT channel_id FROM thread_note_channels WHERE "
                                  "workspace = ? ORDER BY enabled_at", (workspace.key,))
        return [str(row[0]) for row in rows]

    async def saved(self, workspace: Workspace, channel: str, ts: str, contact_id: str, note_id: str | None) -> None:
        await self._db.execute(
            "thread_note_saved", "INSERT INTO thread_notes (workspace, channel_id, ts, contact_id, note_id, saved_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (workspace, channel_id, ts) DO UPDATE SET "
            "note_id = excluded.note_id", (workspace.key, channel, ts, contact_id, note_id, time.time()))

    async def saved_reply(self, workspace: Workspace, channel: str, ts: str) -> SavedReply | None:
        row = await self._db.one("thread_note_of", "SELECT contact_id, note_id FROM thread_notes WHERE workspace = ? "
                                 "AND channel_id = ? AND ts = ?", (workspace.key, channel, ts))
        return SavedReply(str(row[0]), str(row[1]) if row[1] else None) if row else None

    async def prune(self, days: int = SAVED_DAYS) -> int:
        return await self._db.execute(
            "prune_thread_notes", "DELETE FROM thread_notes WHERE (workspace, channel_id, ts) IN (SELECT workspace, "
            "channel_id, ts FROM thread_notes WHERE saved_at < ? LIMIT 1000)", (time.time() - days * 86400,))
