"""English and French: one catalog, every view and message rendered and validated in both, chosen by locale."""

from __future__ import annotations

import shutil
import string
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot import i18n
from bot.i18n import LANGS, Lang, catalog, lang_of, t
from bot.leonar import Contact, Project, RateLimited, Unavailable
from bot.listeners.commands import HELP_LINES
from bot.store import AddRecord, Connection, Workspace, WorkspaceSettings
from bot.views import add_modal as add
from bot.views import admin
from bot.views.add_create_contact import Return, create_contact_modal
from bot.views.card import candidate_card
from bot.views.connect_modal import connect_modal, key_format_problem
from bot.views.errors import describe
from bot.views.home import home_view
from bot.views.messages import help_message, not_in_channel_notice, notice_modal, undelivered_card
from bot.views.metadata import ModalContext
from bot.views.options import contact_options, project_options
from tests.support.slack_schema import message_problem, option_problem, view_problem

CTX = ModalContext(channel_id="C1", response_url="https://hooks.slack.com/commands/1")
CONN = Connection(Workspace(None, "T1"), "leo_secret_abcd", "U1", datetime(2026, 11, 26, tzinfo=UTC))
SAME_IN_BOTH = {"card.tags", "add.note"}  # "Tags" and "Note" are French too
ENGLISH = {message.id if isinstance(message.id, str) else message.id[0]: message for message in catalog("en")
           if message.id}


def fields_of(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def forms(message: Any) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


@pytest.mark.parametrize("lang", LANGS)
def test_every_catalog_has_every_message_with_the_same_placeholders(lang: Lang) -> None:
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog(lang) if m.id}
    assert set(translated) == set(ENGLISH)
    for key, english in ENGLISH.items():
        message = translated[key]
        assert all(form.strip() for form in forms(message)), (lang, key)
        assert isinstance(message.id, tuple) == isinstance(english.id, tuple), (lang, key)  # plural in both
        # Plural forms may drop the count ("in a minute"), so compare what the forms use together.
        assert set().union(*map(fields_of, forms(message))) == set().union(*map(fields_of, forms(english))), key
        if lang != "en":
            assert forms(message) != forms(english) or key in SAME_IN_BOTH, (lang, key)


def test_catalogs_pass_babels_checks() -> None:
    for lang in LANGS:
        problems = [(m.id, errors) for m, errors in catalog(lang).check() if errors]
        assert not problems, (lang, problems)


def test_a_third_language_is_one_new_catalog_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(i18n.LOCALE_DIR, tmp_path, dirs_exist_ok=True)
    german = (tmp_path / "en" / "LC_MESSAGES" / "messages.po").read_text()
    german = german.replace('msgstr "Add to Leonar"', 'msgstr "Zu Leonar hinzufügen"').replace("Language: en",
                                                                                                  "Language: de")
    (tmp_path / "de" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "de" / "LC_MESSAGES" / "messages.po").write_text(german)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(i18n, "LANGS", i18n.available(tmp_path))
    i18n._translations.cache_clear()
    try:
        assert lang_of("de-DE") == "de" and t("de", "add.title") == "Zu Leonar hinzufügen"
        assert add.add_modal(CTX, lang="de")["title"]["text"] == "Zu Leonar hinzufügen"
    finally:
        monkeypatch.undo()
        i18n._translations.cache_clear()
    assert lang_of("de-DE") == "en"


def test_a_missing_message_is_an_error_not_its_key() -> None:
    with pytest.raises(KeyError):
        t("fr", "add.no_such_message")


@pytest.mark.parametrize(("locale", "lang"), [("fr-FR", "fr"), ("fr-CA", "fr"), ("en-US", "en"), ("de-DE", "en"),
                                              (None, "en"), ("", "en")])
def test_language_follows_the_slack_locale(locale: str | None, lang: str) -> None:
    assert lang_of(locale) == lang


