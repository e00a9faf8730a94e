"""The pure Block Kit builders: valid against Slack's schema, within Slack's limits, escaped."""

from __future__ import annotations

import json

import pytest
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.leonar import AlreadyInProject, Contact, NewEntry, NotFound, Project, ValidationFailed
from bot.listeners.commands import HELP_LINES
from bot.views import add_modal as add
from bot.views.card import candidate_card
from bot.views.connect_modal import connect_modal, key_format_problem
from bot.views.messages import help_message, not_in_channel_notice, undelivered_card
from bot.views.metadata import ModalContext
from bot.views.options import contact_label, contact_options, project_menu, project_options
from bot.views.text import clip, escape
from tests.support.slack_schema import message_problem, option_problem, view_problem

CTX = ModalContext(channel_id="C1", response_url="https://hooks.slack.com/commands/T1/1/abc")


def project(name: str = "Backend Engineer", pid: str = "p1", **extra: object) -> Project:
    stages = [{"id": f"{pid}-s{i}", "name": n, "position": i} for i, n in enumerate(["Sourced", "Call", "Offer"])]
    return Project.model_validate({"id": pid, "name": name, "pipeline": {"stages": stages[::-1]}, **extra})


def contact(**fields: object) -> Contact:
    return Contact.model_validate({"id": "c1", "first_name": "Ada", "last_name": "Lovelace", **fields})


def test_escape_neutralises_slack_control_characters() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"


@pytest.mark.parametrize("limit", [10, 24, 75])
def test_clip_cuts_cleanly_within_the_limit(limit: int) -> None:
    text = "Senior Staff Software Engineer — Platform Infrastructure @ Very Long Company Name International"
    out = clip(text, limit)
    assert len(out) <= limit and out.endswith("…")
    assert out[:-1].rstrip() in text


def test_clip_leaves_short_text_alone() -> None:
    assert clip("  Ada   Lovelace ", 75) == "Ada Lovelace"


def test_connect_modal_has_one_text_input_and_is_valid() -> None:
    view = connect_modal(CTX)
    assert view_problem(view) is None
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["element"]["type"] for b in inputs] == ["plain_text_input"]
    assert "leo_" not in view["private_metadata"]


@pytest.mark.parametrize(("key", "ok"), [("leo_abc123", True), ("sk_abc123", False), ("leo_ab c", False)])
def test_key_format(key: str, ok: bool) -> None:
    assert (key_format_problem(key) is None) is ok


def test_add_modal_before_a_project_is_picked() -> None:
    view = add.add_modal(CTX)
    assert view_problem(view) is None
    assert len(view["title"]["text"]) <= 24
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert [b["label"]["text"] for b in inputs.values()] == ["Project", "Candidate", "Stage", "Note",
                                                                  "Post the card to"]
    project_block = inputs["project"]
    assert project_block["dispatch_action"] is True
    assert project_block["element"] == {**project_block["element"], "type": "external_select", "min_query_length": 0}
    channel = inputs["channel"]["element"]
    assert channel["type"] == "conversations_select" and channel["default_to_current_conversation"] is True
    assert channel["initial_conversation"] == "C1"
    assert ModalContext.loads(view["private_metadata"]) == CTX


def test_add_modal_with_a_project_lists_its_stages_in_board_order() -> None:
    view = add.add_modal(CTX.with_project("p1", "Backend Engineer"), project=project())
    assert view_problem(view) is None
    stage = next(b for b in view["blocks"] if b.get("block_id") == add.stage_block_id("p1"))
    assert [o["text"]["text"] for o in stage["element"]["options"]] == ["Sourced", "Call", "Offer"]
    assert stage["element"]["initial_option"]["value"] == "p1-s0"
    assert stage["optional"] is True
    other = add.add_modal(CTX, project=project(pid="p2"))
    assert add.stage_block_id("p2") in {b.get("block_id") for b in other["blocks"]}


