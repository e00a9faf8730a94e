"""The Slack side of following a project, without Slack: which project a name designates, the follower's time
zone from users.info, and the in-memory FollowStore the e2e tests use (it must keep the protocol's semantics)."""

from __future__ import annotations

from pathlib import Path

from bot.activity.follow import Follow, StopReason
from bot.i18n import LANGS, t
from bot.leonar import Project
from bot.listeners.commands import SUBCOMMANDS
from bot.slack.following import only_match
from bot.slack.users import user_of
from bot.store import Workspace
from bot.store.poll_state import PollStatus
from tests.support.follows import StoredFollows

PROJECTS = [Project(id="1", name="Backend Engineer"), Project(id="2", name="Backend Engineer Senior"),
            Project(id="3", name="Équipe Données"), Project(id="4", name="Zeta Platform Lead")]
ACME, OTHER = Workspace(None, "T0001"), Workspace(None, "T0002")


def test_a_name_designates_the_project_named_exactly_so_else_the_only_one_holding_its_words() -> None:
    assert only_match(PROJECTS, "backend  engineer") == PROJECTS[0]  # exact, though another contains it
    assert only_match(PROJECTS, "equipe donnees") == PROJECTS[2]  # accents and case folded
    assert only_match(PROJECTS, "platform") == PROJECTS[3]
    assert only_match(PROJECTS, "backend") is None  # two projects: the user picks
    assert only_match(PROJECTS, "nothing like it") is None
    assert only_match(PROJECTS, "  ") is None
    assert only_match([*PROJECTS, Project(id="5", name="Backend Engineer")], "Backend Engineer") is None


def test_the_followers_time_zone_comes_from_users_info() -> None:
    assert user_of({"id": "U1", "tz": "Europe/Paris"}).tz == "Europe/Paris"
    assert user_of({"id": "U1"}).tz is None


def test_the_sub_commands_have_help_lines_in_every_language() -> None:
    for word in ("follow", "following", "unfollow"):
        key = SUBCOMMANDS[word].help
        for lang in LANGS:
            line = t(lang, key, command="/leonar-add")
            assert line != key and f"/leonar-add {word}" in line


def follow(channel: str, project: str) -> Follow:
    return Follow(id="", channel_id=channel, project_id=project, project_name=project.title(), created_by="U1")


def test_the_stored_follows_keep_the_protocols_semantics(tmp_path: Path) -> None:
    """Follows as the Slack side relies on it, on the database's store (SQLite here; PostgreSQL in
    tests/unit/test_follow_store.py)."""
    store = StoredFollows(f"sqlite:///{tmp_path / 'bot.db'}", None)
    assert store.poll_status(ACME) is None
    first = store.add_follow(ACME, follow("C1", "p1"))
    second = store.add_follow(ACME, follow("C1", "p2"))
    elsewhere = store.add_follow(ACME, follow("C2", "p1"))
    assert len({first.id, second.id, elsewhere.id}) == 3 and first.id
    again = store.add_follow(ACME, follow("C1", "p1"))  # same project, same channel: replaced
    assert [f.id for f in store.follows(ACME, channel_id="C1")] == [second.id, again.id]  # oldest first
    assert store.follows(OTHER) == []
    assert store.remove_follow(OTHER, second.id) is None  # not that workspace's
    assert store.remove_follow(ACME, second.id) == second
    assert store.remove_follow(ACME, second.id) is None
    assert store.stop_follows(ACME, StopReason.PROJECT_ARCHIVED, project_id="p1") == 2
    assert store.stop_follows(ACME, StopReason.PROJECT_ARCHIVED, project_id="p1") == 0  # already
    assert {f.stopped for f in store.follows(ACME)} == {StopReason.PROJECT_ARCHIVED}
    store.report_poll(ACME, PollStatus(interval_seconds=240.0, stretched=True, projects=60))
    assert store.poll_status(ACME) == PollStatus(240.0, True, 60)
    assert store.poll_status(OTHER) is None
