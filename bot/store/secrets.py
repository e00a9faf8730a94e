"""Encryption of API keys at rest (Fernet), with the key from ENCRYPTION_KEY or a generated key file."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

log = logging.getLogger(__name__)


class EncryptionKeyError(RuntimeError):
    """ENCRYPTION_KEY is unusable; the message says how to fix it."""


class Cipher:
    """Encrypts with the first key, decrypts with any: ENCRYPTION_KEY may list old keys after a comma."""

    def __init__(self, keys: list[str]) -> None:
        try:
            self._fernet = MultiFernet([Fernet(key.strip().encode()) for key in keys])
        except (ValueError, TypeError) as exc:
            raise EncryptionKeyError(
                "ENCRYPTION_KEY must be a Fernet key (32 url-safe base64-encoded bytes); generate one with "
                "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            ) from exc

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise EncryptionKeyError(
                "a stored API key cannot be decrypted: ENCRYPTION_KEY is not the key it was stored with"
            ) from exc


def load_cipher(encryption_key: str | None, key_file: Path) -> Cipher:
    """The cipher for ENCRYPTION_KEY; when unset, a key kept in `key_file` (created once, mode 0600)."""
    if encryption_key:
        return Cipher([k for k in encryption_key.split(",") if k.strip()])
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(Fernet.generate_key().decode())
        log.warning(
            "ENCRYPTION_KEY is not set: generated %s to encrypt Leonar API keys. Keep it with the database "
            "(losing it loses the stored keys) or set ENCRYPTION_KEY to its content.", key_file
        )
    else:
        log.warning("ENCRYPTION_KEY is not set: using the key in %s", key_file)
    return Cipher([key_file.read_text().strip()])
