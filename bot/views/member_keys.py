"""Members' own Leonar keys: where to link one (the App Home), in Slack's words."""

from __future__ import annotations

from urllib.parse import urlencode


def app_home_url(team_id: str, app_id: str) -> str:
    """A deep link to the app's Home tab in the member's Slack client (Slack's documented `slack://app` form)."""
    return "slack://app?" + urlencode({"team": team_id, "id": app_id, "tab": "home"})
