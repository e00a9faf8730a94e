"""`python -m tests.support.tryout_keys`: members' own Leonar keys and Leonar links as Work Objects (issue 21), tried
as the people of a workspace would, against the fakes and the real `python -m bot` (SQLite), with signed requests:

1. Sam (a recruiter, not an admin) opens the Home tab, links a key Leonar refuses, a key of another Leonar
   workspace, then his own; adds a candidate (whose key made the entry);
2. Marc (admin) sees who linked, and turns on "members must link their own key"; Jane (not linked) runs
   `/leonar-add` and `/leonar-add find`;
3. with the app's Work Object Previews on, Marc posts a candidate's Leonar link: the preview everyone sees; then the
   flexpane as Sam (his key), Marc (not linked: the workspace's key, before admins required keys), Jane (the
   prompt to link) and a guest (the preview only);
4. Marc removes Sam's key (Sam is told), and Slack says Jane was deactivated.

Each step prints what that person would see, made readable as in `tryout_voice.py`, then the Block Kit problems the
fake Slack noticed and the bot's log.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.views import member_keys as keys_views
from tests.support.fakes.leonar import FakeLeonar, seed_demo
from tests.support.fakes.slack import FakeSlack
from tests.support.home import open_home, press_in_home
from tests.support.tryout import BOT_TOKEN, DEMO_KEY, SIGNING_SECRET, finish, round_trip, start_bot
from tests.support.tryout_voice import CHANNEL, ProcessDriver, readable, render, show, show_view, team
from tests.support.unfurls import contact_link, post_links
from tests.support.work_objects import enable, open_flexpane, wait_entity, wait_presented

JSON = dict[str, Any]
ADMIN, SAM, JANE, GUEST = "U0001", "U0002", "U0003", "U0GUEST"
PEOPLE = {ADMIN: "Marc Dubois", SAM: "Sam Lee", JANE: "Jane Doe"}
SAM_KEY, OTHER_KEY = "leo_sam_own_key_acme_7f3a", "leo_key_of_globex_ws_91b2"


def event(driver: ProcessDriver, body: JSON) -> None:
    raw = json.dumps({"token": "x", "team_id": driver.team_id, "api_app_id": driver.api_app_id,
                      "type": "event_callback", "event_id": f"Ev{time.time_ns()}", "event_time": int(time.time()),
                      "event": body}).encode()
    driver.http.post(driver.url, content=raw, headers=driver.signed_headers(raw) | {"Content-Type":
                                                                                   "application/json"})
    driver.settle()


def home(driver: ProcessDriver, title: str) -> JSON:
    view = open_home(driver)
    driver.settle()
    lines = render(view["blocks"], driver.slack)
    start = next((i for i, line in enumerate(lines) if "Leonar key" in line), 0)
    show(f"{title} (the Home tab, from its key section):", lines[max(0, start - 1):])
    return view


def press(driver: ProcessDriver, action: JSON) -> None:
    press_in_home(driver, action)
    driver.settle()


def try_key(driver: ProcessDriver, key: str, what: str) -> None:
    press(driver, {"type": "button", "action_id": keys_views.LINK_ACTION})
    view = driver.wait_view(lambda v: v.get("callback_id") == keys_views.LINK_CALLBACK)
    driver.type_text(keys_views.KEY_ACTION, key)
    started, driver.last_errors = time.monotonic(), None
    response = driver.submit()
    print(f"   Sam types {what} ({key[:8]}…) and presses [Link]: answered in {time.monotonic() - started:.2f} s")
    if driver.last_errors:
        print(f"      → under the key field: {driver.last_errors[keys_views.KEY_BLOCK]}")
    elif response.content.strip():
        show_view("   → the form became", response.json()["view"], driver.slack)
    driver.settle()
    del view


def members(sam: ProcessDriver, marc: ProcessDriver, jane: ProcessDriver, slack: FakeSlack,
            leonar: FakeLeonar) -> None:
    print(f"1. SAM ({PEOPLE[SAM]}, not an admin) links his own Leonar key")
    home(sam, "a. Sam opens the app")
    try_key(sam, "leo_made_up_key_0000", "a key Leonar does not know")
    try_key(sam, OTHER_KEY, "a key of another Leonar workspace (Globex)")
    try_key(sam, DEMO_KEY, "the workspace's own key")
    try_key(sam, SAM_KEY, "his own key")
    home(sam, "b. Sam's Home now")
    before = len(leonar.requests)
    sam.command("")
    sam.wait_view(lambda v: v.get("callback_id") == "leonar_add")
    options = sam.suggest_options("project_select", "zeta")
    sam.select("project_select", options[0])
    sam.wait_view(lambda v: any(b.get("block_id", "").startswith("stage_") for b in v["blocks"]))
    sam.select("contact_select", sam.suggest_options("contact_select", "lucas")[0])
    sam.submit()
    sam.settle()
    entry = [r for r in leonar.requests[before:] if r.method == "POST" and r.path.endswith("/entries")]
    whose = {SAM_KEY: "Sam's own key", DEMO_KEY: "the workspace's key"}
    print(f"   c. Sam adds Lucas to Zeta: POST /entries made with {whose.get(str(entry[-1].api_key), '?')}; "
          f"every Leonar call of his add: {sorted({whose.get(str(r.api_key), '?') for r in leonar.requests[before:]})}")
    card = [c.body for c in slack.calls_to("chat.postMessage")][-1]
    print(f"      → the card's text: {readable(str(card.get('text')), slack)}")

    print(f"2. MARC ({PEOPLE[ADMIN]}, admin)")
    home(marc, "a. Marc's Home")
    press(marc, {"type": "checkboxes", "action_id": keys_views.REQUIRE_ACTION,
                 "selected_options": [{"value": "require"}]})
    print("   b. Marc ticks “Members must link their own Leonar key”")
    home(jane, f"c. JANE ({PEOPLE[JANE]}, no key linked) opens the app")
    before = len(leonar.requests)
    for words in ("", "find martin"):
        answer = jane.command(words)
        said = answer.json()["text"] if answer.content.strip() else "(nothing in the ack)"
        print(f"   d. Jane runs /leonar-add {words}: {readable(said, slack)}")
    print(f"      → Leonar calls made for Jane: {len(leonar.requests) - before}; forms opened for her: "
          f"{sum(1 for c in slack.calls_to('views.open') if c.body.get('trigger_id', '').find(JANE) >= 0)}")


def flexpanes(sam: ProcessDriver, marc: ProcessDriver, jane: ProcessDriver, slack: FakeSlack,
              leonar: FakeLeonar) -> None:
    print("3. Work Object Previews on (the app's configuration page, entity type Item; WORK_OBJECTS=true)")
    enable(slack)
    camille = leonar.add_contact("Camille", "Roux", title="Data Engineer", current_company="Alan", location="Lyon",
                                 emails=[{"email": "camille.roux@example.com", "type": "personal"}],
                                 phones=[{"phone": "+33 6 98 76 54 32", "type": "mobile"}])
    zeta = next(p for p in leonar.projects() if p["name"] == "Zeta Platform Lead")
    leonar.add_entry(zeta["id"], camille["id"], stage="Interview")
    leonar.add_note(camille["id"], "Phone screen with Sam: strong on Kafka, wants Lyon or remote.")
    url = contact_link(camille["id"])
    message, _ = post_links(marc, [url])
    entity = wait_entity(marc, message, url)
    marc.settle()
    show(f"a. Marc posts {url} in #{CHANNEL}; everyone there sees the preview:", _entity(entity))
    for who, title in ((sam, "b. Sam (his own key) clicks it"), (jane, "c. Jane (must link a key) clicks it")):
        before = len(leonar.requests)
        trigger = open_flexpane(who, message, url)
        shown = wait_presented(who, trigger)
        who.settle()
        keys = sorted({str(r.api_key) for r in leonar.requests[before:]})
        show(f"{title}; Leonar read with {keys or 'nothing'}:", _presented(shown))
    slack.add_user(GUEST)
    slack.users[GUEST]["is_restricted"] = True
    before = len(leonar.requests)
    trigger = open_flexpane(marc, message, url, user_id=GUEST)
    show("d. a guest clicks it:", _presented(wait_presented(marc, trigger)))
    marc.settle()
    print(f"      (Leonar calls for the guest: {[r.path for r in leonar.requests[before:]]})")
    press(marc, {"type": "checkboxes", "action_id": keys_views.REQUIRE_ACTION, "selected_options": []})
    trigger = open_flexpane(marc, message, url)
    show("e. admins untick the setting; Marc (no key of his own) clicks it:", _presented(wait_presented(marc, trigger)))
    marc.settle()


def removals(sam: ProcessDriver, marc: ProcessDriver, slack: FakeSlack) -> None:
    print("4. Removing keys")
    home(marc, "a. Marc's Home")
    press(marc, {"type": "button", "action_id": keys_views.REMOVE_ACTION, "value": SAM})
    told = [c.body for c in slack.calls_to("chat.postMessage") if c.body.get("channel") == SAM]
    print(f"   b. Marc presses [Remove] beside Sam → Sam is told: {readable(str(told[-1]['text']), slack)}")
    home(sam, "c. Sam's Home")
    person = {**slack.users[JANE], "deleted": True}
    event(marc, {"type": "user_change", "user": person})
    print("   d. Slack says Jane was deactivated (user_change, deleted): her key, had she one, is deleted")


def _entity(entity: JSON) -> list[str]:
    payload = entity["entity_payload"]
    lines = [f"{payload['attributes']['title']['text']}  ({entity['entity_type']}, {entity['url']})"]
    lines += [f"{f.get('label', f['key'])}: {f.get('value')}" for f in payload.get("custom_fields", [])]
    actions = payload.get("actions", {})
    buttons = [f"[{b['text']}]" for kind in ("primary_actions", "overflow_actions") for b in actions.get(kind, [])]
    return lines + ([" ".join(buttons)] if buttons else [])


def _presented(presented: Any) -> list[str]:
    lines = []
    if presented.metadata:
        lines += _entity(presented.metadata)
    if presented.user_auth_required:
        lines.append(f"(Slack's prompt to authenticate, leading to {presented.user_auth_url})")
    if presented.error:
        lines.append(f"(Slack's error panel: {presented.error})")
    return lines


def main() -> None:
    started = time.monotonic()
    with FakeSlack(bot_token=BOT_TOKEN) as slack, FakeLeonar() as leonar, tempfile.TemporaryDirectory() as tmp:
        seed_demo(leonar, DEMO_KEY)
        leonar.add_key(SAM_KEY, owner="Sam")
        leonar.add_key(OTHER_KEY, workspace="globex", owner="Sam")
        team(slack, PEOPLE, admin=ADMIN)
        process, url = start_bot(slack, leonar, Path(tmp), WORK_OBJECTS="true")
        print(f"bot {url}  fake Slack {slack.api_url}  fake Leonar {leonar.url}  (signing secret {SIGNING_SECRET})")
        marc, sam, jane = (ProcessDriver(url, slack, leonar, user) for user in (ADMIN, SAM, JANE))
        try:
            print(f"0. MARC ({PEOPLE[ADMIN]}, admin): connect and add a candidate, as tryout.py does")
            round_trip(marc, slack, say=lambda text: print("  ", text))
            marc.settle()
            members(sam, marc, jane, slack, leonar)
            flexpanes(sam, marc, jane, slack, leonar)
            removals(sam, marc, slack)
            print(f"Block Kit problems: {slack.problems or 'none'}")
            print(f"all in {time.monotonic() - started:.1f} s")
        finally:
            print("--- bot log ---\n" + finish(process, marc, sam, jane))


if __name__ == "__main__":
    main()
