"""`python -m tests.support.tryout_ask`: asking Leonar from Slack (issue 20), tried as a recruiter would, against the
fakes and the real `python -m bot` (SQLite), with signed Slack requests:

1. `/leonar-add find` by name (after one add from Slack, as `tryout.py` does), by a seeded contact's LinkedIn URL,
   and by a name nobody has (the hint);
2. `/leonar-add pipeline` with an exact project name (the pulse), an ambiguous one (the choices) and a misspelt one
   (the closest names); **Share in channel** on the pulse and what the channel gets;
3. @Leonar in a channel thread: `find`, `pipeline`, `add <LinkedIn URL> to <project> at <stage>` (the confirmation,
   a colleague's press on **Add** refused, the asker's press and the card in the thread), `cherche …` and words it
   does not understand (the help).

Each step prints what the recruiter (or the channel) would see in Slack, made readable as in `tryout_voice.py`,
then the Block Kit problems the fake Slack noticed and the bot's log.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bot.views import mentions as mention_views
from bot.views import pulse as pulse_views
from tests.support.fakes import slack_messages
from tests.support.fakes.leonar import FakeLeonar, seed_demo
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import posts_in
from tests.support.mentions import answers, mention, press
from tests.support.tryout import BOT_TOKEN, DEMO_KEY, SIGNING_SECRET, finish, round_trip, start_bot, until
from tests.support.tryout_voice import CHANNEL, ProcessDriver, readable, show, show_message, team

JSON = dict[str, Any]
RECRUITER, COLLEAGUE = "U0001", "U0003"
PEOPLE = {RECRUITER: "Marc Dubois", COLLEAGUE: "Sam Lee"}
DAY = 86400
ZETA = "Zeta Platform Lead"
# Candidates already in Zeta (made in Leonar by someone else), oldest first: spread 6 days apart, so the first
# entries have waited longer than the pulse's 14 days.
IN_ZETA = (("Lucas", "Screening"), ("Chloé", "Interview"), ("Mathéo", "Interview"), ("Inès", "Sourced"),
           ("Noah", "Offer"))


def contact(leonar: FakeLeonar, first: str) -> JSON:
    return next(c for c in leonar.contacts() if c["first_name"] == first)


def prepare(leonar: FakeLeonar) -> None:
    """The demo workspace, a pipeline in Zeta with some waiting long, and two projects of the same name."""
    seed_demo(leonar, DEMO_KEY)
    zeta = next(p for p in leonar.projects() if p["name"] == ZETA)
    for first, stage in IN_ZETA:
        leonar.add_entry(zeta["id"], contact(leonar, first)["id"], stage=stage)
    leonar.spread_entries(6 * DAY)
    leonar.add_project("Data Engineer", workspace="acme", location="Lyon")
    leonar.add_project("Data Engineér", workspace="acme", location="Lille")


def command(driver: ProcessDriver, slack: FakeSlack, text: str, title: str) -> JSON:
    """`/leonar-add <text>`; prints the private answer (the first post to the response_url) and returns it."""
    started = time.monotonic()
    response = driver.command(text)
    [answer, *more] = driver.hook_posts()
    elapsed = time.monotonic() - started
    driver.settle()
    show_message(f"{title} — HTTP {response.status_code}, {answer.get('response_type', '?')} answer in "
                 f"{elapsed:.2f} s:", answer, slack)
    for later in [*more, *slack.hook_posts(str(driver.last_response_url))[1 + len(more):]]:
        show_message("   → then, to the same response_url:", later, slack)
    return answer


def finds(driver: ProcessDriver, slack: FakeSlack, leonar: FakeLeonar) -> None:
    print(f"1. RECRUITER ({PEOPLE[RECRUITER]}): /leonar-add find")
    before = len(leonar.requests)
    command(driver, slack, "find martin", "a. /leonar-add find martin")
    print(f"      (Leonar requests for this find: {len(leonar.requests) - before})")
    zoe = contact(leonar, "Zoé")
    before = len(leonar.requests)
    command(driver, slack, f"find {zoe['linkedin_profile']}",
            f"b. /leonar-add find {zoe['linkedin_profile']}  (Zoé {zoe['last_name']}, in no project)")
    print(f"      (Leonar requests for this find: {len(leonar.requests) - before})")
    command(driver, slack, "find Sophie Nobody", "c. /leonar-add find Sophie Nobody  (nobody of that name)")


def pipelines(driver: ProcessDriver, slack: FakeSlack, leonar: FakeLeonar) -> None:
    print(f"2. RECRUITER ({PEOPLE[RECRUITER]}): /leonar-add pipeline")
    before = len(leonar.requests)
    pulse = command(driver, slack, f"pipeline {ZETA}", f"a. /leonar-add pipeline {ZETA}")
    print(f"      (Leonar requests for this pulse: {len(leonar.requests) - before})")
    command(driver, slack, "pipeline data engineer", "b. /leonar-add pipeline data engineer  (two projects)")
    command(driver, slack, "pipeline Zeta Platfrm Lead", "c. /leonar-add pipeline Zeta Platfrm Lead  (misspelt)")
    command(driver, slack, "pipeline", "d. /leonar-add pipeline  (no project)")
    shared = len(posts_in(slack, CHANNEL))
    response = driver.press(pulse, pulse_views.SHARE_ACTION)
    post = until(lambda: posts_in(slack, CHANNEL)[shared:], "the shared pulse")
    driver.settle()
    print(f"   e. pressed [Share in channel] on the pulse: HTTP {response.status_code}")
    for message in post:
        show_message(f"   → #{CHANNEL} gets, for everyone:", message, slack)
    for said in slack.hook_posts(str(driver.last_response_url)):
        show_message("   → the recruiter's private answer becomes:", said, slack)
    driver.press(pulse, pulse_views.SHARE_ACTION)
    driver.settle()
    print(f"   f. pressed [Share in channel] on the same private pulse again: #{CHANNEL} now has "
          f"{len(posts_in(slack, CHANNEL)) - shared} shared pulse(s); said to the recruiter: "
          f"{[readable(str(m.get('text')), slack) for m in slack.hook_posts(str(driver.last_response_url))]}")


def ask(driver: ProcessDriver, slack: FakeSlack, words: str, root: str, title: str) -> list[JSON]:
    """@Leonar <words> in the thread of `root`; prints and returns what the bot said in that thread (or privately)."""
    posted, private = len(answers(driver)), len(answers(driver, "chat.postEphemeral"))
    started = time.monotonic()
    event = mention(driver, words, thread_ts=root)
    said = until(lambda: answers(driver)[posted:] + answers(driver, "chat.postEphemeral")[private:],
                 f"the answer to “{words}”", timeout=25)
    elapsed = time.monotonic() - started
    driver.settle()
    said = answers(driver)[posted:] + answers(driver, "chat.postEphemeral")[private:]
    written = readable(event["text"], slack).replace(f"@{slack.bot_user_id}", "@Leonar")
    print(f"   {title}: {PEOPLE[driver.user_id]} writes in the thread: {written}")
    for answer in said:
        where = "in the thread" if answer.get("thread_ts") == root else f"in {answer['channel']} (not the thread)"
        privately = " privately" if "user" in answer else ""
        show_message(f"   → the bot answers{privately} {where} in {elapsed:.2f} s:", answer, slack)
    return said


def mentions(recruiter: ProcessDriver, colleague: ProcessDriver, slack: FakeSlack, leonar: FakeLeonar) -> None:
    print(f"3. RECRUITER ({PEOPLE[RECRUITER]}): @Leonar in a thread of #{CHANNEL}")
    root = slack_messages.said(slack, CHANNEL, RECRUITER, "Where are we on the Zeta search? Thread for the team")
    print(f"   {PEOPLE[RECRUITER]} wrote in #{CHANNEL}: {root['text']}")
    ask(recruiter, slack, "find martin", root["ts"], "a")
    ask(recruiter, slack, f"pipeline {ZETA.lower()}", root["ts"], "b")
    zoe = contact(leonar, "Zoé")
    url = str(zoe["linkedin_profile"])
    link = f"<{url}|{url.removeprefix('https://www.')}>"  # as Slack sends a pasted URL
    [confirmation] = ask(recruiter, slack, f"add {link} to {ZETA} at interview", root["ts"], "c")
    entries = len(leonar.entries())
    response = press(colleague, confirmation, mention_views.ADD_ACTION)
    refused = until(lambda: slack.hook_posts(str(colleague.last_response_url)), "the colleague's press answered")
    colleague.settle()
    print(f"   d. {PEOPLE[COLLEAGUE]} presses [Add] on it: HTTP {response.status_code}; "
          f"entries made: {len(leonar.entries()) - entries}")
    for said in refused:
        show_message(f"   → {PEOPLE[COLLEAGUE]} is told ({said.get('response_type', '?')}):", said, slack)
    posted = len(answers(recruiter))
    response = press(recruiter, confirmation, mention_views.ADD_ACTION)
    until(lambda: answers(recruiter)[posted:], "the card in the thread")
    recruiter.settle()
    print(f"   e. {PEOPLE[RECRUITER]} presses [Add]: HTTP {response.status_code}; "
          f"entries made: {len(leonar.entries()) - entries}")
    for said in slack.hook_posts(str(recruiter.last_response_url)):
        show_message("   → the confirmation becomes:", said, slack)
    for message in answers(recruiter)[posted:]:
        where = "in the thread" if message.get("thread_ts") == root["ts"] else f"in {message['channel']}"
        show_message(f"   → posted {where}:", message, slack)
    ask(recruiter, slack, "cherche Zoé", root["ts"], "f")
    ask(recruiter, slack, "who has been stuck in Interview for weeks?", root["ts"], "g")


def main() -> None:
    started = time.monotonic()
    with FakeSlack(bot_token=BOT_TOKEN) as slack, FakeLeonar() as leonar, tempfile.TemporaryDirectory() as tmp:
        prepare(leonar)
        team(slack, PEOPLE, admin=RECRUITER)
        process, url = start_bot(slack, leonar, Path(tmp))
        print(f"bot {url}  fake Slack {slack.api_url}  fake Leonar {leonar.url}  (signing secret {SIGNING_SECRET})")
        recruiter = ProcessDriver(url, slack, leonar, RECRUITER)
        colleague = ProcessDriver(url, slack, leonar, COLLEAGUE)
        try:
            print(f"0. RECRUITER ({PEOPLE[RECRUITER]}, admin): connect and add a candidate, as tryout.py does; "
                  f"{len(IN_ZETA)} candidates were already in {ZETA} (added in Leonar, 6 days apart)")
            card = round_trip(recruiter, slack, say=lambda text: print("  ", text))
            recruiter.settle()
            show(f"7. the card posted in #{card['channel']} (fallback text):", [readable(card["text"], slack)])
            finds(recruiter, slack, leonar)
            pipelines(recruiter, slack, leonar)
            mentions(recruiter, colleague, slack, leonar)
            print(f"Block Kit problems: {slack.problems or 'none'}")
            print(f"all in {time.monotonic() - started:.1f} s")
        finally:
            print("--- bot log ---\n" + finish(process, recruiter, colleague))


if __name__ == "__main__":
    main()
