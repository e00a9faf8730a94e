"""Messages and the confirm modal around the workspace's Leonar connection (who may change it, its status)."""

from __future__ import annotations

from typing import Any, Literal

from bot.i18n import Lang, format_clock, format_day, t
from bot.leonar import CHECKED_SCOPES, LEARNT_SCOPES, REQUIRED_SCOPES
from bot.manifest import COMMAND
from bot.store import Connection
from bot.views.messages import ephemeral
from bot.views.metadata import ModalContext
from bot.views.text import escape, modal, mrkdwn

DISCONNECT_CALLBACK = "leonar_disconnect"


def admins_only(action: Literal["connect", "disconnect"], connection: Connection | None, lang: Lang = "en"
                ) -> dict[str, Any]:
    if connection is None:
        key = "admin.only_connect" if action == "connect" else "admin.only_disconnect"
        return ephemeral(t(lang, key, command=COMMAND))
    key = "admin.only_connect_by" if action == "connect" else "admin.only_disconnect_by"
    return ephemeral(t(lang, key, user=connection.connected_by, command=COMMAND))


def not_connected(for_admin: bool, lang: Lang = "en") -> dict[str, Any]:
    return ephemeral(t(lang, "admin.not_connected_admin" if for_admin else "admin.not_connected", command=COMMAND))


def role_unknown(error: str, lang: Lang = "en") -> dict[str, Any]:
    return ephemeral(t(lang, "admin.role_unknown", error=error))


def disconnected(lang: Lang = "en") -> dict[str, Any]:
    return ephemeral(t(lang, "admin.disconnected", command=COMMAND))


def disconnect_modal(ctx: ModalContext, connection: Connection, lang: Lang = "en") -> dict[str, Any]:
    text = t(lang, "admin.disconnect_text", hint=escape(connection.key_hint), user=connection.connected_by)
    return modal(t(lang, "admin.disconnect_title"), [{"type": "section", "text": mrkdwn(text)}],
                 submit=t(lang, "admin.disconnect_submit"), close=t(lang, "admin.disconnect_keep"),
                 callback_id=DISCONNECT_CALLBACK, private_metadata=ctx.dumps())


def connected_line(connection: Connection, lang: Lang = "en", *, admin: bool = False) -> str:
    """The key's last four characters are for admins only: enough to tell keys apart, nothing for others."""
    fields = {"user": connection.connected_by, "date": format_day(connection.connected_at, lang),
              "time": format_clock(connection.connected_at, lang)}
    if admin:
        return t(lang, "status.connected", hint=escape(connection.key_hint), **fields)
    return t(lang, "status.connected_no_hint", **fields)


def status_message(
    connection: Connection | None, missing: list[str] | None, problem: str | None, lang: Lang = "en", *,
    admin: bool = False, own: str | None = None,
) -> dict[str, Any]:
    """`missing` are the scopes the key lacks among those checked without writing (None when they could not be
    checked, `problem` says why). The write scopes are never checked here: the message says they are learnt at
    their first use. `own`: the line about the asking member's own key (views/member_keys.py `status_line`)."""
    if connection is None:
        lines = [t(lang, "status.not_connected", command=COMMAND)]
    else:
        lines = [connected_line(connection, lang, admin=admin)]
        if missing is None:
            lines.append(t(lang, "status.unchecked", problem=escape(problem or t(lang, "status.no_answer"))))
        else:
            lacking = [s for s in missing if s in REQUIRED_SCOPES]
            if lacking:
                lines.append(t(lang, "status.lacks", lacking=", ".join(lacking), scopes=", ".join(REQUIRED_SCOPES)))
            else:
                checked = [s for s in REQUIRED_SCOPES if s in CHECKED_SCOPES]
                lines.append(t(lang, "status.reads_ok", scopes=", ".join(checked)))
            if "pipeline:read" in missing:  # the one recommended scope that is a read
                lines.append(t(lang, "status.tip_pipeline_read"))
        lines.append(t(lang, "status.learnt", scopes=", ".join(LEARNT_SCOPES)))
        if own:
            lines.append(own)
    text = "\n".join(lines)
    return {"response_type": "ephemeral", "text": text, "blocks": [{"type": "section", "text": mrkdwn(text)}]}
