"""Following a Leonar project in a channel (issue 12, the Slack side): `/leonar-add follow [project]`, the follow
modal and its submission, through the running app with signed requests."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.activity.follow import Delivery, FollowFilter
from bot.i18n import t
from bot.views.follow_modal import follow_modal as follow_modal_view
from bot.views.metadata import ModalContext
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import ALL_SCOPES, FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import block, connect, follow_modal, posts_in
from tests.support.follows import HERE, StoredFollows

NO_PIPELINE_READ = "leo_test_key_no_pipeline_read"
JSON = dict[str, Any]


def stage_menu(view: JSON) -> JSON:
    """The "this stage or later" block: a context until a project with stages is picked, then an input."""
    return next(b for b in view["blocks"] if str(b.get("block_id", "")).startswith("follow_stage"))


def test_follow_searches_projects_inside_the_modal_and_stores_a_live_follow(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, follows: StoredFollows
) -> None:
    connect(driver)
    view = follow_modal(driver)
    assert "initial_option" not in block(view, "follow_project")["element"]
    # The add form's project search answers inside the follow modal, under the follow form's own ids.
    assert len(driver.suggest_options("follow_project_select", "backend")) > 1
    options = driver.suggest_options("follow_project_select", "zeta")
    assert options[0]["text"]["text"].startswith("Zeta Platform Lead")
    driver.select("follow_project_select", options[0])
    view = driver.wait_view(lambda v: stage_menu(v)["type"] == "input")
    stages = [o["text"]["text"] for o in stage_menu(view)["element"]["options"]]
    assert stages == ["Sourced", "Call", "Onsite", "Hired"]
    response = driver.submit()
    assert response.status_code == 200 and driver.last_errors is None, response.text
    [saved] = follows.follows(HERE)
    assert saved.project_name == "Zeta Platform Lead" and saved.project_id == options[0]["value"]
    assert saved.channel_id == "C0001" and saved.created_by == "U0001"
    assert saved.filter == FollowFilter(True, True, True, None)
    assert saved.delivery is Delivery.LIVE and saved.digest_hour is None
    assert saved.time_zone == "Europe/Paris" and saved.lang == "en"
    [told] = posts_in(slack, "C0001")  # the channel hears why the bot will speak there
    assert str(told["text"]).startswith("<#C0001> now follows") and "Zeta Platform Lead" in str(told["text"])
    assert (slack.current_view("U0001") or {}).get("callback_id") != "leonar_follow"  # the modal closed


def test_follow_with_a_project_name_preselects_it_and_stores_a_digest_from_a_stage(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, follows: StoredFollows
) -> None:
    slack.users["U0001"]["tz"] = "America/New_York"
    connect(driver)
    follow_modal(driver, "follow zeta platform lead")
    view = driver.wait_view(lambda v: "initial_option" in block(v, "follow_project")["element"])
    assert block(view, "follow_project")["element"]["initial_option"]["text"]["text"].startswith("Zeta")
    menu = stage_menu(view)
    assert menu["type"] == "input"
    assert "America/New_York" in json.dumps(view)  # the hour is the follower's
    what = block(view, "follow_what")["element"]["options"]
    driver.check("follow_what_select", [o for o in what if o["value"] == "from_stage"])
    onsite = next(o for o in menu["element"]["options"] if o["text"]["text"] == "Onsite")
    driver.select("follow_stage_select", onsite)
    hows = block(view, "follow_how")["element"]["options"]
    driver.select("follow_how_select", next(o for o in hows if o["value"] == "digest"))
    hours = block(view, "follow_hour")["element"]["options"]
    driver.select("follow_hour_select", next(o for o in hours if o["value"] == "18"))
    assert driver.submit().status_code == 200 and driver.last_errors is None
    [saved] = follows.follows(HERE)
    assert saved.filter == FollowFilter(False, False, False, onsite["value"])
    assert saved.from_stage_name == "Onsite"
    assert saved.delivery is Delivery.DIGEST and saved.digest_hour == 18 and saved.time_zone == "America/New_York"


def test_follow_stores_waiting_too_long_with_its_days_and_the_weekly_report(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, follows: StoredFollows
) -> None:
    connect(driver)
    follow_modal(driver, "follow zeta platform lead")
    view = driver.wait_view(lambda v: "initial_option" in block(v, "follow_project")["element"])
    assert block(view, "follow_waiting_days")["element"]["initial_value"] == "14"
    what = block(view, "follow_what")["element"]["options"]
    driver.check("follow_what_select", [o for o in what if o["value"] in ("waiting", "weekly")])
    driver.type_text("follow_waiting_days_input", "0")
    assert driver.submit().status_code == 200 and "follow_waiting_days" in (driver.last_errors or {})
    assert follows.follows(HERE) == []
    driver.type_text("follow_waiting_days_input", "21")
    assert driver.submit().status_code == 200  # (last_errors keeps the refusal before)
    [saved] = follows.follows(HERE)
    assert saved.filter == FollowFilter(False, False, False, None, waiting_days=21, weekly=True)
    [told] = posts_in(slack, "C0001")
    assert "candidates waiting 21 days in a stage, a weekly report on Mondays" in json.dumps(told)


def test_a_name_matching_several_projects_preselects_none(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    view = follow_modal(driver, "follow backend engineer")
    before = len(slack.calls_to("views.update"))
    driver.settle()  # the projects read: still no update, nothing picked
    assert len(slack.calls_to("views.update")) == before
    assert "initial_option" not in block(driver.view(), "follow_project")["element"]
    assert view["id"] == driver.view()["id"]


def test_a_private_channel_without_the_bot_is_refused_and_nothing_is_stored(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, follows: StoredFollows
) -> None:
    slack.add_channel("G0PRIV", private=True)
    connect(driver)
    follow_modal(driver, "follow Zeta Platform Lead", channel_id="G0PRIV")
    driver.wait_view(lambda v: "initial_option" in block(v, "follow_project")["element"])
    assert driver.submit().status_code == 200
    view = driver.wait_view(lambda v: any(b.get("block_id") == "error" for b in v["blocks"]))
    assert "cannot post in <#G0PRIV>" in json.dumps(view) and "/invite" in json.dumps(view)
    assert follows.follows(HERE) == [] and posts_in(slack, "G0PRIV") == []
    # Once invited, the same submission goes through.
    slack.add_channel("G0PRIV", private=True, member=True)
    assert driver.submit().status_code == 200 and driver.last_errors is None
    assert [f.channel_id for f in follows.follows(HERE)] == ["G0PRIV"]


def test_a_key_without_pipeline_read_is_told_in_the_modal_and_nothing_is_stored(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, follows: StoredFollows
) -> None:
    seeded.add_key(NO_PIPELINE_READ, scopes=ALL_SCOPES - {"pipeline:read"})
    connect(driver, NO_PIPELINE_READ)
    follow_modal(driver)
    # Said as soon as the modal is open, before the user fills it in.
    view = driver.wait_view(lambda v: any(b.get("block_id") == "error" for b in v["blocks"]))
    assert "pipeline:read" in json.dumps(view)
    options = driver.suggest_options("follow_project_select", "zeta")
    driver.select("follow_project_select", options[0])
    view = driver.wait_view(lambda v: stage_menu(v)["type"] == "input")
    assert "pipeline:read" in json.dumps(view)  # still said once a project is picked
    assert driver.submit().status_code == 200
    view = driver.wait_view(lambda v: any(b.get("block_id") == "error" for b in v["blocks"]))
    assert "pipeline:read" in json.dumps(view)
    assert follows.follows(HERE) == [] and posts_in(slack, "C0001") == []


@pytest.mark.limits(follow_check_seconds=0.4)  # production's 1.2 s, shrunk (the driver's 3 s to 1.4 s)
def test_a_slow_leonar_at_submit_is_answered_in_time_and_nothing_is_stored(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, follows: StoredFollows
) -> None:
    connect(driver)
    follow_modal(driver, "follow Zeta Platform Lead")
    driver.wait_view(lambda v: "initial_option" in block(v, "follow_project")["element"])
    seeded.inject("GET", r"/projects/[^/]+/entries", delay=2.5, times=3)  # the scope check hangs
    started = time.monotonic()
    assert driver.submit().status_code == 200  # the driver fails an answer after Slack's (shrunk) deadline
    assert time.monotonic() - started < 2.5
    assert driver.last_errors and "slow" in driver.last_errors["follow_project"]
    assert follows.follows(HERE) == [] and posts_in(slack, "C0001") == []


def test_a_follow_form_opened_before_it_had_ids_of_its_own_still_searches_picks_and_saves(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, follows: StoredFollows
) -> None:
    """A form open across the deploy keeps the add form's project menu ids it was built with."""
    connect(driver)
    view = follow_modal(driver)
    old = json.loads(json.dumps(follow_modal_view(ModalContext.loads(view["private_metadata"]), lang="en"))
                     .replace('"follow_project_select"', '"project_select"').replace('"follow_project"', '"project"'))
    WebClient(token=slack.bot_token, base_url=slack.api_url).views_update(view_id=view["id"], view=old)
    assert block(driver.view(), "project")["element"]["action_id"] == "project_select"
    options = driver.suggest_options("project_select", "zeta")  # the add form's listener: the same projects
    driver.select("project_select", options[0])
    # Its pick reaches the follow form's listener, which rebuilds it with its own ids (not as an add form).
    view = driver.wait_view(lambda v: stage_menu(v)["type"] == "input")
    assert view["callback_id"] == "leonar_follow"
    assert block(view, "follow_project")["element"]["initial_option"]["value"] == options[0]["value"]
    assert driver.submit().status_code == 200 and driver.last_errors is None
    assert [f.project_id for f in follows.follows(HERE)] == [options[0]["value"]]


