"""Leonar's answer envelope: `{"data": …, "meta": {…}}`, parsed into the models."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError

from bot.leonar import errors
from bot.leonar.models import Contact, Entry, Note, PageMeta, Project

M = TypeVar("M", Project, Contact, Entry, Note)


def data(body: Any) -> Any:
    if not isinstance(body, dict) or "data" not in body:
        raise errors.UnexpectedResponse("Leonar answered without a `data` field")
    return body["data"]


def page(body: Any) -> tuple[list[Any], PageMeta]:
    items = data(body)
    if not isinstance(items, list):
        raise errors.UnexpectedResponse("Leonar answered a list request without a list")
    try:
        meta = PageMeta.model_validate(body.get("meta") or {})
    except ValidationError as exc:
        raise errors.UnexpectedResponse("Leonar answered with malformed pagination") from exc
    return list(items), meta


def parse(model: type[M], value: Any) -> M:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise errors.UnexpectedResponse(f"Leonar answered a malformed {model.__name__.lower()}") from exc


def parse_list(model: type[M], items: list[Any]) -> list[M]:
    """Items that do not parse are skipped: one odd record must not hide all the others."""
    parsed = []
    for item in items:
        try:
            parsed.append(model.model_validate(item))
        except ValidationError:
            continue
    return parsed
