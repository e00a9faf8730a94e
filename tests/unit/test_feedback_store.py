"""Feedback requests in the store (bot/store/feedback.py), on SQLite and PostgreSQL alike: one row per answer,
a new version only when it changes, nothing on a closed request or from another workspace, and nothing left once
the workspace leaves."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store import Workspace
from bot.store.feedback import Candidate, FeedbackRequest, Recipient
from tests.support.blocking import Blocking, open_blocking

ACME, BETA = Workspace(None, "T0001"), Workspace(None, "T0002")


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Blocking:
    url = f"sqlite:///{tmp_path / 'bot.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    return open_blocking(url, "cJ9C9zOCq-Gt0bbWe0Nyr1FIi1wZbxbmSbKn_yL_a7g=")


def request_of(workspace: Workspace = ACME, request_id: str = "r1") -> FeedbackRequest:
    return FeedbackRequest(id=request_id, workspace=workspace, requester="U1", question="Move forward?",
                           candidates=(Candidate("c1", "Jane Doe", "Staff Engineer"), Candidate("c2", "Omar")),
                           reviewers=("U2", "U3"), channel="C1", due_at=1000.0, due_day="2026-12-09", lang="fr",
                           project="Backend", requester_tz="Europe/Paris", created_at=10.0)


def test_answers_are_versioned_once_per_change_and_refused_once_closed(store: Blocking) -> None:
    feedback = store.store.feedback
    store.run(feedback.create(request_of()))
    assert store.run(feedback.get(ACME, "r1")) == request_of()
    assert store.run(feedback.get(BETA, "r1")) is None  # another workspace finds nothing
    assert [r.recipient for r in store.run(feedback.recipients("r1"))] == ["C1", "U2", "U3"]
    store.run(feedback.posted("r1", Recipient("U2", "D2", "1.2", "Europe/Paris", "fr")))
    assert Recipient("U2", "D2", "1.2", "Europe/Paris", "fr") in store.run(feedback.recipients("r1"))

    first = store.run(feedback.answer(ACME, "r1", "c1", "U2", "yes", None, 20.0))
    assert first is not None and first.version == 1 and first.previous is None
    assert store.run(feedback.answer(ACME, "r1", "c1", "U2", "yes", None, 21.0)) is None  # the same again
    assert store.run(feedback.answer(BETA, "r1", "c1", "U2", "no", None, 21.0)) is None  # another workspace
    changed = store.run(feedback.answer(ACME, "r1", "c1", "U2", "no", "not senior enough", 22.0))
    assert changed is not None and changed.version == 2 and changed.previous == "yes"
    assert [(a.verdict, a.version) for a in store.run(feedback.answers("r1"))] == [("no", 2)]

    assert not store.run(feedback.close(ACME, "r1", "U2", 30.0))  # not the requester
    assert [r.id for r in store.run(feedback.open_requests(ACME, "U1"))] == ["r1"]
    assert store.run(feedback.close(ACME, "r1", "U1", 30.0))
    assert store.run(feedback.answer(ACME, "r1", "c2", "U3", "yes", None, 31.0)) is None
    assert store.run(feedback.open_requests(ACME, "U1")) == []


def test_leaving_the_workspace_forgets_its_requests(store: Blocking) -> None:
    feedback = store.store.feedback
    store.run(feedback.create(request_of()))
    store.run(feedback.create(request_of(BETA, "r2")))
    store.run(feedback.answer(ACME, "r1", "c1", "U2", "yes", None, 20.0))
    store.workspaces.forget(ACME)
    assert store.run(feedback.get(ACME, "r1")) is None and store.run(feedback.answers("r1")) == []
    assert store.run(feedback.recipients("r1")) == []
    assert store.run(feedback.get(BETA, "r2")) is not None


def test_answers_not_noted_are_found_until_their_version_is_noted(store: Blocking) -> None:
    feedback = store.store.feedback
    store.run(feedback.create(request_of()))
    first = store.run(feedback.answer(ACME, "r1", "c1", "U2", "yes", None, 20.0))
    assert first is not None
    assert store.run(feedback.unnoted(before=15.0)) == []  # too recent: its job may be on its way
    [(workspace, request_id, found)] = store.run(feedback.unnoted(before=25.0))
    assert (workspace, request_id, found) == (ACME, "r1", first)
    changed = store.run(feedback.answer(ACME, "r1", "c1", "U2", "no", None, 21.0))
    assert changed is not None and changed.previous == "yes"
    store.run(feedback.noted("r1", first))  # the older version's note: the newer one is still due
    [(_, _, due)] = store.run(feedback.unnoted(before=25.0))
    assert due.version == 2 and due.previous == "yes"
    store.run(feedback.noted("r1", changed))
    store.run(feedback.noted("r1", first))  # late: changes nothing
    assert store.run(feedback.unnoted(before=25.0)) == []


def test_requests_of_which_nothing_was_posted_are_found_for_a_day(store: Blocking) -> None:
    feedback = store.store.feedback
    store.run(feedback.create(request_of()))
    store.run(feedback.create(request_of(BETA, "r2")))
    assert [r.id for r in store.run(feedback.unsent(after=0.0, before=20.0))] == ["r1", "r2"]
    assert store.run(feedback.unsent(after=0.0, before=5.0)) == []  # too recent: its job may be on its way
    assert store.run(feedback.unsent(after=15.0, before=20.0)) == []  # older than a day: never again
    store.run(feedback.posted("r1", Recipient("U2", "D2", "1.2", None, "en")))
    store.run(feedback.close(BETA, "r2", "U1", 30.0))
    assert store.run(feedback.unsent(after=0.0, before=20.0)) == []
