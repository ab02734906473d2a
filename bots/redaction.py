"""Secrets never leave the process in clear text.

Every value known to be secret (from settings or registered by a recipe) is replaced by
`***` wherever text is written: log messages, extra fields, exception text, error columns
in the store, screenshot captions. Credentials inside any URL-shaped text are masked too,
registered or not: the password of `scheme://user:password@host` and the values of
query parameters named like secrets (`?token=`, `&api_key=`, `&sig=`...).
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


# scheme://user:password@  (the user stays readable, the password goes)
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/?#@'\"]*:)"
                           r"(?P<secret>[^\s@/'\"]+)(?=@)")
# ?token=... &password=...  (query values of secret-sounding names)
_QUERY_SECRET = re.compile(
    r"(?P<head>[?&](?:[a-z0-9_.-]*(?:token|secret|password|passwd|pwd|key|sig|signature|"
    r"auth|credential)[a-z0-9_.-]*)=)(?P<secret>[^&#\s'\"]+)", re.IGNORECASE)


def mask_url(text: str) -> str:
    """Credentials inside URL-shaped text masked; the rest (scheme, user, host) kept."""
    if "://" in text:
        text = _URL_PASSWORD.sub(lambda m: m["head"] + MASK, text)
    if "=" in text and ("?" in text or "&" in text):
        text = _QUERY_SECRET.sub(lambda m: m["head"] + MASK, text)
    return text


def url_secrets(url: str | None) -> list[str]:
    """The credentials inside a URL setting, to register for redaction everywhere (also
    where the URL is printed in another form, e.g. percent-decoded by a driver)."""
    if not url:
        return []
    from urllib.parse import parse_qsl, unquote, urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found = [parts.password, unquote(parts.password)] if parts.password else []
    found += [value for name, value in parse_qsl(parts.query)
              if _QUERY_SECRET.search(f"?{name}={value}")]
    return [value for value in found if value]


def redact(text: str) -> str:
    if not text:
        return text
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return mask_url(text)


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
