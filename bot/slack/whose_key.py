"""What a member is told when their Leonar work has no key to use. Whose key it uses is `Services.leonar_for`'s
(and the request's `leonar(context)`) to say; when that is none, the reason decides the sentence: admins require
members' own keys and this member has not linked theirs (`link_first_text`, with a link to the App Home where the
text is mrkdwn), else the workspace is not connected (the path's own "not connected" text).

One place for that choice, so no path tells a member who must link theirs to ask an admin to connect Leonar."""

from __future__ import annotations

from typing import Any

from bot.i18n import Lang, t
from bot.manifest import COMMAND
from bot.slack.context import home_url, must_link
from bot.views.member_keys import link_first_text


def no_key_text(lang: Lang, *, must_link: bool, home: str | None, not_connected: str = "add.not_connected") -> str:
    """`not_connected`: the catalog key the path said before members could link keys (it takes `{command}`)."""
    return link_first_text(lang, home) if must_link else t(lang, not_connected, command=COMMAND)


def unavailable(context: dict[str, Any], lang: Lang, not_connected: str = "add.not_connected", *,
                plain: bool = False) -> str:
    """The request's member has no key to use. `plain`: shown as plain text (a form's inline error), where Slack
    would print a link's markup as it is: the App Home is then named, not linked."""
    return no_key_text(lang, must_link=must_link(context), home=None if plain else home_url(context),
                       not_connected=not_connected)


def unavailable_option(context: dict[str, Any], lang: Lang) -> str:
    """The same, as a menu's one option: 75 characters at most, so the command rather than the App Home."""
    return t(lang, "options.link_first" if must_link(context) else "options.connect_first", command=COMMAND)

