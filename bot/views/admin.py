"""Messages and the confirm modal around the workspace's Leonar connection (who may change it, its status)."""

from __future__ import annotations

from typing import Any

from bot.leonar import RECOMMENDED_SCOPES, REQUIRED_SCOPES
from bot.store import Connection
from bot.views.messages import COMMAND, ephemeral
from bot.views.metadata import ModalContext
from bot.views.text import escape, mrkdwn, plain

DISCONNECT_CALLBACK = "leonar_disconnect"


def admins_only(action: str, connection: Connection | None) -> dict[str, Any]:
    who = f" It was connected by <@{connection.connected_by}>." if connection else ""
    return ephemeral(f"Only a workspace admin or owner can {action} Leonar for this workspace.{who} "
                     f"Ask one of them to run `{COMMAND} connect`.")


def not_connected(for_admin: bool) -> dict[str, Any]:
    if for_admin:
        return ephemeral(f"This workspace is not connected to Leonar. Run `{COMMAND} connect` to connect it.")
    return ephemeral("This workspace is not connected to Leonar yet. Only a workspace admin or owner can connect "
                     f"it: ask one of them to run `{COMMAND} connect`.")


def role_unknown(error: str) -> dict[str, Any]:
    return ephemeral(f"I could not check your Slack role (Slack said {error}), so I can't let you change the "
                     "Leonar connection. If the app lacks the users:read scope, reinstall it from its manifest.")


def disconnected() -> dict[str, Any]:
    return ephemeral(f"Leonar is disconnected: the API key is deleted. Run `{COMMAND} connect` to connect again.")


def disconnect_modal(ctx: ModalContext, connection: Connection) -> dict[str, Any]:
    text = (f"Delete this workspace's Leonar API key (`{escape(connection.key_hint)}`, connected by "
            f"<@{connection.connected_by}>)? Nobody here can add candidates until an admin connects a key again.")
    return {
        "type": "modal",
        "callback_id": DISCONNECT_CALLBACK,
        "title": plain("Disconnect Leonar"),
        "submit": plain("Disconnect"),
        "close": plain("Keep it"),
        "private_metadata": ctx.dumps(),
        "blocks": [{"type": "section", "text": mrkdwn(text)}],
    }


def status_message(connection: Connection | None, missing: list[str] | None, problem: str | None) -> dict[str, Any]:
    """`missing` are the scopes the key lacks (None when they could not be checked, `problem` says why)."""
    if connection is None:
        lines = [f":x: Not connected to Leonar. A workspace admin or owner can run `{COMMAND} connect`."]
    else:
        when = connection.connected_at.strftime("%Y-%m-%d %H:%M UTC")
        lines = [f":large_green_circle: Connected to Leonar by <@{connection.connected_by}> on {when}, "
                 f"with the API key ending in `{escape(connection.key_hint)}`."]
        if missing is None:
            lines.append(f":warning: Its scopes could not be checked: {escape(problem or 'Leonar did not answer')}")
        else:
            lacking = [s for s in missing if s in REQUIRED_SCOPES]
            optional = [s for s in missing if s in RECOMMENDED_SCOPES]
            if lacking:
                lines.append(f":x: The key lacks {', '.join(lacking)}; the bot needs {', '.join(REQUIRED_SCOPES)}.")
            else:
                lines.append(":white_check_mark: Its scopes suffice (" + ", ".join(REQUIRED_SCOPES) + ").")
            if optional:
                lines.append(f"Tip: add {', '.join(optional)} so the bot can tell who is already in a project "
                             "before adding.")
    text = "\n".join(lines)
    return {"response_type": "ephemeral", "text": text, "blocks": [{"type": "section", "text": mrkdwn(text)}]}
