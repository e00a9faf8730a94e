"""Leonar links pasted in Slack: unfurled into a candidate card or a pipeline summary, only for the workspace's own
people with its own key; the card's "Add to a project"; the "Open in Leonar" address, learnt or set by an admin."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest

from tests.e2e.test_home import home_action, open_home
from tests.support.bot import LEONAR_KEY, SIGNING_SECRET, RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect, pick_contact, pick_project
from tests.support.unfurls import click, post_links, unfurl_calls, wait_unfurl

APP = "https://app.leonar.app/dashboard"
UNKNOWN = "00000000-0000-4000-8000-000000000000"
JSON = dict[str, Any]


def contact_link(contact_id: str, slug: str = "acme-corp") -> str:
    return f"{APP}/{slug}/contacts?contact={contact_id}"


def project_link(project_id: str, slug: str = "acme-corp") -> str:
    return f"{APP}/{slug}/projects/{project_id}/pipeline"


def contact_of(leonar: FakeLeonar, first_name: str) -> JSON:
    return next(c for c in leonar.contacts() if c["first_name"] == first_name)


def action_ids(unfurl: JSON) -> list[str]:
    return [e["action_id"] for b in unfurl["blocks"] if b["type"] == "actions" for e in b["elements"]]


def mrkdwn_texts(blocks: list[JSON]) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def nothing_happens(driver: SlackDriver, leonar: FakeLeonar, *, wait_for_leonar: bool = False) -> None:
    """No unfurl and nothing posted in the conversation, once the bot had time to do otherwise."""
    if wait_for_leonar:
        deadline = time.monotonic() + 5
        while not [r for r in leonar.requests if "/contacts/" in r.path or "/projects/" in r.path]:
            assert time.monotonic() < deadline, "the bot never asked Leonar"
            time.sleep(0.02)
    time.sleep(0.6)
    assert unfurl_calls(driver) == []
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
        seeded.add_entry(project["id"], contact["id"], stage_name=stage)
    url = f"{APP}/acme-corp/projects/{project['id']}"
    message, _ = post_links(driver, [url])
    unfurl = wait_unfurl(driver, message, url)
    texts = "\n".join(mrkdwn_texts(unfurl["blocks"]))
    assert "*Data &lt;Team&gt; &amp; co*" in texts and "Qonto · Paris" in texts and "17 candidates" in texts
    assert "Sourced ▇▇▇▇ 12 · Interview ▇ 4 · Offer ▏1 · Hired 0" in texts
    [button] = [e for b in unfurl["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["url"] == f"{APP}/acme-corp/projects/{project['id']}/pipeline"  # Open in Leonar; no Follow


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
    deadline = time.monotonic() + 10
    while "no Leonar record could be read" not in caplog.text:
        assert time.monotonic() < deadline, caplog.text
        time.sleep(0.05)
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
    time.sleep(0.5)
    assert len(unfurl_calls(driver)) == 1


def test_a_composer_preview_unfurls_by_unfurl_id(driver: SlackDriver, seeded: FakeLeonar) -> None:
    connect(driver)
    url = contact_link(contact_of(seeded, "Bob")["id"])
    message, _ = post_links(driver, [url], source="composer")
    wait_unfurl(driver, message, url)
    [call] = unfurl_calls(driver)
    assert call["source"] == "composer" and call["unfurl_id"] == message.unfurl_id and "channel" not in call


def test_the_slug_is_learnt_from_a_link_and_cards_then_open_in_leonar(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    driver.open_modal(callback_id="leonar_add")
    pick_project(driver, "zeta", "Zeta")
    pick_contact(driver, "bob")
    assert driver.submit().status_code == 200
    [first] = slack.wait_for("chat.postMessage")
    assert "open_leonar" not in json.dumps(first.body) and "app.leonar.app" not in json.dumps(first.body)

    # A made-up link (a record the key cannot read) teaches nothing.
    post_links(driver, [contact_link(UNKNOWN, slug="evil-corp")])
    time.sleep(0.5)
    eloise = contact_of(seeded, "Éloïse")
    url = contact_link(eloise["id"], slug="acme-corp")
    message, _ = post_links(driver, [url])
    unfurl = wait_unfurl(driver, message, url)
    assert f"{APP}/acme-corp/contacts?contact={eloise['id']}" in json.dumps(unfurl)

    driver.open_modal(callback_id="leonar_add")
    pick_project(driver, "zeta", "Zeta")
    pick_contact(driver, "martin")
    assert driver.submit().status_code == 200
    second = slack.wait_for("chat.postMessage", 2)[1]
    buttons = [e for b in second.body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons[-1]["action_id"] == "open_leonar"
    assert buttons[-1]["url"] == f"{APP}/acme-corp/contacts?contact={eloise['id']}"
    assert "evil-corp" not in json.dumps([c.body for c in slack.calls])

    # Another workspace slug in a later link does not replace the one learnt.
    other = contact_link(contact_of(seeded, "Bob")["id"], slug="other-slug")
    later, _ = post_links(driver, [other])
    assert "other-slug" not in json.dumps(wait_unfurl(driver, later, other))


def act_on_home(driver: SlackDriver, slack: FakeSlack, action: JSON, shows: str) -> JSON:
    """An admin's change in the Home, once the Home published again after it shows `shows`."""
    home_action(driver, slack, action)
    deadline = time.monotonic() + 5
    while shows not in json.dumps(slack.homes[driver.user_id], ensure_ascii=False):
        assert time.monotonic() < deadline, f"the Home never showed {shows!r}"
        time.sleep(0.02)
    return slack.homes[driver.user_id]


