"""The bot's candidate cards as Slack accepted them: which message (channel, ts) shows which Leonar contact, so that
a message — or a reply in its thread — can be traced back to its candidate. Ids only, never what the card shows;
a record goes after CARD_DAYS (`prune`): a card that old is no longer discussed."""

from __future__ import annotations

import time

from bot.store.database import Database
from bot.store.models import Workspace

CARD_DAYS = 180


class Cards:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, workspace: Workspace, channel: str, ts: str, contact_id: str) -> None:
        await self._db.execute(
            "record_card", "INSERT INTO card_messages (workspace, channel_id, ts, contact_id, posted_at) VALUES "
            "(?, ?, ?, ?, ?) ON CONFLICT (workspace, channel_id, ts) DO UPDATE SET contact_id = excluded.contact_id",
            (workspace.key, channel, ts, contact_id, time.time()))

    async def contact_of(self, workspace: Workspace, channel: str, ts: str) -> str | None:
        """The contact of the card posted as message `ts` in `channel`; None when that message is no card of ours."""
        row = await self._db.one("card_contact", "SELECT contact_id FROM card_messages WHERE workspace = ? AND "
                                 "channel_id = ? AND ts = ?", (workspace.key, channel, ts))
        return str(row[0]) if row else None

    async def prune(self, days: int = CARD_DAYS) -> int:
        """Records older than `days` go, a batch at a time."""
        return await self._db.execute(
            "prune_cards", "DELETE FROM card_messages WHERE (workspace, channel_id, ts) IN (SELECT workspace, "
            "channel_id, ts FROM card_messages WHERE posted_at < ? LIMIT 1000)", (time.time() - days * 86400,))
