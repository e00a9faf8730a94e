"""@Leonar requests end to end (issue 20 D): a mention in a channel or thread, or a message in the app's DM, read
with the documented grammar (English and French) and answered in the thread; an add is confirmed first and only
its asker's press adds; guests and outsiders are refused; a shared channel gets private answers; each event once."""

from __future__ import annotations

import json

import pytest

from bot.i18n import t
from bot.views.mentions import ADD_ACTION, CHANGE_ACTION
from tests.support.bot import LEONAR_KEY, SIGNING_SECRET, RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect
from tests.support.mentions import answers, in_dm, mention, press
from tests.support.threads import deliver

STRANGER = "U0005"


@pytest.fixture
def ready(driver: SlackDriver, leonar: FakeLeonar) -> FakeLeonar:
    leonar.add_project("Zeta Platform Lead", stages=["Sourced", "Call", "Onsite", "Hired"])
    leonar.add_project("Ingénieur Backend", stages=["Sourcé", "Entretien", "Offre"])
    leonar.add_contact("Éloïse", "Martin", title="Staff Engineer",
                       linkedin_profile="https://www.linkedin.com/in/eloise-martin")
    connect(driver)
    driver.slack.add_channel(driver.channel_id, member=True)
    return leonar


def answer_to(driver: SlackDriver, event: dict[str, object], method: str = "chat.postMessage") -> dict[str, object]:
    driver.settle()
    [answer] = [a for a in answers(driver, method) if a.get("thread_ts") == event["ts"]]
    return answer


def words(answer: dict[str, object]) -> str:
    return json.dumps(answer["blocks"], ensure_ascii=False)


@pytest.mark.parametrize(("said", "lang"), [("hello, can you help?", "en"), ("please find Sophie", "en"),
                                            ("ajoute Éloïse Martin", "fr")])
def test_anything_not_understood_gets_the_short_help_in_the_thread(
    driver: SlackDriver, ready: FakeLeonar, said: str, lang: str
) -> None:
    event = mention(driver, said)
    answer = answer_to(driver, event)
    assert answer["text"] == t(lang, "mention.help_title") and answer["channel"] == driver.channel_id
    assert ("add sophie@acme.io to" if lang == "en" else "ajoute sophie@acme.io à") in words(answer)
    assert not ready.entries()


def test_an_add_is_confirmed_in_the_thread_and_the_askers_press_adds_it_with_the_card_in_the_thread(
    driver: SlackDriver, ready: FakeLeonar
) -> None:
    event = mention(driver, "add Éloïse MARTIN to zeta platform lead at call", thread_ts="1700000000.000100")
    answer = answer_to(driver, {"ts": "1700000000.000100"})
    assert "Add *Éloïse Martin — Staff Engineer* to *Zeta Platform Lead* at *Call*?" in words(answer)
    assert not ready.entries()  # never from the mention itself
    assert press(driver, answer, ADD_ACTION).status_code == 200
    driver.settle()
    [entry] = ready.entries()
    assert entry["stage"]["name"] == "Call" and entry["contact"]["first_name"] == "Éloïse"
    confirmation, card = answers(driver)
    assert confirmation["_ts"] == answer["_ts"] and "Éloïse" in card["text"]
    assert card["thread_ts"] == "1700000000.000100" and card["channel"] == driver.channel_id
    [done] = driver.slack.hook_posts(driver.last_response_url)
    assert done["replace_original"] is True and "was added to *Zeta Platform Lead* at *Call*." in done["text"]
    assert event["thread_ts"] == "1700000000.000100"


def test_the_french_form_is_answered_in_french(driver: SlackDriver, ready: FakeLeonar) -> None:
    event = mention(driver, "ajoute <https://www.linkedin.com/in/eloise-martin|linkedin.com/in/eloise-martin> "
                                 "à ingenieur backend en entretien")
    answer = answer_to(driver, event)
    assert "Ajouter *Éloïse Martin — Staff Engineer* à *Ingénieur Backend* en *Entretien* ?" in words(answer)
    assert "Modifier…" in words(answer)


def test_someone_else_pressing_add_or_a_value_of_another_workspace_adds_nothing(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, ready: FakeLeonar
) -> None:
    answer = answer_to(driver, mention(driver, "add Éloïse Martin to Zeta Platform Lead"))
    slack.add_user(STRANGER)
    other = SlackDriver(bot, SIGNING_SECRET, slack, user_id=STRANGER)
    assert press(other, answer, ADD_ACTION).status_code == 200
    other.settle()
    [refused] = slack.hook_posts(other.last_response_url)
    assert refused["response_type"] == "ephemeral" and f"Only <@{driver.user_id}>" in refused["text"]
    forged = json.loads(str(answer["blocks"][-1]["elements"][0]["value"])) | {"workspace": "T9999"}
    assert press(driver, answer, ADD_ACTION, value=json.dumps(forged)).status_code == 200
    driver.settle()
    assert ready.entries() == []
    other.close()


