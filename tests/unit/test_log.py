"""The log formatter masks secrets, whatever logs them."""

from __future__ import annotations

import logging

from bot.observability.logs import RedactingFormatter


def test_formatter_masks_keys_and_tokens_even_in_tracebacks() -> None:
    formatter = RedactingFormatter("%(message)s")
    try:
        raise KeyError("leo_abcdef123456 and xoxb-1-2-abc")
    except KeyError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "key %s", ("leo_zzz999",), exc_info=True)
        import sys

        record.exc_info = sys.exc_info()
    text = formatter.format(record)
    assert "leo_zzz999" not in text and "leo_abcdef123456" not in text and "xoxb-1-2-abc" not in text
    assert "leo_[redacted]" in text and "xoxb-[redacted]" in text
