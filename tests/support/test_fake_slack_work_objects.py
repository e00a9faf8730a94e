"""The fake Slack's Work Objects (`chat.unfurl`'s metadata, `entity.presentDetails`), driven by slack_sdk's real
WebClient with entities built from slack_sdk's own models: Slack's argument checks and errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.metadata import (
    EntityAttributes,
    EntityCustomField,
    EntityMetadata,
    EntityPayload,
    EntityTitle,
    EventAndEntityMetadata,
    ExternalRef,
)

from tests.support.fakes.slack import FakeSlack
from tests.support.fakes.slack_unfurls import share
from tests.support.fakes.slack_work_objects import request_details

TOKEN = "xoxb-test-token"
URL = "https://app.leonar.app/dashboard/acme/projects/p1/pipeline"
ITEM = "slack#/entities/item"
JSON = dict[str, Any]


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token=TOKEN) as fake:
        fake.work_object_types = {ITEM}
        yield fake


def entity(*, app_unfurl_url: str | None = URL, ref: str = "p1", kind: str = ITEM, **payload: Any) -> JSON:
    fields = payload.pop("custom_fields", [EntityCustomField(key="client", label="Client", type="string",
                                                             value="Qonto")])
    return EntityMetadata(
        entity_type=kind, url=URL, app_unfurl_url=app_unfurl_url, external_ref=ExternalRef(id=ref, type="project"),
        entity_payload=EntityPayload(attributes=EntityAttributes(title=EntityTitle(text="Data team")),
                                     custom_fields=fields, **payload)).to_dict()


def call(slack: FakeSlack, method: str, **args: Any) -> str | None:
    """Slack's error code, or None when accepted."""
    client = WebClient(token=TOKEN, base_url=slack.api_url)
    try:
        getattr(client, method)(**args)
    except SlackApiError as exc:
        return str(exc.response["error"])
    return None


def test_chat_unfurl_takes_entities_for_the_messages_own_urls(slack: FakeSlack) -> None:
    message = share(slack, [URL], channel="C1")
    target = {"unfurl_id": message.unfurl_id, "source": "conversations_history"}
    # slack_sdk's own model, as an application using it sends it
    assert call(slack, "chat_unfurl", metadata=EventAndEntityMetadata(entities=[entity()]), **target) is None
    assert message.entities[URL]["external_ref"] == {"id": "p1", "type": "project"} and message.unfurls == {}
    other = entity(app_unfurl_url="https://app.leonar.app/dashboard/acme/projects/p2/pipeline")
    assert call(slack, "chat_unfurl", metadata={"entities": [other]}, **target) == "cannot_unfurl_url"
    assert call(slack, "chat_unfurl", metadata={"entities": [entity(app_unfurl_url=None)]}, **target) == (
        "invalid_metadata")
    assert slack.problems == ["chat.unfurl: an entity without app_unfurl_url"]


@pytest.mark.parametrize("broken", ["no entities", "unknown type", "type not enabled", "no title",
                                    "custom field type", "display_order", "action"])
def test_chat_unfurl_refuses_metadata_slack_would_not_show(broken: str, slack: FakeSlack) -> None:
    message = share(slack, [URL], channel="C1")
    bad: JSON = entity()
    if broken == "no entities":
        metadata: JSON = {"entities": []}
    else:
        if broken == "unknown type":
            bad["entity_type"] = "slack#/entities/person"
        elif broken == "type not enabled":
            bad["entity_type"] = "slack#/entities/task"
        elif broken == "no title":
            bad["entity_payload"]["attributes"]["title"]["text"] = " "
        elif broken == "custom field type":
            bad["entity_payload"]["custom_fields"][0]["type"] = "markdown"
        elif broken == "display_order":
            bad["entity_payload"]["display_order"] = ["client", "salary"]
        else:
            bad["entity_payload"]["actions"] = {"primary_actions": [{"text": "Go", "style": "loud"}]}
        metadata = {"entities": [bad]}
    assert call(slack, "chat_unfurl", channel="C1", ts=message.ts, metadata=metadata) == "invalid_metadata"
    assert message.entities == {} and len(slack.problems) == 1
    slack.problems.clear()


def test_without_work_object_previews_both_methods_say_feature_not_enabled(slack: FakeSlack) -> None:
    slack.work_object_types = set()
    message = share(slack, [URL], channel="C1")
    assert call(slack, "chat_unfurl", channel="C1", ts=message.ts, metadata={"entities": [entity()]}) == (
        "feature_not_enabled")
    trigger = request_details(slack, "U1", {"id": "p1", "type": "project"}, URL)
    assert call(slack, "entity_presentDetails", trigger_id=trigger, metadata=entity()) == "feature_not_enabled"
    assert message.entities == {} and slack.presented == []


def test_present_details_answers_the_click_once_for_that_entity(slack: FakeSlack) -> None:
    trigger = request_details(slack, "U1", {"id": "p1", "type": "project"}, URL)
    assert call(slack, "entity_presentDetails", trigger_id=trigger, metadata=entity(ref="p2")) == (
        "entity_metadata_does_not_match_trigger")
    assert call(slack, "entity_presentDetails", trigger_id=trigger) == "invalid_arguments"  # nothing to show
    assert call(slack, "entity_presentDetails", trigger_id=trigger, error={"status": "broken"}) == (
        "invalid_arguments")
    assert call(slack, "entity_presentDetails", trigger_id=slack.issue_trigger("U1"), metadata=entity()) == (
        "invalid_trigger_id")  # a modal's trigger, not a click on a Work Object
    flexpane = entity(app_unfurl_url=None)
    assert call(slack, "entity_presentDetails", trigger_id=trigger, metadata=flexpane) is None
    assert call(slack, "entity_presentDetails", trigger_id=trigger, metadata=flexpane) == "invalid_trigger_id"
    [shown] = slack.presented
    assert (shown.user_id, shown.metadata, shown.error) == ("U1", flexpane, None)


def test_present_details_prompts_to_authenticate_and_its_trigger_expires(slack: FakeSlack) -> None:
    trigger = request_details(slack, "U1", {"id": "p1", "type": "project"}, URL)
    home = "slack://app?team=T0001&id=A0001&tab=home"
    assert call(slack, "entity_presentDetails", trigger_id=trigger, user_auth_required=True,
                user_auth_url=home) is None
    assert slack.presented[0].user_auth_required and slack.presented[0].user_auth_url == home
    late = request_details(slack, "U1", {"id": "p1", "type": "project"}, URL)
    slack.trigger_ttl = 0.0
    assert call(slack, "entity_presentDetails", trigger_id=late, error={"status": "not_found"}) == (
        "invalid_trigger_id")
    slack.trigger_ttl = 3.0
    prompt = request_details(slack, "U1", {"id": "p1", "type": "project"}, URL)
    assert call(slack, "entity_presentDetails", trigger_id=prompt, user_auth_required=True) is None
    assert slack.problems == ["entity.presentDetails: user_auth_required without user_auth_url"]
    slack.problems.clear()