def test_change_opens_the_add_form_prefilled_with_what_was_understood(
    driver: SlackDriver, ready: FakeLeonar
) -> None:
    answer = answer_to(driver, mention(driver, "add Éloïse Martin to Zeta Platform Lead at Onsite"))
    assert press(driver, answer, CHANGE_ACTION).status_code == 200
    driver.settle()
    view = driver.view()
    text = json.dumps(view, ensure_ascii=False)
    assert "Zeta Platform Lead" in text and "Onsite" in text and "Éloïse Martin" in text


def test_an_ambiguous_project_lists_the_choices_and_an_unknown_candidate_offers_the_form(
    driver: SlackDriver, ready: FakeLeonar
) -> None:
    ready.add_project("Sales")
    ready.add_project("sales")
    answer = answer_to(driver, mention(driver, "add Éloïse Martin to Sales"))
    assert "Several Leonar projects are named 'Sales': Sales (" in words(answer)
    assert ADD_ACTION not in words(answer) and CHANGE_ACTION in words(answer)
    nobody = answer_to(driver, mention(driver, "add Nobody Known to Zeta Platform Lead"))
    assert "Leonar has no candidate “Nobody Known”" in words(nobody) and ADD_ACTION not in words(nobody)


def test_guests_and_outsiders_are_refused_privately(driver: SlackDriver, slack: FakeSlack, ready: FakeLeonar) -> None:
    slack.users["UGUEST"] = slack.make_user("UGUEST") | {"is_restricted": True}
    slack.add_user("UOUT", team_id="T0OTHER")
    for user, why in (("UGUEST", "access.guest"), ("UOUT", "access.external")):
        event = mention(driver, "add Éloïse Martin to Zeta Platform Lead", user=user)
        refused = answer_to(driver, event, "chat.postEphemeral")
        assert refused["user"] == user and refused["text"] == t("en", why)[:300]
        assert ADD_ACTION not in words(refused)
    assert not [a for a in answers(driver) if a.get("thread_ts")]  # nothing for the channel to see


def test_in_a_channel_shared_with_another_organisation_the_answer_is_private(
    driver: SlackDriver, slack: FakeSlack, ready: FakeLeonar
) -> None:
    slack.ext_shared_channels.add(driver.channel_id)
    event = mention(driver, "add Éloïse Martin to Zeta Platform Lead")
    answer = answer_to(driver, event, "chat.postEphemeral")
    assert answer["user"] == driver.user_id and "Zeta Platform Lead" in words(answer)
    assert not [a for a in answers(driver) if a.get("thread_ts")]


def test_the_apps_dm_is_answered_where_asked(driver: SlackDriver, slack: FakeSlack, ready: FakeLeonar) -> None:
    in_dm(driver, "ajoute Éloïse Martin à Zeta Platform Lead")
    driver.settle()
    [answer] = [a for a in answers(driver) if a["channel"] == slack.bot_dm(driver.user_id)]
    assert "thread_ts" not in answer and "Ajouter *Éloïse Martin" in words(answer)


def test_a_redelivered_event_is_answered_once_and_bots_are_ignored(
    driver: SlackDriver, slack: FakeSlack, ready: FakeLeonar
) -> None:
    event = mention(driver, "hello", event_id="EvMention1")
    deliver(driver, event, event_id="EvMention1")  # Slack's retry
    driver.settle()
    assert len([a for a in answers(driver) if a.get("thread_ts") == event["ts"]]) == 1
    from tests.support.fakes import slack_messages
    by_bot = slack_messages.mentioned(slack, driver.channel_id, "UOTHERBOT", "<@UBOT> hello", bot_id="B0OTHER")
    deliver(driver, by_bot)
    driver.settle()
    assert not [a for a in answers(driver) if a.get("thread_ts") == by_bot["ts"]]


def test_a_leonar_that_is_down_gets_a_clear_answer(driver: SlackDriver, ready: FakeLeonar) -> None:
    ready.inject("GET", r".*/projects.*", status=503, times=10)
    answer = answer_to(driver, mention(driver, "add Éloïse Martin to Zeta Platform Lead"))
    assert answer["text"] and "Leonar" in words(answer) and ADD_ACTION not in words(answer)


