"""What the store keeps about each Slack workspace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Workspace:
    """A Slack workspace, or an Enterprise Grid org-wide install (team_id None)."""

    enterprise_id: str | None
    team_id: str | None

    @property
    def key(self) -> str:
        return f"{self.enterprise_id or '-'}:{self.team_id or '-'}"

    @classmethod
    def from_key(cls, key: str) -> Workspace:
        """The workspace a stored `key` names: its inverse."""
        enterprise, _, team = key.partition(":")
        return cls(None if enterprise == "-" else enterprise, None if team in ("-", "") else team)


@dataclass(frozen=True)
class Connection:
    """A workspace's Leonar connection. `api_key` is decrypted; it never leaves the process."""

    workspace: Workspace
    api_key: str
    connected_by: str
    connected_at: datetime

    @property
    def key_hint(self) -> str:
        """The key's last four characters, enough for an admin to tell keys apart."""
        return f"…{self.api_key[-4:]}"

    def __repr__(self) -> str:  # keep the key out of logs and tracebacks
        return f"Connection({self.workspace!r}, connected_by={self.connected_by!r}, key={self.key_hint})"


@dataclass(frozen=True)
class MemberKey:
    """A member's own Leonar key, linked by them. `api_key` is decrypted; it never leaves the process."""

    workspace: Workspace
    user_id: str
    api_key: str
    linked_at: datetime

    def __repr__(self) -> str:  # keep the key out of logs and tracebacks
        return f"MemberKey({self.workspace!r}, user_id={self.user_id!r}, linked_at={self.linked_at.isoformat()})"


class StoreUnavailable(RuntimeError):
    """The database cannot be reached; the message says which and why."""


@dataclass(frozen=True)
class AddRecord:
    """One candidate added from Slack, for the App Home's recent list."""

    user_id: str
    contact: str
    project: str
    stage: str | None
    at: datetime


@dataclass(frozen=True)
class WorkspaceSettings:
    """A workspace's choices, made by its admins in the App Home."""

    default_channel: str | None = None
    show_contact_details: bool = False
    # Single- and multi-channel guests may use the bot (people from another organisation never may).
    allow_guests: bool = False
    # The workspace's address in the Leonar web app (app.leonar.app/dashboard/<slug>/…), for "Open in Leonar"
    # buttons: set by an admin, or learnt from the first Leonar link unfurled. Validated (bot/leonar/links.py).
    leonar_slug: str | None = None
    # Cards and activity posts in channels shared with another organisation (Slack Connect), never with emails or
    # phones there (bot/slack/channels.py); off: they go to the person privately, and such follows are refused.
    allow_shared_channels: bool = False
    # Every member's Leonar actions use their own linked key (bot/store/member_keys.py); an unlinked member is asked
    # to link theirs. Off: unlinked members use the workspace's key.
    require_member_keys: bool = False
