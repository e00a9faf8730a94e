"""Issue 21 A, each member's own Leonar key, end to end: every path that acts on a member's behalf (an add, a save,
a feedback answer's note, a find, an @Leonar answer, a card-thread reply's note, a resumed add) makes its Leonar
calls with that member's key when they linked one — the fake Leonar records each request's bearer token — and with
the workspace's otherwise; when admins require members' own keys, an unlinked member's action makes no call with
the workspace's key and they are told to link theirs. The linking itself (App Home, `connect me`) is not driven
here: keys are linked through the bot's store."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.i18n import t
from bot.slack import adding, saving
from bot.store import Workspace
from bot.views.member_keys import app_home_url, link_first_text
from bot.views.mentions import ADD_ACTION
from bot.views.save_modal import sealed_of
from tests.e2e.test_thread_notes_more import left_by_a_dead_instance as left_by_a_dead_thread_instance
from tests.support.bot import LEONAR_KEY, SIGNING_SECRET, RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.feedback import CLIENT, ask, button, click, message_in, seed_stage
from tests.support.flows import connect, pick_contact, pick_project
from tests.support.mentions import answers, mention, press
from tests.support.saving import CHANNEL, pick, save_shortcut
from tests.support.threads import card_in_channel, edit, reply

JSON = dict[str, Any]
HERE = Workspace(None, "T0001")
MEMBER, OTHER = "U0002", "U0003"
MEMBER_KEY = "leo_member_key_mia_0002"
HOME = app_home_url("T0001", "A0001")  # the driver's team and app
ENTRIES, NOTES = r"/projects/[^/]+/entries", r"/contacts/[^/]+/notes"
RESUMED = pytest.mark.limits(work_tick_seconds=0.05, work_lease_seconds=0.5)


def link(bot: RunningBot, leonar: FakeLeonar, user_id: str = MEMBER, key: str = MEMBER_KEY) -> None:
    """`user_id` linked their own key (a member of the same Leonar workspace, as the link form checks)."""
    leonar.add_key(key, owner="Mia")
    bot.run(bot.services.store.member_keys.link(HERE, user_id, key))


def require(bot: RunningBot) -> None:
    bot.run(bot.services.store.workspaces.update_settings(HERE, require_member_keys=True))


def keys_of(leonar: FakeLeonar, method: str, path: str, since: int = 0) -> list[str | None]:
    """The bearer token of each `method` request to `path` (a regex), from the `since`-th request on."""
    pattern = re.compile(path)
    return [r.api_key for r in leonar.requests[since:] if r.method == method and pattern.fullmatch(r.path)]


def workspace_calls(leonar: FakeLeonar, since: int) -> list[str]:
    return [f"{r.method} {r.path}" for r in leonar.requests[since:] if r.api_key == LEONAR_KEY]


def member(bot: RunningBot, slack: FakeSlack, user_id: str = MEMBER) -> SlackDriver:
    return SlackDriver(bot, SIGNING_SECRET, slack, user_id=user_id)


def fill_add(who: SlackDriver, contact: str = "bob") -> JSON:
    who.open_modal(callback_id="leonar_add")
    pick_project(who, "zeta", "Zeta")
    pick_contact(who, contact)
    return who.view()


def card_text(slack: FakeSlack) -> str:
    return json.dumps([c.body["blocks"] for c in slack.calls_to("chat.postMessage") if "blocks" in c.body])


# ---------------------------------------------------------------- whose key each path uses


def test_a_linked_members_add_is_made_with_their_key_an_unlinked_members_with_the_workspaces(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    link(bot, seeded)
    mia, ola = member(bot, slack), member(bot, slack, OTHER)
    since = len(seeded.requests)
    fill_add(mia)
    assert mia.submit().status_code == 200
    mia.settle()
    # The searches behind the member's menus were theirs too: nothing of their form went with the workspace's key.
    assert workspace_calls(seeded, since) == []
    fill_add(ola, "martin")
    assert ola.submit().status_code == 200
    ola.settle()
    assert keys_of(seeded, "POST", ENTRIES) == [MEMBER_KEY, LEONAR_KEY]
    assert len(seeded.entries()) == 2
    text = card_text(slack)
    assert f"Added by <@{MEMBER}>" in text and f"Added by <@{OTHER}>" in text  # each card says who added


def test_a_linked_members_adds_count_against_their_keys_budget_not_the_workspaces(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    link(bot, seeded)
    seeded.exhaust_rate_limit(LEONAR_KEY, reset_in=600)  # the workspace's key has nothing left this hour
    since = len(seeded.requests)
    mia = member(bot, slack)
    fill_add(mia)
    assert mia.submit().status_code == 200 and mia.last_errors is None
    mia.settle()
    [entry] = seeded.entries()
    assert entry["contact"]["first_name"] == "Bob"
    assert mia.command("find Martin").status_code == 200  # and finds, which counted on the workspace's key before
    [found] = mia.hook_posts()
    assert "Martin" in json.dumps(found, ensure_ascii=False) and "budget" not in json.dumps(found)
    assert workspace_calls(seeded, since) == []


def test_a_linked_members_save_to_leonar_note_is_made_with_their_key(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    link(bot, seeded)
    slack.add_channel(CHANNEL, member=True)
    message = slack.post(CHANNEL, "U0042", "Bob was great in the call")
    mia = member(bot, slack)
    save_shortcut(mia, message)
    bob = pick(mia, "bob")
    assert mia.submit().status_code == 200
    mia.settle()
    assert len(seeded.notes(bob["value"])) == 1
    assert keys_of(seeded, "POST", NOTES) == [MEMBER_KEY]


def test_a_linked_reviewers_feedback_answer_is_noted_with_their_key(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    """Before: every answer's note went with the workspace's key, so Leonar showed the verdict as the key owner's."""
    _, (jane, _) = seed_stage(leonar)
    slack.add_user(MEMBER)
    link(bot, leonar)
    assert ask(driver, [MEMBER]).status_code == 200
    driver.settle()
    dm, since = slack.bot_dm(MEMBER), len(leonar.requests)
    ts, message = message_in(slack, dm)
    yes = button(message, "feedback_answer_yes", jane["id"])["value"]
    assert click(member(bot, slack), dm, ts, "feedback_answer_yes", yes).status_code == 200
    driver.settle()
    [note] = leonar.notes(jane["id"])
    assert ": Yes." in note["content"]
    assert keys_of(leonar, "POST", f"/contacts/{jane['id']}/notes", since) == [MEMBER_KEY]


