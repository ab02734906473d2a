"""The toolkit's exceptions: two failure kinds that mean different things.

    RpaError                       base of everything the toolkit raises on purpose
    ├── BusinessError              bad data or a broken rule: never retried, a person reviews it
    │   └── InputError(ValueError) a bad input file/row/cell: names file, sheet, row, column
    ├── ApplicationError           the outside system is broken (timeout, portal down): retried
    │   ├── FateUnknown            a submit whose outcome nobody can tell: to review, never retried
    │   └── Outage                 item after item failed on system errors: the run stops
    ├── UsageError                 a bad command line or recipe parameters (exit code 2)
    │   └── ParameterError         parameters refused by the recipe's model before anything runs
    ├── RecipeNotFound(LookupError)
    ├── RunTimeout(TimeoutError)   a run exceeded its time limit
    └── StoreError                 the store is unusable (unreachable, newer than the code): exit 4
        └── NotAStore              no store there, or not a store (empty, corrupt, bad URL): exit 5

Any exception that is not a BusinessError is treated as a system error by the runtime:
an unexpected `KeyError` in a recipe is retried like an `ApplicationError`.
Exit codes live on the class, so the command line maps an error to its code in one place
(the table is in the README: 0 ok, 1 run failed, 2 refused, 3 items left for review,
4 toolkit failure, 5 not a store).
So do the two other things an error says about itself:

    fatal = True       no item can succeed after it (refused credentials, a dead browser):
                       the runtime stops every lane and fails the run
    retryable = False  retrying it could repeat an effect: the item goes to review at once
"""

from __future__ import annotations

from typing import Any


class RpaError(Exception):
    """Base of every error the toolkit raises on purpose; says its exit code, whether it is
    fatal and retryable."""

    exit_code = 1
    fatal = False
    retryable = True


class BusinessError(RpaError):
    """Bad data or a broken business rule: goes to human review, never retried."""

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or "business_rule"


class InputError(BusinessError, ValueError):
    """A bad input value, located as a person would look for it."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        expected: str | None = None,
        got: Any = None,
        reason: str = "invalid_input",
    ) -> None:
        self.file, self.sheet, self.row, self.column = file, sheet, row, column
        self.expected, self.got = expected, got
        super().__init__(self._compose(message), reason=reason)

    def _compose(self, message: str) -> str:
        where = []
        if self.file:
            where.append(f"file {self.file}")
        if self.sheet:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        text = message
        if self.expected:
            text += f": expected {self.expected}"
            if self.got is not None:
                text += f", got {self.got!r}"
        return f"{', '.join(where)}: {text}" if where else text


class ApplicationError(RpaError):
    """The outside system failed (timeout, HTTP 500, portal down): retried with back-off."""


class FateUnknown(ApplicationError):
    """An action on an outside system whose outcome cannot be told (the answer was a login
    page, a timeout, an error page after the post) and that no lookup can settle: repeating
    it could do it twice, so a person decides."""

    retryable = False

    def __init__(self, message: str, *, reason: str = "fate_unknown") -> None:
        super().__init__(message)
        self.reason = reason


class Outage(ApplicationError):
    """Several items in a row failed on system errors: the outside system is down, and
    wearing down every other item's retries would only turn an outage into hundreds of
    exceptions. The run fails; the items not attempted stay pending."""

    fatal = True


def is_fatal(exc: BaseException) -> bool:
    return bool(getattr(exc, "fatal", False))


def is_retryable(exc: BaseException) -> bool:
    return bool(getattr(exc, "retryable", True))


class UsageError(RpaError):
    exit_code = 2


class ParameterError(UsageError, ValueError):
    """A recipe's parameters were refused by its model; nothing ran."""


class RecipeNotFound(UsageError, LookupError):
    def __init__(self, name: str, known: list[str] | None = None) -> None:
        hint = f" (known: {', '.join(sorted(known))})" if known else ""
        super().__init__(f"no recipe named {name!r}{hint}")
        self.name = name


class RunTimeout(RpaError, TimeoutError):
    """A run went past its time limit (the run ends `timed_out`)."""

    def __init__(self, run_id: int, seconds: float) -> None:
        super().__init__(f"run {run_id} exceeded its time limit of {seconds:g} s")
        self.run_id, self.seconds = run_id, seconds


class StoreError(RpaError):
    exit_code = 4


class NotAStore(StoreError):
    """The configured store is missing, empty, corrupt or not a store; nothing was opened."""

    exit_code = 5


def is_business(exc: BaseException) -> bool:
    return isinstance(exc, BusinessError)
