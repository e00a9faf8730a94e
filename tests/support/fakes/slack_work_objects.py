"""Slack's Work Objects, for the fake Slack (docs.slack.dev "Implementing Work Objects", the `entity.presentDetails`
and `chat.unfurl` reference pages, the `entity_details_requested` event; research slack-platform-3 §6).

- The app's configuration: `FakeSlack.work_object_types`, the entity types ticked under "Work Object Previews" (empty:
  the feature is off, and both methods answer `feature_not_enabled`).
- `chat.unfurl`'s `metadata` (`check_unfurl_metadata`): `{"entities": [...]}` (a JSON string is parsed), each entity
  with an `entity_type` the app enabled, a `url`, an `external_ref.id`, `entity_payload.attributes.title.text`, and
  an `app_unfurl_url` that is one of the message's own URLs (`cannot_unfurl_url`, as for `unfurls`); custom fields
  with a key, a label and a type of slack_sdk's `CustomFieldType`, `display_order` naming only keys it has; actions
  with `text` and `action_id`, `style` primary or danger. Anything else: `invalid_metadata`.
- A click on a Work Object: `request_details` records the trigger Slack puts in `entity_details_requested`, for that
  user and that entity; `entity.presentDetails` (`present_details`) takes it once and within its life
  (`invalid_trigger_id`), an entity whose `external_ref` is not the clicked one
  (`entity_metadata_does_not_match_trigger`), the metadata checked as above (no `app_unfurl_url` needed), an `error`
  whose `status` is one of those the page lists; what it accepted is in `FakeSlack.presented`.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from itertools import count
from typing import TYPE_CHECKING, Any

from slack_sdk.models.metadata import CustomFieldType, EntityType

if TYPE_CHECKING:
    from tests.support.fakes.slack import FakeSlack

JSON = dict[str, Any]
ERROR_STATUSES = {"restricted", "internal_error", "not_found", "custom", "custom_partial_view", "timeout",
                  "edit_error"}
BUTTON_STYLES = {"primary", "danger"}
_ids = count(1)


@dataclass
class DetailsTrigger:
    user_id: str
    external_ref: JSON
    entity_url: str
    issued: float = field(default_factory=time.monotonic)


@dataclass
class Presented:
    """One `entity.presentDetails` Slack accepted: what the user's flexpane shows."""

    trigger_id: str
    user_id: str
    external_ref: JSON
    metadata: JSON | None
    user_auth_required: bool
    user_auth_url: str | None
    error: JSON | None


def request_details(fake: FakeSlack, user_id: str, external_ref: JSON, entity_url: str) -> str:
    """The trigger_id of a click on a Work Object, as Slack puts it in `entity_details_requested`."""
    trigger_id = f"{int(time.time())}.{next(_ids)}.{secrets.token_hex(16)}"
    with fake._lock:
        fake.details_triggers[trigger_id] = DetailsTrigger(user_id, dict(external_ref), entity_url)
    return trigger_id


def check_unfurl_metadata(fake: FakeSlack, raw: Any, urls: list[str]) -> tuple[str | None, dict[str, JSON]]:
    """(Slack's error, or None; the entities by app_unfurl_url)."""
    if not fake.work_object_types:
        return "feature_not_enabled", {}
    if fake.metadata_warning:
        return None, {}  # accepted, and dropped: `chat_unfurl` answers ok with the warning
    metadata = _parsed(raw)
    entities = metadata.get("entities") if isinstance(metadata, dict) else None
    if not isinstance(entities, list) or not entities:
        return _refused(fake, "chat.unfurl: metadata without entities"), {}
    found: dict[str, JSON] = {}
    for entity in entities:
        if (problem := entity_problem(fake, entity)) is not None:
            return _refused(fake, f"chat.unfurl: {problem}"), {}
        posted = entity.get("app_unfurl_url")
        if not isinstance(posted, str) or not posted:
            return _refused(fake, "chat.unfurl: an entity without app_unfurl_url"), {}
        if posted not in urls:
            return "cannot_unfurl_url", {}
        found[posted] = entity
    return None, found


