"""The feedback request's Block Kit (bot/views/feedback*.py): valid against Slack's schema and limits, Leonar's
names escaped, never an email or a phone, and the form's metadata within 3,000 characters whatever the names."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.i18n import LANGS
from bot.leonar import Contact, Project
from bot.store import Workspace
from bot.store.feedback import Answer, Candidate, FeedbackRequest
from bot.views import feedback as views
from bot.views.feedback_modal import FeedbackForm, feedback_modal, read_feedback
from bot.views.limits import slack_length
from bot.views.unfurls import contact_unfurl
from tests.support.slack_schema import message_problem, view_problem

EVIL = "<!here> & <https://evil.example|click>"
CANDIDATES = tuple(Candidate(f"{n:08d}-0000-0000-0000-000000000000", f"{EVIL} {n}", EVIL) for n in range(10))
REQUEST = FeedbackRequest(id="r" * 16, workspace=Workspace(None, "T1"), requester="U1", question=EVIL,
                          candidates=CANDIDATES, reviewers=("U2", "U3"), channel="C1", due_at=0.0,
                          due_day="2026-12-09", lang="en", project=EVIL)
ANSWERS = [Answer(CANDIDATES[0].id, "U2", "yes", EVIL, 1, 0.0), Answer(CANDIDATES[0].id, "U3", "no", None, 2, 0.0)]


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_and_form_is_valid_block_kit_with_leonar_data_escaped(lang: str) -> None:
    messages = [views.request_message(REQUEST, ANSWERS, lang), views.reminder_message(REQUEST, lang),
                views.summary_message(REQUEST, ANSWERS, ["U2"], lang),
                views.summary_message(REQUEST, ANSWERS, [], lang)]
    for message in messages:
        assert message_problem(message) is None, message
        assert "<!here>" not in json.dumps(message) and "&lt;!here&gt;" in json.dumps(message)
    closed = views.request_message(FeedbackRequest(**{**REQUEST.__dict__, "closed_at": 1.0}), ANSWERS, lang)
    assert message_problem(closed) is None and "feedback_answer" not in json.dumps(closed)
    home = {"type": "home", "blocks": views.home_requests([(REQUEST, 1, 2)], lang)}
    assert view_problem(home) is None and "<!here>" not in json.dumps(home)
    ref = views.AnswerRef(REQUEST.id, CANDIDATES[0].id)
    assert view_problem(views.comment_modal(ref, CANDIDATES[0], "{}", lang, ANSWERS[0])) is None
    assert view_problem(views.sent_modal(REQUEST, lang)) is None

    project = Project.model_validate({"id": "p1", "name": EVIL, "pipeline": {"stages": [{"id": "s1", "name": EVIL}]}})
    form = FeedbackForm(workspace="-:T1", project_id="p1", project_name=EVIL, stage_id="s1").with_candidates(
        list(CANDIDATES))
    for modal in (feedback_modal(FeedbackForm(workspace="-:T1"), due=date(2026, 12, 9), lang=lang),
                  feedback_modal(form, due=date(2026, 12, 9), lang=lang, project=project, error=EVIL),
                  feedback_modal(FeedbackForm(workspace="-:T1", fixed=True, candidates=CANDIDATES[:1]),
                                 due=date(2026, 12, 9), lang=lang)):
        assert view_problem(modal) is None, modal


def test_the_form_metadata_fits_with_ten_candidates_named_in_emoji_and_reads_back() -> None:
    people = [Candidate(c.id, "🧑‍💻" * 80, "🏢" * 80) for c in CANDIDATES]
    form = FeedbackForm(workspace="-:T1", project_id="p1", project_name="🚀" * 150, stage_id="s1").with_candidates(
        people)
    raw = form.dumps()
    assert slack_length(raw) <= 3000
    back = FeedbackForm.loads(raw)
    assert [c.id for c in back.candidates] == [c.id for c in CANDIDATES] and back.project_id == "p1"


def test_a_submission_names_only_candidates_the_form_showed() -> None:
    form = FeedbackForm(workspace="-:T1", project_id="p1", stage_id="s1").with_candidates(list(CANDIDATES[:2]))
    values = {"feedback_candidates_s1": {"feedback_candidates_pick": {"selected_options": [
        {"value": CANDIDATES[0].id}, {"value": "someone-else"}]}},
        "feedback_reviewers": {"feedback_reviewers_pick": {"selected_users": ["U2", "U2"]}},
        "feedback_due": {"feedback_due_pick": {"selected_date": "2026-12-09"}}}
    choice = read_feedback(values, form, "en", date(2026, 12, 7))
    assert choice.contact_ids == (CANDIDATES[0].id,) and choice.reviewers == ("U2",) and not choice.problems
    late = read_feedback(values, form, "en", date(2026, 12, 10))
    assert set(late.problems) == {"feedback_due"}


def test_the_contact_unfurl_asks_for_feedback_without_emails_or_phones() -> None:
    contact = Contact(id="c1", first_name="Jane", emails=["jane@example.com"], phones=["+33 6"])
    unfurl = contact_unfurl(contact, "en", details=False, leonar_url=None)
    [ask] = [b for b in unfurl["blocks"] if b.get("block_id") == "ask_feedback"]
    assert ask["accessory"]["action_id"] == views.ASK_ACTION and ask["accessory"]["value"] == "c1"
    assert "jane@example.com" not in json.dumps(unfurl)