def test_follow_before_leonar_is_connected_offers_to_connect(
    driver: SlackDriver, slack: FakeSlack, follows: StoredFollows
) -> None:
    view = follow_modal_or_connect(driver)
    assert view["callback_id"] == "leonar_connect"  # the admin connects first, as with the first /leonar-add
    assert follows.follows(HERE) == []


def follow_modal_or_connect(driver: SlackDriver) -> JSON:
    before = len(driver.slack.calls_to("views.open"))
    assert driver.command("follow").status_code == 200
    call = driver.slack.wait_for("views.open", before + 1)[before]
    return dict(call.response["view"])


@pytest.mark.limits(follow_check_seconds=0.4)  # production's 1.2 s, shrunk (the driver's 3 s to 1.4 s)
def test_a_slack_slow_to_describe_the_channel_is_answered_in_time_and_nothing_is_stored(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, follows: StoredFollows
) -> None:
    """Whether the channel is shared outside was asked of Slack without a bound, before the ack."""
    connect(driver)
    follow_modal(driver, "follow Zeta Platform Lead")
    driver.wait_view(lambda v: "initial_option" in block(v, "follow_project")["element"])
    slack.slow_methods["conversations.info"] = 2.5
    assert driver.submit().status_code == 200  # the driver fails an answer after Slack's (shrunk) deadline
    refused = t("en", "channels.follow_unknown", channel="C0001")
    assert refused in json.dumps(driver.view(), ensure_ascii=False)  # a channel it cannot tell about: refused
    assert follows.follows(HERE) == [] and posts_in(slack, "C0001") == []
