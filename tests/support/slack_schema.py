"""Offline validation of what the bot sends to Slack, against the vendored schemas in tests/schemas/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from jsonschema import Draft7Validator, Draft202012Validator, ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import extend
from referencing import Registry, Resource

SCHEMAS = Path(__file__).with_name("schemas")
MAX_MESSAGE_BLOCKS = 50
MAX_PRIVATE_METADATA = 3000
DYNAMIC_OPTION_TYPES = ("slack#/types/options_select", "slack#/types/options_field")


@cache
def _block_kit() -> tuple[dict[str, Any], Registry]:
    schema = json.loads((SCHEMAS / "block-kit.schema.json").read_text(encoding="utf-8"))
    _DISCRIMINATED.update(_discriminators(schema))
    return schema, Registry().with_resource(schema["$id"], Resource.from_contents(schema))


@cache
def _validator(definition: str | None) -> Draft202012Validator:
    schema, registry = _block_kit()
    if definition is None:
        return _BlockKitValidator(schema)
    return _BlockKitValidator({"$ref": f"{schema['$id']}#/$defs/{definition}"}, registry=registry)


# Block Kit's oneOfs of blocks and elements (21 block types, 21 input elements, ...) each fix `type` to a
# different value per branch: only the branch of the instance's type can hold. Validation took ~27 ms a view
# trying every branch; when the instance's own branch holds, the others are not tried (none of them can hold, so
# the answer is the same); when it fails, the standard oneOf runs, with its own errors.
_DISCRIMINATED: dict[int, tuple[list[Any], dict[str, int]]] = {}  # id(oneOf list) -> (the list, type -> branch)


def _discriminators(schema: dict[str, Any]) -> Iterator[tuple[int, tuple[list[Any], dict[str, int]]]]:
    defs = schema["$defs"]

    def type_values(branch: Any) -> list[str] | None:
        ref = branch.get("$ref") if isinstance(branch, dict) else None
        if isinstance(ref, str):
            if not ref.startswith("#/$defs/") or len(branch) != 1:
                return None
            branch = defs.get(ref.removeprefix("#/$defs/"))
        kind = ((branch or {}).get("properties") or {}).get("type") or {}
        values = [kind["const"]] if "const" in kind else kind.get("enum")
        return values if isinstance(values, list) and all(isinstance(v, str) for v in values) else None

    def walk(node: Any) -> Iterator[tuple[int, tuple[list[Any], dict[str, int]]]]:
        if isinstance(node, list):
            for item in node:
                yield from walk(item)
        elif isinstance(node, dict):
            branches = node.get("oneOf")
            kinds = [type_values(b) for b in branches] if isinstance(branches, list) else []
            if kinds and all(k is not None for k in kinds):
                by_type = {value: i for i, k in enumerate(kinds) for value in k or []}
                if len(by_type) == sum(len(k or []) for k in kinds):  # no value in two branches
                    yield id(branches), (branches, by_type)
            for value in node.values():
                yield from walk(value)

    yield from walk(schema)


def _one_of(validator: Any, one_of: list[Any], instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    known = _DISCRIMINATED.get(id(one_of))
    if known is not None and known[0] is one_of and isinstance(instance, dict):
        index = known[1].get(instance.get("type"))
        if index is not None:
            # Views repeat their blocks (and tests their views): a block once found valid is not checked again.
            try:
                key = (id(one_of), json.dumps(instance, sort_keys=True))
            except (TypeError, ValueError):
                key = None
            if key is not None and key in _VALID:
                return
            if next(validator.descend(instance, one_of[index], schema_path=index), None) is None:
                if key is not None:
                    _VALID[key] = True
                return
    yield from _STANDARD_ONE_OF(validator, one_of, instance, schema)


_VALID: LRUCache[tuple[int, str], bool] = LRUCache(maxsize=20_000)


_STANDARD_ONE_OF = Draft202012Validator.VALIDATORS["oneOf"]
_BlockKitValidator = extend(Draft202012Validator, {"oneOf": _one_of})


def _problem(validator: Any, instance: Any) -> str | None:
    error = best_match(validator.iter_errors(instance))
    if error is None:
        return None
    return f"{error.message} at {'/'.join(str(p) for p in error.absolute_path)}"


def view_problem(view: Any) -> str | None:
    """None when `view` is a valid modal or home view, within the limits the schema cannot state."""
    if not isinstance(view, dict):
        return "view is not an object"
    limits = _limit_problem(view)  # first, worded as Slack words it
    return limits or _problem(_validator("home_view" if view.get("type") == "home" else "modal_view"), view)


def _limit_problem(view: dict[str, Any]) -> str | None:
    """Slack counts characters of the string as sent (a \\uXXXX escape is 6 of them): private_metadata takes
    3,000; an input's initial_value may not exceed the max_length it declares."""
    metadata = view.get("private_metadata")
    if isinstance(metadata, str) and len(metadata) > MAX_PRIVATE_METADATA:
        return f"must be less than {MAX_PRIVATE_METADATA + 1} characters at private_metadata"
    blocks = view.get("blocks")
    for i, block in enumerate(blocks if isinstance(blocks, list) else []):
        element = block.get("element") if isinstance(block, dict) else None
        if not isinstance(element, dict):
            continue
        limit, value = element.get("max_length"), element.get("initial_value")
        if isinstance(limit, int) and isinstance(value, str) and len(value) > limit:
            return f"initial_value must be no longer than max_length ({limit}) at blocks/{i}/element/initial_value"
    return None


