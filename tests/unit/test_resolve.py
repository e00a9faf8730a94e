"""Resolving typed text to Leonar objects (bot/leonar/resolve.py): folded names, closest names, candidates."""

from __future__ import annotations

import pytest

from bot.leonar import Contact, Project
from bot.leonar.models import Pipeline, Stage
from bot.leonar.resolve import (
    CandidateUnnamed,
    ProjectAmbiguous,
    ProjectNotFound,
    StageNotFound,
    closest_projects,
    fold,
    match_project,
    match_stage,
    parse_candidate,
)
from bot.views import workflow_step as say


def project(name: str, pid: str | None = None, client: str | None = None, stages: tuple[str, ...] = ()) -> Project:
    pipeline = Pipeline(stages=[Stage(id=f"s{i}", name=s, position=i) for i, s in enumerate(stages)])
    return Project(id=pid or f"p-{fold(name).replace(' ', '-')}", name=name, client_company=client,
                   pipeline=pipeline)


PROJECTS = [project("Backend Engineer", client="Paris"), project("Ingénieur Données"),
            project("Product Designer"), project("Data Engineer 2"), project("Head of Sales")]


def test_fold_ignores_case_accents_and_spacing() -> None:
    assert fold("  INGÉNIEUR   Données ") == "ingenieur donnees" == fold("ingenieur donnees")
    assert fold("Ÿves-Noël") == "yves-noel"


@pytest.mark.parametrize("typed", ["ingenieur donnees", "INGÉNIEUR DONNÉES", "Ingénieur  Données "])
def test_a_project_is_found_by_its_name_whatever_the_case_and_accents(typed: str) -> None:
    assert match_project(PROJECTS, typed).name == "Ingénieur Données"


def test_an_id_wins_over_a_name() -> None:
    named_like_an_id = project("p-head-of-sales", pid="p-other")
    assert match_project([*PROJECTS, named_like_an_id], "p-head-of-sales").name == "Head of Sales"


def test_a_typo_gets_the_closest_names_only() -> None:
    with pytest.raises(ProjectNotFound) as caught:
        match_project(PROJECTS, "Backend Engneer")
    assert [p.name for p in caught.value.closest] == ["Backend Engineer"]
    message = say.unresolved(caught.value)
    assert message == "No Leonar project named 'Backend Engneer'. Closest: Backend Engineer — Paris"


def test_a_part_of_a_name_suggests_the_projects_holding_it() -> None:
    assert [p.name for p in closest_projects(PROJECTS, "engineer")] == ["Backend Engineer", "Data Engineer 2"]


def test_nothing_close_says_so_without_a_list() -> None:
    with pytest.raises(ProjectNotFound) as caught:
        match_project(PROJECTS, "Accountant")
    assert caught.value.closest == [] and say.unresolved(caught.value) == "No Leonar project named 'Accountant'."


def test_two_projects_of_one_name_are_ambiguous_and_listed_with_their_ids() -> None:
    twins = [project("Data Engineer", "p1"), project("data  ENGINEER", "p2"), *PROJECTS]
    with pytest.raises(ProjectAmbiguous) as caught:
        match_project(twins, "Data Engineer")
    assert {p.id for p in caught.value.matches} == {"p1", "p2"}
    assert "(p1)" in say.unresolved(caught.value) and "(p2)" in say.unresolved(caught.value)


def test_stages_are_matched_folded_and_an_unknown_one_lists_them() -> None:
    board = project("Backend", stages=("Sourced", "Entretien RH", "Offer"))
    assert match_stage(board, "entretien rh") == board.stages[1]
    assert match_stage(board, None) is None and match_stage(board, "  ") is None
    with pytest.raises(StageNotFound) as caught:
        match_stage(board, "Hired")
    assert say.unresolved(caught.value) == (
        "The Leonar project Backend has no stage named 'Hired'. Its stages: Sourced, Entretien RH, Offer")


@pytest.mark.parametrize(("typed", "kind", "fields"), [
    ("https://www.linkedin.com/in/ada-lovelace/", "linkedin",
     {"first_name": "Ada", "last_name": "Lovelace", "linkedin_profile": "https://www.linkedin.com/in/ada-lovelace"}),
    ("grace.hopper@example.com", "email",
     {"first_name": "Grace", "last_name": "Hopper", "email": "grace.hopper@example.com"}),
    ("  Éloïse   Martin Durand ", "name", {"first_name": "Éloïse", "last_name": "Martin Durand"}),
])
def test_the_candidate_text_is_read_as_what_it_is(typed: str, kind: str, fields: dict[str, str]) -> None:
    query = parse_candidate(typed)
    assert query.kind == kind and query.fields == fields


@pytest.mark.parametrize("typed", ["", "   ", "--", "!!! ?"])
def test_a_candidate_without_letters_is_refused(typed: str) -> None:
    with pytest.raises(CandidateUnnamed):
        parse_candidate(typed)


def test_a_linkedin_lookalike_is_a_name_not_a_profile() -> None:
    assert parse_candidate("https://evil.example/in/linkedin.com/in/ada").kind == "name"


def test_the_card_says_it_came_from_a_workflow() -> None:
    contact = Contact(id="c1", first_name="Ada", last_name="<Lovelace>")
    with_user = say.step_card(contact, "Backend", "Screen", "U0001")
    assert with_user["blocks"][-1]["elements"][0]["text"] == "Added by <@U0001> through a workflow"
    anonymous = say.step_card(contact, "Backend & Co", None, None)
    assert anonymous["text"] == "Ada &lt;Lovelace&gt; added to Backend &amp; Co through a workflow"
    assert "<@" not in str(anonymous)
