"""The mention grammar (bot/slack/mention_grammar.py): each form in English and French, Slack's markup read, and
everything else left to the help — never guessed."""

from __future__ import annotations

import pytest

from bot.slack.mention_grammar import Add, Find, Pipeline, Unknown, parse, plain

BOT = "UBOT"
CONTACT = "0b7e1d3c-5a2f-4c1e-9d8a-2f6b3c4d5e6f"


@pytest.mark.parametrize(("text", "expected"), [
    ("<@UBOT> find Sophie Martin", Find("Sophie Martin", "en")),
    ("<@UBOT> FIND   sophie@acme.io", Find("sophie@acme.io", "en")),
    ("<@UBOT> cherche Sophie Martin", Find("Sophie Martin", "fr")),
    ("<@UBOT> pipeline Backend Engineer", Pipeline("Backend Engineer", None)),
    ("<@UBOT> Pipeline ingénieur backend", Pipeline("ingénieur backend", None)),
    ("<@UBOT> add Bob Stone to Backend Engineer", Add("Bob Stone", "Backend Engineer", None, "en")),
    ("<@UBOT> add Bob Stone to Backend Engineer at Phone screen",
     Add("Bob Stone", "Backend Engineer", "Phone screen", "en")),
    ("<@UBOT> ajoute Bob Stone à Ingénieur Backend en Entretien",
     Add("Bob Stone", "Ingénieur Backend", "Entretien", "fr")),
    ("<@UBOT> Ajoute Bob Stone a Ingénieur Backend", Add("Bob Stone", "Ingénieur Backend", None, "fr")),
    ("<@UBOT> add <mailto:bob@acme.io|bob@acme.io> to Sales",
     Add("bob@acme.io", "Sales", None, "en")),
    ("<@UBOT> add <https://www.linkedin.com/in/bob-stone|linkedin.com/in/bob-stone> to Sales at Screen",
     Add("https://www.linkedin.com/in/bob-stone", "Sales", "Screen", "en")),
    ("<@UBOT> add Bob to Sales at Paris at Interview", Add("Bob", "Sales at Paris", "Interview", "en")),
    ("find R&amp;D &lt;lead&gt;", Find("R&D <lead>", "en")),  # the DM: no mention at all
])
def test_each_form_in_english_and_french(text: str, expected: object) -> None:
    assert parse(text, BOT) == expected


def test_a_leonar_contact_link_names_its_contact() -> None:
    url = f"https://app.leonar.app/dashboard/acme/contacts?contact={CONTACT}"
    found = parse(f"<@UBOT> add <{url}> to Sales", BOT)
    assert isinstance(found, Add) and found.contact_id == CONTACT and found.who == url


@pytest.mark.parametrize(("text", "lang"), [
    ("<@UBOT>", None),
    ("<@UBOT> hello there", None),
    ("<@UBOT> please find Sophie", None),  # the verb comes first: no guessing
    ("<@UBOT> find", "en"),
    ("<@UBOT> add Bob Stone", "en"),  # no project
    ("<@UBOT> add to Sales", "en"),  # no candidate
    ("<@UBOT> ajoute Bob Stone to Sales", "fr"),  # French verb, English link word
    ("<@UBOT> cherche", "fr"),
    ("<@UBOT> find " + "x" * 600, None),
])
def test_anything_else_is_unknown_and_gets_the_help(text: str, lang: str | None) -> None:
    assert parse(text, BOT) == Unknown(lang)


def test_markup_other_than_the_bots_mention_and_links_is_not_acted_on() -> None:
    assert plain("<@UBOT> find <!here> <#C1|jobs> Sophie", BOT) == "find #C1 Sophie"
    assert plain("  <@UBOT>\n\nfind   Sophie ", BOT) == "find Sophie"
