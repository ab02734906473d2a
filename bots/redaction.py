"""Secrets never leave the process in clear text.

Every value known to be secret (from settings or registered by a recipe) is replaced by
`***` wherever text is written: log messages, extra fields, exception text, error columns
in the store, screenshot captions.
"""

from __future__ import annotations

import re
import threading
from typing import Any

MASK = "***"
_MIN_SECRET_LENGTH = 3  # shorter values would mask ordinary words

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None


def register_secret(value: str | None) -> None:
    """Mask `value` from now on, in every sink of this process."""
    global _pattern
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    with _lock:
        if value in _secrets:
            return
        _secrets.add(value)
        # longest first so that a secret containing another is masked whole
        ordered = sorted(_secrets, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(s) for s in ordered))


def redact(text: str) -> str:
    pattern = _pattern
    if pattern is None or not text:
        return text
    return pattern.sub(MASK, text)


def redact_value(value: Any) -> Any:
    """Redact strings inside nested dicts/lists (log extras, JSON columns)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(v) for v in value)
    return value


_traceback_lock = threading.Lock()


def format_exception(exc: BaseException) -> str:
    """The traceback as text, secrets masked.

    Serialised: on CPython 3.11 formatting a traceback parses source lines with `ast`,
    which is not thread-safe (gh-106905) and crashes when worker threads fail together."""
    import traceback

    with _traceback_lock:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return redact(text)


def known_secrets() -> frozenset[str]:
    return frozenset(_secrets)
