"""Follows listed: `/leonar-add following` (this channel's), `/leonar-add unfollow` (a button per follow), and the
App Home section listing the workspace's follows (remove buttons for admins, why a follow stopped, and whether
polling was slowed down to stay within the Leonar key's budget).

Button values are the follow's store id: the action handler must check that the follow belongs to the workspace
(and, from the channel list, to that channel) before removing it.
"""

from __future__ import annotations

from typing import Any

from bot.activity.budget import PollPlan
from bot.activity.follow import Delivery, Follow
from bot.i18n import Lang, format_number, t, tn
from bot.manifest import COMMAND
from bot.views.follow_modal import hour_label
from bot.views.text import clip, escape, mrkdwn, plain

UNFOLLOW_ACTION = "unfollow"  # value: the follow's id
HOME_UNFOLLOW_ACTION = "home_unfollow"  # value: the follow's id (admins only)
MAX_LISTED = 40  # a section each, within a message's 50 blocks and the Home tab's 100


def what_text(follow: Follow, lang: Lang) -> str:
    parts = []
    chosen = follow.filter
    if chosen.new_candidates:
        parts.append(t(lang, "follows.new"))
    if chosen.moves:
        parts.append(t(lang, "follows.moves"))
    elif chosen.from_stage_id:
        parts.append(t(lang, "follows.from_stage", stage=escape(clip(follow.from_stage_name or "?", 40))))
    if chosen.hires and not chosen.moves:
        parts.append(t(lang, "follows.hires"))
    if chosen.waiting_days:
        parts.append(tn(lang, "follows.waiting", chosen.waiting_days))
    if chosen.weekly:
        parts.append(t(lang, "follows.weekly"))
    return ", ".join(parts)


def follow_line(follow: Follow, lang: Lang, *, channel: bool = False) -> str:
    fields = {"project": escape(clip(follow.project_name, 100)), "what": what_text(follow, lang),
              "user": follow.created_by}
    if follow.delivery is Delivery.DIGEST and follow.digest_hour is not None:
        line = t(lang, "follows.line_digest", hour=hour_label(follow.digest_hour, lang),
                 zone=escape(follow.time_zone or "UTC"), **fields)
    else:
        line = t(lang, "follows.line_live", **fields)
    if channel:
        line = t(lang, "follows.in_channel", channel=follow.channel_id, line=line)
    if follow.stopped is not None:
        line += "\n:double_vertical_bar: " + t(lang, f"follows.stopped_{follow.stopped.value}")
    return line


def _more(follows: list[Follow], lang: Lang) -> list[dict[str, Any]]:
    extra = len(follows) - MAX_LISTED
    return [{"type": "context", "elements": [mrkdwn(tn(lang, "activity.more", extra))]}] if extra > 0 else []


def following_message(channel_id: str, follows: list[Follow], lang: Lang = "en") -> dict[str, Any]:
    """The channel's follows, to the user alone."""
    if not follows:
        text = t(lang, "follows.none", channel=channel_id, command=COMMAND)
        return {"response_type": "ephemeral", "text": text, "blocks": [{"type": "section", "text": mrkdwn(text)}]}
    title = tn(lang, "follows.title", len(follows), channel=channel_id)
    blocks = [{"type": "section", "text": mrkdwn(title)}]
    blocks += [{"type": "section", "text": mrkdwn(follow_line(f, lang))} for f in follows[:MAX_LISTED]]
    return {"response_type": "ephemeral", "text": title, "blocks": blocks + _more(follows, lang)}


def unfollow_message(channel_id: str, follows: list[Follow], lang: Lang = "en") -> dict[str, Any]:
    """The channel's follows, each with a button that removes it."""
    if not follows:
        return following_message(channel_id, follows, lang)
    intro = t(lang, "follows.unfollow_intro", channel=channel_id)
    blocks: list[dict[str, Any]] = [{"type": "section", "text": mrkdwn(intro)}]
    for follow in follows[:MAX_LISTED]:
        blocks.append(_with_button(follow_line(follow, lang), UNFOLLOW_ACTION, follow.id, lang))
    return {"response_type": "ephemeral", "text": intro, "blocks": blocks + _more(follows, lang)}


def _with_button(text: str, action_id: str, follow_id: str, lang: Lang) -> dict[str, Any]:
    button = {"type": "button", "action_id": action_id, "value": follow_id[:150], "style": "danger",
              "text": plain(t(lang, "follows.unfollow"), 75)}
    return {"type": "section", "text": mrkdwn(text), "accessory": button}


def followed_message(follow: Follow, lang: Lang = "en") -> dict[str, Any]:
    """Posted in the channel when a follow is made, so the channel knows why the bot will speak."""
    text = t(lang, "follows.followed", channel=follow.channel_id, line=follow_line(follow, lang))
    return {"text": text, "blocks": [{"type": "section", "text": mrkdwn(text)}]}


def unfollowed_message(follow: Follow, user_id: str, lang: Lang = "en") -> dict[str, Any]:
    text = t(lang, "follows.unfollowed", channel=follow.channel_id, user=user_id,
             project=escape(clip(follow.project_name, 100)))
    return {"text": text, "blocks": [{"type": "section", "text": mrkdwn(text)}]}


def cannot_post(channel_id: str, lang: Lang = "en") -> str:
    """The follow modal's error when the bot may not post in the channel (private, not invited)."""
    return t(lang, "follows.cannot_post", channel=channel_id)


def missing_scope(scope: str, lang: Lang = "en") -> str:
    """The follow modal's error for a key without `pipeline:read`."""
    return t(lang, "follows.missing_scope", scope=scope)


def duration(seconds: float, lang: Lang) -> str:
    if seconds < 90:
        return tn(lang, "follows.seconds", round(seconds))
    minutes = round(seconds / 60, 1)
    count = int(minutes) if float(minutes).is_integer() else 2
    return tn(lang, "follows.minutes", count, minutes=format_number(minutes, lang))


def home_follows(follows: list[Follow], plan: PollPlan | None, *, base_seconds: float, budget: float,
                 admin: bool, lang: Lang = "en") -> list[dict[str, Any]]:
    """Blocks for the App Home: a divider, the heading, the polling note, then one section per follow."""
    blocks: list[dict[str, Any]] = [{"type": "divider"},
                                    {"type": "section", "text": mrkdwn(t(lang, "follows.home_title"))}]
    if not follows:
        note = t(lang, "follows.home_none", command=COMMAND)
        return [*blocks, {"type": "context", "elements": [mrkdwn(note)]}]
    if plan is not None:
        every = duration(plan.seconds, lang)
        note = (t(lang, "follows.stretched", every=every, base=duration(base_seconds, lang),
                  percent=format_number(round(budget * 100), lang)) if plan.stretched
                else t(lang, "follows.every", every=every))
        blocks.append({"type": "context", "elements": [mrkdwn(note)]})
    for follow in follows[:MAX_LISTED]:
        line = follow_line(follow, lang, channel=True)
        if admin:
            blocks.append(_with_button(line, HOME_UNFOLLOW_ACTION, follow.id, lang))
        else:
            blocks.append({"type": "section", "text": mrkdwn(line)})
    return blocks + _more(follows, lang)
