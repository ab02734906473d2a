"""The collections policy, read from TOML and validated with pydantic.

    currency = "EUR"
    minimum = "5.00"                  # an invoice whose open balance is below this is not chased

    [[ageing]]                        # buckets from day 1, contiguous, non-overlapping;
    name = "1-30"                     # only the last may be open-ended (no `to`)
    from = 1
    to = 30

    [[level]]                         # dunning levels by days past due (after grace days)
    name = "reminder"
    days = 3
    action = "reminder"               # reminder | second_reminder | final_notice (letters),
    channel = "mail"                  # call_list | suspension_request
                                      # letters need a channel: mail | sms

    [charges]
    authorisation_days = 30           # an authorisation is good for this many days
    retry_days = [2, 5]               # after a soft decline: retry 2 days later, then 5
    hard_declines = ["expired_card", "mandate_missing"]
    soft_declines = ["insufficient_funds"]

    [call_list]
    relist_days = 0                   # 0: an invoice is put on the call list once per level;
                                      # N: again every N days while it stays at that level

    [approval]
    requester = "collections.bot"     # who asks (a person of the staff directory)
    charge_from = "500.00"            # a charge of this much or more needs an approver;
                                      # every suspension does; never the requester

Money is quoted text ("500.00"): a TOML float is refused, like any float. Unknown keys are
refused, so a misspelt threshold cannot be silently ignored. A bad file is a UsageError
naming the file and each problem's place (`level[2].days: ...`).
"""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from bots.errors import UsageError

DEFAULT_POLICY_FILE = Path(__file__).with_name("policy.toml")


def _money(value: Any) -> Decimal:
    if isinstance(value, float | bool):
        raise ValueError(f"write money as quoted text, e.g. \"500.00\", not {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if not isinstance(value, str):
        raise ValueError(f"expected an amount as text, got {value!r}")
    try:
        amount = Decimal(value.strip())
    except ArithmeticError:
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(f"expected a non-negative amount with at most 2 decimals, got {value!r}")
    return amount


Money = Annotated[Decimal, BeforeValidator(_money)]


class Action(StrEnum):
    REMINDER = "reminder"
    SECOND_REMINDER = "second_reminder"
    FINAL_NOTICE = "final_notice"
    CALL_LIST = "call_list"
    SUSPENSION_REQUEST = "suspension_request"

    @property
    def is_letter(self) -> bool:
        return self in (Action.REMINDER, Action.SECOND_REMINDER, Action.FINAL_NOTICE)


class Channel(StrEnum):
    MAIL = "mail"
    SMS = "sms"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Bucket(_Strict):
    name: str = Field(min_length=1)
    start: int = Field(alias="from", ge=1)
    end: int | None = Field(default=None, alias="to")

    def holds(self, days: int) -> bool:
        return days >= self.start and (self.end is None or days <= self.end)


class Level(_Strict):
    name: str = Field(min_length=1, pattern=r"^[a-z0-9_]+$")
    days: int = Field(ge=0)
    action: Action
    channel: Channel | None = None

    @model_validator(mode="after")
    def _letters_have_a_channel(self) -> Level:
        if self.action.is_letter and self.channel is None:
            raise ValueError(f"level {self.name}: a {self.action} needs a channel (mail or sms)")
        if not self.action.is_letter and self.channel is not None:
            raise ValueError(f"level {self.name}: a {self.action} sends no letter; drop channel")
        return self


class Charges(_Strict):
    authorisation_days: int = Field(default=30, ge=1)
    retry_days: tuple[int, ...] = Field(default=(2, 5))
    hard_declines: frozenset[str] = frozenset({"expired_card", "mandate_missing"})
    soft_declines: frozenset[str] = frozenset({"insufficient_funds"})

    @model_validator(mode="after")
    def _sane(self) -> Charges:
        if any(d < 1 for d in self.retry_days):
            raise ValueError("retry_days must each be at least 1")
        both = self.hard_declines & self.soft_declines
        if both:
            raise ValueError(f"{sorted(both)} cannot be both a hard and a soft decline")
        return self


class CallList(_Strict):
    relist_days: int = Field(default=0, ge=0)

    def due(self, last: date | None, today: date) -> bool:
        """Whether an invoice last listed on `last` before today (None: never) goes on
        today's list."""
        return last is None or (self.relist_days > 0 and (today - last).days >= self.relist_days)


class Approval(_Strict):
    requester: str = Field(min_length=1)
    charge_from: Money = Decimal("500.00")


class CollectionsPolicy(_Strict):
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    minimum: Money = Decimal("5.00")
    ageing: tuple[Bucket, ...] = Field(min_length=1)
    levels: tuple[Level, ...] = Field(alias="level", min_length=1)
    charges: Charges = Charges()
    call_list: CallList = CallList()
    approval: Approval

    @model_validator(mode="after")
    def _buckets_and_levels(self) -> CollectionsPolicy:
        expected = 1
        for n, bucket in enumerate(self.ageing):
            if bucket.start != expected:
                raise ValueError(f"ageing[{n}] ({bucket.name}) starts at day {bucket.start}; "
                                 f"buckets must follow on without gap or overlap, from day 1 "
                                 f"(expected {expected})")
            if bucket.end is None:
                if n != len(self.ageing) - 1:
                    raise ValueError(f"ageing[{n}] ({bucket.name}) has no end: only the last "
                                     "bucket may be open-ended")
                break
            if bucket.end < bucket.start:
                raise ValueError(f"ageing[{n}] ({bucket.name}) ends before it starts")
            expected = bucket.end + 1
        names = [level.name for level in self.levels]
        if len(set(names)) != len(names):
            raise ValueError(f"level names must be unique, got {names}")
        days = [level.days for level in self.levels]
        if days != sorted(set(days)):
            raise ValueError(f"levels must come in strictly increasing days, got {days}")
        return self

    def bucket(self, days_past_due: int) -> str:
        """The ageing bucket of an invoice `days_past_due` days late ("current" when not late,
        "beyond" past a last bucket that has an end)."""
        if days_past_due < 1:
            return "current"
        return next((b.name for b in self.ageing if b.holds(days_past_due)), "beyond")

    def level_index(self, days_late: int, bumps: int = 0) -> int | None:
        """The level an invoice `days_late` (after grace) is at, `bumps` levels further for
        broken promises; None before the first level."""
        reached = [n for n, level in enumerate(self.levels) if days_late >= level.days]
        base = reached[-1] if reached else -1
        index = min(base + bumps, len(self.levels) - 1)
        return index if index >= 0 else None

    def next_retry(self, attempts: int, last_attempt: date) -> date | None:
        """After `attempts` soft-declined charges, the day of the next try (None: no more)."""
        if attempts > len(self.charges.retry_days):
            return None
        return date.fromordinal(last_attempt.toordinal() + self.charges.retry_days[attempts - 1])


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def load_policy(path: Path = DEFAULT_POLICY_FILE) -> CollectionsPolicy:
    """Read and check a policy file; any problem is a UsageError naming the file and key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"policy file {path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"policy file {path}: not valid TOML: {exc}") from None
    try:
        return CollectionsPolicy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in exc.errors())
        raise UsageError(f"policy file {path}: {problems}") from None
