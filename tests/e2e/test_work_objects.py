"""Issue 21 B: Leonar links as Work Objects — the preview everyone in the conversation sees (the card's rule), the
classic card when the app has no Work Object Previews or Slack refuses the metadata, and the flexpane per person:
a member with their own key (what Leonar shows them), a member without (the workspace's key, the card's rule), one
who must link a key first (Slack's prompt to the App Home), guests and outsiders (the preview only), and a workspace
not connected."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from bot.views.unfurls import ADD_ACTION, FOLLOW_ACTION
from tests.e2e.test_shared_channels import add, allow
from tests.support.bot import LEONAR_KEY, RunningBot
from tests.support.driver import SlackDriver, _form
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect
from tests.support.follows import HERE
from tests.support.unfurls import (
    contact_link,
    contact_of,
    post_links,
    project_link,
    unfurl_calls,
    wait_unfurl,
    work_object_calls,
)
from tests.support.work_objects import enable, fields, open_flexpane, wait_entity, wait_presented

JSON = dict[str, Any]
pytestmark = pytest.mark.settings(work_objects=True)  # WORK_OBJECTS=true: the app's Work Object Previews are on
MEMBER, GUEST, OUTSIDER = "U0MEMBER", "U0GUEST", "U0OUTSIDE"
MEMBER_KEY = "leo_member_key_0002"
EMAIL = "eloise@example.com"


def link_key(bot: RunningBot, leonar: FakeLeonar, user_id: str, key: str = MEMBER_KEY, *,
             scopes: set[str] | None = None, workspace: str = "acme") -> None:
    """`user_id` linked their own Leonar key (part A's store: what "Link my Leonar account" saves)."""
    if scopes is None:
        leonar.add_key(key, workspace=workspace)
    else:
        leonar.add_key(key, scopes=scopes, workspace=workspace)
    bot.run(bot.services.store.member_keys.link(HERE, user_id, key))


def unfurled(driver: SlackDriver, seeded: FakeLeonar) -> tuple[Any, str, JSON]:
    """Éloïse's link, posted and unfurled as a Work Object."""
    url = contact_link(contact_of(seeded, "Éloïse")["id"])
    message, _ = post_links(driver, [url])
    return message, url, wait_entity(driver, message, url)


def reads(leonar: FakeLeonar, key: str) -> list[str]:
    return [r.path for r in leonar.requests if r.method == "GET" and r.api_key == key]


def test_contact_and_project_links_unfurl_as_work_objects_under_the_cards_rule(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    enable(slack)
    connect(driver)
    eloise = contact_of(seeded, "Éloïse")
    project = seeded.add_project("Data team", stages=["Sourced", "Interview"], client_company="Qonto",
                                 location="Paris")
    seeded.add_entry(project["id"], eloise["id"], stage="Interview")
    urls = [contact_link(eloise["id"]), project_link(project["id"])]
    message, _ = post_links(driver, urls)
    contact, pipeline = (wait_entity(driver, message, url) for url in urls)
    assert unfurl_calls(driver) == [] and message.unfurls == {}  # the Work Objects alone, no classic card
    [call] = work_object_calls(driver)
    assert [e["app_unfurl_url"] for e in call["metadata"]["entities"]] == urls

    assert contact["entity_type"] == "slack#/entities/item"
    assert contact["external_ref"] == {"id": eloise["id"], "type": "leonar_contact"}
    assert contact["url"] == urls[0]  # the workspace's Leonar address, learnt from the link
    assert contact["entity_payload"]["attributes"]["title"]["text"] == "Éloïse Martin"
    shown = fields(contact)
    assert shown["role"] == "Staff Engineer at Qonto" and shown["skills"] == "Python, Kafka"
    assert shown["linkedin"] == "https://www.linkedin.com/in/eloise-martin"
    assert EMAIL not in json.dumps(contact) and "+33 6" not in json.dumps(contact)  # the card's rule
    assert contact["entity_payload"]["actions"]["primary_actions"] == [
        {"text": "Add to a project", "action_id": ADD_ACTION, "value": eloise["id"], "style": "primary"}]

    assert pipeline["external_ref"] == {"id": project["id"], "type": "leonar_project"}
    assert fields(pipeline) == {"client": "Qonto", "location": "Paris", "candidates": "1",
                                "stages": "Sourced: 0\nInterview: 1"}
    [follow] = pipeline["entity_payload"]["actions"]["primary_actions"]
    assert follow["action_id"] == FOLLOW_ACTION and follow["value"] == project["id"]

    allow(driver, slack, "home_show_details")  # the workspace's cards show emails and phones: so does the preview
    again, _ = post_links(driver, urls[:1])
    assert fields(wait_entity(driver, again, urls[0]))["emails"] == EMAIL


def test_without_work_object_previews_the_classic_card_and_slack_is_not_asked_again(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.slack.work_objects")
    connect(driver)  # the app's Work Object Previews were never turned on
    url = contact_link(contact_of(seeded, "Éloïse")["id"])
    message, _ = post_links(driver, [url])
    wait_unfurl(driver, message, url)
    [attempt] = work_object_calls(driver)
    assert attempt["metadata"]["entities"][0]["app_unfurl_url"] == url
    [attempt_call] = [c for c in slack.calls_to("chat.unfurl") if "metadata" in c.body]
    assert attempt_call.response == {"ok": False, "error": "feature_not_enabled"}
    [classic] = unfurl_calls(driver)
    assert set(classic) - {"team_id"} == {"unfurl_id", "source", "unfurls"}  # the call made before Work Objects
    assert message.entities == {} and "Éloïse Martin" in json.dumps(message.unfurls, ensure_ascii=False)
    assert "feature_not_enabled" in caplog.text

    other, _ = post_links(driver, [url])  # remembered: the classic card at once
    wait_unfurl(driver, other, url)
    assert len(work_object_calls(driver)) == 1 and len(unfurl_calls(driver)) == 2


def test_metadata_slack_refuses_falls_back_to_the_card_for_that_message_only(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    enable(slack)
    connect(driver)
    url = contact_link(contact_of(seeded, "Éloïse")["id"])
    slack.fail("chat.unfurl", "invalid_metadata")
    message, _ = post_links(driver, [url])
    wait_unfurl(driver, message, url)
    assert len(work_object_calls(driver)) == 1 and message.entities == {}
    other, _ = post_links(driver, [url])  # not remembered: that metadata was refused, not Work Objects
    wait_entity(driver, other, url)
    assert len(unfurl_calls(driver)) == 1


def test_metadata_slack_accepts_with_a_warning_and_drops_gets_the_card(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    enable(slack)
    slack.metadata_warning = "invalid_metadata_format"
    connect(driver)
    url = contact_link(contact_of(seeded, "Éloïse")["id"])
    message, _ = post_links(driver, [url])
    wait_unfurl(driver, message, url)
    assert len(work_object_calls(driver)) == 1 and message.entities == {}


def test_the_flexpane_of_a_member_with_their_own_key_shows_what_leonar_shows_them(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    enable(slack)
    slack.add_user(MEMBER)
    connect(driver)
    eloise = contact_of(seeded, "Éloïse")
    driver.open_modal()
    add(driver, driver.channel_id, "martin")  # Éloïse added to Zeta from Slack: where she stands is known
    for words in ("Phone screen went well", "Wants remote", "Strong on Kafka", "Called back"):
        seeded.add_note(eloise["id"], words)
    link_key(bot, seeded, MEMBER)
    message, url, preview = unfurled(driver, seeded)
    seeded.requests.clear()

    presented = wait_presented(driver, open_flexpane(driver, message, url, user_id=MEMBER))
    assert presented.user_id == MEMBER and not presented.user_auth_required and presented.error is None
    entity = presented.metadata
    assert entity is not None and entity["external_ref"] == preview["external_ref"]
    shown = fields(entity)
    assert shown["emails"] == EMAIL and shown["phones"] == "+33 6 12 34 56 78"  # their key reads them
    assert shown["projects"].startswith("Zeta Platform Lead — Sourced")
    assert shown["notes"].count(":") == 3 and "Called back" in shown["notes"] and "Phone screen" not in shown["notes"]
    assert shown["notes"].index("Called back") < shown["notes"].index("Strong on Kafka")  # newest first
    assert f"/contacts/{eloise['id']}/notes" in reads(seeded, MEMBER_KEY)
    assert f"/contacts/{eloise['id']}" in reads(seeded, MEMBER_KEY)
    assert reads(seeded, LEONAR_KEY) == []  # nothing read with the workspace's key for them


def test_a_linked_key_that_may_not_read_contacts_or_notes_says_so(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    enable(slack)
    slack.add_user(MEMBER)
    connect(driver)
    link_key(bot, seeded, MEMBER, scopes={"projects:read", "pipeline:read"})
    message, url, _ = unfurled(driver, seeded)
    presented = wait_presented(driver, open_flexpane(driver, message, url, user_id=MEMBER))
    shown = fields(presented.metadata)
    assert shown["details"] == "Your Leonar key cannot read contact details."
    assert shown["notes"] == "Your Leonar key cannot read notes."
    assert "emails" not in shown and EMAIL not in json.dumps(presented.metadata)
    assert shown["role"] == "Staff Engineer at Qonto"  # the card as the channel sees it


def test_the_flexpane_of_a_member_without_a_key_follows_the_cards_rule(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    enable(slack)
    slack.add_user(MEMBER)
    connect(driver)
    eloise = contact_of(seeded, "Éloïse")
    seeded.add_note(eloise["id"], "Team-only remark")
    driver.open_modal()
    add(driver, driver.channel_id, "martin")
    message, url, _ = unfurled(driver, seeded)
    seeded.requests.clear()
    presented = wait_presented(driver, open_flexpane(driver, message, url, user_id=MEMBER))
    shown = fields(presented.metadata)
    assert shown["projects"].startswith("Zeta Platform Lead — Sourced")
    assert "emails" not in shown and "notes" not in shown and "Team-only" not in json.dumps(presented.metadata)
    assert not [r for r in seeded.requests if r.path.endswith("/notes")]
    assert {r.api_key for r in seeded.requests} <= {LEONAR_KEY}


def test_a_member_who_must_link_a_key_is_prompted_to_the_app_home(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    enable(slack)
    slack.add_user(MEMBER)
    connect(driver)
    bot.run(bot.services.store.workspaces.update_settings(HERE, require_member_keys=True))
    message, url, preview = unfurled(driver, seeded)
    presented = wait_presented(driver, open_flexpane(driver, message, url, user_id=MEMBER))
    assert presented.user_auth_required is True
    assert presented.user_auth_url == "slack://app?team=T0001&id=A0001&tab=home"
    assert fields(presented.metadata) == fields(preview)  # the public preview meanwhile

    link_key(bot, seeded, MEMBER)  # linked from the App Home: the next click shows their flexpane
    presented = wait_presented(driver, open_flexpane(driver, message, url, user_id=MEMBER))
    assert not presented.user_auth_required and fields(presented.metadata)["emails"] == EMAIL


@pytest.mark.parametrize("who", ["guest", "outsider", "stranger"])
def test_guests_and_outsiders_get_the_public_preview_only(
    who: str, bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    enable(slack)
    connect(driver)
    user = GUEST if who == "guest" else OUTSIDER
    if who == "guest":
        slack.users[GUEST] = slack.make_user(GUEST) | {"is_restricted": True}
        link_key(bot, seeded, GUEST)  # even a key of their own gives a guest nothing more
    elif who == "stranger":
        slack.users[OUTSIDER] = slack.make_user(OUTSIDER, team_id="T0THEIRS") | {"is_stranger": True}
    message, url, preview = unfurled(driver, seeded)
    seeded.requests.clear()
    presented = wait_presented(driver, open_flexpane(driver, message, url, user_id=user))
    assert not presented.user_auth_required and presented.error is None
    assert presented.metadata is not None
    assert {k: v for k, v in preview.items() if k != "app_unfurl_url"} == presented.metadata
    assert reads(seeded, MEMBER_KEY) == [] and not [r for r in seeded.requests if r.path.endswith("/notes")]


def test_someone_of_another_organisation_never_gets_emails_or_phones_even_where_the_workspace_shows_them(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    """The card's rule in shared channels: a link unfurled in an internal channel may reach another organisation
    later (forwarded, the channel shared), and the flexpane is read again at their click."""
    enable(slack)
    connect(driver)
    bot.run(bot.services.store.workspaces.update_settings(HERE, show_contact_details=True))
    slack.users[OUTSIDER] = slack.make_user(OUTSIDER, team_id="T0THEIRS") | {"is_stranger": True}
    message, url, preview = unfurled(driver, seeded)
    assert fields(preview)["emails"] == EMAIL  # the workspace's own people see them
    presented = wait_presented(driver, open_flexpane(driver, message, url, user_id=OUTSIDER))
    assert presented.metadata is not None and "emails" not in fields(presented.metadata)
    assert "phones" not in fields(presented.metadata) and EMAIL not in json.dumps(presented.metadata)


@pytest.mark.settings(work_objects=False)
def test_with_work_objects_unset_links_unfurl_the_classic_way_whatever_the_apps_configuration(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    """WORK_OBJECTS unset (the default): Slack documents no answer telling an app with Work Object Previews off, so
    the bot sends none until the deploying engineer says they are on."""
    enable(slack)
    connect(driver)
    url = contact_link(contact_of(seeded, "Éloïse")["id"])
    message, _ = post_links(driver, [url])
    wait_unfurl(driver, message, url)
    assert work_object_calls(driver) == [] and message.entities == {}
    [classic] = unfurl_calls(driver)
    assert set(classic) - {"team_id"} == {"unfurl_id", "source", "unfurls"}


def test_not_connected_and_unreadable_records_answer_slacks_error_never_a_spinning_flexpane(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    enable(slack)
    slack.add_user(MEMBER)
    eloise = contact_of(seeded, "Éloïse")
    url = contact_link(eloise["id"])
    message, _ = post_links(driver, [url])  # not connected: no unfurl, but an old Work Object may still be clicked
    entity = {"external_ref": {"id": eloise["id"], "type": "leonar_contact"}, "url": url}
    presented = wait_presented(driver, open_flexpane(driver, message, url, entity=entity))
    assert presented.error == {"status": "custom", "custom_title": "Leonar is not connected",
                               "custom_message": "This workspace is not connected to Leonar yet: an admin can "
                                                 "connect it from the app's Home."}

    connect(driver)
    link_key(bot, seeded, MEMBER, workspace="elsewhere")  # their key is another Leonar workspace's
    message, url, _ = unfurled(driver, seeded)
    presented = wait_presented(driver, open_flexpane(driver, message, url, user_id=MEMBER))
    assert presented.error == {"status": "not_found"} and presented.metadata is None


def test_the_work_objects_add_action_opens_the_add_form_with_the_candidate(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    """[INF] Slack documents no payload for a Work Object action's click: a block_actions with the action's id and
    value, and neither a message nor its container, is the least it can be — the card's handler takes it."""
    enable(slack)
    connect(driver)
    _, _, preview = unfurled(driver, seeded)
    [button] = preview["entity_payload"]["actions"]["primary_actions"]
    payload = {"type": "block_actions", "team": {"id": driver.team_id, "domain": "leonar-test"},
               "user": {"id": driver.user_id, "username": "u", "team_id": driver.team_id},
               "api_app_id": driver.api_app_id, "token": "verification-token",
               "trigger_id": slack.issue_trigger(driver.user_id),
               "actions": [{"type": "button", "action_id": button["action_id"], "block_id": "entity",
                            "value": button["value"], "action_ts": "1.0", "text": {"type": "plain_text",
                                                                                   "text": button["text"]}}]}
    assert driver._interact("block action", _form(payload)).status_code == 200
    view = driver.wait_view(lambda v: any(b.get("block_id") == "contact_prefilled" for b in v["blocks"]))
    [prefilled] = [b for b in view["blocks"] if b.get("block_id") == "contact_prefilled"]
    assert prefilled["element"]["initial_option"]["value"] == button["value"]


def test_a_projects_flexpane_is_read_with_the_members_own_key(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    enable(slack)
    slack.add_user(MEMBER)
    connect(driver)
    project = seeded.add_project("Data team", stages=["Sourced", "Interview"])
    link_key(bot, seeded, MEMBER)
    url = project_link(project["id"])
    message, _ = post_links(driver, [url])
    preview = wait_entity(driver, message, url)
    seeded.add_entry(project["id"], contact_of(seeded, "Bob")["id"], stage="Interview")  # since the unfurl
    seeded.requests.clear()
    presented = wait_presented(driver, open_flexpane(driver, message, url, user_id=MEMBER))
    assert fields(preview)["stages"] == "Sourced: 0\nInterview: 0"
    assert fields(presented.metadata)["stages"] == "Sourced: 0\nInterview: 1"  # read now, with their key
    assert reads(seeded, MEMBER_KEY) == [f"/projects/{project['id']}"] and reads(seeded, LEONAR_KEY) == []


def test_a_slow_leonar_ends_in_slacks_error_within_the_triggers_life(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.slack.flexpane")
    enable(slack)
    slack.add_user(MEMBER)
    connect(driver)
    link_key(bot, seeded, MEMBER)
    message, url, _ = unfurled(driver, seeded)
    seeded.inject("GET", r"/contacts/[^/]+", delay=2.5, times=5)  # their key's read is not cached: it waits
    presented = wait_presented(driver, open_flexpane(driver, message, url, user_id=MEMBER), timeout=6.0)
    assert presented.error is not None and presented.error["status"] in ("timeout", "internal_error")
    assert presented.metadata is None
    assert f"for {MEMBER}" in caplog.text and MEMBER_KEY not in caplog.text and LEONAR_KEY not in caplog.text
