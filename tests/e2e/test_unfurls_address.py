"""The workspace's Leonar address ("Open in Leonar" buttons): learnt from the first Leonar link whose record the key
could read, or set by an admin in the App Home (never by a member, never an invalid one)."""

from __future__ import annotations

import json

from tests.e2e.test_home import home_action, open_home
from tests.support.bot import SIGNING_SECRET, RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect, pick_contact, pick_project
from tests.support.unfurls import APP, JSON, UNKNOWN, contact_link, contact_of, mrkdwn_texts, post_links, wait_unfurl


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
    driver.settle()
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
    assert slack.wait_until(lambda: shows in json.dumps(slack.homes[driver.user_id], ensure_ascii=False)), (
        f"the Home never showed {shows!r}")
    return slack.homes[driver.user_id]


def slug_field(home: JSON) -> JSON:
    [block] = [b for b in home["blocks"] if b.get("block_id") == "leonar_slug"]
    return dict(block["element"])


def test_only_an_admin_sets_the_leonar_address(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    member = SlackDriver(bot, SIGNING_SECRET, slack, user_id="U0MEMBER")
    try:
        home = open_home(member, slack)
        assert "leonar_slug" not in json.dumps(home)  # not shown to members…
        slack.homes[member.user_id] = slack.homes[driver.user_id] = open_home(driver, slack)
        home_action(member, slack, {"type": "plain_text_input", "action_id": "home_leonar_slug",
                                    "value": "member-slug"})  # …and refused when crafted
        member.settle()
    finally:
        member.close()
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
    assert slack.wait_until(lambda: "initial_value" not in slug_field(slack.homes[driver.user_id])), (
        "the address was not forgotten")


def test_an_invalid_leonar_address_is_refused_with_a_warning(driver: SlackDriver, slack: FakeSlack) -> None:
    connect(driver)
    open_home(driver, slack)
    home = act_on_home(driver, slack, {"type": "plain_text_input", "action_id": "home_leonar_slug",
                                       "value": "<!channel> Acme"}, shows="is not a Leonar address")
    assert "initial_value" not in slug_field(home)
    warning = next(t for t in mrkdwn_texts(home["blocks"]) if "is not a Leonar address" in t)
    assert "&lt;!channel&gt; Acme" in warning and "<!channel>" not in warning
