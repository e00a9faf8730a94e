"""The context a modal carries in `private_metadata` (Slack returns it with every interaction).

It never holds a secret: only ids, the project name and the slash command's response_url.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from typing import Any

from bot.views.limits import compact_json, slack_length
from bot.views.text import clip

MAX_LENGTH = 3000  # Slack refuses a view whose private_metadata is longer (invalid_arguments)


@dataclass(frozen=True)
class ModalContext:
    channel_id: str | None = None
    response_url: str | None = None
    project_id: str | None = None
    project_name: str | None = None
    # Text the candidate search starts from (/leonar-add <text>, or the message of the shortcut), and the message
    # whose thread receives the card.
    seed: str | None = None
    thread_ts: str | None = None
    # The workspace's default conversation for cards (App Home setting), preset in "Post the card to".
    default_channel: str | None = None
    # The workspace the modal was opened for (its store key): a request from another is refused.
    workspace: str | None = None

    def with_project(self, project_id: str, project_name: str) -> ModalContext:
        return replace(self, project_id=project_id, project_name=clip(project_name, 150))

    def with_seed(self, seed: str) -> ModalContext:
        return replace(self, seed=clip(seed, 300))

    def dumps(self, fits: Callable[[str], bool] | None = None) -> str:
        """The set fields as JSON, measured as serialised and made to fit rather than fail: the search seed goes
        first, then the project name is shortened, then the response_url goes; ids always stay.

        `fits` judges a candidate serialisation (default: Slack's 3,000 characters); a modal nesting this one's
        metadata in its own passes its own measure.
        """
        fits = fits or _within_limit
        for candidate in self._degraded():
            raw = compact_json({k: v for k, v in asdict(candidate).items() if v is not None})
            if fits(raw):
                return raw
        return "{}"

    def _degraded(self) -> Iterator[ModalContext]:
        yield self
        ctx = replace(self, seed=None)  # the search seed: a convenience, typed again in the menu
        yield ctx
        for limit in (60, 20):  # the project name is a label; its id is what counts
            ctx = replace(ctx, project_name=ctx.project_name and clip(ctx.project_name, limit))
            yield ctx
        ctx = replace(ctx, response_url=None)  # the card then goes by chat.postMessage or the channel's own URL
        yield ctx
        ctx = replace(ctx, project_name=None)
        yield ctx
        # Only a pathological id is left to blame: keep the ids of ordinary length.
        yield replace(ctx, **{k: None for k, v in asdict(ctx).items() if v is not None and len(v) > 255})

    @classmethod
    def loads(cls, raw: str | None) -> ModalContext:
        fields = cls.__dataclass_fields__
        return cls(**{k: str(v) for k, v in json_object(raw).items() if k in fields and v is not None})


def json_object(raw: str | None) -> dict[str, Any]:
    """A modal's private_metadata as the JSON object it should be; {} for anything else (forged, or none)."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _within_limit(raw: str) -> bool:
    return slack_length(raw) <= MAX_LENGTH
