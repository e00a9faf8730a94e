"""Leonar links pasted in Slack: unfurled into a candidate card or a pipeline summary, only for the workspace's own
people with its own key, within Slack's and Leonar's limits; the card's "Add to a project"."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_home import open_home
from tests.e2e.test_unfurls_address import act_on_home
from tests.support.bot import BOT_TOKEN, LEONAR_KEY, SIGNING_SECRET, RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect, pick_project
from tests.support.tryout import start_bot
from tests.support.unfurls import (
    APP,
    UNKNOWN,
    action_ids,
    click,
    contact_link,
    contact_of,
    mrkdwn_texts,
    post_links,
    project_link,
    unfurl_calls,
    wait_unfurl,
)

JSON = dict[str, Any]


def nothing_happens(driver: SlackDriver, leonar: FakeLeonar, *, wait_for_leonar: bool = False) -> None:
    """No unfurl and nothing posted in the conversation, once the bot has finished with the event."""
    driver.settle()
    if wait_for_leonar:
        assert [r for r in leonar.requests if "/contacts/" in r.path or "/projects/" in r.path], "Leonar not asked"
    assert driver.slack.calls_to("chat.unfurl") == []  # neither a card nor a Work Object
    for method in ("chat.postMessage", "chat.postEphemeral", "hook"):
        assert driver.slack.calls_to(method) == [], method


def test_a_contact_link_unfurls_into_the_card_and_adds_in_two_clicks(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    eloise = contact_of(seeded, "Éloïse")
    url = contact_link(eloise["id"])
    message, _ = post_links(driver, [url])
    unfurl = wait_unfurl(driver, message, url)
    [call] = unfurl_calls(driver)
    assert call["unfurl_id"] == message.unfurl_id and call["source"] == "conversations_history"
    text = json.dumps(unfurl, ensure_ascii=False)
    assert "Éloïse Martin" in text and "Staff Engineer" in text and "Qonto" in text and "Python" in text
    assert "eloise@example.com" not in text and "+33 6" not in text  # the workspace shows no contact details
    assert action_ids(unfurl) == ["unfurl_add_to_project", "open_linkedin", "open_leonar"]

    driver.settle()
    seeded.requests.clear()
    opened = len(slack.calls_to("views.open"))
    assert click(driver, message, url, "unfurl_add_to_project").status_code == 200
    new_id = slack.wait_for("views.open", opened + 1)[opened].response["view"]["id"]
    view = driver.wait_view(lambda v: v["id"] == new_id)
    [prefilled] = [b for b in view["blocks"] if b.get("block_id") == "contact_prefilled"]
    assert prefilled["element"]["initial_option"]["value"] == eloise["id"]
    assert not seeded.requests  # preselected from the unfurl's read: no Leonar call before the modal
    pick_project(driver, "zeta", "Zeta")
    assert driver.submit().status_code == 200
    [post] = slack.wait_for("chat.postMessage")
    assert post.body["channel"] == "C0001" and post.body["thread_ts"] == message.ts
    assert "Éloïse Martin" in json.dumps(post.body, ensure_ascii=False)
    assert [e["contact"]["id"] for e in seeded.entries()] == [eloise["id"]]


def test_a_project_link_unfurls_into_its_pipeline(driver: SlackDriver, seeded: FakeLeonar) -> None:
    connect(driver)
    project = seeded.add_project("Data <Team> & co", stages=["Sourced", "Interview", "Offer", "Hired"],
                                 client_company="Qonto", location="Paris")
    for n in range(17):
        contact = seeded.add_contact(f"C{n}", "Doe")
        stage = "Sourced" if n < 12 else "Interview" if n < 16 else "Offer"
        seeded.add_entry(project["id"], contact["id"], stage=stage)
    url = f"{APP}/acme-corp/projects/{project['id']}"
    message, _ = post_links(driver, [url])
    unfurl = wait_unfurl(driver, message, url)
    texts = "\n".join(mrkdwn_texts(unfurl["blocks"]))
    assert "*Data &lt;Team&gt; &amp; co*" in texts and "Qonto · Paris" in texts and "17 candidates" in texts
    assert "Sourced ▇▇▇▇ 12 · Interview ▇ 4 · Offer ▏1 · Hired 0" in texts
    follow, open_leonar = [e for b in unfurl["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert open_leonar["url"] == f"{APP}/acme-corp/projects/{project['id']}/pipeline"
    assert follow["action_id"] == "unfurl_follow_project" and follow["value"] == project["id"]
    assert click(driver, message, url, "unfurl_follow_project").status_code == 200  # the follow form, project picked
    view = driver.wait_view(lambda v: v["callback_id"] == "leonar_follow" and project["id"] in json.dumps(v))
    assert json.loads(view["private_metadata"])["channel_id"] == "C0001"


def test_not_connected_no_unfurl_and_nothing_posted(
    driver: SlackDriver, seeded: FakeLeonar, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.slack.unfurling")
    post_links(driver, [contact_link(contact_of(seeded, "Bob")["id"])])
    nothing_happens(driver, seeded)
    assert not seeded.requests
    assert "not connected to Leonar" in caplog.text


GUEST, OUTSIDER = "U0GUEST", "U0OUTSIDE"


@pytest.mark.parametrize("who", ["guest", "outsider", "stranger", "shared channel"])
def test_guests_outsiders_and_shared_channels_get_no_unfurl(
    who: str, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.slack.unfurling")
    connect(driver)
    url = contact_link(contact_of(seeded, "Bob")["id"])
    seeded.requests.clear()
    if who == "guest":
        slack.users[GUEST] = slack.make_user(GUEST) | {"is_restricted": True}
        post_links(driver, [url], user_id=GUEST)
    elif who == "outsider":  # Slack will not describe them to this workspace
        post_links(driver, [url], user_id=OUTSIDER)
    elif who == "stranger":
        slack.users[OUTSIDER] = slack.make_user(OUTSIDER, team_id="T0THEIRS") | {"is_stranger": True}
        post_links(driver, [url], user_id=OUTSIDER)
    else:  # a member's link, in a channel shared with another organisation
        post_links(driver, [url], ext_shared=True)
    nothing_happens(driver, seeded)
    assert not seeded.requests
    assert "no unfurl in workspace" in caplog.text and LEONAR_KEY not in caplog.text


def test_an_admin_may_let_guests_unfurl(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    open_home(driver, slack)
    act_on_home(driver, slack, {"type": "checkboxes", "action_id": "home_allow_guests",
                                "selected_options": [{"value": "allow"}]}, shows='"initial_options"')
    slack.users[GUEST] = slack.make_user(GUEST) | {"is_restricted": True}
    url = contact_link(contact_of(seeded, "Bob")["id"])
    message, _ = post_links(driver, [url], user_id=GUEST)
    wait_unfurl(driver, message, url)


@pytest.mark.parametrize("failure", ["unknown", "leonar down"])
def test_unknown_records_and_leonar_down_get_no_unfurl(
    failure: str, driver: SlackDriver, seeded: FakeLeonar, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.slack.unfurling")
    connect(driver)
    seeded.requests.clear()
    if failure == "unknown":
        post_links(driver, [contact_link(UNKNOWN), project_link(UNKNOWN)])
        expected = "not_found"
    else:
        seeded.inject("GET", r"/contacts/[^/]+", status=503, times=20)
        post_links(driver, [contact_link(contact_of(seeded, "Bob")["id"])])
        expected = "not unfurled"
    nothing_happens(driver, seeded, wait_for_leonar=True)
    assert "no Leonar record could be read" in caplog.text, caplog.text
    assert expected in caplog.text and LEONAR_KEY not in caplog.text
    assert unfurl_calls(driver) == []


def test_leonar_data_is_escaped_in_the_unfurl(driver: SlackDriver, seeded: FakeLeonar) -> None:
    connect(driver)
    evil = seeded.add_contact("<!channel>", "<@U0001>", title="<https://evil.example|click> & co",
                              current_company="<!subteam^S1>", tags=["<#C1>"])
    url = contact_link(evil["id"])
    message, _ = post_links(driver, [url])
    unfurl = wait_unfurl(driver, message, url)
    texts = mrkdwn_texts(unfurl["blocks"])
    assert texts and all("<" not in t and ">" not in t for t in texts), texts
    assert any("&lt;https://evil.example|click&gt; &amp; co" in t for t in texts)


def test_several_links_in_one_message(driver: SlackDriver, seeded: FakeLeonar) -> None:
    connect(driver)
    bob = contact_of(seeded, "Bob")
    project = seeded.add_project("Unfurled")
    urls = [contact_link(bob["id"]), f"{APP}/acme-corp/contacts/{bob['id']}", project_link(project["id"]),
            contact_link(UNKNOWN), f"{APP}/acme-corp/settings"]
    seeded.requests.clear()
    message, _ = post_links(driver, urls)
    wait_unfurl(driver, message, urls[2])
    [call] = unfurl_calls(driver)
    assert set(call["unfurls"]) == set(urls[:3])  # both forms of Bob's page, the project; not the unknown one
    reads = [r.path for r in seeded.requests if r.method == "GET"]
    assert reads.count(f"/contacts/{bob['id']}") == 1 and reads.count(f"/projects/{project['id']}") == 1

    # The same links again: unfurled again, from the cache.
    seeded.requests.clear()
    again, _ = post_links(driver, urls[:3])
    wait_unfurl(driver, again, urls[2])
    assert not [r for r in seeded.requests if r.method == "GET"]


def test_at_most_five_records_per_message_and_a_redelivered_event_once(
    driver: SlackDriver, seeded: FakeLeonar
) -> None:
    connect(driver)
    urls = [project_link(seeded.add_project(f"P{n}")["id"]) for n in range(7)]
    seeded.requests.clear()
    message, _ = post_links(driver, urls, event_id="EvSAME")
    wait_unfurl(driver, message, urls[0])
    assert set(message.unfurls) == set(urls[:5])
    assert len([r for r in seeded.requests if r.method == "GET" and r.path.startswith("/projects/")]) == 5
    post_links(driver, urls, event_id="EvSAME")  # Slack's retry of the same event
    driver.settle()
    assert len(unfurl_calls(driver)) == 1


def test_a_composer_preview_unfurls_by_unfurl_id(driver: SlackDriver, seeded: FakeLeonar) -> None:
    connect(driver)
    url = contact_link(contact_of(seeded, "Bob")["id"])
    message, _ = post_links(driver, [url], source="composer")
    wait_unfurl(driver, message, url)
    [call] = unfurl_calls(driver)
    assert call["source"] == "composer" and call["unfurl_id"] == message.unfurl_id and "channel" not in call


def test_add_to_a_project_reads_a_candidate_the_bot_does_not_remember_and_refuses_a_crafted_id(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    bob = contact_of(seeded, "Bob")
    url = contact_link(bob["id"])
    message, _ = post_links(driver, [url])
    wait_unfurl(driver, message, url)

    # Another contact's id in the button (say, an unfurl made by another instance): the modal opens at once, then
    # shows the candidate once Leonar answered.
    eloise = contact_of(seeded, "Éloïse")
    opened = len(slack.calls_to("views.open"))
    assert click(driver, message, url, "unfurl_add_to_project", value=eloise["id"]).status_code == 200
    new_id = slack.wait_for("views.open", opened + 1)[opened].response["view"]["id"]
    view = driver.wait_view(lambda v: v["id"] == new_id and any(
        b.get("block_id") == "contact_prefilled" for b in v["blocks"]))
    [prefilled] = [b for b in view["blocks"] if b.get("block_id") == "contact_prefilled"]
    assert prefilled["element"]["initial_option"]["value"] == eloise["id"]

    # A value that is not a Leonar id never reaches Leonar (it would be a path) and opens nothing.
    seeded.requests.clear()
    for crafted in ("../projects", f"{bob['id']}/notes", ""):
        assert click(driver, message, url, "unfurl_add_to_project", value=crafted).status_code == 200
    driver.settle()
    assert len(slack.calls_to("views.open")) == opened + 1 and not seeded.requests


@pytest.mark.slow
def test_a_redelivered_event_unfurls_once_even_after_a_restart_or_on_another_instance(
    driver: SlackDriver, seeded: FakeLeonar, bot: RunningBot, slack: FakeSlack, tmp_path: Path
) -> None:
    """Issue 18 A: the de-duplication was in the process's memory, lost at a restart and not shared between
    instances: another `python -m bot` on the same database stands for both."""
    connect(driver)
    url = project_link(seeded.add_project("Durable search")["id"])
    message, _ = post_links(driver, [url], event_id="EvONCE")
    wait_unfurl(driver, message, url)
    key = bot.settings.encryption_key
    assert key is not None
    process, other = start_bot(slack, seeded, tmp_path, DATABASE_URL=bot.settings.database_url,
                               ENCRYPTION_KEY=key.get_secret_value(), SLACK_BOT_TOKEN=BOT_TOKEN,
                               SLACK_SIGNING_SECRET=SIGNING_SECRET)
    try:
        again = SlackDriver(other, SIGNING_SECRET, slack)
        post_links(again, [url], event_id="EvONCE")  # Slack's retry, reaching it
        other_message, _ = post_links(again, [url], event_id="EvOTHER")  # a new message with the same link
        wait_unfurl(again, other_message, url)  # unfurled
        # Another process cannot say when it has finished: a third unfurl (the retry's) is given a second to come.
        assert not slack.wait_until(lambda: len(unfurl_calls(driver)) > 2, 1.0), unfurl_calls(driver)
        assert len(unfurl_calls(driver)) == 2
        again.close()
    finally:
        process.kill()
        process.communicate()
