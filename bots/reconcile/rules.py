"""Matching rules: small frozen policies that refuse bad values when built.

A `RuleSet` is what one reconciliation pass runs: which columns hold the amount and the
date on each side, a cascade of pairwise `MatchRule`s tried in order, an optional
`GroupRule` for payments that settle several invoices, and the duplicate policy.
Amounts inside the engine are integer minor units, so tolerances are too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeVar

import numpy as np

from bots.errors import BusinessError


class RuleError(BusinessError, ValueError):
    """A rule that cannot be run as written (negative tolerance, unknown column, ...)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason="broken_rule")


def _decimal(value: object, what: str) -> Decimal:
    if isinstance(value, bool):
        raise RuleError(f"{what} must be a number, got {value!r}")
    try:
        # str() first: a TOML float 0.01 must mean the decimal 0.01, not its binary neighbour
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise RuleError(f"{what} must be a number, got {value!r}") from None
    if not number.is_finite():
        raise RuleError(f"{what} must be finite, got {value!r}")
    return number


@dataclass(frozen=True)
class AmountTolerance:
    """|right - left| <= absolute + relative * |left|, inclusive at the edge.

    `absolute` is in minor units (cents); `relative` is a fraction (0.001 = 0.1 %) of the
    left amount, the book of record. The additive form is numpy's `isclose` and datacompy's.
    """

    absolute: int = 0
    relative: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if isinstance(self.absolute, bool) or not isinstance(self.absolute, int | np.integer):
            raise RuleError(f"absolute tolerance must be whole minor units, got {self.absolute!r}")
        if self.absolute < 0:
            raise RuleError(f"absolute tolerance must not be negative, got {self.absolute}")
        relative = _decimal(self.relative, "relative tolerance")
        if not Decimal(0) <= relative < Decimal(1):
            raise RuleError(f"relative tolerance must be in [0, 1), got {relative}")
        object.__setattr__(self, "absolute", int(self.absolute))
        object.__setattr__(self, "relative", relative)

    @classmethod
    def of(cls, absolute: object = 0, relative: object = 0, *, scale: int = 2) -> AmountTolerance:
        """Build from major units (`"0.01"`), refusing precision finer than a minor unit."""
        major = _decimal(absolute, "absolute tolerance")
        minor = major.scaleb(scale)
        if minor != minor.to_integral_value():
            raise RuleError(f"absolute tolerance {major} is finer than 1/{10**scale} of a unit")
        return cls(int(minor), _decimal(relative, "relative tolerance"))

    def limits(self, reference: np.ndarray) -> np.ndarray:
        """Largest allowed |difference| per reference amount, exact in integers."""
        ref = np.abs(reference.astype(np.int64))
        if self.relative == 0:
            return np.full(len(ref), self.absolute, dtype=np.int64)
        num, den = self.relative.as_integer_ratio()
        if len(ref) and int(ref.max()) > (2**62) // num:
            raise RuleError("amounts too large for an exact relative tolerance")
        # |d| is an integer, so |d| <= abs + num*|ref|/den  <=>  |d| <= abs + floor(num*|ref|/den)
        return self.absolute + (ref * num) // den


