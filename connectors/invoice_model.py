"""An invoice as the back office sees it, whichever system it was read from.

The portal's page objects and the ledger-workbook connector both speak this model, so the
adjustment rules are written once. Every amount is a `Decimal` in cents; the constructors
refuse a float (`bots.money.ensure_decimal`).

    net, tax, total          the invoice's lines, as issued
    adjusted_net / _tax      lines + charges - credits (net and tax separately)
    open_balance             what the customer still owes: adjusted_net + adjusted_tax,
                             as the system showed it (a check, not a re-derivation)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from bots.money import ZERO, ensure_decimal


class AdjustmentKind(StrEnum):
    CHARGE = "charge"  # "cargo": the customer owes more
    CREDIT = "credit"  # "abono", a credit note: the customer owes less

    @property
    def sign(self) -> int:
        return 1 if self is AdjustmentKind.CHARGE else -1

    @classmethod
    def parse(cls, text: str) -> AdjustmentKind:
        key = text.strip().lower()
        kind = _KIND_WORDS.get(key)
        if kind is None:
            raise ValueError(f"unknown kind {text!r} (charge or credit)")
        return kind


_KIND_WORDS = {
    "charge": AdjustmentKind.CHARGE, "cargo": AdjustmentKind.CHARGE,
    "credit": AdjustmentKind.CREDIT, "abono": AdjustmentKind.CREDIT,
    "credit note": AdjustmentKind.CREDIT,
}


@dataclass(frozen=True)
class InvoiceLine:
    number: int
    description: str
    net: Decimal
    rate: Decimal  # percent: 21 for 21 %
    tax: Decimal

    def __post_init__(self) -> None:
        for name in ("net", "rate", "tax"):
            ensure_decimal(getattr(self, name), f"line {self.number} {name}")


@dataclass(frozen=True)
class RateGroup:
    """The lines of one tax rate, summed: the unit a mixed-rate adjustment is split by."""

    rate: Decimal
    net: Decimal
    tax: Decimal


@dataclass(frozen=True)
class PostedAdjustment:
    """A charge or credit note already on the invoice."""

    document_number: str
    kind: AdjustmentKind
    net: Decimal
    tax: Decimal
    reason_code: str = ""
    request_reference: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        ensure_decimal(self.net, f"{self.document_number} net")
        ensure_decimal(self.tax, f"{self.document_number} tax")

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


@dataclass(frozen=True)
class Invoice:
    id: str
    status: str  # "open" or "closed", lower case
    lines: tuple[InvoiceLine, ...]
    open_balance: Decimal
    adjustments: tuple[PostedAdjustment, ...] = ()
    customer: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        ensure_decimal(self.open_balance, f"invoice {self.id} open balance")

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def net(self) -> Decimal:
        return sum((line.net for line in self.lines), ZERO)

    @property
    def tax(self) -> Decimal:
        return sum((line.tax for line in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return self.net + self.tax

    @property
    def adjusted_net(self) -> Decimal:
        return self.net + sum((a.kind.sign * a.net for a in self.adjustments), ZERO)

    @property
    def adjusted_tax(self) -> Decimal:
        return self.tax + sum((a.kind.sign * a.tax for a in self.adjustments), ZERO)

    def amounts_before(self, document_number: str) -> tuple[Decimal, Decimal]:
        """(net, tax) of the invoice just before that adjustment was posted: the lines
        plus every adjustment listed above it (the portal lists them in posting order)."""
        net, tax = self.net, self.tax
        for adjustment in self.adjustments:
            if adjustment.document_number == document_number:
                return net, tax
            net += adjustment.kind.sign * adjustment.net
            tax += adjustment.kind.sign * adjustment.tax
        raise LookupError(f"invoice {self.id} has no adjustment {document_number}")

    def rate_groups(self) -> list[RateGroup]:
        """One group per tax rate, highest rate first."""
        nets: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
        taxes: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
        for line in self.lines:
            key = _plain(line.rate)
            nets[key] += line.net
            taxes[key] += line.tax
        return [RateGroup(rate, nets[rate], taxes[rate]) for rate in sorted(nets, reverse=True)]

    def by_reference(self, request_reference: str) -> list[PostedAdjustment]:
        wanted = request_reference.strip()
        return [a for a in self.adjustments if wanted and a.request_reference == wanted]


def _plain(rate: Decimal) -> Decimal:
    # 21, 21.0 and 21.00 are one rate; normalize() alone would turn 10 into 1E+1.
    return rate.quantize(Decimal(1)) if rate == rate.to_integral_value() else rate.normalize()


@dataclass(frozen=True)
class AdjustmentInput:
    """What is keyed on the invoice's adjustment form."""

    kind: AdjustmentKind
    net: Decimal
    tax: Decimal
    reason_code: str
    request_reference: str
    note: str = ""

    def __post_init__(self) -> None:
        for name in ("net", "tax"):
            if ensure_decimal(getattr(self, name), f"{self.request_reference} {name}") < 0:
                raise ValueError(f"{self.request_reference}: {name} cannot be negative")


@dataclass(frozen=True)
class AppliedAdjustment:
    """What the system answered: the credit-note or charge number and the new balance."""

    invoice_id: str
    document_number: str
    open_balance: Decimal | None  # None when the invoice could not be read back
    status: str


@dataclass(frozen=True)
class FoundAdjustment:
    """An adjustment already posted under a request reference, and on which invoice."""

    invoice_id: str
    adjustment: PostedAdjustment
