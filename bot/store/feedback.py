"""Feedback requests: a recruiter asks reviewers (people, or one channel's members) for a verdict on candidates.

A request's answers are one row per (candidate, reviewer): answering again with the same verdict and comment
changes nothing; a different one bumps `version`, and each version is one note in Leonar (the note's job is keyed
by it, bot/slack/feedback_jobs.py). The row is written in the transaction that checks the request is still open, so
an answer to a closed request saves nothing. Moments are epoch seconds on the clock of the process that wrote them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.store.database import Database, Row, Tx
from bot.store.models import Workspace

VERDICTS = ("yes", "maybe", "no")
REQUEST = "id, workspace, requester, data, due_at, created_at, closed_at"
ANSWER = "request_id, contact_id, reviewer, verdict, comment, version, answered_at, previous"
OPEN_LISTED = 20  # a requester's open requests on the App Home


@dataclass(frozen=True)
class Candidate:
    id: str
    name: str
    role: str = ""  # "Title — Company": never an email or a phone


@dataclass(frozen=True)
class FeedbackRequest:
    id: str
    workspace: Workspace
    requester: str
    question: str
    candidates: tuple[Candidate, ...]
    reviewers: tuple[str, ...]  # user ids
    channel: str | None  # a channel whose members may answer
    due_at: float
    due_day: str  # the due date as picked (ISO), shown to people
    lang: str
    project: str | None = None
    requester_tz: str | None = None
    created_at: float = 0.0
    closed_at: float | None = None

    @property
    def recipients(self) -> tuple[str, ...]:
        return (*self.reviewers, *((self.channel,) if self.channel else ()))

    def candidate(self, contact_id: str) -> Candidate | None:
        return next((c for c in self.candidates if c.id == contact_id), None)


@dataclass(frozen=True)
class Recipient:
    recipient: str  # a user id (the app's DM) or a channel id
    channel_id: str | None = None  # where the message went, once posted
    ts: str | None = None
    tz: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class Answer:
    contact_id: str
    reviewer: str
    verdict: str
    comment: str | None
    version: int
    answered_at: float
    previous: str | None = field(default=None, compare=False)  # the verdict it replaced, when it changed


class Feedback:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, request: FeedbackRequest) -> None:
        data = {"question": request.question, "candidates": [asdict(c) for c in request.candidates],
                "reviewers": list(request.reviewers), "channel": request.channel, "due_day": request.due_day,
                "lang": request.lang, "project": request.project, "requester_tz": request.requester_tz}

        async def create(tx: Tx) -> None:
            await tx.execute(f"INSERT INTO feedback_requests ({REQUEST}) VALUES (?, ?, ?, ?, ?, ?, NULL)",
                             (request.id, request.workspace.key, request.requester, json.dumps(data),
                              request.due_at, request.created_at))
            for recipient in request.recipients:
                await tx.execute("INSERT INTO feedback_recipients (request_id, recipient, workspace) VALUES (?, ?, ?)",
                                 (request.id, recipient, request.workspace.key))

        await self._db.transaction("create_feedback", create)

    async def get(self, workspace: Workspace, request_id: str) -> FeedbackRequest | None:
        """The request, only when it is this workspace's."""
        row = await self._db.one("get_feedback", f"SELECT {REQUEST} FROM feedback_requests WHERE id = ? AND "
                                 "workspace = ?", (request_id, workspace.key))
        return _request(row) if row else None

    async def open_requests(self, workspace: Workspace, requester: str) -> list[FeedbackRequest]:
        rows = await self._db.all("open_feedback", f"SELECT {REQUEST} FROM feedback_requests WHERE workspace = ? "
                                  "AND requester = ? AND closed_at IS NULL ORDER BY created_at DESC LIMIT ?",
                                  (workspace.key, requester, OPEN_LISTED))
        return [_request(row) for row in rows]

    async def unsent(self, after: float, before: float, limit: int = 100) -> list[FeedbackRequest]:
        """Open requests made between `after` and `before` of which no message was posted (their sending job may
        have been lost with the instance that recorded them)."""
        rows = await self._db.all(
            "feedback_unsent", f"SELECT {REQUEST} FROM feedback_requests r WHERE created_at > ? AND created_at < ? "
            "AND closed_at IS NULL AND NOT EXISTS (SELECT 1 FROM feedback_recipients p WHERE p.request_id = r.id AND "
            "p.ts IS NOT NULL) ORDER BY created_at LIMIT ?", (after, before, limit))
        return [_request(row) for row in rows]

    async def close(self, workspace: Workspace, request_id: str, requester: str, at: float) -> bool:
        """Closed by its requester (only): False when it was not theirs, or closed already."""
        return await self._db.execute(
            "close_feedback", "UPDATE feedback_requests SET closed_at = ? WHERE id = ? AND workspace = ? AND "
            "requester = ? AND closed_at IS NULL", (at, request_id, workspace.key, requester)) > 0

    async def recipients(self, request_id: str) -> list[Recipient]:
        rows = await self._db.all("feedback_recipients", "SELECT recipient, channel_id, ts, tz, lang FROM "
                                  "feedback_recipients WHERE request_id = ? ORDER BY recipient", (request_id,))
        return [Recipient(*row) for row in rows]

    async def posted(self, request_id: str, recipient: Recipient) -> None:
        await self._db.execute(
            "feedback_posted", "UPDATE feedback_recipients SET channel_id = ?, ts = ?, tz = ?, lang = ? WHERE "
            "request_id = ? AND recipient = ?", (recipient.channel_id, recipient.ts, recipient.tz, recipient.lang,
                                                 request_id, recipient.recipient))

    async def answer(self, workspace: Workspace, request_id: str, contact_id: str, reviewer: str, verdict: str,
                     comment: str | None, at: float) -> Answer | None:
        """The answer saved as a new version, or None when nothing changed: the same answer again, or the request
        closed (or not this workspace's) by the time it is written."""
        assert verdict in VERDICTS, verdict

        async def answer(tx: Tx) -> Answer | None:
            if not await tx.one("SELECT 1 FROM feedback_requests WHERE id = ? AND workspace = ? AND closed_at IS "
                                "NULL", (request_id, workspace.key)):
                return None
            row = await tx.one("SELECT verdict, comment, version FROM feedback_answers WHERE request_id = ? AND "
                               "contact_id = ? AND reviewer = ?", (request_id, contact_id, reviewer))
            if row is not None and (row[0], row[1]) == (verdict, comment):
                return None
            version = int(row[2]) + 1 if row else 1
            previous = row[0] if row and row[0] != verdict else None
            await tx.execute(
                f"INSERT INTO feedback_answers ({ANSWER}, workspace) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
                "(request_id, contact_id, reviewer) DO UPDATE SET verdict = excluded.verdict, comment = "
                "excluded.comment, version = excluded.version, answered_at = excluded.answered_at, "
                "previous = excluded.previous",
                (request_id, contact_id, reviewer, verdict, comment, version, at, previous, workspace.key))
            return Answer(contact_id, reviewer, verdict, comment, version, at, previous=previous)

        return await self._db.transaction("answer_feedback", answer)

    async def answers(self, request_id: str) -> list[Answer]:
        rows = await self._db.all("feedback_answers", f"SELECT {ANSWER} FROM feedback_answers WHERE request_id = ? "
                                  "ORDER BY answered_at", (request_id,))
        return [_answer(row) for row in rows]

    async def noted(self, request_id: str, answer: Answer) -> None:
        """`answer`'s note is in Leonar (or never will be): no later look takes it for one left behind."""
        await self._db.execute(
            "feedback_noted", "UPDATE feedback_answers SET noted_version = ? WHERE request_id = ? AND contact_id = ? "
            "AND reviewer = ? AND noted_version < ?",
            (answer.version, request_id, answer.contact_id, answer.reviewer, answer.version))

    async def unnoted(self, before: float, limit: int = 100) -> list[tuple[Workspace, str, Answer]]:
        """Answers saved before `before` whose note was never done: their job was not recorded (the instance died
        between the answer and its job). (workspace, request id, answer), oldest first."""
        rows = await self._db.all(
            "feedback_unnoted", f"SELECT {ANSWER}, workspace FROM feedback_answers WHERE version > noted_version AND "
            "answered_at < ? ORDER BY answered_at LIMIT ?", (before, limit))
        return [(Workspace.from_key(row[8]), row[0], _answer(row)) for row in rows]


def _answer(row: Row) -> Answer:
    return Answer(row[1], row[2], row[3], row[4], int(row[5]), float(row[6]), previous=row[7])


def _request(row: Row) -> FeedbackRequest:
    data: dict[str, Any] = json.loads(row[3])
    return FeedbackRequest(
        id=row[0], workspace=Workspace.from_key(row[1]), requester=row[2], question=data["question"],
        candidates=tuple(Candidate(**c) for c in data["candidates"]), reviewers=tuple(data["reviewers"]),
        channel=data.get("channel"), due_at=float(row[4]), due_day=data["due_day"], lang=data["lang"],
        project=data.get("project"), requester_tz=data.get("requester_tz"), created_at=float(row[5]),
        closed_at=float(row[6]) if row[6] is not None else None)