def test_add_modal_shows_choices_again_with_an_error() -> None:
    picked = add.Picked(project={"text": {"type": "plain_text", "text": "Backend"}, "value": "p1"},
                        contact={"text": {"type": "plain_text", "text": "Ada"}, "value": "c1"},
                        stage_id="p1-s2", channel_id="C9")
    view = add.add_modal(CTX, project=project(), error="Leonar <b>down</b>", picked=picked)
    assert view_problem(view) is None
    text = json.dumps(view)
    assert "Leonar &lt;b&gt;down&lt;/b&gt;" in text
    stage = next(b for b in view["blocks"] if b.get("block_id") == add.stage_block_id("p1"))
    assert stage["element"]["initial_option"]["value"] == "p1-s2"


def test_read_submission_ignores_a_stale_stage_block() -> None:
    values = {
        "project": {"project_select": {"type": "external_select", "selected_option": {"value": "p2"}}},
        "contact": {"contact_select": {"type": "external_select", "selected_option": {"value": "c1"}}},
        "stage_p1": {"stage_select": {"type": "static_select", "selected_option": {"value": "p1-s1"}}},
        "channel": {"channel_select": {"type": "conversations_select", "selected_conversation": "C1"}},
    }
    submission = add.read_submission(values)
    assert submission.entry == NewEntry("p2", "c1", stage_id=None)
    assert submission.problems() == {}


def test_a_failed_add_is_said_under_the_field_it_is_about() -> None:
    values = {
        "project": {"project_select": {"selected_option": {"value": "p1"}}},
        "contact_created": {"contact_select": {"selected_option": {"value": "c1"}}},
        "stage_p1": {"stage_select": {"selected_option": {"value": "p1-s1"}}},
    }
    submission = add.read_submission(values)
    assert submission.error_block(AlreadyInProject("already")) == "contact_created"
    assert submission.error_block(ValidationFailed("stage_id: unknown stage")) == "stage_p1"
    assert submission.error_block(NotFound("contact not found")) == "contact_created"
    assert submission.error_block(NotFound("project not found")) == "project"


def test_read_submission_refuses_notice_options() -> None:
    values = {"project": {"project_select": {"selected_option": {"value": "notice"}}}}
    assert set(add.read_submission(values).problems()) == {"project", "contact", "channel"}


def test_project_options_find_the_last_project_and_rank_prefixes_first() -> None:
    projects = [project(f"Engineer {n:03d}", pid=f"p{n}") for n in range(300)] + [
        project("Data Lead", pid="x1", client_company="Qonto"),
        project("Lead Designer", pid="x2"),
        project("Élan Lead", pid="x3"),
    ]
    assert len(project_options(projects, "")) == 100
    assert [o["value"] for o in project_options(projects, "lead")] == ["x2", "x1", "x3"]
    assert [o["value"] for o in project_options(projects, "elan")] == ["x3"]
    assert [o["value"] for o in project_options(projects, "qonto")] == ["x1"]
    assert project_options(projects, "nothing like it")[0]["value"] == "notice"
    for option in project_options(projects, "engineer"):
        assert option_problem(option) is None


def test_project_options_answer_for_the_listing_given_not_one_remembered() -> None:
    # The menu's answers are kept per listing object (a cached listing is the same list for a minute): a new
    # listing, a caller changing the list it got, or another language must not bring back an old answer.
    listing = [project("Data Engineer", pid="p1"), project("Data Scientist", pid="p2")]
    answer = project_options(listing, "data")
    assert [o["value"] for o in answer] == ["p1", "p2"]
    answer.clear()
    assert [o["value"] for o in project_options(listing, "data")] == ["p1", "p2"]
    renamed = [project("Data Engineer", pid="p1"), project("Head of Data", pid="p3")]
    assert [o["value"] for o in project_options(renamed, "data")] == ["p1", "p3"]
    assert project_options(listing, "zzz", "en")[0]["text"]["text"] != project_options(listing, "zzz", "fr")[0][
        "text"]["text"]
    for n in range(200):  # more listings than are kept: each still answers for itself
        assert [o["value"] for o in project_options([project(f"Role {n}", pid=f"r{n}")], "role")] == [f"r{n}"]