@dataclass(frozen=True)
class DateWindow:
    """right date - left date must lie in [-before, +after] days."""

    before: int = 0
    after: int = 0

    def __post_init__(self) -> None:
        for name in ("before", "after"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise RuleError(f"date window {name} must be whole days >= 0, got {value!r}")


class KeyNormalize(StrEnum):
    EXACT = "exact"
    ALNUM_UPPER = "alnum_upper"  # "inv-2024/001 " and "INV2024001" compare equal


@dataclass(frozen=True)
class KeyExtract:
    """A key found by a regular expression inside free text (first group, else whole match)."""

    column: str
    pattern: str

    def __post_init__(self) -> None:
        try:
            compiled = re.compile(self.pattern)
        except re.error as exc:
            raise RuleError(f"bad key pattern {self.pattern!r}: {exc}") from None
        if compiled.groups > 1:
            raise RuleError(f"key pattern {self.pattern!r} has more than one group")


E = TypeVar("E", KeyNormalize, "Scorer")


def _choice(kind: type[E], value: str, what: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise RuleError(f"{what} must be one of {', '.join(m.value for m in kind)}, "
                        f"got {value!r}") from None


class Scorer(StrEnum):
    RATIO = "ratio"
    TOKEN_SORT = "token_sort"
    TOKEN_SET = "token_set"
    WRATIO = "wratio"


@dataclass(frozen=True)
class FuzzyTieBreak:
    """Break a tie between equally good candidates by name similarity (0-100).

    The best must reach `min_score` and beat the runner-up by `margin` points; a closer
    race stays a tie and is reported as ambiguous.
    """

    left: str
    right: str
    scorer: Scorer = Scorer.TOKEN_SORT
    min_score: float = 80.0
    margin: float = 5.0

    def __post_init__(self) -> None:
        if not 0 <= self.min_score <= 100:
            raise RuleError(f"tie-break min_score must be in [0, 100], got {self.min_score}")
        if not 0 < self.margin <= 100:
            raise RuleError(f"tie-break margin must be in (0, 100], got {self.margin}")
        object.__setattr__(self, "scorer", _choice(Scorer, self.scorer, "tie-break scorer"))


def _names(value: tuple[str, ...] | list[str], what: str) -> tuple[str, ...]:
    if isinstance(value, str):  # tuple("invoice") would be seven one-letter columns
        raise RuleError(f"{what} must be a list of column names, got {value!r}: "
                        f"write [{value!r}]")
    names = tuple(value)
    if not all(isinstance(n, str) and n for n in names):
        raise RuleError(f"{what} must be column names, got {value!r}")
    return names


@dataclass(frozen=True)
class MatchRule:
    """One step of the cascade: pairs rows whose keys are equal, amounts and dates close.

    With `breaks`, key-equal pairs outside the tolerance or the window are reported as
    amount or date breaks (at the end, if nothing better took the rows). Without a key,
    the rule pairs on amount and date alone.
    """

    name: str
    left_on: tuple[str, ...] = ()
    right_on: tuple[str, ...] = ()
    left_extract: KeyExtract | None = None
    right_extract: KeyExtract | None = None
    normalize: KeyNormalize = KeyNormalize.EXACT
    amount: AmountTolerance = field(default_factory=AmountTolerance)
    dates: DateWindow | None = None
    breaks: bool = False
    tie_break: FuzzyTieBreak | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise RuleError("a rule needs a name")
        object.__setattr__(self, "left_on", _names(self.left_on, f"rule {self.name} left_on"))
        object.__setattr__(self, "right_on", _names(self.right_on, f"rule {self.name} right_on"))
        object.__setattr__(self, "normalize", _choice(KeyNormalize, self.normalize,
                                                      f"rule {self.name} normalize"))
        left_parts = len(self.left_on) + (self.left_extract is not None)
        right_parts = len(self.right_on) + (self.right_extract is not None)
        if left_parts != right_parts:
            raise RuleError(
                f"rule {self.name}: left key has {left_parts} parts, right key {right_parts}"
            )
        if self.breaks and not left_parts:
            raise RuleError(f"rule {self.name}: breaks need a key to pair rows on")

    @property
    def keyed(self) -> bool:
        return bool(self.left_on or self.left_extract)


@dataclass(frozen=True)
class GroupRule:
    """One row settling several on the other side: bounded subset-sum on leftovers.

    Candidates share the key (the customer) and lie in the date window; at most
    `max_candidates` nearest by date are tried, in groups of 2 to `max_size` rows.
    """

    name: str = "group"
    left_on: tuple[str, ...] = ()
    right_on: tuple[str, ...] = ()
    normalize: KeyNormalize = KeyNormalize.EXACT
    amount: AmountTolerance = field(default_factory=AmountTolerance)
    dates: DateWindow | None = None
    max_size: int = 4
    max_candidates: int = 12
    one_to_many: bool = True  # one right row (a payment) settles several left rows
    many_to_one: bool = True  # several right rows settle one left row

    def __post_init__(self) -> None:
        object.__setattr__(self, "left_on", _names(self.left_on, f"group {self.name} left_on"))
        object.__setattr__(self, "right_on", _names(self.right_on, f"group {self.name} right_on"))
        object.__setattr__(self, "normalize", _choice(KeyNormalize, self.normalize,
                                                      f"group {self.name} normalize"))
        if len(self.left_on) != len(self.right_on):
            raise RuleError(f"group {self.name}: left_on and right_on differ in length")
        if not 2 <= self.max_size <= 6:
            raise RuleError(f"group {self.name}: max_size must be 2..6, got {self.max_size}")
        if not self.max_size <= self.max_candidates <= 20:
            raise RuleError(
                f"group {self.name}: max_candidates must be max_size..20, got {self.max_candidates}"
            )
        if not (self.one_to_many or self.many_to_one):
            raise RuleError(f"group {self.name}: enable one_to_many or many_to_one")


@dataclass(frozen=True)
class SideRoles:
    """Which columns of a side hold the amount (integer minor units) and the date."""

    label: str
    amount: str = "amount"
    date: str | None = "date"

    def __post_init__(self) -> None:
        if not self.label or not self.amount:
            raise RuleError("a side needs a label and an amount column")


@dataclass(frozen=True)
class DuplicatePolicy:
    """Rows identical on these columns are duplicates; None means every column but `ignore`."""

    left: tuple[str, ...] | None = None
    right: tuple[str, ...] | None = None
    enabled: bool = True
    ignore: tuple[str, ...] = ("source_row",)  # the loader's row number differs on every row

    def __post_init__(self) -> None:
        for name in ("left", "right"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _names(value, f"duplicates {name}"))
        object.__setattr__(self, "ignore", _names(self.ignore, "duplicates ignore"))


@dataclass(frozen=True)
class RuleSet:
    left: SideRoles
    right: SideRoles
    rules: tuple[MatchRule, ...] = ()
    group: GroupRule | None = None
    duplicates: DuplicatePolicy = field(default_factory=DuplicatePolicy)
    scale: int = 2  # digits of the minor unit: amounts are value * 10**scale

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))
        if not self.rules and self.group is None:
            raise RuleError("a rule set needs at least one rule")
        names = [r.name for r in self.rules] + ([self.group.name] if self.group else [])
        if len(set(names)) != len(names):
            raise RuleError(f"rule names must be unique, got {names}")
        if self.left.label == self.right.label:
            raise RuleError(f"the two sides need different labels, both are {self.left.label!r}")
        if not 0 <= self.scale <= 6:
            raise RuleError(f"scale must be 0..6, got {self.scale}")

    @property
    def rule_names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.rules) + ((self.group.name,) if self.group else ())
