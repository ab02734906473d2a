"""Errors of the browser layer: all of them are system errors (retried), never bad data.

    ApplicationError
    └── BrowserError                  the browser or a page misbehaved
        ├── BrowserUnavailable        Chromium cannot be started (missing executable, ...)
        ├── PageTimeout(TimeoutError) a page did not reach the state we waited for
        └── PageGone                  the page, context or browser closed under us

Playwright's own errors are translated at the lane boundary (`Lane.call`), so recipes and
connectors only ever see the toolkit's tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from bots.errors import ApplicationError
from bots.redaction import redact


class BrowserError(ApplicationError):
    """The browser or a page did not behave; the work is retried."""


class BrowserUnavailable(BrowserError):
    """Chromium could not be started; nothing is ever downloaded to fix it."""

    fatal = True


class PageTimeout(BrowserError, TimeoutError):
    """A page did not reach the expected state in time."""


class PageGone(BrowserError):
    """The page, its context or the browser was closed while we used it."""

    fatal = True


def first_line(text: str, limit: int = 300) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return redact(line if len(line) <= limit else line[: limit - 3] + "...")


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Re-raise Playwright's errors as BrowserError subclasses naming `what` was done."""
    try:
        yield
    except PlaywrightTimeout as exc:
        raise PageTimeout(f"{what}: timed out ({first_line(exc.message)})") from None
    except PlaywrightError as exc:
        message = first_line(exc.message)
        if "closed" in message.lower():
            raise PageGone(f"{what}: {message}") from None
        raise BrowserError(f"{what}: {message}") from None


def is_navigation_race(exc: BaseException) -> bool:
    """True for the errors an evaluate meets when its document is being replaced (a
    Playwright error, or our translation of one)."""
    text = str(getattr(exc, "message", exc)).lower()
    return any(sign in text for sign in ("execution context was destroyed", "frame was detached",
                                         "cannot find context", "navigat"))
