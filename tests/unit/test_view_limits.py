"""Whatever people type or name, every view fits Slack's limits: private_metadata ≤ 3,000 characters as Slack
counts them (the serialised string), and no pre-filled input longer than its max_length."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.leonar import Project
from bot.slack.add_prefill import seed_from
from bot.views.add_create_contact import Return, create_contact_modal, prefill
from bot.views.add_modal import add_modal
from bot.views.connect_modal import connect_modal
from bot.views.limits import slack_length
from bot.views.metadata import ModalContext
from bot.views.options import CREATE_PREFIX, contact_options, project_option
from tests.support.slack_schema import view_problem

ROCKET = "🚀"
RESPONSE_URL = "https://hooks.slack.com/commands/T0001/1234567890123/AbCdEfGhIjKlMnOpQrStUvWx"
# Emoji (4 bytes, two UTF-16 units), RTL, combining marks, ZWJ sequences, and what JSON escapes: quote, backslash.
AWKWARD = ["🚀", "🧑‍💻", "👩🏽‍🔬", "مرحبا", "שלום", "\u202e", "e\u0301", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "中", '"', "\\", "\n", " ", "a",
           "https://www.linkedin.com/in/"]
# Runs of one awkward piece (a long name of emoji is what overflows), a few runs after another, or any text.
runs = st.lists(st.builds(lambda piece, n: piece * n, st.sampled_from(AWKWARD), st.integers(0, 300)), max_size=3)
awkward_text = st.one_of(runs.map("".join), st.text(max_size=400))


def assert_fits(view: dict[str, Any]) -> None:
    assert view_problem(view) is None, view_problem(view)
    metadata = view.get("private_metadata", "")
    assert len(metadata) <= 3000 and slack_length(metadata) <= 3000, (len(metadata), slack_length(metadata))


def opened(seed: str, project_name: str | None) -> ModalContext:
    """What /leonar-add <text> and a project pick leave in the add modal's metadata."""
    ctx = ModalContext(channel_id="C0001", response_url=RESPONSE_URL, thread_ts="1700000000.000100",
                       default_channel="C0DEFAULT")
    if found := seed_from(seed):
        ctx = ctx.with_seed(found)
    return ctx.with_project("p" * 24, project_name) if project_name is not None else ctx


def creation_form(ctx: ModalContext, project_name: str, query: str) -> dict[str, Any]:
    """Choosing "Create …" in the add modal (as bot/listeners/actions.py:contact_picked builds it)."""
    add = add_modal(ctx)
    [create] = contact_options([], query) or [None]
    back = Return(root_view_id="V0123ABCDEF", root_metadata=add["private_metadata"],
                  project=project_option(Project(id="p" * 24, name=project_name or "x")), stage_id="s" * 24)
    return create_contact_modal(back, prefill(create["value"].removeprefix(CREATE_PREFIX)) if create else {})


def test_290_emoji_after_a_linkedin_url_still_open_the_modal() -> None:
    ctx = ModalContext(channel_id="C0001", response_url=RESPONSE_URL).with_seed(
        "https://www.linkedin.com/in/x" + ROCKET * 290)
    assert_fits(add_modal(ctx))
    assert ModalContext.loads(add_modal(ctx)["private_metadata"]).response_url == RESPONSE_URL
    # A slug in another script is a real profile URL, so such a seed still reaches the metadata.
    ctx = opened("https://www.linkedin.com/in/" + "中" * 290, None)
    assert ctx.seed is not None and "中" in ctx.seed
    assert_fits(add_modal(ctx))


def test_a_118_rocket_project_then_create_still_pushes_the_form() -> None:
    ctx = opened("Zed", ROCKET * 118)
    form = creation_form(ctx, ROCKET * 118, "Zed Quinn")
    assert_fits(form)
    back = Return.loads(form["private_metadata"])
    assert back is not None and back.root_view_id == "V0123ABCDEF" and back.stage_id == "s" * 24
    root = ModalContext.loads(back.root_metadata)
    assert (root.channel_id, root.project_id, root.thread_ts) == ("C0001", "p" * 24, "1700000000.000100")


def test_a_long_search_text_never_overfills_the_name_fields() -> None:
    for size in (99, 100, 101, 117, 140):
        for query in ("Z" * size, "Zed " + "Q" * (size - 4), ROCKET * size):
            form = creation_form(opened("", None), "Zeta", query)
            assert_fits(form)
            fields = {b["block_id"]: b["element"] for b in form["blocks"] if b["type"] == "input"}
            assert fields["first_name"]["initial_value"] and len(fields["first_name"]["initial_value"]) <= 100


def test_metadata_that_cannot_all_fit_keeps_its_ids() -> None:
    ctx = ModalContext(channel_id="C0001", response_url="https://x/" + ROCKET * 1490, project_id="p1",
                       project_name=ROCKET * 150, seed="\\" + ROCKET * 300, thread_ts="1.2", default_channel="C2")
    kept = ModalContext.loads(ctx.dumps())
    assert (kept.channel_id, kept.project_id, kept.thread_ts, kept.default_channel) == ("C0001", "p1", "1.2", "C2")
    assert slack_length(ctx.dumps()) <= 3000


@pytest.mark.slow
@settings(max_examples=250, deadline=None)
@given(seed=awkward_text, project_name=st.one_of(st.none(), awkward_text), query=awkward_text)
def test_any_seed_project_name_and_search_text_make_valid_views(
    seed: str, project_name: str | None, query: str
) -> None:
    ctx = opened(seed, project_name)
    add = add_modal(ctx)
    assert_fits(add)
    assert_fits(connect_modal(ctx))
    loaded = ModalContext.loads(add["private_metadata"])
    assert loaded.channel_id == "C0001" and loaded.thread_ts == "1700000000.000100"
    assert loaded.project_id == ctx.project_id
    if query.strip():
        form = creation_form(ctx, project_name or "", query)
        assert_fits(form)
        back = Return.loads(form["private_metadata"])
        assert back is not None and ModalContext.loads(back.root_metadata).project_id == ctx.project_id
