"""The pipeline activity's Block Kit: follow modal, activity post, digest, follow lists and the Home section —
valid against Slack's schema in every language, escaped, and without contact details unless allowed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.activity.budget import poll_interval
from bot.activity.digest import batch, digest_counts
from bot.activity.events import Candidate, Event, Kind
from bot.activity.follow import Delivery, Follow, FollowFilter, StopReason
from bot.activity.stages import Board
from bot.i18n import LANGS, Lang
from bot.leonar import Project, Stage
from bot.leonar.links import project_url
from bot.store import WorkspaceSettings
from bot.views import follows as fv
from bot.views.activity import activity_post, digest_post
from bot.views.add_modal import add_modal
from bot.views.follow_modal import (
    FROM_STAGE,
    HIRES,
    HOUR_ACTION,
    HOUR_BLOCK,
    HOW_ACTION,
    HOW_BLOCK,
    MOVES,
    NEW,
    OLD_PROJECT_ACTION,
    OLD_PROJECT_BLOCK,
    PROJECT_ACTION,
    PROJECT_BLOCK,
    STAGE_ACTION,
    WHAT_ACTION,
    WHAT_BLOCK,
    FollowChoice,
    follow_modal,
    read_follow,
    stage_block_id,
)
from bot.views.home import home_view
from bot.views.metadata import ModalContext
from tests.support.slack_schema import message_problem, view_problem

NAMES = ("Sourced", "Interview", "Offer", "Hired")
BOARD = Board([Stage(id=f"s{i}", name=n, position=i) for i, n in enumerate(NAMES)])
PROJECT = Project.model_validate({"id": "p1", "name": "Backend <Engineer> & Co", "pipeline": {
    "stages": [{"id": f"s{i}", "name": n, "position": i} for i, n in enumerate(NAMES)]}})
CTX = ModalContext(channel_id="C1", workspace="T1")
T0 = datetime(2026, 11, 27, 9, tzinfo=UTC)
PICKED = {"text": {"type": "plain_text", "text": "Backend"}, "value": "p1"}


def event(n: int, kind: Kind = Kind.MOVED, name: str | None = None, **candidate: Any) -> Event:
    return Event(kind, "p1", f"e{n}", Candidate(f"c{n}", name if name is not None else f"Sophie {n}", **candidate),
                 T0 + timedelta(minutes=n), BOARD.ref("s2"), BOARD.ref("s1") if kind is not Kind.ADDED else None)


def follow(n: int = 1, **fields: Any) -> Follow:
    return Follow(f"f{n}", "C1", "p1", "Backend <Engineer>", "U1", **fields)


def messages(lang: Lang) -> list[dict[str, Any]]:
    every = [event(1, Kind.ADDED), event(2), event(3, Kind.HIRED), event(4, Kind.REMOVED, name="")]
    many = batch([event(n) for n in range(25)])
    day = digest_post("Backend", digest_counts(every, BOARD), T0, lang, url=project_url("acme", "p1"))
    assert many is not None and day is not None
    stopped = [follow(n, stopped=reason) for n, reason in enumerate(StopReason)]
    return [activity_post("Backend", batch(every) or many, lang, url=project_url("acme", "p1")),
            activity_post("Backend", many, lang, details=True), day,
            fv.following_message("C1", [], lang), fv.following_message("C1", [follow(), *stopped], lang),
            fv.unfollow_message("C1", [follow(n) for n in range(45)], lang), fv.unfollow_message("C1", [], lang),
            fv.followed_message(follow(delivery=Delivery.DIGEST, digest_hour=18, time_zone="Europe/Paris"), lang),
            fv.unfollowed_message(follow(), "U2", lang)]


def views(lang: Lang) -> list[dict[str, Any]]:
    plan = poll_interval(base_seconds=120, budget=0.2, projects=50, hourly_limit=2000)
    home = [*fv.home_follows([follow(n) for n in range(60)], plan, base_seconds=120, budget=0.2, admin=True,
                             lang=lang),
            *fv.home_follows([], None, base_seconds=120, budget=0.2, admin=False, lang=lang)]
    choice = FollowChoice(project=PICKED, what=frozenset({FROM_STAGE}), stage_id="s2", delivery=Delivery.DIGEST,
                          hour=18)
    return [follow_modal(CTX, lang=lang), follow_modal(CTX, project=PROJECT, choice=choice, time_zone="Europe/Paris",
                                                       error=fv.missing_scope("pipeline:read", lang), lang=lang),
            {"type": "home", "blocks": home[:100]}]


@pytest.mark.parametrize("lang", LANGS)
def test_every_activity_view_and_message_is_valid(lang: Lang) -> None:
    for message in messages(lang):
        assert message_problem(message) is None, (message_problem(message), message["text"])
    for view in views(lang):
        assert view_problem(view) is None, view_problem(view)


def test_the_post_groups_events_and_counts_the_rest() -> None:
    many = batch([event(n) for n in range(25)])
    assert many is not None
    post = activity_post("Backend Engineer", many, "en")
    assert post["blocks"][0]["text"]["text"] == "Backend Engineer — 25 updates"
    lines = post["blocks"][1]["text"]["text"].split("\n")
    assert len(lines) == 11 and lines[0] == "• *Sophie 0* Interview → Offer" and lines[-1] == "…and 15 more"
    french = activity_post("Backend Engineer", many, "fr")
    assert french["blocks"][0]["text"]["text"] == "Backend Engineer — 25 mises à jour"
    assert "…et 15 autres" in str(french)


def test_leonar_data_is_escaped_in_posts() -> None:
    hostile = Event(Kind.MOVED, "p1", "e1", Candidate("c1", "<!channel> Bob & <@U1>"), T0,
                    BOARD.ref("x", "<https://evil|Offer>"), BOARD.ref("s0"))
    one = batch([hostile])
    assert one is not None
    built = activity_post("Proj <!here>", one, "en")
    # Slack reads mrkdwn and the fallback text; a plain_text header is shown as typed.
    post = str([built["text"], *(b["text"]["text"] for b in built["blocks"] if "text" in b
                                 and b["text"]["type"] == "mrkdwn")])
    assert "<!channel>" not in post and "<@U1>" not in post and "<https://evil" not in post and "<!here>" not in post
    assert "&lt;!channel&gt; Bob &amp; &lt;@U1&gt;" in post


def test_contact_details_only_when_allowed() -> None:
    one = batch([event(1, emails=("sophie@example.com",), phones=("+33 6 12",))])
    assert one is not None
    assert "example.com" not in str(activity_post("P", one, "en"))
    shown = activity_post("P", one, "en", details=True)
    assert "sophie@example.com" in str(shown["blocks"]) and "example.com" not in shown["text"]


def test_the_open_button_only_links_to_leonar() -> None:
    one = batch([event(1)])
    assert one is not None
    url = project_url("acme-team", "p/1")
    assert url == "https://app.leonar.app/dashboard/acme-team/projects/p%2F1/pipeline"
    assert project_url("acme team", "p/1") is None  # not a Leonar slug: no button rather than a broken link
    assert url in str(activity_post("P", one, "en", url=url))
    assert "evil" not in str(activity_post("P", one, "en", url="https://evil.example/x"))


def test_the_digest_counts_per_stage_and_is_nothing_on_a_quiet_day() -> None:
    day = [event(n, Kind.ADDED) for n in range(3)] + [event(10, Kind.REMOVED)]
    post = digest_post("Backend", digest_counts(day, BOARD), T0, "en")
    assert post is not None and "Offer *3* · Left the pipeline *1*" in str(post["blocks"])
    assert post["text"] == "Backend — activity of Nov 27, 2026: 4 updates"
    assert digest_post("Backend", digest_counts([], BOARD), T0, "en") is None


def ids(view: dict[str, Any]) -> set[str]:
    """Every block and action id in a view."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            found.update(str(node[k]) for k in ("block_id", "action_id") if k in node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(view["blocks"])
    return found


