"""Thin Slack handlers, one module per flow (add, follows, unfurls, workflow_step, home, connection, leaving, and
channels: their sharing with other organisations; feedback: feedback requests; save: Save to Leonar; mentions:
@Leonar requests; thread_notes: card threads saved as notes; asking: find and pipeline; member_keys: members' own
Leonar keys; work_objects: the flexpane of a Leonar link's Work Object), plus
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
    work_objects,
    workflow_step,
)


def register(app: AsyncApp) -> None:
    # In this order: Bolt tries listeners as registered, and mentions' must come before thread_notes' listener of
    # every message.
    for module in (commands, add, follows, unfurls, workflow_step, home, connection, leaving, url_buttons, channels,
                   feedback, save, mentions, thread_notes, asking, member_keys, work_objects):
        module.register(app)
