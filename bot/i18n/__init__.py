"""Every user-facing sentence, from gettext catalogs: `locale/<lang>/LC_MESSAGES/messages.po`, one per language.

The catalogs are monolingual: each msgid is a stable key ("add.title") and `en` holds the English text, so a
translator copies `en/`'s file to a new language folder and translates it; nothing else changes. Babel compiles
the `.po` files when first used and formats dates and numbers per locale. Placeholders are `str.format` fields.

The language is the Slack user's locale (users.info): the language part of it when a catalog exists for it,
else English.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from babel.dates import format_skeleton, format_time
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
# A language code with a catalog under LOCALE_DIR ("en", "fr").
Lang = str
DEFAULT_LANG: Lang = "en"


def available(locale_dir: Path = LOCALE_DIR) -> tuple[Lang, ...]:
    """The languages with a catalog: adding one is adding its folder."""
    return tuple(sorted(p.parent.parent.name for p in locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")))


LANGS = available()


def lang_of(locale: str | None) -> Lang:
    """"fr-FR" → "fr" when French has a catalog; English otherwise."""
    code = (locale or "").replace("_", "-").split("-")[0].lower()
    return code if code in LANGS else DEFAULT_LANG


def catalog(lang: Lang) -> Catalog:
    """The `.po` file of `lang`, parsed (for tests and tools)."""
    with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


@functools.cache
def _translations(lang: Lang) -> Translations:
    compiled = BytesIO()
    write_mo(compiled, catalog(lang))
    compiled.seek(0)
    translations = Translations(compiled, domain=DOMAIN)
    if lang != DEFAULT_LANG:
        translations.add_fallback(_translations(DEFAULT_LANG))  # a sentence not yet translated reads in English
    return translations


def t(lang: Lang, key: str, **fields: object) -> str:
    text = _translations(lang).gettext(key)
    if text == key:
        raise KeyError(f"no message {key!r} in the catalogs")
    return text.format(**fields)


def tn(lang: Lang, key: str, count: int, **fields: object) -> str:
    """The plural form of `key` for `count`, by the language's plural rule (`count` is also a field)."""
    text = _translations(lang).ngettext(key, key, count)
    if text == key:
        raise KeyError(f"no message {key!r} in the catalogs")
    return text.format(count=count, **fields)


def format_number(value: float, lang: Lang) -> str:
    return format_decimal(value, locale=lang)


def format_day(moment: datetime, lang: Lang) -> str:
    """"Nov 26, 2026" / "26 nov. 2026", in UTC."""
    return format_skeleton("yMMMd", _utc(moment), tzinfo=UTC, locale=lang)


def format_clock(moment: datetime, lang: Lang) -> str:
    """"10:05 AM" / "10:05", in UTC."""
    return format_time(_utc(moment), "short", tzinfo=UTC, locale=lang)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
