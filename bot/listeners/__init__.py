"""Thin Slack handlers, one module per kind of request; each module has `register(app)`. Helpers they share live
in `bot/slack/`."""

from slack_bolt.async_app import AsyncApp

from bot.listeners import (
    actions,
    commands,
    connection,
    follows,
    home,
    leaving,
    options,
    shortcuts,
    unfurls,
    views,
    workflow_step,
)


def register(app: AsyncApp) -> None:
    for module in (commands, shortcuts, options, actions, connection, views, leaving, home, follows, workflow_step,
                   unfurls):
        module.register(app)