async def test_a_menu_answer_acks_the_same_response_as_its_options() -> None:
    # The options listeners ack a menu's encoded body (bot/slack/menus.py): Slack must get what ack(options=…) sends.
    options = project_options([project("Ingénieure — Lyon & <Paris>", pid="p1"), project("Lead", pid="p2")], "")
    as_options, as_body = AsyncAck(), AsyncAck()
    await as_options(options=options)
    await as_body(project_menu([project("Ingénieure — Lyon & <Paris>", pid="p1"), project("Lead", pid="p2")], "").body)
    assert as_options.response is not None and as_body.response is not None
    assert (as_body.response.status, as_body.response.body, as_body.response.headers) == (
        as_options.response.status, as_options.response.body, as_options.response.headers)


def test_contact_label_reads_name_title_company_and_fits_75() -> None:
    assert contact_label(contact(title="CTO", current_company="Qonto")) == "Ada Lovelace — CTO @ Qonto"
    assert contact_label(contact(current_company="Qonto")) == "Ada Lovelace — Qonto"
    assert contact_label(contact(first_name=None, last_name=None)) == "Unnamed contact"
    long = contact(title="Principal Distinguished Engineer, Machine Learning Platform", current_company="X" * 40)
    [option] = contact_options([long], "ada")
    assert len(option["text"]["text"]) <= 75 and option["text"]["text"].startswith("Ada Lovelace — Principal")
    assert option_problem(option) is None


def test_card_shows_the_candidate_and_never_emails_or_phones() -> None:
    c = Contact.model_validate({
        "id": "c1", "first_name": "Ada", "last_name": "Lovelace", "title": "CTO", "current_company": "Qonto",
        "location": "Paris", "years_experience": 12, "skills": ["Python"], "tags": ["referral"],
        "linkedin_profile": "https://www.linkedin.com/in/ada", "emails": [{"email": "ada@x.io"}],
        "phones": [{"phone": "+33 6"}],
    })
    card = candidate_card(c, "Backend Engineer", "Call", "U42")
    assert message_problem(card) is None
    text = json.dumps(card)
    for expected in ("Ada Lovelace", "CTO", "Qonto", "Paris", "12 years", "Python", "referral", "Backend Engineer",
                     "Call", "https://www.linkedin.com/in/ada", "Added by <@U42> via /leonar-add"):
        assert expected in text
    assert "ada@x.io" not in text and "+33" not in text


def test_card_escapes_leonar_data() -> None:
    c = contact(first_name="<!channel>", last_name="&", title="<@U123>", current_company="<https://evil.example|Click>",
                skills=["<!here>"], linkedin_profile="javascript:alert(1)")
    card = candidate_card(c, "<!everyone> project", "<b>", "U1")
    assert message_problem(card) is None
    mrkdwn = [json.dumps(b) for b in card["blocks"] if b["type"] != "header"]
    for live in ("<!channel>", "<@U123>", "<https://evil", "<!here>", "<!everyone>"):
        assert not any(live in m for m in mrkdwn) and live not in card["text"]
    assert not any(b["type"] == "actions" for b in card["blocks"])  # no button for a non-http URL


def test_card_of_a_sparse_contact_is_still_valid() -> None:
    card = candidate_card(Contact(id="c1"), "P", None, "U1")
    assert message_problem(card) is None
    assert card["blocks"][0]["text"]["text"] == "Unnamed contact"


def test_messages_are_valid() -> None:
    card = candidate_card(contact(), "P", "S", "U1")
    messages = (help_message(HELP_LINES), not_in_channel_notice("C1"), undelivered_card("C1", card, "not a member"))
    for message in messages:
        assert message_problem(message) is None


def test_private_metadata_round_trips_and_stays_small() -> None:
    ctx = CTX.with_project("p" * 36, "N" * 1000)
    raw = ctx.dumps()
    assert len(raw) <= 3000 and ModalContext.loads(raw).project_id == "p" * 36
    assert ModalContext.loads("not json") == ModalContext()


def test_card_keeps_its_line_breaks() -> None:
    card = candidate_card(contact(title="CTO", location="Paris"), "Backend", "Call", "U1")
    fields = next(b for b in card["blocks"] if "fields" in b)["fields"]
    assert fields[0]["text"] == "*Project*\nBackend"
    assert "\n" in card["blocks"][1]["text"]["text"]
