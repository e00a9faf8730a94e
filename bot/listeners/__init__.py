"""Thin Slack handlers, one module per flow (add, follows, unfurls, workflow_step, home, connection, leaving, and
channels: their sharing with other organisations; thread_notes: card threads saved as notes; member_keys: members'
own Leonar keys), plus
the slash command's table of sub-commands (commands) and the URL buttons' acks; each module has `register(app)`.
What they do lives in `bot/slack/`, in modules named alike."""

from slack_bolt.async_app import AsyncApp

from bot.listeners import (
    add,
    asking,
    channels,
    commands,
    connection,
    feedback,
    follows,
    home,
    leaving,
    member_keys,
    mentions,
    save,
    thread_notes,
    unfurls,
    url_buttons,
    workflow_step,
)


def register(app: AsyncApp) -> None:
    for module in (commands, add, follows, unfurls, workflow_step, home, connection, leaving, url_buttons, channels,
                   feedback):
        module.register(app)
    save.register(app)  # Save to Leonar (issue 19 B)
    mentions.register(app)  # @Leonar requests (issue 20 D): before thread_notes' every-message listener
    thread_notes.register(app)  # card threads saved as notes
    asking.register(app)  # find and pipeline (issue 20 A, B)
    member_keys.register(app)  # members' own Leonar keys (issue 21 A)
