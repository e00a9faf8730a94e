"""Leonar web addresses (read from pasted links, built for "Open in Leonar") and the unfurl builders."""

from __future__ import annotations

import json

import pytest

from bot.leonar import Contact, Project
from bot.leonar.links import LeonarLink, contact_url, parse_link, project_url, slug_from
from bot.leonar.models import Pipeline, Stage
from bot.views.card import candidate_card
from bot.views.unfurls import ADD_ACTION, contact_unfurl, project_unfurl, stage_bar
from tests.support.slack_schema import message_problem

ID = "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"


@pytest.mark.parametrize(("url", "expected"), [
    (f"https://app.leonar.app/dashboard/acme/contacts?contact={ID}", LeonarLink("contact", ID, "acme")),
    (f"https://app.leonar.app/dashboard/acme-2/contacts?contact={ID.upper()}&tab=notes",
     LeonarLink("contact", ID, "acme-2")),
    (f"https://app.leonar.app/dashboard/acme/contacts/{ID}", LeonarLink("contact", ID, "acme")),
    (f"https://app.leonar.app/dashboard/acme/projects/{ID}/pipeline", LeonarLink("project", ID, "acme")),
    (f"http://app.leonar.app/dashboard/acme/projects/{ID}", LeonarLink("project", ID, "acme")),
    (f"https://app.leonar.app:443/dashboard/Not_A-Slug/projects/{ID}/pipeline?view=list",
     LeonarLink("project", ID, None)),
])
def test_contact_and_project_links_are_read(url: str, expected: LeonarLink) -> None:
    assert parse_link(url) == expected


@pytest.mark.parametrize("url", [
    f"https://app.leonar.app.evil.com/dashboard/acme/contacts?contact={ID}",
    f"https://evil.com/app.leonar.app/dashboard/acme/contacts?contact={ID}",
    f"https://app.leonar.app@evil.com/dashboard/acme/contacts?contact={ID}",
    f"https://user:pw@app.leonar.app/dashboard/acme/contacts?contact={ID}",
    f"https://app.leonar.app:8443/dashboard/acme/contacts?contact={ID}",
    f"javascript://app.leonar.app/dashboard/acme/contacts?contact={ID}",
    "https://app.leonar.app/dashboard/acme/contacts?contact=../../projects",
    "https://app.leonar.app/dashboard/acme/contacts/..%2Fprojects",
    f"https://app.leonar.app/dashboard/acme/contacts?contact={ID}&contact={ID}",
    f"https://app.leonar.app/dashboard/acme/contacts/{ID}x",
    f"https://app.leonar.app/api/v1/contacts/{ID}",
    "https://app.leonar.app/dashboard/acme/projects",
    f"https://app.leonar.app/dashboard/acme/contacts?contact={ID}" + "x" * 2000,
])
def test_anything_else_is_not_a_leonar_record(url: str) -> None:
    assert parse_link(url) is None


def test_a_slug_is_typed_or_read_from_any_dashboard_address() -> None:
    assert slug_from(" acme-corp ") == "acme-corp"
    assert slug_from(f"https://app.leonar.app/dashboard/acme-corp/projects/{ID}/pipeline") == "acme-corp"
    assert slug_from("app.leonar.app/dashboard/acme2") == "acme2"
    for bad in ("Acme", "acme corp", "-acme", "acme-", "a--b", "evil.com/x", "acme/../x", "<https://x|y>", "é",
                "https://evil.com/dashboard/acme", "a" * 64, ""):
        assert slug_from(bad) is None, bad


def test_open_in_leonar_urls_only_with_a_valid_slug() -> None:
    assert contact_url("acme", ID) == f"https://app.leonar.app/dashboard/acme/contacts?contact={ID}"
    assert project_url("acme", ID) == f"https://app.leonar.app/dashboard/acme/projects/{ID}/pipeline"
    assert contact_url(None, ID) is None and project_url("evil.com/x", ID) is None
    assert contact_url("acme", "a&b=c") == "https://app.leonar.app/dashboard/acme/contacts?contact=a%26b%3Dc"