def test_the_modal_has_a_project_search_of_its_own_and_reads_back() -> None:
    view = follow_modal(CTX, project=PROJECT, choice=FollowChoice(project=PICKED), lang="en")
    project_block = next(b for b in view["blocks"] if b.get("block_id") == PROJECT_BLOCK)
    assert project_block["element"]["action_id"] == PROJECT_ACTION == "follow_project_select"
    assert not ids(view) & ids(add_modal(CTX, project=PROJECT, lang="en"))  # no id shared with the add form
    assert project_block["element"]["type"] == "external_select" and project_block["dispatch_action"]
    stage_block = next(b for b in view["blocks"] if b.get("block_id") == stage_block_id("p1"))
    assert [o["text"]["text"] for o in stage_block["element"]["options"]] == list(NAMES)
    values: dict[str, dict[str, Any]] = {
        PROJECT_BLOCK: {PROJECT_ACTION: {"selected_option": PICKED}},
        WHAT_BLOCK: {WHAT_ACTION: {"selected_options": [{"value": NEW}, {"value": FROM_STAGE}, {"value": "x"}]}},
        stage_block_id("p1"): {STAGE_ACTION: {"selected_option": {"value": "s2"}}},
        stage_block_id("old"): {STAGE_ACTION: {"selected_option": {"value": "stale"}}},
        HOW_BLOCK: {HOW_ACTION: {"selected_option": {"value": "digest"}}},
        HOUR_BLOCK: {HOUR_ACTION: {"selected_option": {"value": "18"}}},
    }
    choice = read_follow(values)
    assert choice.project_id == "p1" and choice.project_name == "Backend" and choice.hour == 18
    assert choice.filter == FollowFilter(True, False, False, "s2") and choice.delivery is Delivery.DIGEST
    assert choice.problems() == {}


