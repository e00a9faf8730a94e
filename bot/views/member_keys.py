"""Members' own Leonar keys, in Slack's words: the form that links one, the Home tab's sections (each member's own
state; for admins, who linked and the "members must link their own key" setting), and what a member who must link
first is told. Never a key, nor any part of one: once linked it is not shown again."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from bot.i18n import Lang, format_day, t
from bot.leonar import REQUIRED_SCOPES
from bot.manifest import COMMAND
from bot.views.metadata import ModalContext
from bot.views.text import modal, mrkdwn, plain

LINK_CALLBACK = "leonar_link_member_key"
KEY_BLOCK, KEY_ACTION = "member_api_key", "member_api_key_input"
LINK_ACTION, UNLINK_ACTION = "home_link_member_key", "home_unlink_member_key"
REMOVE_ACTION = "home_remove_member_key"  # an admin removes a member's key; the value is the member's user id
REQUIRE_ACTION = "home_require_member_keys"
LISTED = 10  # linked members named on the admins' Home, one row and button each (a Home holds 100 blocks)


def app_home_url(team_id: str, app_id: str) -> str:
    """A deep link to the app's Home tab in the member's Slack client (Slack's documented `slack://app` form)."""
    return "slack://app?" + urlencode({"team": team_id, "id": app_id, "tab": "home"})


def link_first_text(lang: Lang, home: str | None) -> str:
    """What a member who must link their own Leonar key is told, wherever they tried to use Leonar."""
    where = f"<{home}|{t(lang, 'member.home_link')}>" if home else t(lang, "member.home_tab")
    return t(lang, "member.link_first", home=where, command=COMMAND)


def link_modal(ctx: ModalContext, lang: Lang = "en", *, linked: bool = False) -> dict[str, Any]:
    scopes = ", ".join(f"`{scope}`" for scope in REQUIRED_SCOPES)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": mrkdwn(t(lang, "member.link_intro"))},
        {"type": "input", "block_id": KEY_BLOCK, "label": plain(t(lang, "member.link_label")),
         "hint": plain(t(lang, "member.link_hint")),
         "element": {"type": "plain_text_input", "action_id": KEY_ACTION, "placeholder": plain("leo_…"),
                     "min_length": 8, "max_length": 200}},
        {"type": "context", "elements": [mrkdwn(t(lang, "member.link_scopes", scopes=scopes))]},
    ]
    if linked:
        blocks.insert(1, {"type": "context", "elements": [mrkdwn(t(lang, "member.link_replaces"))]})
    return modal(t(lang, "member.link_title"), blocks, submit=t(lang, "member.link_submit"),
                 close=t(lang, "add.cancel"), callback_id=LINK_CALLBACK, private_metadata=ctx.dumps())


def linked_modal(lang: Lang = "en") -> dict[str, Any]:
    """Shown once the key is linked, in place of the form."""
    return modal(t(lang, "member.link_title"), [{"type": "section", "text": mrkdwn(t(lang, "member.linked"))}],
                 close=t(lang, "member.done"))


def home_own(linked_at: datetime | None, *, required: bool, lang: Lang = "en") -> list[dict[str, Any]]:
    """The viewer's own key: linked (since when, with Replace and Unlink), or not (what it would change, Link)."""
    if linked_at is not None:
        text = t(lang, "member.home_linked", date=format_day(linked_at, lang))
        buttons = [_button(t(lang, "member.replace"), LINK_ACTION),
                   _button(t(lang, "member.unlink"), UNLINK_ACTION, style="danger")]
    else:
        text = t(lang, "member.home_required" if required else "member.home_not_linked")
        buttons = [_button(t(lang, "member.link"), LINK_ACTION, style="primary")]
    return [{"type": "divider"}, {"type": "section", "text": mrkdwn(text)},
            {"type": "actions", "block_id": "member_key", "elements": buttons}]


def home_admin(linked: list[tuple[str, datetime]], *, required: bool, lang: Lang = "en") -> list[dict[str, Any]]:
    """For admins: who linked their own key (never the keys), each with Remove, and whether members must."""
    blocks: list[dict[str, Any]] = [{"type": "divider"}, {"type": "section", "text": mrkdwn(
        t(lang, "member.admin_title", count=len(linked)) if linked else t(lang, "member.admin_none"))}]
    for user_id, at in linked[:LISTED]:
        blocks.append({"type": "section", "block_id": f"member_key_{user_id}",
                       "text": mrkdwn(t(lang, "member.admin_row", user=user_id, date=format_day(at, lang))),
                       "accessory": _button(t(lang, "member.remove"), REMOVE_ACTION, value=user_id,
                                            style="danger")})
    if len(linked) > LISTED:
        blocks.append({"type": "context", "elements": [mrkdwn(t(lang, "member.admin_more",
                                                                   count=len(linked) - LISTED))]})
    option = {"text": plain(t(lang, "member.require"), 75), "value": "require",
              "description": plain(t(lang, "member.require_hint"), 75)}
    box: dict[str, Any] = {"type": "checkboxes", "action_id": REQUIRE_ACTION, "options": [option]}
    if required:
        box["initial_options"] = [option]
    blocks.append({"type": "actions", "block_id": "member_keys_required", "elements": [box]})
    return blocks


def status_line(linked_at: datetime | None, *, required: bool, lang: Lang = "en") -> str:
    """`/leonar-add status`'s line about the asking member's own key."""
    if linked_at is not None:
        return t(lang, "member.status_linked", date=format_day(linked_at, lang))
    return t(lang, "member.status_required" if required else "member.status_not_linked", command=COMMAND)


def removed_text(admin: str, lang: Lang = "en") -> str:
    """Told to a member whose key an admin removed."""
    return t(lang, "member.removed", user=admin, command=COMMAND)


def _button(text: str, action_id: str, *, value: str | None = None, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "action_id": action_id, "text": plain(text, 75)}
    if value is not None:
        button["value"] = value
    if style is not None:
        button["style"] = style
    return button
