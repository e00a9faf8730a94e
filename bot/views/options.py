"""Option objects for the project and candidate menus (≤100 options, text ≤75, value ≤150)."""

from __future__ import annotations

import functools
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

    Memoised: every keystroke in the project menu folds every project's name again.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class _Menu:
    """One project listing as the menu filters it, folded and built once.

    Every keystroke in the project menu is an options load, and a cached listing is the same list object for up to
    a minute: folding each project's label and building its option again for every load was a third of the bot's
    CPU under a burst of loads (bench/README.md, P4 one member). The answers are kept per query and language too.
    """

    def __init__(self, projects: list[Project]) -> None:
        # Held, not only its id: a list alive here cannot be freed and its id given to another list.
        self.projects = projects
        self.rows = [(fold(p.name), fold(project_label(p) + " " + (p.location or "")), p) for p in projects]
        self.options: dict[str, dict[str, Any]] = {}  # by project id, built when first shown
        self.answers: LRUCache[tuple[str, Lang], list[dict[str, Any]]] = LRUCache(maxsize=MENU_ANSWERS)

    def option(self, project: Project) -> dict[str, Any]:
        found = self.options.get(project.id)
        if found is None:
            found = self.options[project.id] = project_option(project)
        return found


# Listings kept (one per workspace key and status in use lately), and answers kept per listing.
MENUS = 64
MENU_ANSWERS = 256
_menus: LRUCache[int, _Menu] = LRUCache(maxsize=MENUS)


def project_options(projects: list[Project], query: str, lang: Lang = "en") -> list[dict[str, Any]]:
    """Projects whose name or client contains every typed word; names starting with the query first.

    The option objects are shared between answers for the same listing: a caller may change the list it gets,
    never an option in it.
    """
    menu = _menus.get(id(projects))
    if menu is None or menu.projects is not projects:
        menu = _menus[id(projects)] = _Menu(projects)
    answer = menu.answers.get((query, lang))
    if answer is None:
        answer = menu.answers[(query, lang)] = _matching(menu, query, lang)
    return list(answer)


def _matching(menu: _Menu, query: str, lang: Lang) -> list[dict[str, Any]]:
    words = fold(query).split()
    needle = " ".join(words)
    ranked: list[tuple[int, str, Project]] = []
    for name, haystack, project in menu.rows:
        if not all(word in haystack for word in words):
            continue
        rank = 0 if name.startswith(needle) else 1 if f" {needle}" in f" {name}" else 2
        ranked.append((rank, name, project))
    ranked.sort(key=lambda item: (item[0], item[1]))
    options = [menu.option(project) for _, _, project in ranked[:MAX_OPTIONS]]
    if not options:
        hint = t(lang, "options.no_project_match", query=clip(query, 40)) if words else t(lang, "options.no_project")
        return [notice_option(hint)]
    return options


CREATE_PREFIX = "create:"


def contact_options(contacts: list[Contact], query: str, lang: Lang = "en") -> list[dict[str, Any]]:
    """The matches; when there are none, an option to create the contact from what was typed."""
    options = [contact_option(contact) for contact in contacts[:MAX_OPTIONS]]
    if options:
        return options
    if query.strip():
        return [option(t(lang, "options.create", name=clip(query, 50)), CREATE_PREFIX + query.strip()[:140])]
    return [notice_option(t(lang, "options.no_contact", query=clip(query, 40)))]
