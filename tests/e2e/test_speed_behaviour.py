"""Frugal with Leonar (behaviour, not timings): shared lookups, cached reads, nothing sent after a 429."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.support.bot import LEONAR_KEY
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.flows import connect, pick_contact, pick_project


def test_identical_concurrent_options_loads_make_one_leonar_call(driver: SlackDriver, seeded: FakeLeonar) -> None:
    connect(driver)
    driver.wait_view(lambda v: v["callback_id"] == "leonar_add")
    seeded.requests.clear()
    seeded.latency = 0.3
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda q: driver.suggest("project_select", q), ["", "z", "ze", "zet"] * 2))
    assert all(a.status_code == 200 and a.json()["options"] for a in answers)
    pages = seeded.count("GET", "/projects")
    assert pages == 3  # one listing of the 231 active projects (3 pages), shared by all eight loads


def test_a_warm_add_flow_costs_three_leonar_requests(driver: SlackDriver, seeded: FakeLeonar) -> None:
    connect(driver)
    pick_project(driver, "zeta", "Zeta")  # a first add warms the project list and this project's stages
    pick_contact(driver, "martin")
    assert driver.submit().status_code == 200
    driver.open_modal(callback_id="leonar_add")
    seeded.requests.clear()
    pick_project(driver, "zeta", "Zeta")
    pick_contact(driver, "bob")
    assert driver.submit().status_code == 200
    paths = [(r.method, r.path.split("/")[1], r.path.split("/")[-1]) for r in seeded.requests]
    assert len(paths) == 3, paths  # the candidate search, the already-in-project check, the add


def test_after_a_429_options_say_so_and_nothing_more_is_sent(driver: SlackDriver, seeded: FakeLeonar) -> None:
    connect(driver)
    driver.wait_view(lambda v: v["callback_id"] == "leonar_add")
    seeded.exhaust_rate_limit(LEONAR_KEY, reset_in=600)
    [first] = driver.suggest_options("contact_select", "bob")
    sent = len(seeded.requests)
    [second] = driver.suggest_options("contact_select", "alice")
    assert "budget used up: try again in 10 minutes" in first["text"]["text"] == second["text"]["text"]
    assert len(seeded.requests) == sent
    projects = driver.suggest_options("project_select", "zeta")  # never listed, and Leonar may not be asked
    assert len(seeded.requests) == sent and len(projects) == 1