def test_in_the_apps_dm_add_posts_the_card_there_and_a_second_press_adds_nothing_more(
    driver: SlackDriver, slack: FakeSlack, ready: FakeLeonar
) -> None:
    in_dm(driver, "add Éloïse Martin to Zeta Platform Lead")
    driver.settle()
    [answer] = answers(driver)
    assert press(driver, answer, ADD_ACTION).status_code == 200
    driver.settle()
    assert len(ready.entries()) == 1
    _, card = answers(driver)
    assert card["channel"] == driver.user_id and "Éloïse" in card["text"]  # the app's DM with the asker
    assert press(driver, answer, ADD_ACTION).status_code == 200
    driver.settle()
    [again] = slack.hook_posts(driver.last_response_url)
    assert "already in *Zeta Platform Lead*" in again["text"] and len(ready.entries()) == 1
    assert len(answers(driver)) == 2  # no second card


def test_a_rate_limited_leonar_gets_a_clear_answer(driver: SlackDriver, ready: FakeLeonar) -> None:
    ready.exhaust_rate_limit(LEONAR_KEY, reset_in=600)
    answer = answer_to(driver, mention(driver, "add Éloïse Martin to Zeta Platform Lead"))
    assert "try again in 10 minutes" in words(answer) and ADD_ACTION not in words(answer)


@pytest.mark.limits(mention_seconds=0.3)
def test_a_slow_leonar_gets_a_clear_answer(driver: SlackDriver, ready: FakeLeonar) -> None:
    ready.inject("GET", r".*/projects.*", delay=1.0, times=3)
    answer = answer_to(driver, mention(driver, "ajoute Éloïse Martin à Zeta Platform Lead"))
    assert answer["text"] == t("fr", "mention.slow") and not ready.entries()


@pytest.mark.parametrize(("said", "lang"), [("find Éloïse Martin", "en"), ("cherche Éloïse Martin", "fr")])
def test_find_is_answered_in_the_thread_for_everyone_in_an_internal_channel(
    driver: SlackDriver, ready: FakeLeonar, said: str, lang: str
) -> None:
    answer = answer_to(driver, mention(driver, said))
    assert "Éloïse Martin" in words(answer) and answer["channel"] == driver.channel_id
    assert "find_share" not in words(answer)  # already for everyone: nothing to share
    nobody = answer_to(driver, mention(driver, said.replace("Éloïse Martin", "Personne Inconnue")))
    assert nobody["text"].startswith(t(lang, "find.none_name", query="Personne Inconnue"))


def test_pipeline_is_answered_in_the_thread_in_the_askers_language(
    driver: SlackDriver, slack: FakeSlack, ready: FakeLeonar
) -> None:
    zeta = next(p for p in ready.projects() if p["name"] == "Zeta Platform Lead")
    eloise = next(c for c in ready.contacts() if c["first_name"] == "Éloïse")
    ready.add_entry(zeta["id"], eloise["id"], stage="Call")
    answer = answer_to(driver, mention(driver, "pipeline zeta platform LEAD"))
    assert "Zeta Platform Lead" in words(answer) and "Call" in words(answer)
    assert "Zeta Platform Lead — pipeline" in words(answer)
    slack.users["U0007"] = slack.make_user("U0007") | {"locale": "fr-FR"}  # "pipeline" is French too
    french = answer_to(driver, mention(driver, "pipeline Zeta Platform Lead", user="U0007"))
    assert "Zeta Platform Lead — le pipeline" in words(french)


def test_find_in_a_shared_channel_is_private_with_share_in_channel(
    driver: SlackDriver, slack: FakeSlack, ready: FakeLeonar
) -> None:
    slack.ext_shared_channels.add(driver.channel_id)
    answer = answer_to(driver, mention(driver, "find Éloïse Martin"), "chat.postEphemeral")
    assert answer["user"] == driver.user_id and "Éloïse Martin" in words(answer) and "find_share" in words(answer)
    assert not [a for a in answers(driver) if a.get("thread_ts")]


def test_two_candidates_of_that_name_are_listed_and_change_opens_the_form_searching_for_them(
    driver: SlackDriver, ready: FakeLeonar
) -> None:
    ready.add_contact("Bob", "Stone", title="Designer")
    ready.add_contact("Bob", "Stone", title="Engineer")
    answer = answer_to(driver, mention(driver, "add bob stone to Zeta Platform Lead at Onsite"))
    assert "Bob Stone — Designer" in words(answer) and "Bob Stone — Engineer" in words(answer)
    assert ADD_ACTION not in words(answer)
    assert press(driver, answer, CHANGE_ACTION).status_code == 200
    driver.settle()
    view = driver.view()
    metadata = json.loads(view["private_metadata"])
    assert metadata["seed"] == "bob stone" and metadata["thread_ts"] == answer["thread_ts"]
    assert "Onsite" in json.dumps(view, ensure_ascii=False) and not ready.entries()
