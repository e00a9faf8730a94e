"""/leonar-add's words: each sub-command from the table, its help line, and typos that are not searches."""

from __future__ import annotations

from bot.listeners.commands import SUBCOMMANDS
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect


def test_the_help_lists_every_sub_command_of_the_table(driver: SlackDriver) -> None:
    help_text = driver.command("help").json()["text"]
    lines = help_text.splitlines()
    assert len(lines) == 1 + len(SUBCOMMANDS)
    for word in SUBCOMMANDS:
        assert any(f"`/leonar-add{' ' + word if word else ''}`" in line for line in lines), word


def test_a_mistyped_sub_command_is_answered_not_searched(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    opened, asked = len(slack.calls_to("views.open")), len(seeded.requests)
    answer = driver.command("conect").json()
    assert answer["response_type"] == "ephemeral"
    assert "Did you mean `/leonar-add connect`?" in answer["text"]
    driver.settle()
    assert len(slack.calls_to("views.open")) == opened and len(seeded.requests) == asked


def test_a_name_close_to_a_sub_command_is_still_a_search(driver: SlackDriver, seeded: FakeLeonar) -> None:
    seeded.add_contact("Conner", "Walsh", title="SRE", current_company="Alan")
    connect(driver)
    view = driver.open_modal("Conner", callback_id="leonar_add")
    assert '"seed":"Conner"' in view["private_metadata"]


def test_sub_commands_ignore_case_and_what_follows(driver: SlackDriver, slack: FakeSlack) -> None:
    assert driver.command("HELP me").json()["text"].startswith("*/leonar-add* opens a form")
    driver.command("Status")
    [status] = driver.hook_posts()
    assert "Not connected to Leonar" in status["text"]
