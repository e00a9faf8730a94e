"""Fixtures of the pipeline activity tests (test_activity*.py): the real poller on a rig (tests/support/activity.py),
on each backend."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.activity import SECRET, Rig
from tests.support.bot import LEONAR_KEY
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack


@pytest.fixture
def roomy() -> Iterator[FakeLeonar]:
    """A key whose hourly limit lets a ~0.2 s interval stay within LEONAR_POLL_BUDGET (20%)."""
    with FakeLeonar(rate_limit=1_000_000) as fake:
        fake.add_key(LEONAR_KEY)
        yield fake


@pytest.fixture(params=["sqlite", "postgres"])
async def rig(request: pytest.FixtureRequest, slack: FakeSlack, roomy: FakeLeonar, tmp_path: Path
              ) -> AsyncIterator[Rig]:
    """The poller on each backend: SQLite (one process) and PostgreSQL (what several instances share)."""
    url = (f"sqlite:///{tmp_path / 'bot.db'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres_url"))
    async with Rig(slack, roomy, url, encryption_key=SECRET) as running:
        await running.connect()
        yield running
    assert not slack.problems, slack.problems
