"""Lookalike LinkedIn links (issue 18 C): a host or a path prefix written with characters that only look like
ASCII letters is not LinkedIn, however Python's case-insensitive matching folds them. Each is no button and no
match, while the real profile keeps both."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.leonar.linkedin import normalize_linkedin, parse_profile
from tests.unit.test_trust_escaping import linkedin_button

REAL = "https://www.linkedin.com/in/eloise-martin"


def _lookalikes() -> dict[str, list[str]]:
    """Every non-ASCII character that case folding or compatibility normalisation turns into an ASCII letter,
    digit, dot or hyphen (what IDNA and Python's IGNORECASE make of them), by the ASCII it passes for."""
    found: dict[str, list[str]] = {}
    for code in range(0x80, sys.maxunicode + 1):
        ch = chr(code)
        if unicodedata.category(ch)[0] in "CZ":
            continue  # refused on their own already (controls, spaces)
        for seen in {ch.lower(), ch.upper(), ch.casefold(), unicodedata.normalize("NFKC", ch).lower()}:
            if len(seen) == 1 and seen.isascii() and (seen.isalnum() or seen in ".-"):
                found.setdefault(seen.lower(), []).append(ch)
    return found


LOOKALIKES = _lookalikes()


def test_the_reported_dotless_i_is_no_button_and_no_match() -> None:
    forged = "https://www.lınkedin.com/in/eloise-martin"  # U+0131 LATIN SMALL LETTER DOTLESS I
    assert parse_profile(forged) is None and linkedin_button(forged) is None
    assert normalize_linkedin(forged) is None != normalize_linkedin(REAL)
    assert linkedin_button(REAL) == REAL and normalize_linkedin(REAL) == "linkedin.com/in/eloise-martin"


@pytest.mark.parametrize("forged", [
    "https://www.lin\u212aedin.com/in/eloise-martin",  # U+212A KELVIN SIGN
    "https://www.linkedin.com/ın/eloise-martin",  # the dotless i in "/in/"
    "https://www.linkedıin.com/in/eloise-martin",
    "https://ſtaging.linkedin.com/in/eloise-martin",  # U+017F LATIN SMALL LETTER LONG S
    "https://www.ｌｉｎｋｅｄｉｎ.com/in/eloise-martin",  # fullwidth
    "https://xn--zz.linkedin.com/in/eloise-martin",  # a punycode label that decodes to nothing
])
def test_other_lookalikes_are_no_button_and_no_match(forged: str) -> None:
    assert parse_profile(forged) is None and linkedin_button(forged) is None and normalize_linkedin(forged) is None


def test_slugs_keep_their_own_script() -> None:
    assert normalize_linkedin("https://fr.linkedin.com/in/éloïse-martin/") == "linkedin.com/in/éloïse-martin"


PREFIX = "https://www.linkedin.com/in/"
SWAPPABLE = [n for n, ch in enumerate(PREFIX) if ch.lower() in LOOKALIKES]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_lookalike_in_the_host_or_the_prefix_is_refused(data: st.DataObject) -> None:
    positions = data.draw(st.lists(st.sampled_from(SWAPPABLE), min_size=1, max_size=4, unique=True))
    forged = list(PREFIX)
    for n in positions:
        forged[n] = data.draw(st.sampled_from(LOOKALIKES[PREFIX[n].lower()]))
    url = "".join(forged) + data.draw(st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True))
    assert parse_profile(url) is None and linkedin_button(url) is None and normalize_linkedin(url) is None, url


@pytest.mark.parametrize("dots", ["https://linkedin.com/in/%2E", "https://www.linkedin.com/in/%2e/",
                                  "linkedin.com/in/%2E%2E", "https://www.linkedin.com/pub/%2e%2E/x",
                                  "https://www.linkedin.com/pub/x/%2E"])
def test_a_dot_segment_written_as_an_escape_is_no_profile(dots: str) -> None:
    """Found by the fuzzing of test_trust_escaping: a browser reads %2E as "." (the profile list) and %2E%2E as ".."
    (LinkedIn's home page), so such a button would not open the candidate."""
    assert parse_profile(dots) is None and normalize_linkedin(dots) is None
    assert parse_profile("https://www.linkedin.com/in/jean%2Edupont") is not None  # an escaped inner dot is fine
