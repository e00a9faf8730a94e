"""What the Workflow Builder step says: why it failed (Slackbot shows it to the person running the workflow and
to its author, as plain text), and the candidate card it posts."""

from __future__ import annotations

from typing import Any

from bot.i18n import Lang, t
from bot.leonar import Contact, InsufficientScope, LeonarError, Project
from bot.leonar.resolve import (
    CandidateAmbiguous,
    CandidateUnnamed,
    ProjectAmbiguous,
    ProjectNotFound,
    StageNotFound,
    Unresolved,
)
from bot.manifest import COMMAND
from bot.views.card import candidate_card, display_name
from bot.views.errors import describe
from bot.views.options import NOTICE_VALUE, contact_label, project_label, project_options
from bot.views.text import clip, escape, mrkdwn

# Slackbot shows the whole error; a long list of names helps nobody.
MAX_NAMES = 5
MAX_TEXT = 100


def not_connected(lang: Lang = "en") -> str:
    return t(lang, "step.not_connected", command=COMMAND)


def unresolved(error: Unresolved, lang: Lang = "en") -> str:
    query = clip(error.query, MAX_TEXT)
    if isinstance(error, ProjectNotFound):
        if not error.closest:
            return t(lang, "step.project_unknown", project=query)
        return t(lang, "step.project_closest", project=query, names=_names(project_label(p) for p in error.closest))
    if isinstance(error, ProjectAmbiguous):
        names = _names(f"{project_label(p)} ({p.id})" for p in error.matches)
        return t(lang, "step.project_ambiguous", project=query, names=names)
    if isinstance(error, StageNotFound):
        return t(lang, "step.stage_unknown", project=clip(error.project, MAX_TEXT), stage=query,
                 stages=_names(s.name for s in error.stages))
    if isinstance(error, CandidateAmbiguous):
        return t(lang, "step.candidate_ambiguous", candidate=query, names=_names(contact_label(c)
                                                                                  for c in error.matches))
    assert isinstance(error, CandidateUnnamed)
    return t(lang, "step.candidate_blank")


def add_failed(error: LeonarError, candidate: str, project: str, lang: Lang = "en", *, creating: bool = False
               ) -> str:
    """`creating`: the error answered the creation of a contact nobody in Leonar matched."""
    if creating and isinstance(error, InsufficientScope):
        return t(lang, "step.cannot_create", candidate=clip(candidate, MAX_TEXT))
    return t(lang, "step.failed", candidate=clip(candidate, MAX_TEXT), project=clip(project, MAX_TEXT),
             reason=describe(error, lang))


def project_menu(projects: list[Project], query: str, lang: Lang = "en") -> list[dict[str, Any]]:
    """The add form's project options (≤100, labels ≤75 characters, the id as value), without its notices: a
    notice picked in Workflow Builder would become the step's project."""
    return [o for o in project_options(projects, query, lang) if o["value"] != NOTICE_VALUE]


def menu_failed(error: LeonarError | None, lang: Lang = "en") -> str:
    """`error` None: Leonar did not answer within the menu's window."""
    return describe(error, lang) if error is not None else t(lang, "error.down")


def too_long(name: str, length: int, most: int, *, lang: Lang = "en") -> str:
    return t(lang, "step.too_long", input=name, length=length, most=most)


def interrupted(candidate: str, lang: Lang = "en") -> str:
    return t(lang, "step.interrupted", candidate=clip(candidate, MAX_TEXT))


def step_card(contact: Contact, project: str, stage: str | None, added_by: str | None, lang: Lang = "en", *,
              details: bool = False) -> dict[str, Any]:
    """The candidate card of the /leonar-add flow, saying it came from a workflow (and who ran it, when the
    workflow passed them)."""
    card = candidate_card(contact, project, stage, added_by or "", lang, details=details)
    footer = t(lang, "step.card_added_by", user=added_by) if added_by else t(lang, "step.card_added")
    blocks = [*card["blocks"][:-1], {"type": "context", "elements": [mrkdwn(footer)]}]
    text = card["text"] if added_by else t(lang, "step.card_text", name=escape(clip(display_name(contact, lang),
                                                                                      300)),
                                           project=escape(clip(project, 300)))
    return {"text": text, "blocks": blocks}


def _names(names: Any) -> str:
    listed = [clip(str(name), MAX_TEXT) for name in names]
    shown = listed[:MAX_NAMES]
    return ", ".join(shown) + (", …" if len(listed) > MAX_NAMES else "")
