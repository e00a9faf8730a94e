"""Save to Leonar across workspaces: a form opened in one workspace cannot be submitted in another, even by a person
both workspaces know (an Enterprise Grid member), so no workspace's key saves another's message."""

from __future__ import annotations

import json

from tests.support.bot import RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.installs import SIGNING_SECRET, driver_for, install
from tests.support.saving import pick, save_shortcut

KEY_A, KEY_B = "leo_acme_key_aaaa1111", "leo_beta_key_bbbb2222"


def in_process(bot: RunningBot, slack: FakeSlack, team: str) -> SlackDriver:
    """`driver_for`'s member of `team`, talking to the bot in the test's process (so that it can settle)."""
    made = driver_for(bot, slack, team)
    made.close()
    return SlackDriver(bot, SIGNING_SECRET, slack, team_id=team, user_id=made.user_id, channel_id=made.channel_id)


def test_a_form_from_one_workspace_saves_nothing_in_another(
    oauth_bot: RunningBot, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    leonar.add_key(KEY_A, workspace="acme")
    leonar.add_key(KEY_B, workspace="beta")
    for workspace in ("acme", "beta"):
        leonar.add_contact("Sam", "Sampson", workspace=workspace)
    install(oauth_bot, slack, "TA")
    install(oauth_bot, slack, "TB")
    a, b = in_process(oauth_bot, slack, "TA"), in_process(oauth_bot, slack, "TB")
    try:
        for driver, key in ((a, KEY_A), (b, KEY_B)):
            driver.command()
            driver.wait_view(lambda v: v["callback_id"] == "leonar_connect")
            driver.type_text("api_key_input", key)
            assert driver.submit().status_code == 200
        # The saver belongs to both workspaces (one Grid org), so the workspace check alone stands in the way.
        slack.users[a.user_id] |= {"enterprise_user": {"enterprise_id": "E1", "teams": ["TA", "TB"]}}
        slack.add_channel("CTA", member=True)
        message = slack.post("CTA", a.user_id, "Sam: strong yes")
        view = save_shortcut(a, message)
        pick(a, "sam")
        values = a._values(view, with_empty=True)
        # …and names a candidate of the other workspace, as its own form would.
        theirs = next(c for c in leonar.contacts(workspace="beta"))
        [block] = [k for k in values if k.startswith("save_contact")]
        values[block]["save_contact_select"]["selected_option"] = {
            "text": {"type": "plain_text", "text": "Sam Sampson"}, "value": theirs["id"]}
        sealed = json.loads(view["private_metadata"])["sealed"]
        moved = view | {"private_metadata": json.dumps({"workspace": "-:TB", "sealed": sealed}),
                        "state": {"values": values}}
        payload = b._envelope("view_submission", moved)
        payload["user"] = {"id": a.user_id, "username": "uta", "name": "uta", "team_id": "TB"}
        response = b.post_payload(payload)
        assert response.status_code == 200 and response.json()["response_action"] == "errors"
        assert leonar.notes(workspace="acme") == [] and leonar.notes(workspace="beta") == []
        assert slack.messages.reactions == {}
    finally:
        a.close()
        b.close()
