"""Persistence of each workspace's Leonar connection. Knows nothing of Slack or HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from bot.store.models import Connection, Workspace
from bot.store.secrets import Cipher, EncryptionKeyError, load_cipher
from bot.store.sqlite import SqliteStore


class Store(Protocol):
    def get_connection(self, workspace: Workspace) -> Connection | None: ...
    def save_connection(self, workspace: Workspace, api_key: str, connected_by: str) -> Connection: ...
    def delete_connection(self, workspace: Workspace) -> bool: ...
    def ping(self) -> None: ...
    def close(self) -> None: ...


def open_sqlite(path: Path, encryption_key: str | None) -> SqliteStore:
    """The SQLite store at `path`; without ENCRYPTION_KEY its cipher key lives beside it in `<path>.key`."""
    cipher = load_cipher(encryption_key, path.with_name(path.name + ".key"))
    store = SqliteStore(path, cipher)
    store.check_cipher()
    return store


__all__ = ["Cipher", "Connection", "EncryptionKeyError", "SqliteStore", "Store", "Workspace", "open_sqlite"]
