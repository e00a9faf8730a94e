"""Hostile or odd Leonar data still makes valid Block Kit with no live mention and no disguised link."""

from __future__ import annotations

import json
import re
from typing import Any

import ada_url  # the WHATWG URL parser of Node.js: how a browser reads a URL, independent of the bot's parsing
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.leonar import Contact, Project
from bot.views.card import candidate_card
from bot.views.options import contact_options, project_options
from tests.support.slack_schema import message_problem, option_problem
from tests.support.unfurls import mrkdwn_texts as blocks_mrkdwn

ADDED_BY = "U0ADDER"
NASTY = [
    "<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C123>", "<!subteam^S1>", "<https://evil.example|Click>",
    "<mailto:x@evil.example|Mail>", "&", "&amp;", "&lt;!channel&gt;", "a" * 10_000, "🧑‍💻🚀", "مرحبا بالعالم",
    "\u202eevil\u202c", "", " ", "\n\n", "*bold* _it_ ~s~ `code`", "```", "> quote", "|", None,
]
PRIVATE_EMAIL, PRIVATE_PHONE = "do-not-post-4711@example.invalid", "+33 6 47 11 47 11"
FIELDS = ["first_name", "last_name", "title", "current_company", "location", "linkedin_profile"]


def mrkdwn_texts(message: dict[str, Any]) -> list[str]:
    """Every string Slack would parse as mrkdwn: text objects of that type, and the fallback text."""
    return [message["text"], *blocks_mrkdwn(message["blocks"])]


def assert_safe_card(card: dict[str, Any]) -> None:
    assert message_problem(card) is None, message_problem(card)
    for text in mrkdwn_texts(card):
        # Only the bot's own mention of who added the candidate may be a live <...> sequence.
        assert "<" not in text.replace(f"<@{ADDED_BY}>", ""), text[:200]
        assert ">" not in text.replace(f"<@{ADDED_BY}>", ""), text[:200]
    for url in re.findall(r'"url": "([^"]*)"', json.dumps(card)):
        assert (url.startswith(("https://", "http://")) and ".linkedin.com/" in url) or "://linkedin.com/" in url


@pytest.mark.parametrize("value", NASTY)
@pytest.mark.parametrize("field", FIELDS)
def test_each_hostile_value_in_each_field(field: str, value: str | None) -> None:
    contact = Contact.model_validate({"id": "c1", "first_name": "Ada", field: value,
                                      "skills": [value] if value else [], "tags": [value or "x"]})
    assert_safe_card(candidate_card(contact, value or "Project", value, ADDED_BY))
    for option in contact_options([contact], value or "") + project_options(
        [Project(id="p1", name=value or "P", client_company=value)], ""
    ):
        assert option_problem(option) is None


def test_a_linkedin_lookalike_gets_no_button() -> None:
    for url in ("https://evil.example/in/ada", "https://linkedin.com.evil.example/in/ada", "javascript:alert(1)", "[",
                "https://[::1/in/ada",
                "https://www.linkedin.com/in/ada|Click", "data:text/html,hi"):
        card = candidate_card(Contact(id="c1", linkedin_profile=url), "P", None, ADDED_BY)
        assert not any(b["type"] == "actions" for b in card["blocks"]), url
    card = candidate_card(Contact(id="c1", linkedin_profile="www.linkedin.com/in/ada"), "P", None, ADDED_BY)
    assert "https://www.linkedin.com/in/ada" in json.dumps(card)


hostile_text = st.one_of(st.sampled_from([v for v in NASTY if v is not None]), st.text(),
                         st.text(alphabet="<>&|@!#*_~`\n "))
json_scalar = st.one_of(st.none(), hostile_text, st.integers(), st.floats(allow_nan=False), st.booleans())
contact_json = st.fixed_dictionaries(
    {"id": st.text(min_size=1, max_size=60)},
    optional={
        **{field: st.one_of(st.none(), hostile_text, json_scalar) for field in FIELDS},
        "years_experience": st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False), st.integers()),
        "skills": st.one_of(st.none(), st.lists(json_scalar, max_size=30)),
        "tags": st.one_of(st.none(), st.lists(json_scalar, max_size=30)),
        "emails": st.just([{"email": PRIVATE_EMAIL, "type": "work"}]),
        "phones": st.just([{"phone": PRIVATE_PHONE, "type": "personal"}]),
        "custom_data": st.dictionaries(st.text(), json_scalar),
    },
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(data=contact_json, project=hostile_text, stage=st.one_of(st.none(), hostile_text), query=hostile_text)
def test_any_contact_json_makes_a_safe_card_and_valid_options(
    data: dict[str, Any], project: str, stage: str | None, query: str
) -> None:
    try:
        contact = Contact.model_validate(data)
    except ValidationError:
        return  # the client skips records that do not parse (see _parse_list)
    assert_safe_card(candidate_card(contact, project, stage, ADDED_BY))
    for option in contact_options([contact], query):
        assert option_problem(option) is None
    card = json.dumps(candidate_card(contact, project, stage, ADDED_BY), ensure_ascii=False)
    assert PRIVATE_EMAIL not in card and PRIVATE_PHONE not in card


