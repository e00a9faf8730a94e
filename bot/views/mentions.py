"""What the bot answers to an @Leonar request (bot/slack/mentions.py): the help, an add's confirmation with its
**Add** / **Change…** buttons, and what a press says. Pure builders; Leonar data and the asker's words are escaped."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from bot.i18n import Lang, t
from bot.views.text import clip, escape, mrkdwn, plain

ADD_ACTION = "mention_add"
CHANGE_ACTION = "mention_change"
NAME_MAX = 150  # a name in a button's value: its id is what counts
SEED_MAX = 300
VALUE_MAX = 2000  # Slack's limit for a button's value


@dataclass(frozen=True)
class Understood:
    """What an add request resolved to, carried in its buttons' value: who asked (only they may press), in which
    workspace and thread, and the ids to add. Ids and names only, never a secret."""

    asker: str
    workspace: str
    channel: str  # where the card goes: the conversation, or the asker's id for the app's DM
    thread: str | None
    who: str  # the candidate as typed: the form's search starts from it
    contact: str | None = None
    contact_name: str | None = None
    project: str | None = None
    project_name: str | None = None
    stage: str | None = None
    stage_name: str | None = None

    def dumps(self) -> str:
        fields = asdict(self) | {"who": clip(self.who, SEED_MAX), "project_name": self.project_name
                                 and clip(self.project_name, NAME_MAX), "contact_name": self.contact_name
                                 and clip(self.contact_name, NAME_MAX), "stage_name": self.stage_name
                                 and clip(self.stage_name, NAME_MAX)}
        raw = json.dumps({k: v for k, v in fields.items() if v is not None}, separators=(",", ":"))
        return raw if len(raw) <= VALUE_MAX else json.dumps({k: fields[k] for k in ("asker", "workspace", "channel")})

    @classmethod
    def loads(cls, raw: object) -> Understood | None:
        try:
            data = json.loads(str(raw))
        except ValueError:
            return None
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("asker", "workspace",
                                                                                          "channel")):
            return None
        known = cls.__dataclass_fields__
        # What dumps() left out (None) is None again; only the three checked above are required.
        return cls(**{"who": "", "thread": None} | {k: str(v) for k, v in data.items() if k in known and v is not None})


def help_message(lang: Lang) -> dict[str, Any]:
    return {"text": t(lang, "mention.help_title"),
            "blocks": [{"type": "section", "text": mrkdwn(t(lang, "mention.help"))}]}


def notice(text: str) -> dict[str, Any]:
    """A sentence that may quote the asker's words or Leonar's names: plain text, nothing in it is markup."""
    return {"text": clip(text, 300), "blocks": [{"type": "section", "text": plain(text)}]}


def confirmation(understood: Understood, lang: Lang) -> dict[str, Any]:
    """The add as understood, for the asker to confirm (Add) or to change in the form (Change…)."""
    assert understood.contact_name and understood.project_name
    fields = {"candidate": escape(clip(understood.contact_name, NAME_MAX)),
              "project": escape(clip(understood.project_name, NAME_MAX))}
    text = t(lang, "mention.confirm_stage", stage=escape(clip(understood.stage_name, NAME_MAX)), **fields) \
        if understood.stage_name else t(lang, "mention.confirm", **fields)
    return {"text": t(lang, "mention.confirm_text"), "blocks": [
        {"type": "section", "text": mrkdwn(text)},
        {"type": "context", "elements": [mrkdwn(t(lang, "mention.only_asker", user=understood.asker))]},
        _buttons(understood, lang, add=True)]}


def unresolved(reason: str, understood: Understood, lang: Lang) -> dict[str, Any]:
    """Not exactly one project, stage or candidate: why (the choices, the closest names), and the form to pick."""
    message = notice(reason)
    message["blocks"].append(_buttons(understood, lang, add=False))
    return message


def _buttons(understood: Understood, lang: Lang, *, add: bool) -> dict[str, Any]:
    value = understood.dumps()
    change = {"type": "button", "action_id": CHANGE_ACTION, "text": plain(t(lang, "mention.change")), "value": value}
    if not add:
        return {"type": "actions", "elements": [change]}
    return {"type": "actions", "elements": [
        {"type": "button", "action_id": ADD_ACTION, "style": "primary", "text": plain(t(lang, "mention.add")),
         "value": value}, change]}
