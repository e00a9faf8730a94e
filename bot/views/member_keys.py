"""Members' own Leonar keys: where to link one (the App Home), in Slack's words."""

from __future__ import annotations

from urllib.parse import urlencode

from bot.i18n import Lang, t
from bot.manifest import COMMAND


def app_home_url(team_id: str, app_id: str) -> str:
    """A deep link to the app's Home tab in the member's Slack client (Slack's documented `slack://app` form)."""
    return "slack://app?" + urlencode({"team": team_id, "id": app_id, "tab": "home"})


def link_first_text(lang: Lang, home: str | None) -> str:
    """What a member who must link their own Leonar key is told, wherever they tried to use Leonar."""
    where = f"<{home}|{t(lang, 'member.home_link')}>" if home else t(lang, "member.home_tab")
    return t(lang, "member.link_first", home=where, command=COMMAND)
