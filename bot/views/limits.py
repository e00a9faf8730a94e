"""Slack's length limits as Slack counts them, and cutting text to fit one without breaking a character.

Slack states its limits in "characters" of the serialised string. Counting UTF-16 code units (an emoji outside
the Basic Multilingual Plane is two) is never less than counting code points, so what fits here fits Slack
whichever of the two it counts.
"""

from __future__ import annotations

import json
from typing import Any

ZERO_WIDTH_JOINER = "\u200d"


def slack_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int) -> str:
    """The longest start of `text` within `limit`, never half an emoji (nor a dangling joiner)."""
    if slack_length(text) <= limit:
        return text
    kept, used = [], 0
    for ch in text:
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            break
        kept.append(ch)
    return "".join(kept).rstrip(ZERO_WIDTH_JOINER)


def compact_json(value: Any) -> str:
    """JSON as Slack stores it in private_metadata: non-ASCII kept as is (json.dumps would otherwise spell each
    character as a 6–12 character \\uXXXX escape, and a few hundred emoji would overflow 3,000 characters)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
