"""Save to Leonar (issue 19 B) end to end: the message shortcut, its form and the note, against the fakes."""

from __future__ import annotations

import json

import pytest

from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect, ready_to_submit
from tests.support.saving import CHANNEL, REPLIES_OPTION, candidate_block, note_block, pick, save_shortcut
from tests.support.unfurls import contact_link, contact_of


def test_a_message_is_saved_as_a_note_and_marked(driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar) -> None:
    connect(driver)
    slack.add_channel(CHANNEL, member=True)
    slack.add_user("U0042")
    message = slack.post(CHANNEL, "U0042", "Bob was great in the call &amp; <@U0001> agrees")
    view = save_shortcut(driver, message)
    opened = slack.calls_to("views.open")[-1]
    assert note_block(opened.body["view"])["element"]["initial_value"] == "Bob was great in the call & @U0001 agrees"
    # The form opened before anything was asked of Leonar or slow of Slack: the link came after, by views.update.
    assert "p" + message["ts"].replace(".", "") in json.dumps(view["blocks"][0])
    bob = pick(driver, "bob")
    driver.type_text("save_note_input", "Bob was great in the call & @U0001 agrees. Next: onsite.")
    asked = [c.body.get("user") for c in slack.calls_to("users.info")]
    response = driver.submit()
    assert response.status_code == 200 and response.json()["response_action"] == "update"
    assert "Saved as a note" in json.dumps(response.json()["view"])
    driver.settle()
    [note] = seeded.notes(bob["value"])
    content = note["content"]
    assert content.startswith("Slack message from User U0042, ")
    assert f"https://leonar-test.slack.com/archives/{CHANNEL}/p{message['ts'].replace('.', '')}" in content
    assert content.endswith("Bob was great in the call & @User U0001 agrees. Next: onsite.")
    assert slack.messages.reactions[(CHANNEL, message["ts"])] == ["white_check_mark"]
    # Slack described the saver to the bot as the form opened: the note names them without asking again.
    assert [c.body.get("user") for c in slack.calls_to("users.info")] == [*asked, "U0042"]