def message_problem(message: Any) -> str | None:
    """None when `message` (chat.postMessage / response_url body) is valid: blocks per schema, ≤50, text set."""
    if not isinstance(message, dict):
        return "message is not an object"
    blocks = message.get("blocks")
    if blocks is None:
        return None if message.get("text") else "message has neither text nor blocks"
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        return f"{len(blocks)} blocks; a message takes at most {MAX_MESSAGE_BLOCKS}"
    if not message.get("text"):
        return "message with blocks has no fallback text"
    return _problem(_validator(None), blocks)


def option_problem(option: Any) -> str | None:
    """None when `option` is a valid plain-text option object for a select menu."""
    return _problem(_validator("option_object_plain_text"), option)


def options_response_problem(body: Any) -> str | None:
    """None when `body` is a valid answer to a block_suggestion (options load)."""
    if not isinstance(body, dict) or not isinstance(body.get("options"), list):
        return "options answer must be {'options': [...]}"
    if len(body["options"]) > 100:
        return f"{len(body['options'])} options; at most 100"
    for option in body["options"]:
        problem = option_problem(option)
        if problem:
            return problem
    return None


def manifest_problem(manifest: Any) -> str | None:
    """Checked against the schema of the major version its `_metadata` names (1 when absent), as Slack does;
    2.0.0 is the one whose `functions` take `properties`/`required` parameters."""
    major = ((manifest.get("_metadata") or {}) if isinstance(manifest, dict) else {}).get("major_version", 1)
    path = SCHEMAS / f"manifest.schema.{major}.0.0.json"
    if not path.exists():
        return f"no manifest schema for major_version {major!r}"
    schema = json.loads(path.read_text(encoding="utf-8"))
    # Version 2's list of parameter types predates dynamic options: Slack documents these two as the output type
    # of a step that feeds another step's menu (docs.slack.dev, custom steps dynamic options). Only they are
    # added; any other type is still refused (version 1 lists none).
    kinds = schema["definitions"]["app-manifests.v1.hermes.types.type"]["properties"]["type"].get("enum")
    if kinds is not None:
        kinds += [kind for kind in DYNAMIC_OPTION_TYPES if kind not in kinds]
    return _problem(Draft7Validator(schema), manifest)