def slug_field(home: JSON) -> JSON:
    [block] = [b for b in home["blocks"] if b.get("block_id") == "leonar_slug"]
    return dict(block["element"])


def test_only_an_admin_sets_the_leonar_address(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    member = SlackDriver(bot.url, SIGNING_SECRET, slack, user_id="U0MEMBER")
    try:
        home = open_home(member, slack)
        assert "leonar_slug" not in json.dumps(home)  # not shown to members…
        slack.homes[member.user_id] = slack.homes[driver.user_id] = open_home(driver, slack)
        home_action(member, slack, {"type": "plain_text_input", "action_id": "home_leonar_slug",
                                    "value": "member-slug"})  # …and refused when crafted
    finally:
        member.close()
    time.sleep(0.3)
    assert "initial_value" not in slug_field(open_home(driver, slack))

    home = act_on_home(driver, slack, {"type": "plain_text_input", "action_id": "home_leonar_slug",
                                       "value": "evil.com/<x>"}, shows="is not a Leonar address")
    assert "initial_value" not in slug_field(home)

    home = act_on_home(driver, slack, {"type": "plain_text_input", "action_id": "home_leonar_slug",
                                       "value": f"{APP}/acme-corp/projects"}, shows='"initial_value": "acme-corp"')
    assert slug_field(home)["initial_value"] == "acme-corp"
    bob = contact_of(seeded, "Bob")
    url = contact_link(bob["id"], slug="learnt-slug")  # an address set by an admin wins over a link's
    message, _ = post_links(driver, [url])
    assert f"{APP}/acme-corp/contacts?contact={bob['id']}" in json.dumps(wait_unfurl(driver, message, url))

    home_action(driver, slack, {"type": "button", "action_id": "home_leonar_slug_clear"})
    deadline = time.monotonic() + 5
    while "initial_value" in slug_field(slack.homes[driver.user_id]):
        assert time.monotonic() < deadline, "the address was not forgotten"
        time.sleep(0.02)


def test_an_invalid_leonar_address_is_refused_with_a_warning(driver: SlackDriver, slack: FakeSlack) -> None:
    connect(driver)
    open_home(driver, slack)
    home = act_on_home(driver, slack, {"type": "plain_text_input", "action_id": "home_leonar_slug",
                                       "value": "<!channel> Acme"}, shows="is not a Leonar address")
    assert "initial_value" not in slug_field(home)
    warning = next(t for t in mrkdwn_texts(home["blocks"]) if "is not a Leonar address" in t)
    assert "&lt;!channel&gt; Acme" in warning and "<!channel>" not in warning


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
    time.sleep(0.5)
    assert len(slack.calls_to("views.open")) == opened + 1 and not seeded.requests