def test_the_thread_s_replies_go_with_the_note_in_order(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    slack.add_channel(CHANNEL, member=True)
    parent = slack.post(CHANNEL, "U0001", "What do we think of Bob?")
    for n in range(205):  # more than one page of conversations.replies
        slack.post(CHANNEL, "U0001", f"reply {n}", thread_ts=parent["ts"])
    view = save_shortcut(driver, slack.messages.find(CHANNEL, parent["ts"]) or parent)
    assert any(b.get("block_id") == "save_replies" for b in view["blocks"])
    bob = pick(driver, "bob")
    driver.check("save_replies_check", [REPLIES_OPTION])
    assert driver.submit().status_code == 200
    driver.settle()
    [note] = seeded.notes(bob["value"])
    content = note["content"]
    assert "Replies in the thread:" in content and "reply 0" in content
    assert content.index("reply 0") < content.index("reply 1") < content.index("reply 9")
    assert len(slack.calls_to("conversations.replies")) >= 2
    assert len(content) <= 10_000


def test_a_linkedin_url_or_a_leonar_link_preselects_the_candidate(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    linked = slack.post(CHANNEL, "U0001", "Look: <https://www.linkedin.com/in/eloise-martin/>")
    # Leonar slower than the trigger lives (each try times out): the form opens all the same, without a candidate.
    seeded.inject("GET", "/contacts", delay=3.1, times=2)
    view = save_shortcut(driver, linked)
    assert [(r.method, r.path) for r in seeded.requests].count(("GET", "/contacts")) == 2
    assert "initial_option" not in candidate_block(view)["element"]
    view = save_shortcut(driver, linked)
    assert "initial_option" not in candidate_block(slack.calls_to("views.open")[-1].body["view"])["element"]
    assert candidate_block(view)["element"]["initial_option"]["text"]["text"].startswith("Éloïse Martin")
    bob = contact_of(seeded, "Bob")
    leonar_link = slack.post(CHANNEL, "U0001", f"<{contact_link(bob['id'])}|Bob in Leonar>")
    view = save_shortcut(driver, leonar_link)
    assert candidate_block(view)["element"]["initial_option"]["value"] == bob["id"]


def test_a_card_or_a_reply_under_it_preselects_its_candidate(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    ready_to_submit(driver)  # Bob Stone, in C0001
    assert driver.submit().status_code == 200
    driver.settle()
    [card] = [m for m in slack.messages.by_channel[CHANNEL] if m.get("bot_id")]
    view = save_shortcut(driver, card)
    bob = contact_of(seeded, "Bob")
    assert candidate_block(view)["element"]["initial_option"]["value"] == bob["id"]
    # A reply in the card's thread is about the card's candidate (the bot's record of its cards).
    reply = slack.post(CHANNEL, "U0001", "Call went well", thread_ts=card["ts"])
    assert candidate_block(save_shortcut(driver, reply))["element"]["initial_option"]["value"] == bob["id"]
    # The same blocks in someone else's message are not the bot's card: nothing is preselected from them.
    copy = slack.post(CHANNEL, "U0001", "look", blocks=card["blocks"])
    assert "initial_option" not in candidate_block(save_shortcut(driver, copy))["element"]


def test_a_channel_the_bot_is_not_in_still_saves_and_the_saver_is_told(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    message = slack.post("C0777", "U0001", "Bob: strong yes")
    save_shortcut(driver, message)
    bob = pick(driver, "bob")
    assert driver.submit().status_code == 200
    driver.settle()
    assert len(seeded.notes(bob["value"])) == 1
    assert (("C0777", message["ts"])) not in slack.messages.reactions
    assert "not in that channel" in json.dumps(driver.view()["blocks"])


def test_a_key_without_notes_write_saves_nothing_and_says_so(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    key = "leo_no_notes_key_0001"
    seeded.add_key(key, scopes={"projects:read", "contacts:read", "pipeline:read", "pipeline:write"})
    connect(driver, key)
    slack.add_channel(CHANNEL, member=True)
    message = slack.post(CHANNEL, "U0001", "Bob: strong yes")
    save_shortcut(driver, message)
    pick(driver, "bob")
    response = driver.submit()
    assert response.json()["response_action"] == "errors"
    assert "notes:write" in response.json()["errors"]["save_note"]
    driver.settle()
    assert seeded.notes() == [] and slack.messages.reactions == {}
    # Learnt: the next form says so as it opens, before the saver types a word.
    view = save_shortcut(driver, message)
    assert "notes:write" in json.dumps(slack.calls_to("views.open")[-1].body["view"]["blocks"])
    assert "notes:write" in json.dumps(view["blocks"])


def test_a_tampered_or_borrowed_form_saves_nothing(driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar) -> None:
    connect(driver)
    slack.add_channel(CHANNEL, member=True)
    slack.add_channel("G0SECRET", private=True, member=True)
    secret = slack.post("G0SECRET", "U0009", "private thread")
    message = slack.post(CHANNEL, "U0001", "Bob: strong yes")
    view = save_shortcut(driver, message)
    pick(driver, "bob")
    values = driver._values(view, with_empty=True)
    # The saver's own metadata, made to point at a private channel's message: not one the bot sealed.
    data = json.loads(view["private_metadata"])
    forged_metadata = json.dumps({"workspace": data["workspace"],
                                  "sealed": data["sealed"][:-8] + "AAAAAAAA"})
    plain = json.dumps({"workspace": data["workspace"], "user": driver.user_id, "channel": "G0SECRET",
                        "ts": secret["ts"]})
    for metadata in (forged_metadata, plain, json.dumps({"workspace": data["workspace"]})):
        payload = driver._envelope("view_submission", view | {"private_metadata": metadata,
                                                              "state": {"values": values}})
        response = driver.post_payload(payload)
        assert response.json()["response_action"] == "errors", metadata
    # Another member of the workspace sending the saver's form as their own.
    slack.add_user("U0002")
    payload = driver._envelope("view_submission", view | {"state": {"values": values}})
    payload["user"] = {"id": "U0002", "username": "u0002", "name": "u0002", "team_id": driver.team_id}
    response = driver.post_payload(payload)
    assert response.json()["response_action"] == "errors"
    driver.settle()
    assert seeded.notes() == [] and slack.messages.reactions == {}
    assert not slack.calls_to("conversations.replies")


@pytest.mark.limits(submit_seconds=0.3)
def test_a_slow_leonar_gets_a_pending_form_then_the_note_once(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    slack.add_channel(CHANNEL, member=True)
    message = slack.post(CHANNEL, "U0001", "Bob: strong yes")
    view = save_shortcut(driver, message)
    bob = pick(driver, "bob")
    seeded.inject("POST", r"/contacts/[^/]+/notes", delay=1.0, after_processing=True)
    response = driver.submit()
    assert response.json()["response_action"] == "update"
    assert "Leonar is slow" in json.dumps(response.json()["view"])
    assert slack.wait_until(lambda: "Saved as a note" in json.dumps(slack.views[view["id"]]))
    driver.settle()
    assert len(seeded.notes(bob["value"])) == 1
    assert slack.messages.reactions[(CHANNEL, message["ts"])] == ["white_check_mark"]


def test_replies_the_bot_cannot_read_stop_the_save_and_say_why(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    parent = slack.post("C0777", "U0001", "Bob?")  # a channel the bot is not in
    slack.post("C0777", "U0001", "yes", thread_ts=parent["ts"])
    save_shortcut(driver, slack.messages.find("C0777", parent["ts"]) or parent)
    pick(driver, "bob")
    driver.check("save_replies_check", [REPLIES_OPTION])
    response = driver.submit()
    assert response.json()["response_action"] == "errors"
    assert "/invite @Leonar" in response.json()["errors"]["save_replies"]
    driver.settle()
    assert seeded.notes() == []


def test_without_reactions_write_the_note_is_saved_and_the_saver_told(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    slack.add_channel(CHANNEL, member=True)
    slack.scopes.discard("reactions:write")
    message = slack.post(CHANNEL, "U0001", "Bob: strong yes")
    save_shortcut(driver, message)
    pick(driver, "bob")
    assert driver.submit().status_code == 200
    driver.settle()
    assert len(seeded.notes()) == 1 and slack.messages.reactions == {}
    assert "reactions:write" in json.dumps(driver.view()["blocks"])


def test_a_form_closed_meanwhile_is_told_by_an_ephemeral_message_else_a_dm(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    slack.add_channel("G0777", private=True)  # a private channel the bot is not in: no ✓, no ephemeral there
    message = slack.post("G0777", "U0001", "Bob: strong yes")
    save_shortcut(driver, message)
    pick(driver, "bob")
    slack.fail("views.update", "not_found")  # the saver closed the done form before the bot could add to it
    assert driver.submit().status_code == 200
    driver.settle()
    assert [c.response["error"] for c in slack.calls_to("chat.postEphemeral")] == ["channel_not_found"]
    [told] = [c for c in slack.calls_to("chat.postMessage") if c.body.get("channel") == driver.user_id]
    assert "not in that channel" in told.body["text"] and "Bob Stone" in told.body["text"]
    assert len(seeded.notes()) == 1


def test_a_note_leonar_may_have_taken_is_not_called_failed(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    """A 500 after Leonar stored the note: the saver is asked to check, not invited to save a second copy."""
    connect(driver)
    message = slack.post(CHANNEL, "U0001", "Bob: strong yes")
    save_shortcut(driver, message)
    pick(driver, "bob")
    seeded.inject("POST", r"/contacts/[^/]+/notes", status=500, after_processing=True)
    response = driver.submit()
    assert "may have been saved" in response.json()["errors"]["save_note"]
    driver.settle()
    assert len(seeded.notes()) == 1 and seeded.count("POST", r"/contacts/[^/]+/notes") == 1

