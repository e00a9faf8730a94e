"""A project's pipeline stages as the activity feature sees them: board order and which stage means "hired".

Leonar documents `system_category` on stages with only "sourced" seen [DOC]; a "hired" category is plausible but
undocumented [GAP]. So a stage means hired when its category says so, else when its name does (English and
French, accents and case ignored). The last stage is not assumed to be the hire: pipelines often end with
"Rejected" or "Withdrawn".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from bot.leonar.models import Stage

HIRED_CATEGORIES = frozenset({"hired", "hire", "won"})
HIRED_NAMES = frozenset({"hired", "hire", "placed", "embauche", "embauchee", "recrute", "recrutee", "embauches"})


@dataclass(frozen=True)
class StageRef:
    """A stage at the time of an event. `position` is None for a stage no longer in the project's pipeline."""

    id: str
    name: str
    position: int | None = None
    hired: bool = False

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "position": self.position, "hired": self.hired}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> StageRef:
        position = data.get("position")
        return cls(str(data["id"]), str(data.get("name") or ""), position if isinstance(position, int) else None,
                   bool(data.get("hired")))


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


def is_hired(stage: Stage) -> bool:
    if stage.system_category and _fold(stage.system_category) in HIRED_CATEGORIES:
        return True
    return _fold(stage.name) in HIRED_NAMES


class Board:
    """The stages of one project, looked up by id."""

    def __init__(self, stages: Iterable[Stage]) -> None:
        ordered = sorted(stages, key=lambda s: s.position)
        self.stages = [StageRef(s.id, s.name, s.position, is_hired(s)) for s in ordered]
        self._by_id = {s.id: s for s in self.stages}

    def ref(self, stage_id: str | None, name: str | None = None) -> StageRef | None:
        """The stage with this id; one Leonar named in an entry but the board does not hold (a stage added since
        the board was read) is kept by its name, without a position."""
        if stage_id is None:
            return None
        return self._by_id.get(stage_id) or StageRef(stage_id, name or "", None, False)

    def position(self, stage_id: str | None) -> int | None:
        found = self._by_id.get(stage_id or "")
        return found.position if found else None
