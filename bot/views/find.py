"""`/leonar-add find` and `pipeline` answers: the candidates found, each with the card's summary (card.py's
profile blocks, the same privacy rule: emails and phones only with `details`) and where they stand; nothing found;
a project name that names none or several; a candidate shared in a channel.

Buttons: "Add to a project" (the add form with the candidate), "Ask for feedback" (feedback.py's), "Open in
Leonar", "Share in channel". A share button's value names the workspace and the person who asked
(`share_value`): bot/slack/asking.py refuses a press by anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.i18n import Lang, format_day, t, tn
from bot.leonar import Contact, Project
from bot.manifest import COMMAND
from bot.views.card import display_name, link_buttons, profile_blocks
from bot.views.feedback import ask_block
from bot.views.text import clip, escape, mrkdwn, plain

ADD_ACTION = "find_add"  # value: the contact id
SHARE_ACTION = "find_share"  # value: share_value(...)
PICK_ACTION = "pipeline_pick"  # value: the project id; answers the presser privately about their own workspace
MAX_STANDING = 8  # projects listed per candidate


@dataclass(frozen=True)
class Standing:
    """One project the candidate is in, as far as the bot can tell."""

    project: str
    stage: str | None
    since: datetime | None  # when they entered the stage, or were added, when known


@dataclass(frozen=True)
class Found:
    contact: Contact
    standing: list[Standing]
    known: bool  # False: the bounded look-up could not check every project the bot knows of


def share_value(workspace: str, user_id: str, subject: str) -> str:
    return f"{workspace}|{user_id}|{subject}"[:2000]


def read_share(value: str) -> tuple[str, str, str] | None:
    parts = value.split("|")
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 and all(parts) else None


def _safe(text: str | None, limit: int = 80) -> str:
    return escape(clip(text or "", limit))


def standing_text(found: Found, lang: Lang) -> str:
    lines = []
    for where in found.standing[:MAX_STANDING]:
        stage = _safe(where.stage, 40) if where.stage else escape(t(lang, "activity.unknown_stage"))
        line = f"• *{_safe(where.project)}* — {stage}"
        if where.since is not None:
            line += " " + escape(t(lang, "find.since", day=format_day(where.since, lang)))
        lines.append(line)
    if len(found.standing) > MAX_STANDING:
        lines.append(tn(lang, "activity.more", len(found.standing) - MAX_STANDING))
    if not lines:
        lines.append(escape(t(lang, "find.nowhere" if found.known else "find.nowhere_known")))
    elif not found.known:
        lines.append(escape(t(lang, "find.maybe_more")))
    return f"*{escape(t(lang, 'find.where'))}*\n" + "\n".join(lines)


def candidate_blocks(found: Found, lang: Lang, *, details: bool, leonar_url: str | None, n: int,
                     share: str | None) -> list[dict[str, Any]]:
    head, rest = profile_blocks(found.contact, lang, details=details)
    blocks = [*head, {"type": "section", "text": mrkdwn(standing_text(found, lang))}, *rest]
    buttons = [{"type": "button", "action_id": ADD_ACTION, "value": found.contact.id[:2000],
                "text": plain(t(lang, "find.add"), 75)}, *link_buttons(found.contact, lang, leonar_url)]
    if share:
        buttons.append({"type": "button", "action_id": SHARE_ACTION, "value": share,
                        "text": plain(t(lang, "pulse.share"), 75)})
    blocks.append({"type": "actions", "block_id": f"find_actions_{n}", "elements": buttons})
    blocks.append({**ask_block(found.contact.id, lang), "block_id": f"ask_feedback_{n}"})
    return blocks


def find_message(query: str, found: list[Found], lang: Lang, *, details: bool,
                 urls: dict[str, str | None], shares: dict[str, str]) -> dict[str, Any]:
    """The private answer: up to five candidates, a divider between them."""
    title = tn(lang, "find.title", len(found), query=clip(query, 100))
    blocks: list[dict[str, Any]] = [{"type": "section", "text": mrkdwn(f"*{escape(title)}*")}]
    for n, one in enumerate(found):
        blocks.append({"type": "divider"})
        blocks += candidate_blocks(one, lang, details=details, leonar_url=urls.get(one.contact.id), n=n,
                                   share=shares.get(one.contact.id))
    return {"text": escape(title), "blocks": blocks}


def nothing_found(query: str, searched: str, lang: Lang) -> dict[str, Any]:
    """What was searched, and how to find them better."""
    text = t(lang, f"find.none_{searched}", query=clip(query, 200)) + " " + t(lang, "find.hint", command=COMMAND)
    return {"text": escape(text),
            "blocks": [{"type": "section", "text": mrkdwn(escape(text))}]}


def shared_card(found: Found, lang: Lang, *, details: bool, leonar_url: str | None, shared_by: str
                ) -> dict[str, Any]:
    """The candidate for everyone in the channel, attributed; no button that acts for whoever sees it."""
    head, rest = profile_blocks(found.contact, lang, details=details)
    blocks = [*head, {"type": "section", "text": mrkdwn(standing_text(found, lang))}, *rest]
    if buttons := link_buttons(found.contact, lang, leonar_url):
        blocks.append({"type": "actions", "block_id": "links", "elements": buttons})
    blocks.append({"type": "context", "elements": [mrkdwn(t(lang, "find.shared_by", user=shared_by))]})
    name = escape(clip(display_name(found.contact, lang), 100))
    return {"text": t(lang, "find.shared_text", name=name, user=shared_by), "blocks": blocks}


def project_choices(query: str, projects: list[Project], lang: Lang, *, ambiguous: bool) -> dict[str, Any]:
    """Several projects match (choices), or none does (the closest names), each a button."""
    key = "pipeline.ambiguous" if ambiguous else ("pipeline.unknown" if projects else "pipeline.unknown_none")
    text = t(lang, key, query=clip(query, 100), command=COMMAND)
    blocks: list[dict[str, Any]] = [{"type": "section", "text": mrkdwn(escape(text))}]
    if projects:
        blocks.append({"type": "actions", "block_id": "pipeline_choices", "elements": [
            {"type": "button", "action_id": f"{PICK_ACTION}_{n}", "value": p.id[:2000], "text": plain(p.name, 75)}
            for n, p in enumerate(projects[:5])]})
    return {"text": escape(text), "blocks": blocks}


def private(message: dict[str, Any]) -> dict[str, Any]:
    """A message as a private answer through a response_url (a command's or a button's)."""
    return {"response_type": "ephemeral", "replace_original": False, **message}


def problem(text: str) -> dict[str, Any]:
    """A failure said plainly (Leonar slow, rate-limited or down; not connected)."""
    return {"text": text,
            "blocks": [{"type": "section", "text": mrkdwn(text)}]}
