"""The SQLite store: per-workspace connections, encrypted at rest, kept across restarts."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.store import EncryptionKeyError, Workspace, open_sqlite

KEY = "leo_live_secret_value_1234"
ACME = Workspace(None, "T0001")
GRID = Workspace("E0001", "T0001")


def test_connections_are_per_workspace_and_survive_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    store = open_sqlite(db, None)
    store.save_connection(ACME, KEY, "U1")
    assert store.get_connection(GRID) is None  # same team id inside an org is another row
    store.close()

    again = open_sqlite(db, None)  # a restart: same file, same generated key file
    conn = again.get_connection(ACME)
    assert conn is not None and conn.api_key == KEY and conn.connected_by == "U1"
    assert conn.key_hint == "…1234" and KEY not in repr(conn)
    assert again.delete_connection(ACME) and again.get_connection(ACME) is None
    assert not again.delete_connection(ACME)


def test_database_never_holds_the_key_in_clear(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    store = open_sqlite(db, Fernet.generate_key().decode())
    store.save_connection(ACME, KEY, "U1")
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("bot.db"))
    assert KEY.encode() not in raw and b"leo_" not in raw


def test_generated_key_file_is_private(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    open_sqlite(tmp_path / "bot.db", None).close()
    key_file = tmp_path / "bot.db.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert "ENCRYPTION_KEY is not set" in caplog.text


def test_wrong_or_malformed_encryption_key_is_refused(tmp_path: Path) -> None:
    store = open_sqlite(tmp_path / "bot.db", Fernet.generate_key().decode())
    store.save_connection(ACME, KEY, "U1")
    store.close()
    with pytest.raises(EncryptionKeyError, match="not the key it was stored with"):
        open_sqlite(tmp_path / "bot.db", Fernet.generate_key().decode())  # refused at start, not at a request
    with pytest.raises(EncryptionKeyError, match="Fernet key"):
        open_sqlite(tmp_path / "other.db", "not-a-key")


def test_encryption_key_rotation_reads_old_rows(tmp_path: Path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    store = open_sqlite(tmp_path / "bot.db", old)
    store.save_connection(ACME, KEY, "U1")
    store.close()
    rotated = open_sqlite(tmp_path / "bot.db", f"{new},{old}")
    conn = rotated.get_connection(ACME)
    assert conn is not None and conn.api_key == KEY
