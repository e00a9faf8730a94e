"""`python -m tests.support.tryout_reach`: what reaches the channel, tried as a newcomer would, against the fakes
and the real `python -m bot` (SQLite, LEONAR_POLL_SECONDS=1 and LEONAR_POLL_BUDGET=1, so that the demo key's
2,000 requests an hour allow a poll every few seconds; at the default 20 % it would be every ~18 s):

1. connect and add a candidate (as `tryout.py` does);
2. paste a Leonar contact link and a project link in a channel: the unfurls the bot attaches;
3. follow that project in the channel, move a candidate in Leonar: the post the channel gets;
4. run the Workflow Builder step "Add candidate to Leonar" with a typed project name: its completion.

Each step prints what Slack would show.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar, seed_demo
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import follow_modal, posts_in
from tests.support.tryout import BOT_TOKEN, DEMO_KEY, SIGNING_SECRET, finish, round_trip, start_bot, until
from tests.support.unfurls import contact_link, mrkdwn_texts, post_links, project_link, wait_unfurl

JSON = dict[str, Any]
CHANNEL = "C0001"


def buttons(blocks: list[JSON]) -> list[str]:
    return [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def unfurls(driver: SlackDriver, leonar: FakeLeonar, project: JSON) -> None:
    contact = leonar.contacts()[0]
    links = [contact_link(contact["id"]), project_link(project["id"])]
    message, _ = post_links(driver, links)
    for url in links:
        unfurl = wait_unfurl(driver, message, url)
        print(f"   {url}\n     " + "\n     ".join(" | ".join(mrkdwn_texts(unfurl["blocks"])).split("\n")))
        print(f"     buttons: {buttons(unfurl['blocks'])}")


def follow(driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar, project: JSON) -> None:
    view = follow_modal(driver, f"follow {project['name']}")
    view = driver.wait_view(lambda v: v["id"] == view["id"] and project["id"] in json.dumps(v))
    print(f"   /leonar-add follow {project['name']} opened “{view['title']['text']}”, the project picked")
    response = driver.submit()
    told = until(lambda: posts_in(slack, CHANNEL)[-1:], "the follow's confirmation")[0]
    print(f"   submitted: HTTP {response.status_code}; the channel is told: {told['text']}")
    before = len(posts_in(slack, CHANNEL))
    time.sleep(2.5)  # the first poll stores the pipeline silently
    stages = [s["name"] for s in sorted(project["pipeline"]["stages"], key=lambda s: s["position"])]
    entry = leonar.entries(project["id"])[0]
    leonar.move_entry(entry["id"], stages[2])
    print(f"   moved {entry['contact']['first_name']} {entry['contact']['last_name']} to {stages[2]} in Leonar")
    started = time.monotonic()
    post = until(lambda: posts_in(slack, CHANNEL)[before:], "the activity post", timeout=30)[0]
    print(f"   {time.monotonic() - started:.1f} s later the channel got: {post['text']}")
    print("     " + "\n     ".join(" | ".join(mrkdwn_texts(post["blocks"])).split("\n")))
    print(f"     buttons: {buttons(post['blocks'])}")


def workflow_step(driver: SlackDriver, slack: FakeSlack, project: JSON) -> None:
    inputs = {"project": project["name"].lower(), "candidate": "Grace Hopper", "stage": "Interview",
              "channel": CHANNEL, "added_by": "U0001"}
    execution = driver.function_executed(inputs)
    until(lambda: execution.state != "running", "the step's completion")
    print(f"   inputs {inputs}\n   → {execution.state}: {execution.outputs or execution.error}")
    card = until(lambda: [p for p in posts_in(slack, CHANNEL) if "Grace Hopper" in str(p.get("text"))], "the card")[0]
    print(f"   card posted: {card['text']}")
    unknown = driver.function_executed(inputs | {"project": "Zeta Platfrom Lead", "candidate": "Ada Lovelace"})
    until(lambda: unknown.state != "running", "the step's completion")
    print(f"   project typed “Zeta Platfrom Lead” → {unknown.state}: {unknown.error}")


def main() -> None:
    with FakeSlack(bot_token=BOT_TOKEN) as slack, FakeLeonar() as leonar, tempfile.TemporaryDirectory() as tmp:
        seed_demo(leonar, DEMO_KEY)
        slack.add_user("U0001", admin=True)
        process, url = start_bot(slack, leonar, Path(tmp), LEONAR_POLL_SECONDS="1", LEONAR_POLL_BUDGET="1")
        driver = SlackDriver(url, SIGNING_SECRET, slack)
        try:
            print("1. connect and add (tryout.py):")
            card = round_trip(driver, slack, say=lambda text: print("  ", text))
            project = next(p for p in leonar.projects() if p["name"] == "Zeta Platform Lead")
            print(f"   card posted: {card['text']}")
            print("2. Leonar links pasted in the channel:")
            unfurls(driver, leonar, project)
            print("3. following the project in the channel:")
            follow(driver, slack, leonar, project)
            print("4. Workflow Builder step “Add candidate to Leonar”:")
            workflow_step(driver, slack, project)
            print(f"Block Kit problems: {slack.problems or 'none'}")
        finally:
            log = finish(process, driver)
            print("--- bot log (warnings and errors) ---\n" + "\n".join(
                line for line in log.splitlines() if "WARNING" in line or "ERROR" in line))


if __name__ == "__main__":
    main()
