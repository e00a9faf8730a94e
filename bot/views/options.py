"""Option objects for the project and candidate menus (≤100 options, text ≤75, value ≤150)."""

from __future__ import annotations

import functools
import unicodedata
from typing import Any

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

    Memoised: every keystroke in the project menu folds every project's name again.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def project_options(projects: list[Project], query: str, lang: Lang = "en") -> list[dict[str, Any]]:
    """Projects whose name or client contains every typed word; names starting with the query first."""
    words = fold(query).split()
    needle = " ".join(words)
    ranked: list[tuple[int, str, Project]] = []
    for project in projects:
        name = fold(project.name)
        haystack = fold(project_label(project) + " " + (project.location or ""))
        if not all(word in haystack for word in words):
            continue
        rank = 0 if name.startswith(needle) else 1 if f" {needle}" in f" {name}" else 2
        ranked.append((rank, name, project))
    ranked.sort(key=lambda item: (item[0], item[1]))
    options = [project_option(project) for _, _, project in ranked[:MAX_OPTIONS]]
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
