"""The Work Object builders (bot/views/work_objects.py): entities the fake Slack's checks accept, the card's rule in
the preview, what a person's flexpane adds, Leonar data clipped and never read as a link."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.leonar import Contact, Note, Project
from bot.views.find import Standing
from bot.views.work_objects import Private, contact_entity, project_entity
from tests.support.fakes.slack import FakeSlack
from tests.support.fakes.slack_work_objects import entity_problem

URL = "https://app.leonar.app/dashboard/acme/contacts?contact=c1"


@pytest.fixture(scope="module")
def slack() -> FakeSlack:
    fake = FakeSlack()  # not started: only its app configuration is read
    fake.work_object_types = {"slack#/entities/item"}
    return fake


def eloise(**extra: object) -> Contact:
    return Contact.model_validate({
        "id": "c1", "first_name": "Éloïse", "last_name": "Martin", "title": "Staff Engineer",
        "current_company": "Qonto", "location": "Paris", "years_experience": 9, "skills": ["Python", "Kafka"],
        "linkedin_profile": "https://www.linkedin.com/in/eloise-martin?utm=x",
        "emails": [{"email": "eloise@example.com"}], "phones": [{"phone": "+33 6 12"}], **extra})


def custom(entity: dict[str, object]) -> dict[str, str]:
    payload = entity["entity_payload"]
    assert isinstance(payload, dict)
    return {f["key"]: f["value"] for f in payload["custom_fields"]}


def test_the_preview_keeps_the_cards_rule(slack: FakeSlack) -> None:
    hidden = contact_entity(eloise(), "en", url=URL, app_unfurl_url=URL, details=False)
    assert entity_problem(slack, hidden) is None
    assert custom(hidden) == {"role": "Staff Engineer at Qonto", "location": "Paris", "experience": "9 years",
                              "skills": "Python, Kafka", "linkedin": "https://www.linkedin.com/in/eloise-martin"}
    assert "eloise@example.com" not in json.dumps(hidden) and "+33" not in json.dumps(hidden)
    shown = contact_entity(eloise(), "fr", url=URL, app_unfurl_url=URL, details=True)
    assert custom(shown)["emails"] == "eloise@example.com" and custom(shown)["role"] == "Staff Engineer chez Qonto"
    assert shown["entity_payload"]["attributes"]["display_type"] == "Candidat·e"


def test_a_flexpane_adds_projects_notes_and_says_what_a_key_may_not_read(slack: FakeSlack) -> None:
    when = datetime(2026, 12, 1, 10, tzinfo=UTC)
    private = Private(details=False, details_refused=True, standing_complete=False,
                      standing=[Standing("Zeta", "Call", when), Standing("Alpha", None, None)],
                      notes=[Note(id="n2", content="Second\nline", created_at=when), Note(id="n1", content="First")])
    entity = contact_entity(eloise(), "en", url=URL, app_unfurl_url=None, details=True, private=private)
    assert entity_problem(slack, entity) is None and "app_unfurl_url" not in entity
    fields = custom(entity)
    assert "emails" not in fields and fields["details"] == "Your Leonar key cannot read contact details."
    assert fields["projects"].splitlines() == ["Zeta — Call (since Dec 1, 2026)", "Alpha",
                                               "Maybe in other projects too: the bot could not check them all now."]
    assert fields["notes"] == "Dec 1, 2026: Second\nline\n\nFirst"
    refused = contact_entity(eloise(), "en", url=URL, app_unfurl_url=None, details=True,
                             private=Private(details=True, standing=[], notes=None, notes_refused=True))
    assert custom(refused)["notes"] == "Your Leonar key cannot read notes."
    assert custom(refused)["projects"] == "In none of the projects the bot knows of."
    assert custom(refused)["emails"] == "eloise@example.com"


def test_leonar_data_is_clipped_and_only_a_linkedin_profile_becomes_a_link(slack: FakeSlack) -> None:
    odd = eloise(first_name="<!channel>" * 40, title="x" * 1000, linkedin_profile="javascript:alert(1)")
    entity = contact_entity(odd, "en", url=URL, app_unfurl_url=URL, details=False)
    assert entity_problem(slack, entity) is None
    assert len(entity["entity_payload"]["attributes"]["title"]["text"]) <= 150
    assert all(len(v) <= 300 for v in custom(entity).values()) and "linkedin" not in custom(entity)


def test_a_projects_entity_counts_its_stages(slack: FakeSlack) -> None:
    stages = [{"id": f"s{i}", "name": n, "position": i, "entries_count": c}
              for i, (n, c) in enumerate([("Sourced", 12), ("Offer", 1)])]
    project = Project.model_validate({"id": "p1", "name": "Data", "client_company": "Qonto",
                                      "pipeline": {"stages": stages[::-1]}})
    entity = project_entity(project, "en", url=URL, app_unfurl_url=URL)
    assert entity_problem(slack, entity) is None
    assert custom(entity) == {"client": "Qonto", "candidates": "13", "stages": "Sourced: 12\nOffer: 1"}
    [follow] = entity["entity_payload"]["actions"]["primary_actions"]
    assert (follow["action_id"], follow["value"]) == ("unfurl_follow_project", "p1")
    empty = project_entity(Project.model_validate({"id": "p2", "name": "New"}), "en", url=URL, app_unfurl_url=URL)
    assert custom(empty)["stages"] == "This project has no pipeline stages yet."
