"""LinkedIn profile URLs: recognised strictly, compared however they are written, rebuilt for a link.

One parser serves the card's button and the matching of contacts, so a URL that is not safe to link is not a
profile either. It accepts only what a browser would open on a LinkedIn host: an optional http(s) scheme, a
`linkedin.com` or `*.linkedin.com` host spelled in plain ASCII labels, then `/in/<slug>` or `/pub/<segments>`.
Everything up to the slug is ASCII: the pattern is case-insensitive, and under Unicode case folding `[a-z]` also
matches lookalikes (dotless ı, long ſ, the Kelvin sign K), so `https://www.lınkedin.com/in/…` would otherwise be
taken for LinkedIn while a browser opens `xn--lnkedin-rfb.com`. A punycode label (`xn--…`) must decode (IDNA).
Anything a browser reads differently from Python's urlsplit is refused outright rather than interpreted: a
backslash (browsers read it as `/`, so `https://evil.example\\@www.linkedin.com/` opens evil.example), userinfo
(`@`), a port, whitespace or control characters (browsers silently drop tabs and newlines inside URLs).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, unquote

MAX_URL = 2000
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# A path segment: letters and digits of any script, `_`, `-`, `~`, inner dots, or %XX escapes; never "." or ".."
# (nor those written as escapes, `parse_profile`).
_CHAR = r"(?:[\w~-]|%[0-9a-f]{2})"
_SEGMENT = rf"{_CHAR}+(?:\.{_CHAR}+)*"
PROFILE = re.compile(
    rf"(?:https?://)?(?P<host>(?:{_LABEL}\.)*linkedin\.com)"
    rf"/(?:in/(?P<slug>{_SEGMENT})/?|pub/(?P<pub>{_SEGMENT}(?:/{_SEGMENT})*)/?)"
    r"(?:[?#]\S*)?",  # query and fragment are accepted, then dropped
    re.IGNORECASE,
)
# Refused anywhere, query included: the backslash and `@` on which browsers and urlsplit disagree about the host,
# and characters no profile URL holds.
_REFUSED = set("\\@<>\"'`{}|^")


@dataclass(frozen=True)
class Profile:
    host: str  # lower case, e.g. "www.linkedin.com"
    path: str  # "/in/<slug>" or "/pub/<segments>", as written (case kept), no trailing slash

    @property
    def url(self) -> str:
        """The profile's https URL, percent-encoded: nothing of the original string but its host and path."""
        return f"https://{self.host}{quote(self.path, safe='/%-._~')}"

    @property
    def key(self) -> str:
        """What two ways of writing the same profile share: "linkedin.com/in/slug"."""
        return f"linkedin.com{self.path.lower()}"


def parse_profile(url: str) -> Profile | None:
    """The profile a string names, or None when it is not, as a whole, a plain LinkedIn profile URL."""
    url = url.strip()
    if not url or len(url) > MAX_URL or any(_unsafe(ch) for ch in url):
        return None
    match = PROFILE.fullmatch(url)
    if match is None or not url[:match.start("slug" if match["slug"] is not None else "pub")].isascii():
        return None
    host = match["host"].lower()
    if not all(_idna_label(label) for label in host.split(".")):
        return None
    path = f"/in/{match['slug']}" if match["slug"] is not None else f"/pub/{match['pub']}"
    if any(unquote(segment) in (".", "..") for segment in path.split("/")):
        return None  # "%2E" is a dot-segment to a browser: /in/%2E opens linkedin.com/in/, /in/%2E%2E the home page
    return Profile(host, path)


def normalize_linkedin(url: str) -> str | None:
    """"linkedin.com/in/slug" for any way of writing a LinkedIn profile URL (scheme, www., query, slash)."""
    profile = parse_profile(url)
    return profile.key if profile else None


def _idna_label(label: str) -> bool:
    if not label.startswith("xn--"):
        return True
    try:
        label.encode("ascii").decode("idna")
    except UnicodeError:
        return False
    return True


def _unsafe(ch: str) -> bool:
    # Cc: control characters; Cf: invisible formatting (zero-width space, bidi overrides); Z*: any space.
    return ch in _REFUSED or unicodedata.category(ch)[0] in "CZ"
