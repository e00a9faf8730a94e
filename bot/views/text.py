"""Text helpers for Block Kit: mrkdwn escaping, clean truncation, text objects."""

from __future__ import annotations

from typing import Any

ELLIPSIS = "…"


def escape(text: str) -> str:
    """Make Leonar data literal in mrkdwn: `&`, `<`, `>` are Slack's control characters (mentions, links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int, *, one_line: bool = True) -> str:
    """`text` cut to at most `limit` characters, at a word boundary when one is near, marked with an ellipsis.

    `one_line` folds newlines and runs of spaces, for labels and names.
    """
    text = " ".join(text.split()) if one_line else text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:-—·@") + ELLIPSIS


def plain(text: str, limit: int = 3000) -> dict[str, Any]:
    """A plain_text object; Slack rejects empty text, so blank becomes a dash."""
    return {"type": "plain_text", "text": clip(text, limit) or "-", "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn object whose caller already escaped the data in `text`.

    `verbatim` stops Slack from turning bare URLs and #channel names in Leonar data into links.
    """
    return {"type": "mrkdwn", "text": clip(text, 3000, one_line=False) or "-", "verbatim": True}


def modal(
    title: str,
    blocks: list[dict[str, Any]],
    *,
    close: str,
    submit: str | None = None,
    callback_id: str | None = None,
    private_metadata: str | None = None,
) -> dict[str, Any]:
    """A modal view; Slack allows 24 characters for its title, submit and close labels."""
    view: dict[str, Any] = {"type": "modal", "title": plain(title, 24), "close": plain(close, 24), "blocks": blocks}
    if submit is not None:
        view["submit"] = plain(submit, 24)
    if callback_id is not None:
        view["callback_id"] = callback_id
    if private_metadata is not None:
        view["private_metadata"] = private_metadata
    return view
