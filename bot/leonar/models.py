"""Pydantic models of the Leonar objects the bot uses.

Fields Leonar may leave out of list items (search results are slimmer than the full object) are optional, so a
partial object still parses; unknown fields are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

T = TypeVar("T")


class LeonarModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class Stage(LeonarModel):
    id: str
    name: str
    position: int = 0
    entries_count: int | None = None
    # "sourced" is the only value seen [DOC]; a "hired" category is plausible but undocumented [GAP].
    system_category: str | None = None


class Pipeline(LeonarModel):
    stages: list[Stage] = Field(default_factory=list)


class Project(LeonarModel):
    id: str
    name: str
    status: str | None = None
    client_name: str | None = None
    client_company: str | None = None
    location: str | None = None
    entries_count: int | None = None
    pipeline: Pipeline | None = None

    @field_validator("client_company", mode="before")
    @classmethod
    def _company_name(cls, value: Any) -> Any:
        # The docs show a string; public client code reads an object with `name`. Accept both.
        if isinstance(value, dict):
            return value.get("name")
        return _blank_to_none(value)

    @property
    def stages(self) -> list[Stage]:
        """Pipeline stages in board order."""
        return sorted(self.pipeline.stages, key=lambda s: s.position) if self.pipeline else []


class Contact(LeonarModel):
    id: str
    first_name: str | None = None
    last_name: str | None = None
    title: str | None = None
    current_company: str | None = None
    location: str | None = None
    linkedin_profile: str | None = None
    years_experience: float | None = None
    skills: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    # Personal data: on cards only when a workspace admin turned it on.
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)

    @field_validator("emails", "phones", mode="before")
    @classmethod
    def _values_of(cls, value: Any) -> Any:
        """[{"email": …, "type": …}] (or {"phone": …}) as a list of the values."""
        if not isinstance(value, list):
            return []
        found = []
        for item in value:
            raw = item.get("email") or item.get("phone") if isinstance(item, dict) else item
            if isinstance(raw, str) and raw.strip():
                found.append(raw.strip())
        return found

    @field_validator("first_name", "last_name", "title", "current_company", "location", "linkedin_profile",
                     mode="before")
    @classmethod
    def _strip_blank(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @field_validator("skills", "tags", mode="before")
    @classmethod
    def _strings_only(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, list):
            return [str(item) for item in value if isinstance(item, str | int | float) and str(item).strip()]
        return value

    @property
    def full_name(self) -> str:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or "Unnamed contact"


class EntryStage(LeonarModel):
    id: str
    name: str | None = None


class Entry(LeonarModel):
    id: str
    project_id: str | None = None
    stage: EntryStage | None = None
    contact: Contact | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def contact_id(self) -> str | None:
        return self.contact.id if self.contact else None


class Note(LeonarModel):
    """A note on a contact. [GAP] Leonar documents no note object: `content` and `created_at` are what its
    `POST /contacts/{id}/notes` is seen to take and answer (leonar-api.md §7.3)."""

    id: str
    content: str = ""
    created_at: datetime | None = None

    @field_validator("content", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return "" if value is None else value


class PageMeta(LeonarModel):
    total: int | None = None
    limit: int | None = None
    offset: int = 0
    has_more: bool = False


class RateLimit(LeonarModel):
    """Leonar's X-RateLimit-* headers from the latest response."""

    limit: int
    remaining: int
    reset_at: int

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimit | None:
        """None when a header is missing or garbled: the budget then keeps what it last knew."""
        try:
            return cls(
                limit=int(headers["X-RateLimit-Limit"]),
                remaining=int(headers["X-RateLimit-Remaining"]),
                reset_at=int(float(headers["X-RateLimit-Reset"])),
            )
        except (KeyError, ValueError):
            return None


@dataclass(frozen=True)
class Listing(Generic[T]):
    """A list read from Leonar. `stale`: served from the cache past its freshness because the key's request
    budget is nearly spent or used up (or, when `limited`, this user's share of it), so the caller can say the
    list may be out of date, and why."""

    items: list[T]
    stale: bool = False
    limited: bool = False


def with_entry_added(project: Project, stage_id: str | None) -> Project:
    """`project` as it is after one more entry in `stage_id` (None: its first stage)."""
    stages = project.stages
    target = stage_id or (stages[0].id if stages else None)
    counted = [s.model_copy(update={"entries_count": (s.entries_count or 0) + 1}) if s.id == target else s
               for s in stages]
    update: dict[str, Any] = {"entries_count": (project.entries_count or 0) + 1}
    if project.pipeline is not None:
        update["pipeline"] = project.pipeline.model_copy(update={"stages": counted})
    return project.model_copy(update=update)