def stages(*counts: tuple[str, int]) -> list[Stage]:
    return [Stage(id=str(n), name=name, position=n, entries_count=count) for n, (name, count) in enumerate(counts)]


def test_the_stage_bar_is_scaled_to_the_fullest_stage() -> None:
    assert stage_bar(stages(("Sourced", 12), ("Interview", 4), ("Offer", 1)), "en") == (
        "Sourced ▇▇▇▇ 12 · Interview ▇ 4 · Offer ▏1")
    assert stage_bar(stages(("Sourced", 0), ("Hired", 0)), "en") == "Sourced 0 · Hired 0"
    assert stage_bar(stages(("Sourcé", 1500)), "fr") == "Sourcé ▇▇▇▇ 1\u202f500"
    many = stages(*((f"S{n}", 1) for n in range(14)))
    assert stage_bar(many, "en").endswith(" · 2 more stages: 2")


def test_project_unfurl_escapes_leonar_data_and_counts_candidates() -> None:
    project = Project(id=ID, name="<!channel> & co", client_company="<@U1>", location="Paris",
                      entries_count=17, pipeline=Pipeline(stages=stages(("<b>", 12), ("Offer", 5))))
    unfurl = project_unfurl(project, "en", leonar_url=None)
    text = json.dumps(unfurl, ensure_ascii=False)
    assert "<!channel>" not in text and "<@U1>" not in text and "<b>" not in text
    assert "&lt;!channel&gt; &amp; co" in text and "17 candidates" in text and "&lt;b&gt; ▇▇▇▇ 12" in text
    [actions] = [b for b in unfurl["blocks"] if b["type"] == "actions"]  # no slug: Follow only, no broken link
    assert [e["action_id"] for e in actions["elements"]] == ["unfurl_follow_project"]
    assert actions["elements"][0]["value"] == ID and "url" not in actions["elements"][0]
    assert message_problem({"text": "x", **unfurl}) is None
    with_url = project_unfurl(project, "fr", leonar_url=project_url("acme", ID))
    [actions] = [b for b in with_url["blocks"] if b["type"] == "actions"]
    assert actions["elements"][1]["url"].endswith(f"/projects/{ID}/pipeline") and "17 candidats" in json.dumps(
        with_url, ensure_ascii=False)
    assert "Suivre dans ce canal" in json.dumps(with_url, ensure_ascii=False)


def test_contact_unfurl_is_the_card_profile_with_the_same_pii_rule() -> None:
    contact = Contact(id=ID, first_name="<!here>", last_name="Doe", title="CTO <script>", current_company="A&B",
                      emails=["jo@example.com"], phones=["+33 6"], linkedin_profile="https://linkedin.com/in/jo")
    hidden = contact_unfurl(contact, "en", details=False, leonar_url=None)
    assert "jo@example.com" not in json.dumps(hidden) and "+33 6" not in json.dumps(hidden)
    assert "CTO &lt;script&gt;" in json.dumps(hidden) and "A&amp;B" in json.dumps(hidden)
    card = candidate_card(contact, "P", None, "U1", details=False)
    assert hidden["blocks"][:2] == card["blocks"][:2]  # the same header and summary as the card after an add
    [actions] = [b for b in hidden["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == [ADD_ACTION, "open_linkedin"]
    assert actions["elements"][0]["value"] == ID
    shown = contact_unfurl(contact, "en", details=True, leonar_url=contact_url("acme", ID))
    assert "jo@example.com" in json.dumps(shown)
    assert json.dumps(shown).count(f"https://app.leonar.app/dashboard/acme/contacts?contact={ID}") == 1
    for unfurl in (hidden, shown):
        assert message_problem({"text": "x", **unfurl}) is None


def test_the_card_gets_open_in_leonar_only_with_a_url() -> None:
    contact = Contact(id=ID, first_name="Jo")
    assert "open_leonar" not in json.dumps(candidate_card(contact, "P", "S", "U1"))
    card = candidate_card(contact, "P", "S", "U1", leonar_url=contact_url("acme", ID))
    [actions] = [b for b in card["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == ["open_leonar"]
    assert message_problem(card) is None
