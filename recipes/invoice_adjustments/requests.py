"""An adjustment request as typed, frozen data, and how a row of the request file becomes one.

The request file (xlsx sheet "Requests" or CSV, header on the first row) has the columns

    request_id  invoice_id  kind  amount  percentage  reason_code
    requested_by  approved_by  second_approver  note
    customer_email  customer_phone  customer_language      (optional: who is told, how)

`kind` is charge or credit (cargo / abono accepted). Exactly one of `amount` (net, before
tax, in either written convention: 1,234.56 or 1.234,56) and `percentage` (a fraction as
a `0%`-formatted cell stores it, 0.1, or text with a sign: "10 %") is given.
`second_approver`, `note` and the customer's contact may be blank, or absent as columns.
With an email and/or a phone number the customer is told, in their language (es, en, or
any language with a catalog), the credit-note or charge number once it is applied.

A cell that cannot be read (text in `amount`, an unknown kind, a blank request id) is an
`InputError` naming file, row and column: the run refuses the file and changes nothing.
A value that reads fine but breaks a rule (a negative amount, an unknown reason) is kept
here and refused later by `adjustment_rules`, as that request's business exception.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bots.errors import BusinessError, InputError
from bots.money import ensure_decimal, parse_money, parse_percentage
from connectors.invoice_model import AdjustmentKind

REQUIRED = ("request_id", "invoice_id", "kind", "reason_code", "requested_by", "approved_by")
CONTACT = ("customer_email", "customer_phone", "customer_language")
COLUMNS = (REQUIRED[:3] + ("amount", "percentage") + REQUIRED[3:] + ("second_approver", "note")
           + CONTACT)


@dataclass(frozen=True)
class AdjustmentRequest:
    request_id: str
    invoice_id: str
    kind: AdjustmentKind
    amount: Decimal | None
    percentage: Decimal | None
    reason_code: str
    requested_by: str
    approved_by: str
    second_approver: str = ""
    note: str = ""
    customer_email: str = ""
    customer_phone: str = ""
    customer_language: str = ""
    row: int | None = None  # where it was read, for messages; not part of the request

    def __post_init__(self) -> None:
        for name in ("amount", "percentage"):
            value = getattr(self, name)
            if value is not None:
                ensure_decimal(value, f"{self.request_id} {name}")

    def to_payload(self) -> dict[str, Any]:
        """JSON-ready, money as text with every digit kept."""
        return {
            "request_id": self.request_id, "invoice_id": self.invoice_id,
            "kind": self.kind.value,
            "amount": None if self.amount is None else str(self.amount),
            "percentage": None if self.percentage is None else str(self.percentage),
            "reason_code": self.reason_code, "requested_by": self.requested_by,
            "approved_by": self.approved_by, "second_approver": self.second_approver,
            "note": self.note, "row": self.row,
            **{name: getattr(self, name) for name in CONTACT if getattr(self, name)},
        }

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> AdjustmentRequest:
        def dec(name: str) -> Decimal | None:
            value = data.get(name)
            return None if value is None else Decimal(str(value))

        return cls(
            request_id=data["request_id"], invoice_id=data["invoice_id"],
            kind=AdjustmentKind(data["kind"]), amount=dec("amount"),
            percentage=dec("percentage"), reason_code=data["reason_code"],
            requested_by=data["requested_by"], approved_by=data["approved_by"],
            second_approver=data.get("second_approver") or "", note=data.get("note") or "",
            row=data.get("row"), **{name: data.get(name) or "" for name in CONTACT},
        )

    def same_request(self, other: AdjustmentRequest) -> bool:
        """Equal in everything but where it was read."""
        return self.to_payload() | {"row": None} == other.to_payload() | {"row": None}


def request_from_row(values: Mapping[str, object], *, file: str, row: int,
                     sheet: str | None = None) -> AdjustmentRequest:
    """One data row (keys already normalised) -> a request, or InputError on a bad cell."""
    cells = _Cells(values, file=file, row=row, sheet=sheet)
    kind_text = cells.text("kind", required=True)
    try:
        kind = AdjustmentKind.parse(kind_text)
    except ValueError:
        raise cells.error("kind", "unknown kind", "charge or credit", kind_text) from None
    return AdjustmentRequest(
        request_id=cells.text("request_id", required=True),
        invoice_id=cells.text("invoice_id", required=True),
        kind=kind,
        amount=cells.amount("amount"),
        percentage=cells.percentage("percentage"),
        reason_code=cells.text("reason_code").upper(),
        requested_by=cells.text("requested_by"),
        approved_by=cells.text("approved_by"),
        second_approver=cells.text("second_approver"),
        note=cells.text("note"),
        customer_email=cells.text("customer_email"),
        customer_phone=cells.text("customer_phone"),
        customer_language=cells.text("customer_language"),
        row=row,
    )


class _Cells:
    def __init__(self, values: Mapping[str, object], *, file: str, row: int,
                 sheet: str | None) -> None:
        self.values, self.file, self.row, self.sheet = values, file, row, sheet

    def error(self, column: str, message: str, expected: str, got: object) -> InputError:
        return InputError(message, file=self.file, sheet=self.sheet, row=self.row,
                          column=column, expected=expected, got=got)

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.values.get(column)
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            value = str(value)  # an id typed as a number: keep its digits as written
        if value is not None and not isinstance(value, str):
            raise self.error(column, "not text", "text", value)
        text = (value or "").strip()
        if required and not text:
            raise self.error(column, "blank cell", "a value", value)
        return text

    def amount(self, column: str) -> Decimal | None:
        value = self.values.get(column)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return parse_money(value, what=column)
            except ValueError as exc:
                reason = str(exc).split(": ", 1)[-1]  # the parser's why, without the column
                raise self.error(column, f"not an amount ({reason})",
                                 "an amount like 1234.56 or 1.234,56", value) from exc
        try:
            return ensure_decimal(value, column)
        except (TypeError, ValueError) as exc:
            raise self.error(column, str(exc), "an exact amount", value) from exc

    def percentage(self, column: str) -> Decimal | None:
        value = self.values.get(column)
        if value is None or value == "":
            return None
        try:
            return parse_percentage(value, what=column)
        except (TypeError, ValueError) as exc:
            raise self.error(column, "not a percentage", "a fraction (0.1) or a percent (10%)",
                             value) from exc


@dataclass(frozen=True)
class Duplicate:
    request: AdjustmentRequest
    first_row: int | None

    def error(self) -> BusinessError:
        return BusinessError(
            f"request {self.request.request_id} (row {self.request.row}) repeats the request id "
            f"of row {self.first_row}; only the first is applied", reason="duplicate_request_id")


def split_duplicates(requests: Iterable[AdjustmentRequest],
                     ) -> tuple[list[AdjustmentRequest], list[Duplicate]]:
    """The first request of each id, and every later row that reuses an id."""
    first: dict[str, AdjustmentRequest] = {}
    duplicates: list[Duplicate] = []
    for request in requests:
        earlier = first.get(request.request_id)
        if earlier is None:
            first[request.request_id] = request
        else:
            duplicates.append(Duplicate(request, earlier.row))
    return list(first.values()), duplicates
