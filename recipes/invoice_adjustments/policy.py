"""The rules an invoice adjustment must satisfy, as a typed, frozen policy read from TOML.

    [money]
    rounding = "half_up"            # any bots.money.Rounding value
    max_percentage = "100%"         # a percentage request may take at most this share

    [reasons]                       # allowed reason codes, per kind
    charge = ["LATE_FEE", ...]
    credit = ["GOODWILL", ...]

    [approval]
    basis = "net"                   # the amount compared with the thresholds: net or gross
    four_eyes_from = "0.00"         # from this amount on, approved_by must not be requested_by
    two_approvers_from = "500.00"   # from this amount on, a second approver, distinct from both

Money is written as quoted text: a TOML float (`500.0`) is refused, like any float.
Unknown sections and keys are refused too, so a misspelt threshold cannot be silently
ignored. Thresholds are inclusive ("from"): an amount equal to a threshold needs it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from bots.errors import UsageError
from bots.money import ZERO, Rounding, ensure_decimal, parse_money, parse_percentage
from connectors.invoice_model import AdjustmentKind

DEFAULT_POLICY_FILE = Path(__file__).with_name("policy.toml")


class AmountBasis(StrEnum):
    NET = "net"
    GROSS = "gross"


@dataclass(frozen=True)
class ApprovalPolicy:
    basis: AmountBasis = AmountBasis.NET
    four_eyes_from: Decimal = ZERO
    two_approvers_from: Decimal = Decimal("500.00")

    def __post_init__(self) -> None:
        for name in ("four_eyes_from", "two_approvers_from"):
            value = ensure_decimal(getattr(self, name), f"approval.{name}")
            if value < 0:
                raise ValueError(f"approval.{name} cannot be negative, got {value}")
        if self.two_approvers_from < self.four_eyes_from:
            raise ValueError("approval.two_approvers_from must be at least four_eyes_from "
                             f"({self.two_approvers_from} < {self.four_eyes_from})")

    def approvers_needed(self, amount: Decimal) -> int:
        """0, 1 or 2 approvers other than the requester, for an adjustment of `amount`."""
        if amount >= self.two_approvers_from:
            return 2
        return 1 if amount >= self.four_eyes_from else 0


@dataclass(frozen=True)
class AdjustmentPolicy:
    reasons: Mapping[AdjustmentKind, frozenset[str]]
    rounding: Rounding = Rounding.HALF_UP
    max_percentage: Decimal = Decimal(1)
    approval: ApprovalPolicy = field(default_factory=ApprovalPolicy)

    def __post_init__(self) -> None:
        if not isinstance(self.rounding, Rounding):
            raise TypeError(f"rounding must be a Rounding, got {self.rounding!r}")
        share = ensure_decimal(self.max_percentage, "money.max_percentage")
        if not 0 < share <= 1:
            raise ValueError(f"money.max_percentage must be above 0 and at most 100%, got {share}")
        for kind in AdjustmentKind:
            if not self.reasons.get(kind):
                raise ValueError(f"reasons.{kind.value}: at least one reason code is needed")
        object.__setattr__(self, "reasons", {k: frozenset(v) for k, v in self.reasons.items()})

    def allowed(self, kind: AdjustmentKind, reason_code: str) -> bool:
        return reason_code in self.reasons.get(kind, frozenset())


_SECTIONS = {
    "money": {"rounding", "max_percentage"},
    "reasons": {kind.value for kind in AdjustmentKind},
    "approval": {"basis", "four_eyes_from", "two_approvers_from"},
}


def load_policy(path: Path = DEFAULT_POLICY_FILE) -> AdjustmentPolicy:
    """Read and check a policy file; any problem is a UsageError naming the file and key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"policy file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"policy file {path}: {exc}") from None
    try:
        return policy_from_mapping(data)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"policy file {path}: {exc}") from None


def policy_from_mapping(data: Mapping[str, Any]) -> AdjustmentPolicy:
    _refuse_unknown(data)
    money = data.get("money", {})
    approval = data.get("approval", {})
    reasons = data.get("reasons", {})
    return AdjustmentPolicy(
        reasons={kind: frozenset(_codes(reasons.get(kind.value, []), kind)) for kind in AdjustmentKind},
        rounding=Rounding.parse(money.get("rounding", Rounding.HALF_UP)),
        max_percentage=_share(money.get("max_percentage", "100%")),
        approval=ApprovalPolicy(
            basis=_basis(approval.get("basis", "net")),
            four_eyes_from=_amount(approval.get("four_eyes_from", "0.00"), "approval.four_eyes_from"),
            two_approvers_from=_amount(approval.get("two_approvers_from", "500.00"),
                                       "approval.two_approvers_from"),
        ),
    )


def _refuse_unknown(data: Mapping[str, Any]) -> None:
    for section, value in data.items():
        if section not in _SECTIONS:
            raise ValueError(f"unknown section [{section}] (known: {', '.join(sorted(_SECTIONS))})")
        if not isinstance(value, Mapping):
            raise ValueError(f"[{section}] must be a table")
        unknown = sorted(set(value) - _SECTIONS[section])
        if unknown:
            raise ValueError(f"[{section}]: unknown key(s) {', '.join(unknown)}")


def _amount(value: object, where: str) -> Decimal:
    if isinstance(value, float):
        raise ValueError(f"{where} = {value!r}: write money as quoted text, e.g. \"500.00\"")
    if isinstance(value, str):
        return parse_money(value, what=where)
    return ensure_decimal(value, where)


def _share(value: object) -> Decimal:
    if isinstance(value, float):
        raise ValueError(f"money.max_percentage = {value!r}: write it as text, e.g. \"100%\"")
    return parse_percentage(value, what="money.max_percentage")


def _basis(value: object) -> AmountBasis:
    try:
        return AmountBasis(str(value))
    except ValueError:
        raise ValueError(f"approval.basis must be net or gross, got {value!r}") from None


def _codes(value: object, kind: AdjustmentKind) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"reasons.{kind.value} must be a list of reason codes (text)")
    return [v.strip() for v in value]
