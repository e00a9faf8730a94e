"""Starting the add from text: `/leonar-add <name, email or LinkedIn URL>` or the message shortcut.

The modal opens first (the trigger cannot wait for Leonar); then, when exactly one contact matches, it is
preselected by views.update; otherwise the candidate menu starts from the text (`contacts` in bot/listeners/add.py).
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import Lang
from bot.leonar import Contact, LeonarClient, LeonarError, Listing, normalize_linkedin
from bot.views.add_modal import PREFILLED_BLOCK, Picked, add_modal
from bot.views.metadata import ModalContext
from bot.views.options import contact_option

log = logging.getLogger(__name__)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
LINKEDIN_URL = re.compile(r"\S*linkedin\.com/(?:in|pub)/\S+", re.IGNORECASE)
# Slack's markup in message text: <@U…|name> people, <#C…|name> channels, <!here>/<!subteam^…>/<!date^…>
# specials, <url|label> links (mailto: too). https://docs.slack.dev/messaging/formatting-message-text
MARKUP = re.compile(r"<([^<>\n]*)>")
EMOJI = re.compile(r":[a-z0-9_+'-]+:")
FORMATTING = re.compile(r"(?<!\w)[*_~`]+|[*_~`]+(?!\w)|^[>•]+\s*", re.MULTILINE)
WRAPPERS = "()[]{}\"'.,;!?«»“”‘’"
NAME_MAX = 60  # longer message text is a message, not a name
SEARCH_LIMIT = 50  # candidates per search, in the menu and for a prefill


def seed_from(text: str) -> str | None:
    """What to search for in free text: a LinkedIn profile URL, else an email, else short text as a name.

    Mentions, channels, @here and links are Slack's markup, not the candidate: they are left out, except a
    LinkedIn profile or an email address that a link points to.
    """
    text = _unescaped(MARKUP.sub(_unmarked, text))
    for found in LINKEDIN_URL.finditer(text):
        if normalize_linkedin(url := found.group(0).strip(WRAPPERS)):
            return url
    if email := EMAIL.search(text):
        return email.group(0)
    name = " ".join(FORMATTING.sub(" ", EMOJI.sub(" ", text)).split()).strip(WRAPPERS + " ")
    return name if 1 < len(name) <= NAME_MAX and "\n" not in text.strip() else None


def _unmarked(markup: re.Match[str]) -> str:
    """What a piece of Slack markup leaves in the seed: a link's LinkedIn URL or email address, else nothing."""
    target = _unescaped(markup.group(1).split("|", 1)[0].strip())
    if target.startswith("mailto:"):
        return f" {target.removeprefix('mailto:')} "
    if normalize_linkedin(target):
        return f" {target} "
    return " "


def _unescaped(text: str) -> str:
    # The three entities Slack escapes in message text (inside links too).
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


async def matches(client: LeonarClient, seed: str, *, limit: int) -> Listing[Contact]:
    """Contacts for a seed: by LinkedIn profile when it is one, else Leonar's search."""
    if normalize_linkedin(seed):
        return await client.find_by_linkedin(seed)
    return await client.search_contacts(seed, limit=limit)


async def preselect(
    slack: AsyncWebClient, leonar: LeonarClient, opened: dict[str, Any], ctx: ModalContext, picked: Picked,
    lang: Lang,
) -> None:
    """After the modal opened: when exactly one contact matches the seed, show it selected."""
    assert ctx.seed
    try:
        # The options load's limit: the seeded menu then reads this same search from the cache.
        found = await matches(leonar, ctx.seed, limit=SEARCH_LIMIT)
    except LeonarError as exc:
        log.info("prefill search failed: %s", exc.code)
        return
    if len(found.items) != 1:
        return
    await _show_picked(slack, leonar, opened, ctx, replace(picked, contact=contact_option(found.items[0])), lang)


async def preselect_contact(
    slack: AsyncWebClient, leonar: LeonarClient, opened: dict[str, Any], ctx: ModalContext, picked: Picked,
    lang: Lang, contact_id: str,
) -> None:
    """After the modal opened: the candidate named by its Leonar id (a link's "Add to a project") shown selected."""
    try:
        contact = await leonar.read_contact(contact_id)
    except LeonarError as exc:
        log.info("candidate of the link not preselected: %s", exc.code)
        return
    await _show_picked(slack, leonar, opened, ctx, replace(picked, contact=contact_option(contact)), lang)


async def _show_picked(
    slack: AsyncWebClient, leonar: LeonarClient, opened: dict[str, Any], ctx: ModalContext, picked: Picked,
    lang: Lang,
) -> None:
    project = leonar.cached_project(ctx.project_id) if ctx.project_id else None
    view = add_modal(ctx, project=project, picked=picked, lang=lang, contact_block=PREFILLED_BLOCK)
    try:
        await slack.views_update(view_id=opened["id"], hash=opened.get("hash"), view=view)
    except SlackApiError as exc:  # hash_conflict: the user was quicker; leave their choice alone
        log.info("prefill not shown: %s", exc.response.get("error"))