def test_a_form_opened_before_it_had_ids_of_its_own_is_read_and_refused_under_its_old_ids() -> None:
    old = {OLD_PROJECT_BLOCK: {OLD_PROJECT_ACTION: {"selected_option": PICKED}},
           WHAT_BLOCK: {WHAT_ACTION: {"selected_options": [{"value": NEW}]}}}
    assert read_follow(old).project_id == "p1" and read_follow(old).problems() == {}
    unpicked = read_follow({OLD_PROJECT_BLOCK: {OLD_PROJECT_ACTION: {"selected_option": None}}})
    assert set(unpicked.problems()) == {OLD_PROJECT_BLOCK, WHAT_BLOCK}


def test_an_incomplete_follow_is_refused_inline() -> None:
    nothing = read_follow({HOUR_BLOCK: {HOUR_ACTION: {"selected_option": {"value": "99"}}},
                           HOW_BLOCK: {HOW_ACTION: {"selected_option": {"value": "digest"}}}})
    assert set(nothing.problems()) == {PROJECT_BLOCK, WHAT_BLOCK, HOUR_BLOCK}
    no_stage = FollowChoice(project=PICKED, what=frozenset({FROM_STAGE, MOVES, HIRES}))
    assert set(no_stage.problems("fr")) == {stage_block_id("p1")}


def test_the_home_says_why_a_follow_stopped_and_when_polling_is_slowed() -> None:
    plan = poll_interval(base_seconds=120, budget=0.2, projects=50, hourly_limit=2000)
    blocks = fv.home_follows([follow(stopped=StopReason.PROJECT_ARCHIVED)], plan, base_seconds=120, budget=0.2,
                             admin=True, lang="en")
    text = str(blocks)
    assert "every 7.5 minutes instead of every 2 minutes" in text and "20%" in text
    assert "Stopped: the project was archived in Leonar." in text and fv.HOME_UNFOLLOW_ACTION in text
    assert fv.HOME_UNFOLLOW_ACTION not in str(fv.home_follows([follow()], plan, base_seconds=120, budget=0.2,
                                                               admin=False, lang="en"))
    calm = poll_interval(base_seconds=10, budget=0.2, projects=1, hourly_limit=2000)  # 360 of 400 an hour
    assert "checked for activity every 10 seconds." in str(fv.home_follows([follow()], calm, base_seconds=10,
                                                                            budget=0.2, admin=False))
    eager = poll_interval(base_seconds=1, budget=0.2, projects=1, hourly_limit=2000)
    assert "every 9 seconds instead of every 1 second" in str(fv.home_follows([follow()], eager, base_seconds=1,
                                                                               budget=0.2, admin=False))


def test_the_home_tab_carries_the_follows_section() -> None:
    section = fv.home_follows([follow(n) for n in range(40)], None, base_seconds=120, budget=0.2, admin=True)
    view = home_view(None, [], WorkspaceSettings(), admin=True, follows=section)
    assert view_problem(view) is None and len(view["blocks"]) <= 100
    assert "*Followed projects*" in str(view) and str(view).index("Followed") < str(view).index(
        "home_default_channel")
    assert "Followed" not in str(home_view(None, [], WorkspaceSettings(), admin=True))
