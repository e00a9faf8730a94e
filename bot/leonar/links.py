"""Addresses of the Leonar web app (https://app.leonar.app): reading the ones people paste in Slack, and building
the ones the bot shows ("Open in Leonar"). Pure: no request, no Slack.

Observed forms (leonar-api.md §10, undocumented): a project's pipeline
`/dashboard/<workspace-slug>/projects/<project_id>/pipeline`, a contact `/dashboard/<workspace-slug>/contacts?contact=
<contact_id>`; a contact's own page `/dashboard/<slug>/contacts/<id>` is read too. Ids are UUIDs: anything else is not
a Leonar record, and an id only ever reaches a Leonar API path once it has matched that shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, quote, urlsplit

HOST = "app.leonar.app"
# Leonar's workspace slug (the segment after /dashboard/): lowercase letters, digits and single hyphens. It is put
# in URLs the bot posts, so nothing else gets through.
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,62}")
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
URL_MAX = 2000

Kind = Literal["contact", "project"]


@dataclass(frozen=True)
class LeonarLink:
    kind: Kind
    id: str  # a UUID, lowercased
    slug: str | None  # the workspace slug the link names, when it is a valid one


def parse_link(url: str) -> LeonarLink | None:
    """The Leonar record a pasted URL points to, or None when it is not a contact or project page of the app."""
    if len(url) > URL_MAX:
        return None
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or host != HOST or parts.username or parts.password or port not in (
            None, 80, 443):
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 3 or segments[0] != "dashboard":
        return None
    slug = segments[1] if valid_slug(segments[1]) else None
    section, rest = segments[2], segments[3:]
    if section == "projects" and rest and UUID.fullmatch(rest[0]):
        return LeonarLink("project", rest[0].lower(), slug)
    if section == "contacts":
        if rest and UUID.fullmatch(rest[0]):
            return LeonarLink("contact", rest[0].lower(), slug)
        picked = parse_qs(parts.query).get("contact") or []
        if not rest and len(picked) == 1 and UUID.fullmatch(picked[0]):
            return LeonarLink("contact", picked[0].lower(), slug)
    return None


def valid_slug(text: str | None) -> bool:
    return bool(text) and SLUG.fullmatch(text or "") is not None


def slug_from(text: str) -> str | None:
    """A slug typed by an admin: the slug itself, or any address of the Leonar dashboard it can be read from."""
    text = text.strip().strip("<>")
    if valid_slug(text):
        return text
    if HOST in text:
        url = text if "://" in text else f"https://{text}"
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        segments = [s for s in parts.path.split("/") if s]
        if parts.hostname == HOST and len(segments) >= 2 and segments[0] == "dashboard" and valid_slug(segments[1]):
            return segments[1]
    return None


def contact_url(slug: str | None, contact_id: str) -> str | None:
    """The contact's page in Leonar, or None without a valid slug (then no button at all, never a broken one)."""
    if not valid_slug(slug):
        return None
    return f"https://{HOST}/dashboard/{slug}/contacts?contact={quote(contact_id, safe='')}"


def project_url(slug: str | None, project_id: str) -> str | None:
    """The project's pipeline in Leonar, or None without a valid slug."""
    if not valid_slug(slug):
        return None
    return f"https://{HOST}/dashboard/{slug}/projects/{quote(project_id, safe='')}/pipeline"
