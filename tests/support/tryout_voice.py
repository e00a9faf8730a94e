"""`python -m tests.support.tryout_voice`: the team's voice reaching Leonar (issue 19), tried as a newcomer would,
against the fakes and the real `python -m bot` (SQLite), with signed Slack requests:

1. a recruiter (an admin) connects and adds a candidate (as `tryout.py` does), clicks the card's **Ask for
   feedback**, picks a hiring manager and sends: the direct message the hiring manager gets;
2. the hiring manager answers Yes, adds a comment, then changes to No: each note that lands in Leonar, the request
   message updated in place (the tally), and the recruiter's message once everyone answered;
3. the admin turns card threads on in the channel, a colleague replies under the card and edits the reply: the
   note in Leonar (one, updated) and the ✓ on the reply;
4. someone uses **Save to Leonar** on a colleague's message holding a Leonar contact link: the form, the note in
   Leonar and the ✓.

Each step prints what that person would see in Slack (mrkdwn made readable: mentions as names, links as their
text), then the Block Kit problems the fake Slack noticed and the bot's log.
"""

from __future__ import annotations

import html
import json
import re
import tempfile
import textwrap
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.views import feedback as request_views
from bot.views import feedback_modal as form_views
from bot.views import save_modal as save_views
from tests.support.driver import SlackDriver
from tests.support.fakes import slack_messages
from tests.support.fakes.leonar import FakeLeonar, seed_demo
from tests.support.fakes.slack import FakeSlack
from tests.support.feedback import button, click, message_in, pick_users
from tests.support.saving import save_shortcut
from tests.support.threads import deliver, edit, reply, ticks
from tests.support.tryout import BOT_TOKEN, DEMO_KEY, SIGNING_SECRET, finish, round_trip, start_bot, until
from tests.support.unfurls import contact_link, contact_of

JSON = dict[str, Any]
CHANNEL = "C0001"
RECRUITER, HIRING_MANAGER, COLLEAGUE = "U0001", "U0002", "U0003"
PEOPLE = {RECRUITER: "Marc Dubois", HIRING_MANAGER: "Jane Doe", COLLEAGUE: "Sam Lee"}
QUIET = 0.5  # seconds without a call to either fake: the bot process is done with what it acknowledged