def test_a_linked_members_finds_by_mention_and_by_command_use_their_key(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    """Before: find (and pipeline) built the workspace's client themselves, whoever asked."""
    connect(driver)
    link(bot, seeded)
    slack.add_channel(driver.channel_id, member=True)
    since = len(seeded.requests)
    mention(driver, "find Bob Stone", user=MEMBER)
    driver.settle()
    [said] = answers(driver)[-1:]
    assert "Bob Stone" in json.dumps(said)
    assert workspace_calls(seeded, since) == [] and len(seeded.requests) > since

    mia, since = member(bot, slack), len(seeded.requests)
    assert mia.command("find Martin").status_code == 200
    [found] = mia.hook_posts()
    assert "Martin" in json.dumps(found, ensure_ascii=False)
    assert workspace_calls(seeded, since) == [] and len(seeded.requests) > since


def test_a_linked_authors_card_thread_reply_is_noted_with_their_key(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    """Before: every reply's note went with the workspace's key."""
    card_ts, contact = card_in_channel(driver, seeded)
    driver.command("thread-notes on")
    driver.hook_posts()
    link(bot, seeded)
    since = len(seeded.requests)
    sent = reply(driver, card_ts, "Strong yes from me", user=MEMBER)
    driver.settle()
    assert len(seeded.notes(contact)) == 1
    assert keys_of(seeded, "POST", NOTES, since) == [MEMBER_KEY]
    edit(driver, sent, "Strong yes, after the second call")  # its note updated with the key that made it
    driver.settle()
    [note] = seeded.notes(contact)
    assert note["content"].endswith("Strong yes, after the second call")
    assert keys_of(seeded, "PUT", r"/contacts/[^/]+/notes/[^/]+", since) == [MEMBER_KEY]


def test_a_linked_members_mention_add_is_resolved_and_made_with_their_key(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    """Before: the @Leonar add's resolution and its Add press went with the workspace's key."""
    connect(driver)
    link(bot, seeded)
    slack.add_channel(driver.channel_id, member=True)
    since = len(seeded.requests)
    event = mention(driver, "add Éloïse Martin to Zeta Platform Lead", user=MEMBER)
    driver.settle()
    [answer] = [a for a in answers(driver) if a.get("thread_ts") == event["ts"]]
    assert press(member(bot, slack), answer, ADD_ACTION).status_code == 200
    driver.settle()
    [entry] = seeded.entries()
    assert entry["contact"]["first_name"] == "Éloïse"
    assert workspace_calls(seeded, since) == [] and keys_of(seeded, "POST", ENTRIES) == [MEMBER_KEY]
    assert f"Added by <@{MEMBER}>" in card_text(slack)


@RESUMED
def test_a_linked_members_resumed_save_is_noted_with_their_key(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    """Before: a save resumed after a restart went with the workspace's key."""
    connect(driver)
    link(bot, seeded)
    slack.add_channel(CHANNEL, member=True)
    message = slack.post(CHANNEL, "U0042", "Strong yes")
    mia = member(bot, slack)
    view = save_shortcut(mia, message)
    pick(mia, "bob")
    submitted = view | {"state": {"values": mia._values(view)}}
    sealed = sealed_of(view["private_metadata"])
    assert sealed is not None
    bot.run(bot.services.store.jobs.accept("save:left-behind", HERE, saving.KIND,
                                           saving.Saving.payload(submitted, sealed, "en"),
                                           holder="dead", lease_seconds=0.01))
    assert seeded.wait_until(lambda: len(seeded.notes()) == 1)
    driver.settle()
    assert keys_of(seeded, "POST", NOTES) == [MEMBER_KEY]
    assert bot.run(bot.services.store.jobs.pending()) == []


def test_an_edit_whose_note_another_key_made_is_corrected_with_the_authors_key_where_leonar_refuses_the_update(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    """Saved with the workspace's key, edited once the author linked theirs: the update goes with the author's key;
    where Leonar refuses it that change (403: the fake does not model who may change whose note, so it is told to
    refuse), a correction is added instead of the job failing until it is given up."""
    card_ts, contact = card_in_channel(driver, seeded)
    driver.command("thread-notes on")
    driver.hook_posts()
    sent = reply(driver, card_ts, "Strong yes from me", user=MEMBER)
    driver.settle()
    link(bot, seeded)
    since = len(seeded.requests)
    seeded.inject("PUT", r"/contacts/[^/]+/notes/[^/]+", status=403, code="forbidden",
                  message="This note belongs to another user")
    edit(driver, sent, "Strong yes, after the second call")
    driver.settle()
    first, correction = seeded.notes(contact)
    assert first["content"].endswith("Strong yes from me")
    assert "Strong yes, after the second call" in correction["content"]
    assert keys_of(seeded, "PUT", r"/contacts/[^/]+/notes/[^/]+", since) == [MEMBER_KEY]
    assert keys_of(seeded, "POST", NOTES, since) == [MEMBER_KEY]
    assert bot.run(bot.services.store.jobs.pending()) == []


# ---------------------------------------------------------------- admins require members' own keys


def test_required_an_unlinked_members_add_is_refused_without_the_workspaces_key_a_linked_one_goes_on(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    link(bot, seeded)
    mia, ola = member(bot, slack), member(bot, slack, OTHER)
    fill_add(mia)
    fill_add(ola, "martin")  # forms open when admins switch the requirement on
    require(bot)
    since = len(seeded.requests)
    [only] = ola.suggest_options("project_select", "zeta")  # a menu says it too, in its 75 characters
    assert only["text"]["text"] == t("en", "options.link_first", command="/leonar-add")
    assert ola.submit().status_code == 200
    assert ola.last_errors is not None
    # A form's inline error is plain text: the App Home is named there, not linked.
    assert link_first_text("en", None) in ola.last_errors.values()
    assert mia.submit().status_code == 200 and mia.last_errors is None
    mia.settle()
    assert workspace_calls(seeded, since) == []
    assert keys_of(seeded, "POST", ENTRIES) == [MEMBER_KEY] and len(seeded.entries()) == 1


def test_required_an_unlinked_members_find_and_mention_are_told_to_link_with_the_app_home_link(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    link(bot, seeded)
    require(bot)
    slack.add_channel(driver.channel_id, member=True)
    told = link_first_text("en", HOME)
    assert HOME in told
    since = len(seeded.requests)

    ola = member(bot, slack, OTHER)
    response = ola.command("find Bob Stone")
    assert response.status_code == 200
    ola.settle()
    # Said in the command's answer (the gate, bot/slack/context.py) or through its response_url (the find itself).
    said = response.text + json.dumps(slack.hook_posts(str(ola.last_response_url)), ensure_ascii=False)
    assert json.dumps(told, ensure_ascii=False)[1:-1] in said

    mention(driver, "find Bob Stone", user=OTHER)
    mention(driver, "add Bob Stone to Zeta", user=OTHER)
    driver.settle()
    two = [json.dumps(a, ensure_ascii=False) for a in (answers(driver) + answers(driver, "chat.postEphemeral"))]
    assert sum(json.dumps(told, ensure_ascii=False)[1:-1] in a for a in two) == 2, two
    assert workspace_calls(seeded, since) == []
    assert seeded.requests[since:] == []  # nor any other key: nobody's key was there to use

    mention(driver, "find Bob Stone", user=MEMBER)  # linked: answered, with their key
    driver.settle()
    assert "Bob Stone" in json.dumps(answers(driver)[-1])
    assert workspace_calls(seeded, since) == [] and keys_of(seeded, "GET", r"/contacts.*", since)


def test_required_an_unlinked_reviewers_answer_is_not_taken_and_they_are_told_to_link(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    _, (jane, _) = seed_stage(leonar)
    slack.add_user(OTHER)
    assert ask(driver, [OTHER]).status_code == 200
    driver.settle()
    require(bot)
    since = len(leonar.requests)
    dm = slack.bot_dm(OTHER)
    ts, message = message_in(slack, dm)
    ola = member(bot, slack, OTHER)
    yes = button(message, "feedback_answer_yes", jane["id"])["value"]
    assert click(ola, dm, ts, "feedback_answer_yes", yes).status_code == 200
    driver.settle()
    [said] = slack.hook_posts(str(ola.last_response_url))
    assert said["text"] == link_first_text("en", HOME)
    assert leonar.notes(jane["id"]) == [] and workspace_calls(leonar, since) == []
    assert bot.run(bot.services.store.feedback.answers(_request_id(bot))) == []  # not taken: they answer again


def _request_id(bot: RunningBot) -> str:
    [(request_id,)] = bot.run(bot.services.store.db.all("ids", "SELECT id FROM feedback_requests"))
    return str(request_id)


@RESUMED
def test_required_an_unlinked_authors_card_thread_reply_is_not_saved_and_nothing_is_said(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    card_ts, contact = card_in_channel(driver, seeded)
    driver.command("thread-notes on")
    driver.hook_posts()
    require(bot)
    said = len(slack.calls_to("chat.postMessage")) + len(slack.calls_to("chat.postEphemeral"))
    since = len(seeded.requests)
    reply(driver, card_ts, "Strong yes from me", user=OTHER)
    # Accepted before admins required members' keys, run after: not saved either.
    left_by_a_dead_thread_instance(bot, driver, card_ts, contact, {})
    assert slack.wait_until(lambda: not bot.run(bot.services.store.jobs.pending()), 5)  # finished, not retried
    driver.settle()
    assert seeded.notes(contact) == [] and seeded.requests[since:] == []
    assert len(slack.calls_to("chat.postMessage")) + len(slack.calls_to("chat.postEphemeral")) == said
    assert not slack.calls_to("reactions.add")


# ---------------------------------------------------------------- a resumed add: the key as it is at run time


def left_by_a_dead_instance(bot: RunningBot, who: SlackDriver, key: str, contact: str = "bob") -> JSON:
    """`who`'s add form filled in and submitted to an instance that died before Leonar answered: its job, leased
    to that instance, is taken over here at once. Returns the form."""
    view = fill_add(who, contact)
    submitted = view | {"state": {"values": who._values(view)}}
    body = {"user": {"id": who.user_id, "name": "mia"}, "api_app_id": who.api_app_id}
    bot.run(bot.services.store.jobs.accept(key, HERE, adding.KIND, adding.Adding.payload(submitted, body, "en"),
                                           holder="dead", lease_seconds=0.01))
    return view


@RESUMED
def test_a_resumed_add_uses_the_members_key_as_it_is_at_run_time(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    """A resumed add goes with the key `leonar_for` names when it runs, not when it was accepted: the member's own
    once linked (before: a resumed add always went with the workspace's key), the workspace's once they unlinked."""
    connect(driver)
    mia = member(bot, slack)
    link(bot, seeded)
    left_by_a_dead_instance(bot, mia, "add:linked")
    assert seeded.wait_until(lambda: len(seeded.entries()) == 1)
    driver.settle()
    bot.run(bot.services.store.member_keys.unlink(HERE, MEMBER))  # unlinked before the next add is resumed
    left_by_a_dead_instance(bot, mia, "add:unlinked", "martin")
    assert seeded.wait_until(lambda: len(seeded.entries()) == 2)
    driver.settle()
    assert keys_of(seeded, "POST", ENTRIES) == [MEMBER_KEY, LEONAR_KEY]
    assert bot.run(bot.services.store.jobs.pending()) == []


@RESUMED
def test_a_resumed_add_of_a_member_who_must_now_link_adds_nothing_and_tells_them(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    link(bot, seeded)
    mia = member(bot, slack)
    form = fill_add(mia)
    bot.run(bot.services.store.member_keys.unlink(HERE, MEMBER))
    require(bot)
    since = len(seeded.requests)
    submitted = form | {"state": {"values": mia._values(form)}}
    body = {"user": {"id": MEMBER, "name": "mia"}, "api_app_id": mia.api_app_id}
    bot.run(bot.services.store.jobs.accept("add:must-link", HERE, adding.KIND,
                                           adding.Adding.payload(submitted, body, "en"), holder="dead",
                                           lease_seconds=0.01))
    told = link_first_text("en", None)
    assert slack.wait_until(lambda: told in json.dumps(slack.views[form["id"]], ensure_ascii=False), 5)
    driver.settle()
    assert bot.run(bot.services.store.jobs.pending()) == []  # finished: not tried again and again
    assert seeded.requests[since:] == [] and seeded.entries() == []


@RESUMED
def test_a_resumed_add_whose_member_can_be_told_nowhere_still_ends(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    """The form closed and the DM refused: the job ends (nothing was added) rather than being tried again."""
    connect(driver)
    mia = member(bot, slack)
    form = fill_add(mia)
    require(bot)
    submitted = form | {"state": {"values": mia._values(form)}}
    slack.fail("views.update", "not_found", times=10)
    slack.fail("chat.postMessage", "cannot_dm_bot", times=10)
    bot.run(bot.services.store.jobs.accept("add:told-nowhere", HERE, adding.KIND,
                                           adding.Adding.payload(submitted, {"user": {"id": MEMBER}}, "en"),
                                           holder="dead", lease_seconds=0.01))
    assert slack.wait_until(lambda: slack.calls_to("chat.postMessage"), 5)
    driver.settle()
    assert bot.run(bot.services.store.jobs.pending()) == [] and seeded.entries() == []
    assert len(slack.calls_to("chat.postMessage")) == 1  # told once, not at every attempt


def test_required_an_outsiders_feedback_answer_is_still_noted_with_the_workspaces_key(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    """Someone of another organisation (a shared channel) can link no key here: admins requiring members' own keys
    does not stop their answer, which is noted with the workspace's key as before."""
    here = Workspace(None, "T0001")
    _, (jane, _) = seed_stage(leonar)
    slack.add_user(CLIENT, team_id="T0AGENCY")
    bot.run(bot.services.store.workspaces.update_settings(here, allow_shared_channels=True))
    ask(driver, [CLIENT])
    driver.settle()
    bot.run(bot.services.store.workspaces.update_settings(here, require_member_keys=True))
    ts, message = message_in(slack, slack.bot_dm(CLIENT))
    agency = SlackDriver(bot, SIGNING_SECRET, slack, user_id=CLIENT, team_id="T0AGENCY")
    try:
        leonar.requests.clear()
        click(agency, slack.bot_dm(CLIENT), ts, "feedback_answer_yes",
              button(message, "feedback_answer_yes", jane["id"])["value"])
        driver.settle()
    finally:
        agency.close()
    [note] = leonar.notes(jane["id"])
    assert "Yes" in note["content"]
    assert {r.api_key for r in leonar.requests if r.path.endswith("/notes")} == {LEONAR_KEY}
    assert not [c for c in slack.calls_to("chat.postMessage") if "own Leonar key" in str(c.body.get("text"))]