@settings(max_examples=150, deadline=None)
@given(names=st.lists(hostile_text, min_size=1, max_size=150), query=hostile_text)
def test_any_project_names_make_valid_options(names: list[str], query: str) -> None:
    projects = [Project(id=f"p{i}", name=name or "x") for i, name in enumerate(names)]
    options = project_options(projects, query)
    assert 1 <= len(options) <= 100
    for option in options:
        assert option_problem(option) is None


BROWSER_TRICKS = [
    "https://evil.example\\@www.linkedin.com/in/x",  # browsers read `\` as `/`: evil.example, path /@www…
    "https:\\\\evil.example\\@www.linkedin.com/in/x",
    "https://evil.example/\\www.linkedin.com/in/x",
    "https://www.linkedin.com@evil.example/in/x",
    "https://www.linkedin.com:443@evil.example/in/x",
    "https://user:pass@www.linkedin.com/in/x",
    "https://www.linkedin.com:8443/in/x",
    "https://evil.example%5C@www.linkedin.com/in/x",
    "https://evil.example\t@www.linkedin.com/in/x",
    "https://www.linkedin.com\n.evil.example/in/x",
    "https://www.linkedin.com\u200b.evil.example/in/x",
    "//evil.example/www.linkedin.com/in/x",
    "javascript://www.linkedin.com/in/x%0aalert(1)",
    "https://www.linkedin.com/company/evil",
    "https://www.linkedin.com/redir/redirect?url=https%3A%2F%2Fevil.example",
    "https://www.linkedin.com/in/../../redir/redirect",
    "https://xn--linkedin-.com/in/x",
    "https://www.linkedin.com./in/x",
]


def linkedin_button(url: str) -> str | None:
    card = candidate_card(Contact(id="c1", linkedin_profile=url), "P", None, ADDED_BY)
    buttons = [e["url"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    return buttons[0] if buttons else None


@pytest.mark.parametrize("url", BROWSER_TRICKS)
def test_a_url_a_browser_reads_differently_gets_no_button(url: str) -> None:
    assert linkedin_button(url) is None


@pytest.mark.parametrize(("url", "button"), [
    ("https://www.linkedin.com/in/ada", "https://www.linkedin.com/in/ada"),
    ("http://linkedin.com/in/Ada-L/?trk=share#top", "https://linkedin.com/in/Ada-L"),
    ("WWW.LinkedIn.com/in/ada", "https://www.linkedin.com/in/ada"),
    ("https://fr.linkedin.com/pub/ada-lovelace/12/345/678", "https://fr.linkedin.com/pub/ada-lovelace/12/345/678"),
    ("https://www.linkedin.com/in/jos\u00e9-garc\u00eda", "https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa"),
])
def test_a_profile_url_is_rebuilt_from_its_host_and_path(url: str, button: str) -> None:
    assert linkedin_button(url) == button


def whatwg_host(url: str) -> str:
    """The host a browser opens for `url` (WHATWG URL parsing, as in browsers: `\\` is a `/`)."""
    return str(ada_url.URL(url).hostname)


URL_PARTS = ["https://", "http://", "//", "\\", "@", ":", ":443", "www.", "fr.", "linkedin.com", "linkedin",
             "evil.example", ".", "/", "in/", "/in/", "pub/", "ada", "-", "?", "#", "%5C", "%40", "%2e", "..", "\t",
             "\n", " ", "\u200b", "\u202e", "\u00e9", "😀", "[::1]", "javascript:", "user:pass"]
profile = st.builds(
    "{}{}linkedin.com/{}{}".format,
    st.sampled_from(["https://", "http://", "", "HTTPS://"]),
    st.lists(st.sampled_from(["www.", "fr.", "a-b.", "WWW."]), max_size=2).map("".join),
    st.sampled_from(["in/", "pub/", "IN/"]),
    st.sampled_from(["ada", "ada-lovelace/", "jos\u00e9", "12/345/678", "a%5Cb", "a.b", "x?trk=1", "x#top"]),
)


def _insert(url: str, cuts: list[tuple[int, str]]) -> str:
    for at, part in cuts:
        at %= len(url) + 1
        url = url[:at] + part + url[at:]
    return url


# A real profile URL with up to two hostile fragments slipped in anywhere: near misses, and the plain ones.
profile_like = st.builds(_insert, profile, st.lists(st.tuples(st.integers(0, 80), st.one_of(
    st.sampled_from(URL_PARTS), st.text(max_size=3))), max_size=2))
url_like = st.one_of(profile_like, st.lists(st.sampled_from(URL_PARTS), max_size=14).map("".join),
                     st.text(max_size=80))


@settings(max_examples=600, deadline=None)
@given(url=url_like)
def test_any_string_makes_no_button_or_one_a_browser_opens_on_linkedin(url: str) -> None:
    button = linkedin_button(url)
    if button is None:
        return
    parsed = ada_url.URL(button)
    host = whatwg_host(button)
    assert parsed.protocol == "https:" and not parsed.username and not parsed.password and not parsed.port
    assert host == "linkedin.com" or host.endswith(".linkedin.com"), (url, button, host)
    assert parsed.href == button  # already in the form a browser settles on: nothing left to reinterpret
    assert parsed.pathname.startswith(("/in/", "/pub/"))