def present_details(fake: FakeSlack, body: JSON) -> JSON:
    if not fake.work_object_types:
        return _error("feature_not_enabled")
    trigger_id = body.get("trigger_id")
    if not isinstance(trigger_id, str) or not trigger_id:
        return _error("invalid_arguments")
    trigger = fake.details_triggers.get(trigger_id)
    if trigger is None or trigger_id in fake.used_details_triggers:
        return _error("invalid_trigger_id")
    if fake.trigger_ttl is not None and time.monotonic() - trigger.issued > fake.trigger_ttl:
        return _error("invalid_trigger_id")
    metadata, error = body.get("metadata"), body.get("error")
    auth_required = body.get("user_auth_required") in (True, 1, "1", "true")
    if metadata is None and error is None and not auth_required:
        return _error("invalid_arguments")
    if metadata is not None:
        metadata = _parsed(metadata)
        if not isinstance(metadata, dict) or (problem := entity_problem(fake, metadata)) is not None:
            return _error(_refused(fake, f"entity.presentDetails: {problem or 'metadata is not an object'}"))
        ref = metadata["external_ref"]
        if ref.get("id") != trigger.external_ref.get("id") or ref.get("type") != trigger.external_ref.get("type"):
            return _error("entity_metadata_does_not_match_trigger")
    if error is not None:
        error = _parsed(error)
        if not isinstance(error, dict) or error.get("status") not in ERROR_STATUSES:
            return _error("invalid_arguments")
    url = body.get("user_auth_url")
    if auth_required and not url:
        # Slack's page calls the URL optional; for this app a prompt that leads nowhere is a bug, so tests see it.
        fake.problems.append("entity.presentDetails: user_auth_required without user_auth_url")
    fake.used_details_triggers.add(trigger_id)
    fake.presented.append(Presented(trigger_id, trigger.user_id, trigger.external_ref, metadata, auth_required,
                                    url if isinstance(url, str) else None, error))
    return {"ok": True}


def entity_problem(fake: FakeSlack, entity: Any) -> str | None:
    """What makes `entity` not a Work Object entity this app may send, or None."""
    if not isinstance(entity, dict):
        return "an entity that is not an object"
    kind = entity.get("entity_type")
    if kind not in EntityType:
        return f"unknown entity_type {kind!r}"
    if kind not in fake.work_object_types:
        return f"entity_type {kind} is not enabled for the app"
    if not isinstance(entity.get("url"), str) or not entity["url"]:
        return "an entity without url"
    ref = entity.get("external_ref")
    if not isinstance(ref, dict) or not isinstance(ref.get("id"), str) or not ref["id"]:
        return "an entity without external_ref.id"
    payload = entity.get("entity_payload")
    attributes = payload.get("attributes") if isinstance(payload, dict) else None
    title = attributes.get("title") if isinstance(attributes, dict) else None
    if not isinstance(title, dict) or not isinstance(title.get("text"), str) or not title["text"].strip():
        return "an entity without entity_payload.attributes.title.text"
    assert isinstance(payload, dict)
    keys: set[str] = set(payload.get("fields") or {})
    for custom in payload.get("custom_fields") or []:
        if not isinstance(custom, dict) or not all(isinstance(custom.get(k), str) and custom[k]
                                                   for k in ("key", "label", "type")):
            return "a custom field without key, label or type"
        if custom["type"] not in CustomFieldType:
            return f"a custom field of unknown type {custom['type']!r}"
        keys.add(custom["key"])
    order = payload.get("display_order") or []
    if not isinstance(order, list) or any(k not in keys for k in order):
        return "display_order names a field the entity does not have"
    actions = payload.get("actions") or {}
    for button in [*(actions.get("primary_actions") or []), *(actions.get("overflow_actions") or [])]:
        if not isinstance(button, dict) or not button.get("text") or not button.get("action_id"):
            return "an action without text or action_id"
        if button.get("style") not in (None, *BUTTON_STYLES):
            return f"an action of unknown style {button.get('style')!r}"
    return None


def _parsed(raw: Any) -> Any:
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return None
    return raw


def _refused(fake: FakeSlack, problem: str) -> str:
    fake.problems.append(problem)
    return "invalid_metadata"


def _error(error: str) -> JSON:
    return {"ok": False, "error": error}
