"""Secrets at every level: the log mask covers whole keys, raw-payload loggers stay above DEBUG, pasted keys with
invisible characters are named as such, and the SQLite files are readable by their owner only."""

from __future__ import annotations

import logging
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.observability import logs
from bot.observability.logs import RedactingFormatter, redact
from bot.store import Workspace
from bot.views.connect_modal import key_format_problem
from tests.support.blocking import open_blocking

KEY = "leo_Ab+cd/ef+GH/ij=="  # a key from an alphabet wider than [A-Za-z0-9._-]


@pytest.mark.parametrize("logged", [
    f"api_key={KEY}",
    f"{{'value': '{KEY}'}}",
    f'{{"value":"{KEY}","type":"plain_text_input"}}',
    f'{{\\"value\\":\\"{KEY}\\"}}',  # JSON inside a JSON string
    "payload=%7B%22value%22%3A%22" + KEY.replace("+", "%2B").replace("/", "%2F") + "%22%7D",
    f"Authorization: Bearer {KEY}\n",
    "leo_Ab\u200b+cd/ef",  # pasted with a zero-width space
    "token xoxb-1-2-a+b/c=, refresh xoxe-1-q+r/s app xapp-1-A0-1-x+y/z",
])
def test_the_mask_covers_the_whole_secret(logged: str) -> None:
    masked = redact(logged)
    for fragment in ("+cd", "/ef", "ij==", "%2Bcd", "+b/c", "+r/s", "+y/z"):
        assert fragment not in masked, masked
    assert "[redacted]" in masked


def test_the_mask_leaves_ordinary_text_alone() -> None:
    for text in ("Paste the key (leo_…)", "must start with “leo_”", "galileo_rules", "bot.leonar: ok"):
        assert redact(text) == text


@pytest.fixture
def restored_logging() -> Iterator[None]:
    names = ("", *logs.RAW_PAYLOAD_LOGGERS, "slack_sdk.web.async_base_client")
    saved = {name: (logging.getLogger(name).level, list(logging.getLogger(name).handlers)) for name in names}
    yield
    for name, (level, handlers) in saved.items():
        logging.getLogger(name).setLevel(level)
        logging.getLogger(name).handlers[:] = handlers


def test_at_debug_the_raw_payload_loggers_stay_at_info(restored_logging: None) -> None:
    logs.setup("DEBUG")
    assert logging.getLogger().isEnabledFor(logging.DEBUG)
    assert logging.getLogger("slack_sdk.web.async_base_client").isEnabledFor(logging.DEBUG)
    for name in ("slack_bolt", "slack_sdk.socket_mode", "slack_sdk.socket_mode.aiohttp"):
        assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
        assert logging.getLogger(name).isEnabledFor(logging.INFO), name
    logs.setup("WARNING")
    assert not logging.getLogger("slack_bolt").isEnabledFor(logging.INFO)  # never louder than asked


def test_the_formatter_masks_a_key_in_a_traceback() -> None:
    try:
        raise ValueError(f"bad header {KEY!r}")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), exc_info=sys.exc_info())
    assert "+cd/ef" not in RedactingFormatter("%(message)s").format(record)


@pytest.mark.parametrize("pasted", ["leo_test_key\u200b", "\ufeffleo_test_key", "leo_test\u2060_key", "leo_tést_key",
                                    "leo_test_key\u00ad"])
def test_a_key_with_an_invisible_character_is_told_so(pasted: str) -> None:
    problem = key_format_problem(pasted)
    assert problem is not None and "invisible" in problem and "U+" in problem
    french = key_format_problem(pasted, "fr")
    assert french is not None and french != problem and "U+" in french


def test_a_plain_key_passes() -> None:
    assert key_format_problem(KEY) is None and key_format_problem("leo_test_key_acme_0001") is None


def modes(db: Path) -> dict[str, int]:
    return {p.name: stat.S_IMODE(p.stat().st_mode) for p in db.parent.iterdir() if p.name.startswith(db.name)}


def test_the_database_and_its_wal_and_shm_files_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask: files readable by everyone unless created otherwise
    try:
        db = tmp_path / "leonar-bot.db"
        store = open_blocking(f"sqlite:///{db}", Fernet.generate_key().decode())
        store.workspaces.save_connection(Workspace(None, "T1"), "leo_test_key_acme_0001", "U1")
        found = modes(db)
        store.close()
    finally:
        os.umask(old)
    assert set(found) == {"leonar-bot.db", "leonar-bot.db-wal", "leonar-bot.db-shm"}
    assert set(found.values()) == {0o600}, {name: oct(mode) for name, mode in found.items()}


def test_files_an_older_version_left_readable_are_made_private(tmp_path: Path) -> None:
    db = tmp_path / "leonar-bot.db"
    for name in ("leonar-bot.db", "leonar-bot.db-wal", "leonar-bot.db-shm"):
        (tmp_path / name).touch(mode=0o644)
        (tmp_path / name).chmod(0o644)
    open_blocking(f"sqlite:///{db}", Fernet.generate_key().decode()).close()
    assert set(modes(db).values()) == {0o600}
