"""Errors of the portal connector, on the two sides of the toolkit's line.

    BusinessError (a person reviews it; never retried)
    ├── RecordInvalid     the record cannot be put in the form (no value, no such option)
    └── PortalRejected    the portal refused the record (its validation messages attached)
    ApplicationError (retried with back-off, check-before-act first)
    ├── PortalUnavailable an error page or an unexpected page; `after_submit` says whether
    │                     the record may have been saved all the same
    ├── SessionLost       the portal kept asking to log in again
    ├── LoginRefused      the credentials are refused: stop the run, retrying cannot help
    └── MapMismatch       the page no longer matches the map (a selector finds nothing)
    UsageError
    └── MapError          the map file itself is wrong
"""

from __future__ import annotations

from collections.abc import Mapping

from bots.errors import ApplicationError, BusinessError, UsageError


class RecordInvalid(BusinessError):
    """The record cannot be put in the form (a value missing, no such option): a person reviews
    it."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, reason="not_keyable")
        self.field = field


class PortalRejected(BusinessError):
    """The portal refused the record, its validation messages attached: a person reviews it."""

    def __init__(self, message: str, *, field_errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message, reason="portal_rejected")
        self.field_errors = dict(field_errors or {})


class PortalUnavailable(ApplicationError):
    """An error page or an unexpected page; `after_submit` says whether the record may be saved."""

    def __init__(self, message: str, *, after_submit: bool = False) -> None:
        super().__init__(message)
        self.after_submit = after_submit


class SessionLost(ApplicationError):
    """The portal kept showing its login page after logging in again."""


class LoginRefused(ApplicationError):
    """The portal refused the credentials: fatal, every lane stops and the run fails."""

    fatal = True  # every item would be refused alike


class MapMismatch(ApplicationError):
    """The page no longer matches the map (a selector finds nothing): retried, then review."""



class MapError(UsageError):
    """The map file itself is wrong (refused when loaded, exit 2)."""
