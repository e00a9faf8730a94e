"""The App Home tab: the connection, the last adds, and (for admins) the workspace's settings."""

from __future__ import annotations

from typing import Any

from bot.i18n import Lang, format_clock, format_day, t
from bot.manifest import COMMAND
from bot.store import AddRecord, Connection, WorkspaceSettings
from bot.views.admin import connected_line
from bot.views.text import clip, escape, mrkdwn, plain

CONNECT_ACTION, DISCONNECT_ACTION = "home_connect", "home_disconnect"
CHANNEL_ACTION, DETAILS_ACTION = "home_default_channel", "home_show_details"
GUESTS_ACTION = "home_allow_guests"
SHARED_ACTION = "home_allow_shared_channels"
SLUG_BLOCK, SLUG_ACTION, SLUG_CLEAR_ACTION = "leonar_slug", "home_leonar_slug", "home_leonar_slug_clear"


def home_view(
    connection: Connection | None, adds: list[AddRecord], settings: WorkspaceSettings, *, admin: bool,
    lang: Lang = "en", follows: list[dict[str, Any]] | None = None, slug_problem: str | None = None,
    feedback: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """`follows`: the followed projects' section (`follows.home_follows`), shown after the recent adds;
    `slug_problem`: what the admin just typed as the Leonar address and why it was not kept."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": plain(t(lang, "home.title"), 150)}]
    status = (connected_line(connection, lang, admin=admin) if connection
              else t(lang, "status.not_connected", command=COMMAND))
    blocks.append({"type": "section", "text": mrkdwn(status)})
    if admin:
        buttons: list[dict[str, Any]] = [{
            "type": "button", "action_id": CONNECT_ACTION, "style": "primary",
            "text": plain(t(lang, "home.replace" if connection else "home.connect"), 75)}]
        if connection:
            buttons.append({"type": "button", "action_id": DISCONNECT_ACTION, "style": "danger",
                            "text": plain(t(lang, "home.disconnect"), 75)})
        blocks.append({"type": "actions", "block_id": "connection", "elements": buttons})
    blocks += [{"type": "divider"}, {"type": "section", "text": mrkdwn(t(lang, "home.recent"))}]
    if adds:
        lines = [_recent_line(add, lang) for add in adds[:10]]
        blocks.append({"type": "section", "text": mrkdwn("\n".join(lines))})
    else:
        blocks.append({"type": "context", "elements": [mrkdwn(t(lang, "home.none_yet", command=COMMAND))]})
    blocks += follows or []
    blocks += feedback or []  # the viewer's open feedback requests (views/feedback.py `home_requests`)
    if admin:
        channel: dict[str, Any] = {"type": "conversations_select", "action_id": CHANNEL_ACTION,
                                   "placeholder": plain(t(lang, "home.default_channel"), 150),
                                   "filter": {"include": ["public", "private"]}}
        if settings.default_channel:
            channel["initial_conversation"] = settings.default_channel
        option = {"text": plain(t(lang, "home.show_details"), 75), "value": "show",
                  "description": plain(t(lang, "home.show_details_hint"), 75)}
        details: dict[str, Any] = {"type": "checkboxes", "action_id": DETAILS_ACTION, "options": [option]}
        if settings.show_contact_details:
            details["initial_options"] = [option]
        guests_option = {"text": plain(t(lang, "home.allow_guests"), 75), "value": "allow",
                         "description": plain(t(lang, "home.allow_guests_hint"), 75)}
        guests: dict[str, Any] = {"type": "checkboxes", "action_id": GUESTS_ACTION, "options": [guests_option]}
        if settings.allow_guests:
            guests["initial_options"] = [guests_option]
        shared_option = {"text": plain(t(lang, "home.allow_shared"), 75), "value": "allow",
                         "description": plain(t(lang, "home.allow_shared_hint"), 75)}
        shared: dict[str, Any] = {"type": "checkboxes", "action_id": SHARED_ACTION, "options": [shared_option]}
        if settings.allow_shared_channels:
            shared["initial_options"] = [shared_option]
        blocks += [{"type": "divider"}, {"type": "section", "text": mrkdwn(t(lang, "home.settings"))},
                   {"type": "section", "block_id": "default_channel",
                    "text": mrkdwn(t(lang, "home.default_channel")), "accessory": channel},
                   {"type": "actions", "block_id": "details", "elements": [details, guests, shared]},
                   {"type": "context", "elements": [mrkdwn(t(lang, "home.allow_shared_warning"))]},
                   *_slug_blocks(settings, lang, slug_problem)]
    return {"type": "home", "blocks": blocks}


def _slug_blocks(settings: WorkspaceSettings, lang: Lang, problem: str | None) -> list[dict[str, Any]]:
    """The workspace's Leonar address, for "Open in Leonar" buttons: typed (Enter saves it), or learnt from the
    first Leonar link unfurled."""
    field: dict[str, Any] = {"type": "plain_text_input", "action_id": SLUG_ACTION, "max_length": 300,
                             "placeholder": plain(t(lang, "home.slug_placeholder"), 150),
                             "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed"]}}
    if settings.leonar_slug:
        field["initial_value"] = settings.leonar_slug
    blocks: list[dict[str, Any]] = [
        {"type": "input", "block_id": SLUG_BLOCK, "dispatch_action": True, "optional": True, "element": field,
         "label": plain(t(lang, "home.slug"), 2000), "hint": plain(t(lang, "home.slug_hint"), 2000)}]
    if problem is not None:
        blocks.append({"type": "context", "elements": [
            mrkdwn(t(lang, "home.slug_invalid", text=escape(clip(problem, 100))))]})
    if settings.leonar_slug:
        blocks.append({"type": "actions", "block_id": "leonar_slug_clear", "elements": [
            {"type": "button", "action_id": SLUG_CLEAR_ACTION, "text": plain(t(lang, "home.slug_clear"), 75)}]})
    return blocks


def _recent_line(add: AddRecord, lang: Lang) -> str:
    fields = {"contact": escape(clip(add.contact, 80)), "project": escape(clip(add.project, 100)),
              "user": add.user_id, "date": format_day(add.at, lang), "time": format_clock(add.at, lang)}
    if add.stage:
        return t(lang, "home.recent_line_at", stage=escape(clip(add.stage, 40)), **fields)
    return t(lang, "home.recent_line", **fields)
