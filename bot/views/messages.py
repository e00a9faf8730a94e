"""Ephemeral and fallback messages around the card."""

from __future__ import annotations

from typing import Any

from bot.views.text import escape, mrkdwn, plain

COMMAND = "/leonar-add"


def help_message() -> dict[str, Any]:
    lines = [
        f"*{COMMAND}* opens a form: pick a project, a candidate and a pipeline stage; the candidate is added "
        "to the project in Leonar and a card is posted in the channel you choose.",
        f"• `{COMMAND}` add a candidate to a project",
        f"• `{COMMAND} connect` connect this workspace to Leonar, or replace its API key",
        f"• `{COMMAND} help` this message",
    ]
    text = "\n".join(lines)
    return {"response_type": "ephemeral", "text": text, "blocks": [{"type": "section", "text": mrkdwn(text)}]}


def ephemeral(text: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": text, "replace_original": False}


def not_in_channel_notice(channel_id: str) -> dict[str, Any]:
    return ephemeral(
        f"I'm not a member of <#{channel_id}>, so I posted the card through your command instead. "
        f"Invite me there (`/invite @Leonar`) to have cards posted directly."
    )


def undelivered_card(channel_id: str, card: dict[str, Any], reason: str) -> dict[str, Any]:
    """The card shown to the user alone when it could not be posted anywhere public: never lost."""
    note = (f":warning: The candidate was added in Leonar, but I could not post the card in <#{channel_id}> "
            f"({escape(reason)}). Invite me there (`/invite @Leonar`). Here it is:")
    return {
        "response_type": "ephemeral",
        "replace_original": False,
        "text": card["text"],
        "blocks": [{"type": "section", "text": mrkdwn(note)}, *card["blocks"][:49]],
    }


def notice_modal(title: str, text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": plain(title, 24),
        "close": plain("Close"),
        "blocks": [{"type": "section", "text": mrkdwn(escape(text))}],
    }
