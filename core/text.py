"""Text that no database column can hold: NUL, and lone UTF-16 surrogates ("\\ud800" is valid
JSON but no valid text). Pure Python (the Telegram sign-in checks use it too)."""

from __future__ import annotations

import re

# A lone surrogate (no valid pair), or NUL.
_BAD_TEXT = re.compile(
    r"[\x00]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]"
)


def bad_text(value: str) -> bool:
    """Does the string hold a NUL or a lone surrogate?"""
    return bool(_BAD_TEXT.search(value))


def clean_text(value: str) -> str:
    """The string with NULs removed and lone surrogates replaced by U+FFFD (for names that come
    signed from elsewhere, where refusing would lock the person out)."""
    return _BAD_TEXT.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", value)