def views(lang: Lang) -> list[dict[str, Any]]:
    project = Project.model_validate({"id": "p1", "name": "Backend", "pipeline": {"stages": [
        {"id": "s1", "name": "Sourced", "position": 0}]}})
    picked = add.Picked(project={"text": {"type": "plain_text", "text": "Backend"}, "value": "p1"}, stage_id="s1")
    return [
        add.add_modal(CTX, lang=lang),
        add.add_modal(CTX, project=project, notice=t(lang, "add.connected"), lang=lang),
        add.add_modal(CTX, stages_note=t(lang, "add.stage_failed", reason="x"), lang=lang),
        add.add_modal(CTX, project=project, error=t(lang, "error.down"), picked=picked, lang=lang),
        add.pending_modal(CTX, "Ada", "Backend", lang),
        add.done_modal("Ada", "Backend", "Sourced", lang),
        connect_modal(CTX, lang),
        admin.disconnect_modal(CTX, CONN, lang),
        create_contact_modal(Return("V1", CTX.dumps()), {"first_name": "Ada", "email": "ada@example.com",
                                                         "linkedin_profile": "https://linkedin.com/in/ada"}, lang),
        notice_modal("Leonar", t(lang, "add.failed"), lang),
        home_view(None, [], WorkspaceSettings(), admin=True, lang=lang),
        home_view(CONN, [AddRecord("U1", "Ada <b>", "Backend & Co", "Call", datetime(2026, 1, 1, tzinfo=UTC))],
                  WorkspaceSettings("C1", True), admin=True, lang=lang),
        home_view(CONN, [], WorkspaceSettings(), admin=False, lang=lang),
    ]


def messages(lang: Lang) -> list[dict[str, Any]]:
    card = candidate_card(Contact(id="c1", first_name="Ada", title="CTO", years_experience=1,
                                  skills=[f"s{n}" for n in range(20)], linkedin_profile="https://linkedin.com/in/a"),
                          "Backend", None, "U1", lang)
    return [
        card, help_message(HELP_LINES, lang), not_in_channel_notice("C1", lang),
        undelivered_card("C1", card, "x", lang),
        admin.admins_only("connect", CONN, lang), admin.admins_only("disconnect", None, lang),
        admin.not_connected(True, lang), admin.not_connected(False, lang), admin.role_unknown("x", lang),
        admin.disconnected(lang), admin.status_message(None, None, None, lang),
        admin.status_message(CONN, [], None, lang), admin.status_message(CONN, ["pipeline:write", "pipeline:read"],
                                                                         None, lang),
        admin.status_message(CONN, None, "down", lang),
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_every_view_and_message_is_valid_in_each_language(lang: Lang) -> None:
    for view in views(lang):
        assert view_problem(view) is None, (view_problem(view), view["title"])
    for message in messages(lang):
        assert message_problem(message) is None, message_problem(message)
    options = (project_options([], "zzz", lang) + project_options([], "", lang) + contact_options([], "zzz", lang)
               + contact_options([], "", lang))
    for option in options:
        assert option_problem(option) is None
    for text in (describe(RateLimited("x", reset_at=None), lang), key_format_problem("sk_1", lang),
                 describe(Unavailable("x", may_have_arrived=True, writing=True), lang)):
        assert text


def test_french_is_really_french() -> None:
    assert views("fr")[0]["title"]["text"] == "Ajouter à Leonar"
    assert [b["label"]["text"] for b in views("fr")[0]["blocks"] if b["type"] == "input"] == [
        "Projet", "Candidat", "Étape", "Note", "Publier la fiche dans"]
    card = messages("fr")[0]
    assert "Ajouté par <@U1> via /leonar-add" in str(card["blocks"]) and "1 an d'expérience" in str(card["blocks"])
    assert "+8 autres" in str(card["blocks"]) and "Profil LinkedIn" in str(card["blocks"])




def test_dates_numbers_and_plurals_follow_the_language() -> None:
    conn = Connection(Workspace(None, "T1"), "leo_secret_abcd", "U1", datetime(2026, 11, 26, 10, 5, tzinfo=UTC))
    assert "on Nov 26, 2026 at 10:05\u202fAM UTC" in admin.status_message(conn, [], None, "en")["text"]
    assert "le 26 nov. 2026 à 10:05 UTC" in admin.status_message(conn, [], None, "fr")["text"]

    def experience(years: float, lang: Lang) -> str:
        return str(candidate_card(Contact(id="c", first_name="A", years_experience=years), "P", None, "U", lang))

    assert "1 year of" in experience(1, "en") and "2.5 years of" in experience(2.5, "en")
    assert "1 an d'" in experience(1, "fr") and "2,5 ans d'" in experience(2.5, "fr")
    assert "0 an d'" in experience(0, "fr")
    soon = int(datetime.now(UTC).timestamp()) + 30
    assert describe(RateLimited("x", reset_at=soon), "fr").endswith("réessayez dans une minute.")
    assert describe(RateLimited("x", reset_at=soon + 600), "en").endswith("try again in 11 minutes.")
    assert describe(RateLimited("x", reset_at=None), "en").endswith("try again in a few minutes.")


def test_absurd_experience_is_left_out_rather_than_formatted() -> None:
    for years in (1e25, float("nan"), float("inf"), -1):
        card = candidate_card(Contact(id="c", first_name="A", years_experience=years), "P", None, "U", "fr")
        assert "expérience" not in str(card)
