"""Leonar records as Slack Work Objects: the entity `chat.unfurl` previews in the conversation, and the one
`entity.presentDetails` fills the flexpane with for one person. Pure builders: each returns an entity as Slack takes
it (`metadata.entities[]` of `chat.unfurl`, `metadata` of `entity.presentDetails`), built with slack_sdk's models
(`slack_sdk.models.metadata`) so the field names and the entity type are the SDK's, checked when serialised.

Both records are `slack#/entities/item`, Slack's general-purpose entity: a candidate and a project are neither a
task, a file, an incident nor a content item. The preview is seen by everyone in the conversation: the candidate
card's fields under the card's rule (emails and phones only when the workspace shows them); what one person may see
beyond it goes in `Private`, for their flexpane only. Values are plain strings (no `format`): Leonar data is shown
as typed, never read as mrkdwn. [INF] Slack documents no length limits for entity fields: each is clipped like the
card's (titles 150, values 300 characters).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.metadata import (
    EntityActionButton,
    EntityActions,
    EntityAttributes,
    EntityCustomField,
    EntityMetadata,
    EntityPayload,
    EntityTitle,
    ExternalRef,
)

from bot.i18n import Lang, format_day, format_number, t, tn
from bot.leonar import Contact, Note, Project
from bot.leonar.linkedin import parse_profile
from bot.views.card import display_name
from bot.views.find import Standing
from bot.views.text import clip
from bot.views.unfurls import ADD_ACTION, FOLLOW_ACTION, MAX_STAGES

ENTITY_TYPE = "slack#/entities/item"
CONTACT_REF, PROJECT_REF = "leonar_contact", "leonar_project"  # external_ref.type: which Leonar record the id names
PRODUCT = "Leonar"
MAX_PROJECTS = 10
MAX_LIST = 10  # skills, tags
VALUE_LIMIT = 300
NOTE_LIMIT = 500


@dataclass(frozen=True)
class Private:
    """What one person's flexpane shows beyond the preview (`bot/slack/flexpane.py` decides it, per key)."""

    details: bool  # emails and phones: their own key read them
    details_refused: bool = False  # their key may not read contact details (403 insufficient_scope)
    standing: list[Standing] | None = None  # the candidate's projects and stages; None: not looked up
    standing_complete: bool = True
    notes: list[Note] | None = None  # None: not shown (the workspace's key, or a key that may not read them)
    notes_refused: bool = False  # their key may not read notes, or Leonar has no such route


def contact_entity(contact: Contact, lang: Lang, *, url: str, app_unfurl_url: str | None, details: bool,
                   private: Private | None = None) -> dict[str, Any]:
    """The candidate: name, role, location, experience, skills, tags, LinkedIn; emails and phones when `details`
    (the card's rule, or — in a flexpane — the person's own key); `private` adds their projects and notes."""
    shown_details = private.details if private is not None else details
    fields = [_text("role", t(lang, "wo.role"), _role(contact, lang)),
              _text("location", t(lang, "wo.location"), contact.location),
              _text("experience", t(lang, "wo.experience"), _years(contact.years_experience, lang)),
              _text("skills", t(lang, "card.skills"), _listed(contact.skills, lang)),
              _text("tags", t(lang, "card.tags"), _listed(contact.tags, lang)),
              _link("linkedin", t(lang, "card.linkedin"), contact.linkedin_profile)]
    if shown_details:
        fields += [_text("emails", t(lang, "wo.emails"), ", ".join(contact.emails[:3])),
                   _text("phones", t(lang, "wo.phones"), ", ".join(contact.phones[:3]))]
    if private is not None:
        fields += _private_fields(private, lang)
    add = EntityActionButton(text=t(lang, "unfurl.add"), action_id=ADD_ACTION, value=contact.id[:150],
                             style="primary")
    return _entity(CONTACT_REF, contact.id, display_name(contact, lang), t(lang, "wo.candidate"), url=url,
                   app_unfurl_url=app_unfurl_url, fields=fields, action=add)


