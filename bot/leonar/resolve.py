"""Turning what a person typed (a project name or id, a candidate's email, LinkedIn URL or name, a stage name) into
Leonar objects, for callers that get text rather than a pick from a menu (the Workflow Builder step).

Names are compared folded: case, accents and runs of spaces do not count ("backend  ingénieur" is "Backend
Ingenieur"). What cannot be resolved to exactly one object raises a `Unresolved` subclass carrying what the
caller needs to say why (the closest project names, the matches, the stages). Knows nothing of Slack.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from bot.leonar import errors
from bot.leonar.client import LeonarClient
from bot.leonar.linkedin import parse_profile
from bot.leonar.models import Contact, Project, Stage

EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
CLOSEST = 3  # project names offered when none matches
CLOSE_ENOUGH = 0.6  # difflib ratio under which a name is not worth suggesting
WITHIN = 0.15  # ...or when it is that much further than the best one (a typo's match, not any "Engineer")


class Unresolved(Exception):
    """The text does not name exactly one object."""

    def __init__(self, query: str) -> None:
        super().__init__(query)
        self.query = query


class ProjectNotFound(Unresolved):
    def __init__(self, query: str, closest: list[Project]) -> None:
        super().__init__(query)
        self.closest = closest


class ProjectAmbiguous(Unresolved):
    def __init__(self, query: str, matches: list[Project]) -> None:
        super().__init__(query)
        self.matches = matches


class StageNotFound(Unresolved):
    def __init__(self, query: str, stages: list[Stage], project: str) -> None:
        super().__init__(query)
        self.stages = stages
        self.project = project


class CandidateAmbiguous(Unresolved):
    def __init__(self, query: str, matches: list[Contact]) -> None:
        super().__init__(query)
        self.matches = matches


class CandidateUnnamed(Unresolved):
    """Nothing to find or create a contact from (blank, or no letters)."""


def fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive form of a name."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def match_project(projects: list[Project], query: str) -> Project:
    """The project whose id is `query`, else the one whose name folds to the same text."""
    wanted = query.strip()
    for project in projects:
        if project.id == wanted:
            return project
    key = fold(wanted)
    named = [p for p in projects if fold(p.name) == key]
    if len(named) == 1:
        return named[0]
    if named:
        raise ProjectAmbiguous(wanted, named)
    raise ProjectNotFound(wanted, closest_projects(projects, wanted))


def closest_projects(projects: list[Project], query: str, n: int = CLOSEST) -> list[Project]:
    """The projects whose names are nearest to `query` (typos, a missing word), best first."""
    key = fold(query)
    scored = []
    for project in projects:
        name = fold(project.name)
        ratio = difflib.SequenceMatcher(None, key, name).ratio()
        if key and key in name:  # a typed part of the name ("backend") is close whatever its length
            ratio = max(ratio, 0.8)
        if ratio >= CLOSE_ENOUGH:
            scored.append((ratio, project.name, project))
    scored.sort(key=lambda s: (-s[0], s[1]))
    best = scored[0][0] if scored else 0.0
    return [project for ratio, _, project in scored[:n] if ratio >= best - WITHIN]


def match_stage(project: Project, query: str | None) -> Stage | None:
    """The project's stage named `query` (folded); None for no query: Leonar then uses the first stage."""
    if not query or not query.strip():
        return None
    key = fold(query)
    for stage in project.stages:
        if fold(stage.name) == key or stage.id == query.strip():
            return stage
    raise StageNotFound(query.strip(), project.stages, project.name)


async def find_project(client: LeonarClient, query: str) -> Project:
    """The active project `query` names (id or name), with its stages."""
    listing = await client.list_projects()
    try:
        found = match_project(listing.items, query)
    except ProjectNotFound:
        if not _looks_like_id(query):
            raise
        try:  # an id not among the active projects (archived, or the list was stale)
            return await client.get_project(query.strip())
        except (errors.NotFound, errors.ValidationFailed):
            raise ProjectNotFound(query.strip(), []) from None
    return await client.get_project(found.id)


@dataclass(frozen=True)
class CandidateQuery:
    """What the `candidate` text is: a LinkedIn profile, an email or a full name, and the fields a new contact
    would get from it."""

    kind: str  # "linkedin", "email" or "name"
    value: str
    fields: dict[str, str] = field(default_factory=dict)


def parse_candidate(text: str) -> CandidateQuery:
    text = " ".join(text.split())
    if not any(c.isalnum() for c in text):
        raise CandidateUnnamed(text)
    if profile := parse_profile(text):
        slug = profile.path.rstrip("/").rsplit("/", 1)[-1]
        words = [w for w in slug.split("-") if w.isalpha()]
        first = words[0].capitalize() if words else slug
        return CandidateQuery("linkedin", profile.url, {"first_name": first,
                                                        "last_name": " ".join(words[1:]).title(),
                                                        "linkedin_profile": profile.url})
    if EMAIL.match(text):
        local = re.split(r"[._+-]", text.split("@")[0])
        words = [w for w in local if w.isalpha()]
        first = words[0].capitalize() if words else text.split("@")[0]
        return CandidateQuery("email", text, {"first_name": first, "last_name": " ".join(words[1:2]).title(),
                                              "email": text})
    first, _, last = text.partition(" ")
    return CandidateQuery("name", text, {"first_name": first, "last_name": last})


async def find_contact(client: LeonarClient, query: CandidateQuery) -> Contact | None:
    """The one contact `query` designates, None when there is none; several people of that name raise
    `CandidateAmbiguous` (an email or a LinkedIn URL tells them apart)."""
    if query.kind == "linkedin":
        found = (await client.find_by_linkedin(query.value)).items
        return found[0] if found else None
    if query.kind == "email":
        found = await client.find_by_email(query.value)
        return found[0] if found else None
    key = fold(query.value)
    named = [c for c in (await client.search_contacts(query.value)).items if fold(c.full_name) == key]
    if len(named) > 1:
        raise CandidateAmbiguous(query.value, named)
    return named[0] if named else None


def _looks_like_id(text: str) -> bool:
    text = text.strip()
    return bool(text) and " " not in text and any(c.isdigit() for c in text)
