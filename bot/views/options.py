"""Option objects for the project and candidate menus (≤100 options, text ≤75, value ≤150)."""

from __future__ import annotations

import functools
import json
import unicodedata
from typing import Any

from cachetools import LRUCache

from bot.i18n import Lang, t
from bot.leonar import Contact, Project, Stage
from bot.views.text import clip, plain

MAX_OPTIONS = 100
OPTION_TEXT = 75
# Value of an explanatory option ("Leonar is slow…"): harmless if chosen, the submit rejects it.
NOTICE_VALUE = "notice"


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, OPTION_TEXT), "value": value[:150]}


def notice_option(text: str) -> dict[str, Any]:
    return option(text, NOTICE_VALUE)


def option_text(option: dict[str, Any] | None) -> str:
    """The label of a selected option, as Slack sends it back."""
    return str(((option or {}).get("text") or {}).get("text") or "")


def project_label(project: Project) -> str:
    client = project.client_company or project.client_name
    return f"{project.name} — {client}" if client else project.name


def project_option(project: Project) -> dict[str, Any]:
    return option(project_label(project), project.id)


def contact_label(contact: Contact) -> str:
    """"Name — Title @ Company", leaving out what Leonar does not have."""
    role = " @ ".join(part for part in (contact.title, contact.current_company) if part)
    return f"{contact.full_name} — {role}" if role else contact.full_name


def contact_option(contact: Contact) -> dict[str, Any]:
    return option(contact_label(contact), contact.id)


def stage_option(stage: Stage) -> dict[str, Any]:
    return option(stage.name, stage.id)


@functools.lru_cache(maxsize=50_000)
def fold(text: str) -> str:
    """Case- and accent-insensitive form, so "eloise" finds "Éloïse".

    Memoised: each listing read again from Leonar (every minute) folds the same names again.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class MenuAnswer:
    """One answer to a menu's options load: its options, and the JSON body Slack is sent, encoded once however
    often the same answer is sent (16 KB for a hundred projects: encoding it was a tenth of a menu load's CPU)."""

    __slots__ = ("_body", "options")

    def __init__(self, options: list[dict[str, Any]]) -> None:
        self.options = options
        self._body: str | None = None

    @property
    def body(self) -> str:
        """`{"options": […]}` as Bolt encodes an ack with options (json.dumps, default separators)."""
        if self._body is None:
            self._body = json.dumps({"options": self.options})
        return self._body


class _Listing:
    """A list read from Leonar as the menus use it, kept while the same list object is served (a cached listing or
    search is, for up to a minute): every keystroke is an options load, and folding each project's label and
    building each option again at every one was a third of the bot's CPU under a burst of loads (bench/README.md,
    P4 one member)."""

    def __init__(self, items: list[Any]) -> None:
        # Held, not only its id: a list alive here cannot be freed and its id given to another list.
        self.items = items
        self.answers: LRUCache[tuple[str, str, Lang], MenuAnswer] = LRUCache(maxsize=ANSWERS_PER_LISTING)
        self._rows: list[tuple[str, str, Project]] | None = None
        self._options: dict[str, dict[str, Any]] = {}

    def rows(self) -> list[tuple[str, str, Project]]:
        """Each project with its folded name and its folded label and location, for filtering."""
        if self._rows is None:
            self._rows = [(fold(p.name), fold(project_label(p) + " " + (p.location or "")), p) for p in self.items]
        return self._rows

    def option(self, project: Project) -> dict[str, Any]:
        found = self._options.get(project.id)
        if found is None:
            found = self._options[project.id] = project_option(project)
        return found


# Lists kept (project listings and searches in use lately), and answers kept per list (query and language).
LISTINGS = 64
ANSWERS_PER_LISTING = 256
_listings: LRUCache[int, _Listing] = LRUCache(maxsize=LISTINGS)


def _listing(items: list[Any]) -> _Listing:
    found = _listings.get(id(items))
    if found is None or found.items is not items:
        found = _listings[id(items)] = _Listing(items)
    return found


def project_menu(projects: list[Project], query: str, lang: Lang = "en") -> MenuAnswer:
    """Projects whose name or client contains every typed word; names starting with the query first. The same
    answer object for the same listing, query and language: its options must not be changed."""
    listing = _listing(projects)
    answer = listing.answers.get(("projects", query, lang))
    if answer is None:
        answer = listing.answers[("projects", query, lang)] = MenuAnswer(_matching(listing, query, lang))
    return answer


def project_options(projects: list[Project], query: str, lang: Lang = "en") -> list[dict[str, Any]]:
    """`project_menu`'s options, in a list of the caller's own (the options in it are shared: never change one)."""
    return list(project_menu(projects, query, lang).options)


def _matching(listing: _Listing, query: str, lang: Lang) -> list[dict[str, Any]]:
    words = fold(query).split()
    needle = " ".join(words)
    ranked: list[tuple[int, str, Project]] = []
    for name, haystack, project in listing.rows():
        if not all(word in haystack for word in words):
            continue
        rank = 0 if name.startswith(needle) else 1 if f" {needle}" in f" {name}" else 2
        ranked.append((rank, name, project))
    ranked.sort(key=lambda item: (item[0], item[1]))
    options = [listing.option(project) for _, _, project in ranked[:MAX_OPTIONS]]
    if not options:
        hint = t(lang, "options.no_project_match", query=clip(query, 40)) if words else t(lang, "options.no_project")
        return [notice_option(hint)]
    return options


CREATE_PREFIX = "create:"


def contact_menu(contacts: list[Contact], query: str, lang: Lang = "en", *, creatable: bool = True) -> MenuAnswer:
    """`contact_options` as a menu answer, the same object for the same search result, query and language."""
    listing = _listing(contacts)
    key = ("contacts" if creatable else "contacts_only", query, lang)
    answer = listing.answers.get(key)
    if answer is None:
        answer = listing.answers[key] = MenuAnswer(contact_options(contacts, query, lang, creatable=creatable))
    return answer


def contact_options(contacts: list[Contact], query: str, lang: Lang = "en", *,
                    creatable: bool = True) -> list[dict[str, Any]]:
    """The matches; when there are none, an option to create the contact from what was typed (when `creatable`)."""
    options = [contact_option(contact) for contact in contacts[:MAX_OPTIONS]]
    if options:
        return options
    if query.strip() and creatable:
        return [option(t(lang, "options.create", name=clip(query, 50)), CREATE_PREFIX + query.strip()[:140])]
    return [notice_option(t(lang, "options.no_contact", query=clip(query, 40)))]
