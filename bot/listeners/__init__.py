"""Thin Slack handlers, one module per kind of request; each module has `register(app)`. Helpers they share live
in `bot/slack/`."""

from slack_bolt.async_app import AsyncApp

from bot.listeners import (
    actions,
    commands,
    connection,
    events,
    follows,
    functions,
    home,
    options,
    shortcuts,
    unfurls,
    views,
)


def register(app: AsyncApp) -> None:
    for module in (commands, shortcuts, options, actions, connection, views, events, home, follows, functions,
                   unfurls):
        module.register(app)
