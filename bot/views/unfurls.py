"""What a Leonar link pasted in Slack unfurls into: a contact's candidate card with an "Add to a project" button, or
a project's pipeline summary. Pure builders: each returns one `chat.unfurl` entry, `{"blocks": [...]}`."""

from __future__ import annotations

from typing import Any

from bot.i18n import Lang, format_number, t, tn
from bot.leonar import Contact, Project, Stage
from bot.views.card import link_buttons, open_in_leonar, profile_blocks
from bot.views.feedback import ask_block
from bot.views.text import clip, escape, mrkdwn, plain

ADD_ACTION = "unfurl_add_to_project"  # its value: the contact's Leonar id
FOLLOW_ACTION = "unfurl_follow_project"  # its value: the project's Leonar id
BAR_WIDTH = 4  # blocks of the longest bar: compact, as in "Sourced ▇▇▇▇ 12 · Interview ▇ 4 · Offer ▏1"
MAX_STAGES = 12  # a pipeline longer than this is summed up in one more line
FULL, SLIVER = "▇", "▏"


def contact_unfurl(contact: Contact, lang: Lang, *, details: bool, leonar_url: str | None) -> dict[str, Any]:
    """The same profile as the candidate card (same PII rule: `details` is the workspace's setting), and buttons:
    add to a project (the add form, candidate preselected), LinkedIn, Open in Leonar (when the slug is known)."""
    head, rest = profile_blocks(contact, lang, details=details)
    add = {"type": "button", "action_id": ADD_ACTION, "style": "primary", "value": contact.id[:150],
           "text": plain(t(lang, "unfurl.add"), 75)}
    return {"blocks": [*head, *rest, {"type": "actions", "block_id": "unfurl_contact",
                                      "elements": [add, *link_buttons(contact, lang, leonar_url)]},
                       ask_block(contact.id, lang)]}


def project_unfurl(project: Project, lang: Lang, *, leonar_url: str | None) -> dict[str, Any]:
    """The project, who it is for, how many candidates, and its stages with their counts as a compact bar."""
    title = f"*{_field(project.name, 150)}*"
    about = " · ".join(_field(v, 100) for v in (project.client_company or project.client_name, project.location)
                       if v)
    stages = sorted(project.pipeline.stages if project.pipeline else [], key=lambda s: s.position)
    total = project.entries_count if project.entries_count is not None else sum(s.entries_count or 0
                                                                                for s in stages)
    lines = [title, about, tn(lang, "unfurl.candidates", total, shown=format_number(total, lang))]
    blocks: list[dict[str, Any]] = [{"type": "section", "text": mrkdwn("\n".join(line for line in lines if line))}]
    if stages:
        blocks.append({"type": "section", "text": mrkdwn(stage_bar(stages, lang))})
    else:
        blocks.append({"type": "context", "elements": [mrkdwn(t(lang, "unfurl.no_stages"))]})
    if buttons := project_buttons(project, lang, leonar_url):
        blocks.append({"type": "actions", "block_id": "unfurl_project", "elements": buttons})
    return {"blocks": blocks}


def project_buttons(project: Project, lang: Lang, leonar_url: str | None) -> list[dict[str, Any]]:
    """The one place a project's buttons are chosen: follow it in the channel the link was posted in (the follow
    form opens with the project picked), and open it in Leonar once the workspace's address is known."""
    follow = {"type": "button", "action_id": FOLLOW_ACTION, "value": project.id[:150],
              "text": plain(t(lang, "unfurl.follow"), 75)}
    return [follow, open_in_leonar(leonar_url, lang)] if leonar_url else [follow]


def stage_bar(stages: list[Stage], lang: Lang) -> str:
    """"Sourced ▇▇▇▇ 12 · Interview ▇ 4 · Offer ▏1": each bar scaled to the fullest stage; a stage with anyone in
    it shows at least a sliver, an empty one no bar."""
    shown, hidden = stages[:MAX_STAGES], stages[MAX_STAGES:]
    counts = [max(s.entries_count or 0, 0) for s in shown]
    most = max(counts, default=0)
    parts = []
    for stage, count in zip(shown, counts, strict=True):
        width = round(count * BAR_WIDTH / most) if most else 0
        number = format_number(count, lang)
        # A sliver hugs its number ("Offer ▏1"), as in the sketch; a bar stands apart from it.
        bar = f"{FULL * width} {number}" if width else (f"{SLIVER}{number}" if count else number)
        parts.append(f"{_field(stage.name, 40)} {bar}")
    line = " · ".join(parts)
    if hidden:
        rest = sum(max(s.entries_count or 0, 0) for s in hidden)
        line += " · " + tn(lang, "unfurl.more_stages", len(hidden), shown=format_number(rest, lang))
    return line


def _field(value: str | None, limit: int) -> str:
    return escape(clip(value or "", limit))
