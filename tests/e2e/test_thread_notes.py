"""Card threads saved as notes, end to end: an admin opts a channel in, people reply in the thread of a candidate
card, and each reply lands once in Leonar as a note on that candidate (author, date, link back), marked ✓; an edit
updates the note, or adds a correction where Leonar cannot update one. Everything else is dropped unread."""

from __future__ import annotations

from pathlib import Path

from bot.store import Workspace, sqlite_path
from tests.support.bot import RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.threads import card_in_channel, deliver, edit, reply, ticks

HERE = Workspace(None, "T0001")


def opt_in(driver: SlackDriver) -> str:
    driver.command("thread-notes on")
    [answer] = driver.hook_posts()
    return str(answer["text"])


def stored_bytes(bot: RunningBot) -> bytes:
    bot.run(bot.services.store.db.execute("checkpoint", "PRAGMA wal_checkpoint(TRUNCATE)"))
    db = sqlite_path(bot.settings.database_url)
    return b"".join(p.read_bytes() for p in Path(db).parent.iterdir() if p.name.startswith(db.name))


def test_a_reply_in_a_card_thread_becomes_one_note_on_its_candidate_with_a_tick(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    card_ts, contact = card_in_channel(driver, seeded)
    said = opt_in(driver)
    assert "From now on" in said and "<#C0001>" in said and "/invite" not in said  # the bot is in the channel
    sent = reply(driver, card_ts, "Strong yes from me &amp; <@U0001>: great system design", event_id="EvReply1")
    driver.settle()
    [note] = seeded.notes(contact)
    assert note["content"].startswith("Reply in Slack from User U0002, ")
    assert f"https://leonar-test.slack.com/archives/C0001/p{sent['ts'].replace('.', '')}?thread_ts={card_ts}" \
        in note["content"]
    assert note["content"].endswith("Strong yes from me & @User U0001: great system design")  # a name, not an id
    assert ticks(driver, sent) == ["UBOT"]

    reply_again = deliver(driver, sent, event_id="EvReply1")  # Slack's retry of the same event
    assert reply_again.status_code == 200
    driver.settle()
    assert len(seeded.notes(contact)) == 1 and len(slack.calls_to("reactions.add")) == 1
    # What is kept of it: ids (the note's, to update it), never the words.
    saved = bot.run(bot.services.store.thread_notes.saved_reply(HERE, "C0001", sent["ts"]))
    assert saved is not None and saved.contact_id == contact and saved.note_id == note["id"]
    assert b"great system design" not in stored_bytes(bot)


def test_everything_but_a_persons_reply_in_a_card_thread_of_an_opted_in_channel_is_dropped_unstored(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    card_ts, contact = card_in_channel(driver, seeded)
    reply(driver, card_ts, "secret-before-opt-in")  # the channel is not opted in yet
    opt_in(driver)
    slack.add_channel("C0002", member=True)
    person = reply(driver, card_ts, "a person's message", user="U0003")
    top_level = {**person, "ts": "1700000000.000001", "text": "secret-top-level"}
    top_level.pop("thread_ts")
    deliver(driver, top_level)
    reply(driver, person["ts"], "secret-in-a-person-thread")  # a thread, not a card's
    slack.add_user("U0BOT2")
    slack.users["U0BOT2"]["is_bot"] = True
    reply(driver, card_ts, "secret-other-bot", user="U0BOT2", bot_id="B0OTHER")
    legacy = {**person, "subtype": "bot_message", "bot_id": "B0OLD", "text": "secret-legacy-bot", "ts": "1.000003"}
    legacy.pop("user")
    deliver(driver, legacy)
    reply(driver, card_ts, "secret-own-bot", user="UBOT")
    reply(driver, card_ts, "secret-other-channel", channel="C0002")  # same ts, another channel: no card there
    deliver(driver, {**person, "text": "secret-dm", "channel": "D0001", "channel_type": "im", "ts": "1.000002"})
    driver.settle()
    notes = seeded.notes(contact)
    assert [n["content"].rsplit("\n", 1)[-1] for n in notes] == ["a person's message"]  # only the person's reply
    assert len(slack.calls_to("reactions.add")) == 1
    jobs = bot.run(bot.services.store.db.all("jobs", "SELECT count(*) FROM jobs WHERE kind = 'thread_note'"))
    assert jobs == [(1,)]  # the person's reply alone was kept, as accepted work
    kept = stored_bytes(bot)
    for secret in (b"secret-before-opt-in", b"secret-top-level", b"secret-in-a-person-thread", b"secret-other-bot",
                   b"secret-legacy-bot", b"secret-own-bot", b"secret-other-channel", b"secret-dm"):
        assert secret not in kept
    # Nothing was asked of Slack about the authors of what was dropped.
    assert {c.body.get("user") for c in slack.calls_to("users.info")} <= {"U0001", "U0003"}


def test_guests_replies_are_saved_only_when_admins_allow_guests(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    card_ts, contact = card_in_channel(driver, seeded)
    opt_in(driver)
    slack.add_user("UGUEST")
    slack.users["UGUEST"]["is_restricted"] = True
    refused = reply(driver, card_ts, "guest-before", user="UGUEST")
    driver.settle()
    assert seeded.notes(contact) == [] and ticks(driver, refused) == []
    bot.run(bot.services.store.workspaces.update_settings(HERE, allow_guests=True))
    allowed = reply(driver, card_ts, "guest-after", user="UGUEST")
    driver.settle()
    [note] = seeded.notes(contact)
    assert note["content"].endswith("guest-after") and ticks(driver, allowed) == ["UBOT"]


def test_an_outsiders_reply_is_not_saved(bot: RunningBot, driver: SlackDriver, slack: FakeSlack,
                                          seeded: FakeLeonar) -> None:
    card_ts, contact = card_in_channel(driver, seeded)
    opt_in(driver)
    slack.add_user("UOUT", team_id="T0OTHER")  # another organisation, over Slack Connect
    reply(driver, card_ts, "not ours", user="UOUT")
    driver.settle()
    assert seeded.notes(contact) == []


def test_an_edited_reply_updates_its_note_never_a_second_copy(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    card_ts, contact = card_in_channel(driver, seeded)
    opt_in(driver)
    sent = reply(driver, card_ts, "Maybe")
    driver.settle()
    edit(driver, sent, "Yes, after the second call", event_id="EvEdit1")
    driver.settle()
    edit(driver, sent, "Yes, after the second call", event_id="EvEdit1")  # redelivered
    driver.settle()
    [note] = seeded.notes(contact)
    assert note["content"].endswith("Yes, after the second call") and "Maybe" not in note["content"]
    assert len(slack.calls_to("reactions.add")) == 1  # the edit is not marked again


def test_where_leonar_cannot_update_a_note_an_edit_adds_one_correction(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    seeded.note_updates = False
    card_ts, contact = card_in_channel(driver, seeded)
    opt_in(driver)
    sent = reply(driver, card_ts, "No")
    driver.settle()
    edit(driver, sent, "Actually yes", event_id="EvEdit2")
    driver.settle()
    edit(driver, sent, "Actually yes", event_id="EvEdit2")
    driver.settle()
    first, correction = seeded.notes(contact)
    assert first["content"].endswith("\nNo")
    assert correction["content"].startswith("Correction to the reply in Slack from User U0002")
    assert correction["content"].endswith("Actually yes")


def test_a_reply_is_saved_even_where_the_bot_cannot_react(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    card_ts, contact = card_in_channel(driver, seeded)
    opt_in(driver)
    slack.scopes.discard("reactions:write")  # installed before the upgrade: the scope not yet approved
    sent = reply(driver, card_ts, "Saved without its tick")
    driver.settle()
    assert len(seeded.notes(contact)) == 1 and ticks(driver, sent) == []
    assert slack.calls_to("reactions.add")[-1].response["error"] == "missing_scope"


def test_only_admins_turn_it_on_or_off_and_off_stops_it(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    card_ts, contact = card_in_channel(driver, seeded)
    member = SlackDriver(driver.app, driver.signing_secret, slack, user_id="U0009")
    try:
        member.command("thread-notes on")
        assert "Only workspace admins" in member.hook_posts()[0]["text"]
        member.command("thread-notes")
        assert "are not saved" in member.hook_posts()[0]["text"]
    finally:
        member.close()
    assert not bot.run(bot.services.store.thread_notes.on_in(HERE, "C0001"))
    opt_in(driver)
    driver.command("thread-notes off")
    assert "no longer saved" in driver.hook_posts()[0]["text"]
    reply(driver, card_ts, "after off")
    driver.settle()
    assert seeded.notes(contact) == []


def test_turning_it_on_where_the_bot_is_not_a_member_says_to_invite_it(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    driver.command("thread-notes on", channel_id="C0NOTIN")
    text = driver.hook_posts()[0]["text"]
    assert "<#C0NOTIN>" in text and "/invite @Leonar" in text
    driver.command("thread-notes on", channel_id="D0001")
    assert "per channel" in driver.hook_posts()[0]["text"]


def test_a_reply_while_leonar_is_disconnected_is_not_kept(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    card_ts, contact = card_in_channel(driver, seeded)
    opt_in(driver)
    assert bot.run(bot.services.store.workspaces.delete_connection(HERE))
    reply(driver, card_ts, "secret-while-disconnected")
    driver.settle()
    jobs = bot.run(bot.services.store.db.all("jobs", "SELECT count(*) FROM jobs WHERE kind = 'thread_note'"))
    assert jobs == [(0,)] and seeded.notes(contact) == []


def test_a_request_to_the_bot_in_a_card_thread_is_not_saved_as_a_note(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    card_ts, contact = card_in_channel(driver, seeded)
    opt_in(driver)
    reply(driver, card_ts, f"<@{slack.bot_user_id}> pipeline Zeta Platform Lead", event_id="EvAsk1")
    reply(driver, card_ts, "Agreed, let's move on", event_id="EvReply2")
    driver.settle()
    [note] = seeded.notes(contact)  # the person's reply alone: the request is the mention flow's
    assert note["content"].endswith("Agreed, let's move on")
