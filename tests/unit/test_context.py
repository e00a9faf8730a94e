"""A modal's private_metadata arrives decoded into its typed object, whatever the payload holds."""

from __future__ import annotations

from bot.slack.context import metadata_of
from bot.views.add_create_contact import CALLBACK_ID as CREATE_CALLBACK_ID
from bot.views.add_create_contact import Return
from bot.views.metadata import ModalContext


def test_the_add_modal_carries_a_modal_context() -> None:
    ctx = ModalContext(channel_id="C1", response_url="https://hooks.slack.com/x").with_project("p1", "Backend")
    assert metadata_of({"callback_id": "leonar_add", "private_metadata": ctx.dumps()}) == ctx


def test_the_creation_form_carries_where_to_go_back() -> None:
    back = Return(root_view_id="V1", root_metadata=ModalContext(channel_id="C1").dumps(), stage_id="s1")
    assert metadata_of({"callback_id": CREATE_CALLBACK_ID, "private_metadata": back.dumps()}) == back


def test_no_view_or_garbage_decodes_to_nothing_harmful() -> None:
    assert metadata_of(None) is None and metadata_of("view") is None
    assert metadata_of({"callback_id": "leonar_add", "private_metadata": "{not json"}) == ModalContext()
    assert metadata_of({"callback_id": "leonar_add", "private_metadata": '["a list"]'}) == ModalContext()
    assert metadata_of({"callback_id": CREATE_CALLBACK_ID, "private_metadata": '{"unknown": 1}'}) is None