def project_entity(project: Project, lang: Lang, *, url: str, app_unfurl_url: str | None) -> dict[str, Any]:
    """The project: who it is for, where, how many candidates, and how many at each stage."""
    stages = sorted(project.pipeline.stages if project.pipeline else [], key=lambda s: s.position)
    total = project.entries_count if project.entries_count is not None else sum(s.entries_count or 0
                                                                                for s in stages)
    lines = [f"{clip(s.name, 40)}: {format_number(max(s.entries_count or 0, 0), lang)}" for s in stages[:MAX_STAGES]]
    if len(stages) > MAX_STAGES:
        rest = sum(max(s.entries_count or 0, 0) for s in stages[MAX_STAGES:])
        lines.append(tn(lang, "unfurl.more_stages", len(stages) - MAX_STAGES, shown=format_number(rest, lang)))
    fields = [_text("client", t(lang, "wo.client"), project.client_company or project.client_name),
              _text("location", t(lang, "wo.location"), project.location),
              _text("candidates", t(lang, "wo.candidates"), format_number(total, lang)),
              _text("stages", t(lang, "card.stage"), "\n".join(lines) or t(lang, "unfurl.no_stages"), long=True)]
    follow = EntityActionButton(text=t(lang, "unfurl.follow"), action_id=FOLLOW_ACTION, value=project.id[:150])
    return _entity(PROJECT_REF, project.id, clip(project.name, 150) or "-", t(lang, "card.project"), url=url,
                   app_unfurl_url=app_unfurl_url, fields=fields, action=follow)


def _private_fields(private: Private, lang: Lang) -> list[EntityCustomField | None]:
    fields: list[EntityCustomField | None] = []
    if private.details_refused:
        fields.append(_text("details", t(lang, "wo.emails"), t(lang, "wo.details_refused")))
    if private.standing is not None:
        lines = [_standing(s, lang) for s in private.standing[:MAX_PROJECTS]]
        if not private.standing_complete:
            lines.append(t(lang, "find.maybe_more"))
        fields.append(_text("projects", t(lang, "find.where"), "\n".join(lines) or t(lang, "find.nowhere"),
                            long=True))
    if private.notes is not None:
        shown = [_note(n, lang) for n in private.notes]
        fields.append(_text("notes", t(lang, "wo.notes"), "\n\n".join(shown) or t(lang, "wo.no_notes"), long=True,
                            limit=3 * NOTE_LIMIT + 100))
    elif private.notes_refused:
        fields.append(_text("notes", t(lang, "wo.notes"), t(lang, "wo.notes_refused")))
    return fields


def _entity(ref_type: str, record_id: str, title: str, kind: str, *, url: str,
            app_unfurl_url: str | None, fields: list[EntityCustomField | None], action: EntityActionButton
            ) -> dict[str, Any]:
    shown: list[dict[str, Any] | EntityCustomField] = [f for f in fields if f is not None]
    payload = EntityPayload(
        attributes=EntityAttributes(title=EntityTitle(text=clip(title, 150) or "-"), display_type=kind,
                                    product_name=PRODUCT),
        custom_fields=shown, display_order=[f.key for f in fields if f is not None],
        actions=EntityActions(primary_actions=[action]))
    entity = EntityMetadata(entity_type=ENTITY_TYPE, entity_payload=payload,
                            external_ref=ExternalRef(id=record_id, type=ref_type), url=url,
                            app_unfurl_url=app_unfurl_url)
    return entity.to_dict()


def _text(key: str, label: str, value: str | None, *, long: bool = False, limit: int = VALUE_LIMIT
          ) -> EntityCustomField | None:
    shown = clip(value or "", limit, one_line=not long)
    if not shown:
        return None
    return EntityCustomField(key=key, label=label, type="string", value=shown, long=True if long else None)


def _link(key: str, label: str, url: str | None) -> EntityCustomField | None:
    """[INF] a link as a string field with `link`. Like the card's button, the LinkedIn URL is rebuilt from the
    parsed profile, never passed through."""
    profile = parse_profile(url or "")
    if profile is None:
        return None
    return EntityCustomField(key=key, label=label, type="string", value=profile.url, link=profile.url)


def _role(contact: Contact, lang: Lang) -> str:
    title, company = contact.title, contact.current_company
    if title and company:
        return t(lang, "wo.title_at_company", title=clip(title, 140), company=clip(company, 140))
    return clip(title or company or "", VALUE_LIMIT)


def _years(years: float | None, lang: Lang) -> str:
    if years is None or not 0 <= years <= 80:
        return ""
    shown = round(years, 1)
    count = int(shown) if float(shown).is_integer() else 2
    return tn(lang, "wo.years", count, years=format_number(shown, lang))


def _listed(values: list[str], lang: Lang) -> str:
    shown = ", ".join(clip(v, 60) for v in values[:MAX_LIST])
    return shown + (" " + tn(lang, "card.more", len(values) - MAX_LIST) if len(values) > MAX_LIST else "")


def _standing(standing: Standing, lang: Lang) -> str:
    line = clip(standing.project, 100)
    if standing.stage:
        line += f" — {clip(standing.stage, 60)}"
    if standing.since:
        line += f" ({t(lang, 'find.since', day=format_day(standing.since, lang))})"
    return line


def _note(note: Note, lang: Lang) -> str:
    text = clip(note.content, NOTE_LIMIT, one_line=False)
    return f"{format_day(note.created_at, lang)}: {text}" if note.created_at else text
