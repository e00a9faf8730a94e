"""The context a modal carries in `private_metadata` (Slack returns it with every interaction).

It never holds a secret: only ids, the project name and the slash command's response_url.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace

from bot.views.text import clip

MAX_LENGTH = 3000


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

    def with_project(self, project_id: str, project_name: str) -> ModalContext:
        return replace(self, project_id=project_id, project_name=clip(project_name, 150))

    def with_seed(self, seed: str) -> ModalContext:
        return replace(self, seed=clip(seed, 300))

    def dumps(self) -> str:
        raw = json.dumps({k: v for k, v in asdict(self).items() if v is not None}, separators=(",", ":"))
        if len(raw) > MAX_LENGTH:  # only a pathological response_url could do this; drop it rather than fail
            raw = json.dumps({k: v for k, v in asdict(self).items() if v and k != "response_url"})
        return raw

    @classmethod
    def loads(cls, raw: str | None) -> ModalContext:
        try:
            data = json.loads(raw or "{}")
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        fields = cls.__dataclass_fields__
        return cls(**{k: str(v) for k, v in data.items() if k in fields and v is not None})