class ProcessDriver(SlackDriver):
    """A SlackDriver of the `python -m bot` process. A process cannot say when it has finished what it acknowledged
    (the in-process bot can), so `settle` waits until neither fake has heard from it for QUIET seconds."""

    def __init__(self, url: str, slack: FakeSlack, leonar: FakeLeonar, user_id: str) -> None:
        super().__init__(url, SIGNING_SECRET, slack, user_id=user_id, channel_id=CHANNEL)
        self.leonar = leonar

    def settle(self, timeout: float = 5.0) -> None:
        def seen() -> tuple[int, int]:
            return len(self.slack.calls), len(self.leonar.requests)

        deadline, last, since = time.monotonic() + timeout, seen(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            if (now := seen()) != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= QUIET:
                return
        raise RuntimeError(f"the bot was still calling Slack or Leonar after {timeout:g} s")


# ----------------------------------------------------------------------------------------------- what people see
def readable(text: str, slack: FakeSlack) -> str:
    """mrkdwn as Slack shows it: <@U…> as @Name, <#C…> as #channel, <url|label> as label (url), entities decoded."""
    def mention(found: re.Match[str]) -> str:
        return "@" + str(slack.users.get(found[1], {}).get("real_name") or found[1])

    text = re.sub(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>", mention, text)
    text = re.sub(r"<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>", lambda m: "#" + (m[2] or m[1]), text)
    text = re.sub(r"<!date\^(\d+)\^[^|>]*\|[^>]*>", lambda m: _when(int(m[1])), text)
    text = re.sub(r"<!([a-z]+)>", r"@\1", text)
    text = re.sub(r"<([^|>]+)\|([^>]*)>", r"\2 (\1)", text)
    text = re.sub(r"<([^>]+)>", r"\1", text)
    return html.unescape(text)


def _when(seconds: int) -> str:
    """A <!date^…> token as Slack shows it to a reader in Paris (every person here is): e.g. Dec 7, 2026 11:54 PM."""
    moment = datetime.fromtimestamp(seconds, ZoneInfo("Europe/Paris"))
    return f"{moment:%b} {moment.day}, {moment.year} {moment:%I:%M %p}".replace(" 0", " ")


def _text(node: JSON | None, slack: FakeSlack) -> str:
    return readable(str(node["text"]), slack) if node else ""


def _element(element: JSON, slack: FakeSlack) -> str:
    kind = element["type"]
    if kind == "button":
        return f"[{element['text']['text']}]" + (f"({element['url']})" if element.get("url") else "")
    if kind in ("mrkdwn", "plain_text"):
        return _text(element, slack)
    if kind == "image":
        return f"(image: {element.get('alt_text', '')})"
    initial = (element.get("initial_value") or element.get("initial_date")
               or (element.get("initial_option") or {}).get("text", {}).get("text")
               or ", ".join(o["text"]["text"] for o in element.get("initial_options", [])))
    offered = [o["text"]["text"] for o in element.get("options", [])]
    shown = f"{kind}" + (f" options {offered}" if offered else "") + (f" = “{initial}”" if initial else "")
    return f"<{shown}>"


def render(blocks: list[JSON], slack: FakeSlack) -> list[str]:
    """Block Kit as lines a person reads: sections, context, buttons as [Label], form inputs as label: <element>."""
    lines: list[str] = []
    for block in blocks:
        kind = block["type"]
        if kind in ("section", "header"):
            text = _text(block.get("text"), slack)
            fields = [_text(f, slack) for f in block.get("fields", [])]
            accessory = f"  {_element(block['accessory'], slack)}" if block.get("accessory") else ""
            lines += [line for part in [text + accessory, *fields] for line in part.split("\n")]
        elif kind == "context":
            lines.append("  " + "  ".join(_element(e, slack) for e in block["elements"]))
        elif kind == "actions":
            lines.append(" ".join(_element(e, slack) for e in block["elements"]))
        elif kind == "input":
            optional = " (optional)" if block.get("optional") else ""
            lines.append(f"{block['label']['text']}{optional}: {_element(block['element'], slack)}")
        elif kind == "divider":
            lines.append("———")
        else:
            lines.append(f"({kind} block)")
    return lines


def show(title: str, lines: list[str], indent: str = "     ") -> None:
    print(f"   {title}")
    for line in lines:
        for part in textwrap.wrap(line, 108, replace_whitespace=False, break_on_hyphens=False) or [""]:
            print(indent + "│ " + part)


def show_message(title: str, message: JSON, slack: FakeSlack) -> None:
    show(title, [f"(notification text) {readable(str(message.get('text', '')), slack)}", "",
                 *render(message.get("blocks", []), slack)])


def show_view(title: str, view: JSON, slack: FakeSlack) -> None:
    buttons = [f"[{view[k]['text']}]" for k in ("close", "submit") if view.get(k)]
    show(f"{title} — modal “{view['title']['text']}”", [*render(view["blocks"], slack), " ".join(buttons)])


def show_note(title: str, note: JSON) -> None:
    show(f"{title} (note {note['id'][:8]}…):", str(note["content"]).split("\n"))


def requester_posts(slack: FakeSlack) -> list[JSON]:
    return [c.body for c in slack.calls_to("chat.postMessage") if c.body.get("channel") == RECRUITER]


# ----------------------------------------------------------------------------------------------- the steps
def ask_for_feedback(driver: ProcessDriver, slack: FakeSlack) -> tuple[str, str, JSON]:
    """The recruiter adds a candidate, then asks the hiring manager about them from the card: (the DM, the request
    message's ts, the message)."""
    print("1. RECRUITER (Marc Dubois, admin): connect, add a candidate, ask the hiring manager for feedback")
    card = round_trip(driver, slack, say=lambda text: print("  ", text))
    card_call = next(c for c in slack.calls_to("chat.postMessage") if c.body == card)
    card_ts = str(card_call.response["ts"])
    show_message(f"7. the card posted in #{card['channel']}:", card, slack)
    ask = next(b["accessory"] for b in card["blocks"] if b.get("block_id") == request_views.ASK_ACTION)
    opened = len(slack.calls_to("views.open"))
    click(driver, CHANNEL, card_ts, request_views.ASK_ACTION, ask["value"])
    slack.wait_for("views.open", opened + 1)
    driver.settle()
    form = driver.wait_view(lambda v: v["callback_id"] == form_views.CALLBACK_ID)
    show_view(f"8. clicked [{ask['text']['text']}] on the card:", form, slack)
    pick_users(driver, form_views.REVIEWERS_ACTION, [HIRING_MANAGER])
    response = driver.submit()
    print(f"   9. picked {PEOPLE[HIRING_MANAGER]} as reviewer, left the question and due date, submitted: "
          f"HTTP {response.status_code}")
    dm = slack.bot_dm(HIRING_MANAGER)
    ts, message = until(lambda: _request_in(slack, dm), "the request message in the hiring manager's DM")
    driver.settle()
    show_view("10. the form now says:", driver.view(), slack)
    show_message(f"11. HIRING MANAGER ({PEOPLE[HIRING_MANAGER]}) gets, in the app's DM:", message, slack)
    return dm, ts, message


def _request_in(slack: FakeSlack, dm: str) -> tuple[str, JSON] | None:
    try:
        return message_in(slack, dm)
    except ValueError:
        return None


def answer(manager: ProcessDriver, slack: FakeSlack, leonar: FakeLeonar, dm: str, ts: str, request: JSON) -> str:
    """Yes, a comment, then No: the notes, the tally in place, the requester's message. Returns the contact id."""
    print(f"2. HIRING MANAGER ({PEOPLE[HIRING_MANAGER]}): answer Yes, add a comment, change to No")
    yes = next(e for b in request["blocks"] for e in b.get("elements", [])
               if e.get("action_id") == f"{request_views.ANSWER_ACTION}_yes")  # the one candidate's Yes
    ref = request_views.AnswerRef.parse(yes["value"])
    assert ref is not None
    contact_id = ref.contact_id
    before = len(leonar.notes(contact_id))

    def after(count: int, what: str) -> None:
        until(lambda: len(leonar.notes(contact_id)) >= before + count, what)
        manager.settle()
        show_note("   → the note in Leonar", leonar.notes(contact_id)[-1])
        show_message("   → the request message, as updated in place:", slack.messages[(dm, ts)], slack)

    click(manager, dm, ts, yes["action_id"], yes["value"])
    print(f"   a. clicked [{yes['text']['text']}]")
    after(1, "the Yes note")
    for summary in until(lambda: requester_posts(slack), "the recruiter's message once everyone answered"):
        show_message(f"   → RECRUITER ({PEOPLE[RECRUITER]}) gets, in the app's DM:", summary, slack)

    comment = button(request, request_views.COMMENT_ACTION, contact_id)
    click(manager, dm, ts, comment["action_id"], comment["value"])
    view = manager.wait_view(lambda v: v["callback_id"] == request_views.COMMENT_CALLBACK)
    show_view(f"b. clicked [{comment['text']['text']}]:", view, slack)
    manager.type_text(request_views.COMMENT_INPUT, "Strong system design; I'd like a second chat about team fit.")
    response = manager.submit()
    print(f"      kept Yes, typed a comment, submitted: HTTP {response.status_code} "
          f"{response.text or '(empty: the modal closes)'}")
    after(2, "the comment's note")

    no = button(request, f"{request_views.ANSWER_ACTION}_no", contact_id)
    click(manager, dm, ts, no["action_id"], no["value"])
    print(f"   c. clicked [{no['text']['text']}]")
    after(3, "the No note")
    noted = len(leonar.notes(contact_id)) - before
    click(manager, dm, ts, no["action_id"], no["value"])
    manager.settle()
    print(f"   d. clicked [{no['text']['text']}] again: notes from this request in Leonar before the click {noted}, "
          f"after it {len(leonar.notes(contact_id)) - before}")
    print(f"   messages the recruiter got in all: {len(requester_posts(slack))}")
    return contact_id


def card_threads(driver: ProcessDriver, slack: FakeSlack, leonar: FakeLeonar, contact_id: str) -> None:
    print(f"3. ADMIN ({PEOPLE[RECRUITER]}): card threads saved as notes in #{CHANNEL}")
    driver.command("thread-notes on")
    [said] = driver.hook_posts()
    show("a. /leonar-add thread-notes on, answered only to the admin:", [readable(said["text"], slack)])
    [card] = [m for m in slack.messages.by_channel[CHANNEL] if m.get("bot_id")]
    before = {n["id"] for n in leonar.notes(contact_id)}

    def new_notes() -> list[JSON]:
        return [n for n in leonar.notes(contact_id) if n["id"] not in before]

    sent = reply(driver, card["ts"], "Met her for coffee &amp; she's keen. <@U0002> can you do the onsite Tuesday?",
                 user=COLLEAGUE)
    print(f"   b. {PEOPLE[COLLEAGUE]} replies in the card's thread: {readable(sent['text'], slack)}")
    until(lambda: ticks(driver, sent), "the ✓ on the reply")
    driver.settle()
    [note] = new_notes()
    show_note("   → the note in Leonar", note)
    print(f"      → reactions on the reply: {slack_messages.reactions_on(slack, CHANNEL, sent['ts'])}")
    changed = edit(driver, sent, "Met her for coffee & she's keen. <@U0002> can you do the onsite Wednesday?",
                   event_id="EvTheEdit")
    print(f"   c. {PEOPLE[COLLEAGUE]} edits it: {readable(changed['message']['text'], slack)}")
    until(lambda: "Wednesday" in str(new_notes()[-1]["content"]), "the note updated")
    deliver(driver, changed, event_id="EvTheEdit")  # Slack's retry of the same event
    print("      (Slack delivers the edit's event a second time, as it does when an answer is late)")
    driver.settle()
    notes = new_notes()
    print(f"      → notes from this thread in Leonar: {len(notes)}")
    for note in notes:
        show_note("   → the note in Leonar", note)
    print(f"      → reactions on the reply: {slack_messages.reactions_on(slack, CHANNEL, sent['ts'])}; "
          f"reactions.add calls: {len(slack.calls_to('reactions.add'))}")


def save_message(saver: ProcessDriver, slack: FakeSlack, leonar: FakeLeonar) -> None:
    print(f"4. ANYONE ({PEOPLE[HIRING_MANAGER]}, not an admin): Save to Leonar on a colleague's message")
    lucas = contact_of(leonar, "Lucas")
    name = f"{lucas['first_name']} {lucas['last_name']}"
    text = (f"Just spoke to <{contact_link(lucas['id'])}|{name}>: open to a move in March, expects 75k &amp; "
            "remote Fridays")
    event = slack_messages.said(slack, CHANNEL, COLLEAGUE, text)
    deliver(saver, event)  # the channel is opted in: Slack sends the bot every message, it drops this one unread
    print(f"   a. {PEOPLE[COLLEAGUE]} wrote in #{CHANNEL}: {readable(text, slack)}")
    before = len(leonar.notes(lucas["id"]))
    view = save_shortcut(saver, slack.messages[(CHANNEL, event["ts"])])
    view = saver.wait_view(lambda v: v["id"] == view["id"] and save_views.PREFILLED_BLOCK in json.dumps(v))
    show_view(f"b. {PEOPLE[HIRING_MANAGER]} picked ⋮ › Save to Leonar on it:", view, slack)
    response = saver.submit()
    print(f"   c. submitted as it stood: HTTP {response.status_code}")
    became = response.json().get("view") if response.content.strip() else None
    if became:
        show_view("   → the form became:", became, slack)
    until(lambda: len(leonar.notes(lucas["id"])) > before, "the saved note")
    until(lambda: slack_messages.reactions_on(slack, CHANNEL, event["ts"]), "the ✓ on the message")
    saver.settle()
    show_note("   → the note in Leonar", leonar.notes(lucas["id"])[-1])
    print(f"      → reactions on the message: {slack_messages.reactions_on(slack, CHANNEL, event['ts'])}")
    last = saver.view()
    if last["id"] == view["id"] and (became is None or last["blocks"] != became["blocks"]):
        show_view("   → the form, once the note was saved:", last, slack)


def team(slack: FakeSlack, people: dict[str, str], *, admin: str) -> None:
    """`people` (id: name) in the workspace, `admin` an admin, all in the channel the bot was invited to."""
    for user, name in people.items():
        slack.add_user(user, admin=user == admin)
        slack.users[user]["real_name"] = name
        slack.users[user]["profile"]["display_name"] = name.split()[0].lower()
    slack.add_channel(CHANNEL, member=True)
    slack.members[CHANNEL] = list(people)


def main() -> None:
    started = time.monotonic()
    with FakeSlack(bot_token=BOT_TOKEN) as slack, FakeLeonar() as leonar, tempfile.TemporaryDirectory() as tmp:
        seed_demo(leonar, DEMO_KEY)
        team(slack, PEOPLE, admin=RECRUITER)
        process, url = start_bot(slack, leonar, Path(tmp))
        print(f"bot {url}  fake Slack {slack.api_url}  fake Leonar {leonar.url}  (signing secret {SIGNING_SECRET})")
        recruiter = ProcessDriver(url, slack, leonar, RECRUITER)
        manager = ProcessDriver(url, slack, leonar, HIRING_MANAGER)
        try:
            dm, ts, request = ask_for_feedback(recruiter, slack)
            contact_id = answer(manager, slack, leonar, dm, ts, request)
            card_threads(recruiter, slack, leonar, contact_id)
            save_message(manager, slack, leonar)
            print(f"Block Kit problems: {slack.problems or 'none'}")
            print(f"all in {time.monotonic() - started:.1f} s")
        finally:
            print("--- bot log ---\n" + finish(process, recruiter, manager))


if __name__ == "__main__":
    main()
