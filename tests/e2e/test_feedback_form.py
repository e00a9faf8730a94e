"""Issue 19 A, the request form's other ways in and out: from a candidate card's button, a key without notes:write
(said before anything is sent), a comment with the answer, guests and people of another organisation as
reviewers only when an admin allowed them, and a French reviewer."""

from __future__ import annotations

import json

from bot.i18n import t
from bot.store import Workspace
from tests.support.bot import SIGNING_SECRET, RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import ALL_SCOPES, FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.feedback import (
    CLIENT,
    HIRING_MANAGER,
    ask,
    button,
    click,
    message_in,
    pick_users,
    seed_stage,
)
from tests.support.flows import connect, pick_contact, pick_project
from tests.support.unfurls import contact_link, contact_of, post_links, wait_unfurl

NO_NOTES = "leo_test_key_no_notes_write"


def requests_kept(bot: RunningBot) -> int:
    return len(bot.run(bot.services.store.db.all("requests", "SELECT id FROM feedback_requests")))


def test_a_key_without_notes_write_is_said_in_the_form_and_nothing_is_sent(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    seed_stage(leonar)
    leonar.add_key(NO_NOTES, scopes=ALL_SCOPES - {"notes:write"})
    slack.add_user(HIRING_MANAGER)
    connect(driver, NO_NOTES)
    assert ask(driver, [HIRING_MANAGER], connected=True).status_code == 200
    driver.settle()
    form = driver.view()  # still open, saying why (it said so as soon as it opened, too)
    assert form["callback_id"] == "leonar_feedback"
    assert "notes:write" in json.dumps([b for b in form["blocks"] if b.get("block_id") == "feedback_error"])
    assert requests_kept(bot) == 0 and len(slack.messages) == 0
    assert leonar.count("POST", r"/contacts/[^/]+/notes") == 1 and leonar.notes() == []  # probed once, remembered


def test_from_a_candidate_card_with_a_comment_in_french(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    slack.add_user(HIRING_MANAGER)
    slack.users[HIRING_MANAGER]["locale"] = "fr-FR"
    connect(driver)
    driver.open_modal(callback_id="leonar_add")
    pick_project(driver, "zeta", "Zeta")
    candidate = pick_contact(driver, "martin")
    assert driver.submit().status_code == 200
    driver.settle()
    [card] = [c for c in slack.calls_to("chat.postMessage") if c.body["channel"] == "C0001"]
    ask_button = next(b["accessory"] for b in card.body["blocks"] if b.get("block_id") == "ask_feedback")
    assert ask_button["value"].split(":")[0] == candidate["value"]  # the candidate, then the card's project
    opened = len(slack.calls_to("views.open"))
    click(driver, "C0001", card.response["ts"], "ask_feedback", ask_button["value"])
    slack.wait_for("views.open", opened + 1)
    form = driver.wait_view(lambda v: v["callback_id"] == "leonar_feedback" and "Éloïse Martin" in json.dumps(
        v, ensure_ascii=False) and "Zeta Platform Lead" in json.dumps(v["blocks"]))  # the card's project, said
    assert not any(b.get("block_id") == "feedback_project" for b in form["blocks"])  # the candidate came with it
    pick_users(driver, "feedback_reviewers_pick", [HIRING_MANAGER])
    assert driver.submit().status_code == 200
    driver.settle()

    dm = slack.bot_dm(HIRING_MANAGER)
    ts, message = message_in(slack, dm)
    text = json.dumps(message, ensure_ascii=False)
    assert "vous demande votre avis" in text and "Oui" in text  # the reviewer's language; the question as typed
    assert "Zeta Platform Lead" in text  # what the verdict is for: the card's project
    assert "eloise@example.com" not in text and "+33" not in text
    manager = SlackDriver(bot, SIGNING_SECRET, slack, user_id=HIRING_MANAGER)
    comment = button(message, "feedback_comment", candidate["value"])
    click(manager, dm, ts, "feedback_comment", comment["value"])
    view = manager.wait_view(lambda v: v["callback_id"] == "leonar_feedback_comment")
    maybe = next(o for o in view["blocks"][1]["element"]["options"] if o["value"] == "maybe")
    manager.select("feedback_verdict_pick", maybe)
    manager.type_text("feedback_comment_input", "Solide en conception <système>")
    assert manager.submit().status_code == 200
    driver.settle()
    [note] = seeded.notes(candidate["value"])
    # The note is in the requester's language (English here), the comment as typed.
    assert "Maybe — Solide en conception <système>." in note["content"]
    assert "Zeta Platform Lead" in note["content"]  # what the verdict was for: the card's project
    assert "Peut-être" in json.dumps(slack.messages[(dm, ts)], ensure_ascii=False)
    click(manager, dm, ts, "feedback_comment", comment["value"])  # again: the answer given, to be changed
    again = manager.wait_view(lambda v: v["callback_id"] == "leonar_feedback_comment" and v["id"] != view["id"])
    assert again["blocks"][1]["element"]["initial_option"]["value"] == "maybe"
    assert again["blocks"][2]["element"]["initial_value"] == "Solide en conception <système>"
    manager.close()


def test_guests_and_outsiders_are_reviewers_only_when_an_admin_allowed_them(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    _, (jane, _) = seed_stage(leonar)
    slack.add_user(HIRING_MANAGER)
    slack.users[HIRING_MANAGER]["is_restricted"] = True  # a guest
    slack.add_user(CLIENT, team_id="T0AGENCY")  # an agency's client, over Slack Connect
    ask(driver, [HIRING_MANAGER, CLIENT])
    driver.settle()
    assert not [k for k in slack.messages if k[0] in (slack.bot_dm(HIRING_MANAGER), slack.bot_dm(CLIENT))]
    told = [c.body["text"] for c in slack.calls_to("chat.postMessage") if c.body["channel"] == driver.user_id]
    assert len(told) == 1 and f"<@{HIRING_MANAGER}>" in told[0] and f"<@{CLIENT}>" in told[0]
    # Each one with why: the guest as a guest, the agency's client as someone of another organisation.
    for who, why in ((HIRING_MANAGER, "feedback.skipped_guest"), (CLIENT, "feedback.skipped_outsider")):
        assert t("en", "feedback.skipped", who=f"<@{who}>", why=t("en", why)) in told[0].split("\n")

    bot.run(bot.services.store.workspaces.update_settings(Workspace(None, "T0001"), allow_guests=True,
                                                           allow_shared_channels=True))
    ask(driver, [HIRING_MANAGER, CLIENT], connected=True)
    driver.settle()
    for person in (HIRING_MANAGER, CLIENT):
        ts, message = message_in(slack, slack.bot_dm(person))
        assert "jane@example.com" not in json.dumps(message)
        who = SlackDriver(bot, SIGNING_SECRET, slack, user_id=person, team_id=slack.users[person]["team_id"])
        click(who, slack.bot_dm(person), ts, "feedback_answer_yes",
              button(message, "feedback_answer_yes", jane["id"])["value"])
        who.close()
    driver.settle()
    assert len(leonar.notes(jane["id"])) == 2
    assert t("en", "feedback.skipped_guest") in told[0]


def test_from_a_contact_unfurl_the_form_names_the_candidate_before_any_leonar_call(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    slack.add_user(HIRING_MANAGER)
    connect(driver)
    eloise = contact_of(seeded, "Éloïse")
    url = contact_link(eloise["id"])
    message, _ = post_links(driver, [url])
    unfurl = wait_unfurl(driver, message, url)
    [ask_block] = [b for b in unfurl["blocks"] if b.get("block_id") == "ask_feedback"]
    driver.settle()
    seeded.requests.clear()
    opened = len(slack.calls_to("views.open"))
    click(driver, message.channel, message.ts, "ask_feedback", ask_block["accessory"]["value"])
    [call] = slack.wait_for("views.open", opened + 1)[opened:]
    assert "Éloïse Martin" in json.dumps(call.body["view"], ensure_ascii=False)  # from the unfurl's read
    assert all(r.path.endswith("/notes") for r in seeded.requests)  # only the notes:write probe, after opening
    pick_users(driver, "feedback_reviewers_pick", [HIRING_MANAGER])
    assert driver.submit().status_code == 200
    driver.settle()
    _, sent = message_in(slack, slack.bot_dm(HIRING_MANAGER))
    assert "Éloïse Martin" in json.dumps(sent, ensure_ascii=False) and "eloise@example.com" not in json.dumps(sent)
