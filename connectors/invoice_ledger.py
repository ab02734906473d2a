"""The invoice ledger workbook: applies charges and credits to an .xlsx kept by people.

The ledger (layout declared by `LedgerLayout`, headers found by name, not by letter):

    sheet "Ledger"       one row per invoice under a header row holding
                         Invoice | Net | VAT | Charges | Credits | Status (others allowed:
                         Customer, Total =C+D, Open balance =E+F-G, a totals row of SUMs...)
    sheet "Adjustments"  one row per applied adjustment:
                         Request | Invoice | Document | Kind | Net | VAT | Gross | Reason | Applied on

Applying an adjustment changes exactly these cells and nothing else: the invoice's
Charges or Credits cell (plus the gross), its Status cell when the balance reaches zero
(and only if it changes), and one new row of the Adjustments sheet (styled like the row
above it; a table there grows, its totals row kept last). The workbook is edited in place
(`connectors.xlsx_inplace`): every other cell, part and byte stays as it was, so charts,
images, comments, macros, pivot tables and extensions are no reason to refuse a ledger.

Idempotent: a request already listed on the Adjustments sheet is not applied again.
Money is read from the file's XML as stored and written digit for digit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from bots.errors import BusinessError, InputError
from bots.money import ZERO, ensure_decimal
from connectors.invoice_model import AdjustmentKind
from connectors.xlsx_inplace import (
    EditPlan,
    EditReport,
    Formula,
    SheetDoc,
    WorkbookEditor,
    coordinate,
    read_workbook,
)


@dataclass(frozen=True)
class LedgerLayout:
    ledger_sheet: str = "Ledger"
    adjustments_sheet: str = "Adjustments"
    invoice: str = "Invoice"
    net: str = "Net"
    tax: str = "VAT"
    charges: str = "Charges"
    credits: str = "Credits"
    status: str = "Status"
    adjustment_columns: tuple[str, ...] = ("Request", "Invoice", "Document", "Kind", "Net",
                                           "VAT", "Gross", "Reason", "Applied on")
    header_search_rows: int = 20


@dataclass(frozen=True)
class LedgerEntry:
    request_id: str
    invoice_id: str
    kind: AdjustmentKind
    net: Decimal
    tax: Decimal
    document_number: str
    reason_code: str
    applied_on: date

    def __post_init__(self) -> None:
        for name in ("net", "tax"):
            if ensure_decimal(getattr(self, name), f"{self.request_id} {name}") < 0:
                raise ValueError(f"{self.request_id}: {name} cannot be negative")

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


@dataclass(frozen=True)
class LedgerState:
    net: Decimal
    tax: Decimal
    charges: Decimal
    credits: Decimal
    status: str

    @property
    def balance(self) -> Decimal:
        return self.net + self.tax + self.charges - self.credits


@dataclass(frozen=True)
class LedgerChange:
    entry: LedgerEntry
    before: LedgerState
    after: LedgerState
    cells: tuple[str, ...] = field(default=())  # "Ledger!F7", ... what was written
    already_applied: bool = False


class LedgerError(BusinessError):
    """The ledger cannot take this adjustment (unknown invoice, a formula where a value
    should be, a credit over the ledger's balance): a person must look at it."""

    def __init__(self, message: str, *, reason: str = "ledger_refused") -> None:
        super().__init__(message, reason=reason)


class InvoiceLedger:
    """`ledger = InvoiceLedger.open(path); ledger.apply(entry); ledger.save()`"""

    def __init__(self, path: Path, layout: LedgerLayout) -> None:
        self.path, self.layout = Path(path), layout
        self.book = read_workbook(self.path)
        self.editor = WorkbookEditor(self.book)
        self.ledger = self.book.sheet(layout.ledger_sheet)
        self.adjustments = self.book.sheet(layout.adjustments_sheet)
        self._header_row, self._columns = _find_header(self.ledger, layout.invoice,
                                                       layout.header_search_rows, self.path)
        for name in (layout.net, layout.tax, layout.charges, layout.credits):
            self._column(name)
        self._adj_header, adj_columns = _find_header(self.adjustments, layout.adjustment_columns[0],
                                                     layout.header_search_rows, self.path)
        self._adj_columns = [self._adj_col(adj_columns, name) for name in layout.adjustment_columns]
        self._rows = self._index_invoices()
        self._applied = self._index_applied()
        self.changed: list[str] = []

    @classmethod
    def open(cls, path: Path, layout: LedgerLayout | None = None) -> InvoiceLedger:
        return cls(path, layout or LedgerLayout())

    # -- reading -----------------------------------------------------------------------
    def _column(self, header: str) -> int:
        try:
            return self._columns[header.casefold()]
        except KeyError:
            raise InputError(f"the ledger has no column {header!r}", file=str(self.path),
                             sheet=self.ledger.name, row=self._header_row) from None

    def _adj_col(self, columns: dict[str, int], header: str) -> int:
        if header.casefold() not in columns:
            raise InputError(f"the adjustments sheet has no column {header!r}",
                             file=str(self.path), sheet=self.adjustments.name)
        return columns[header.casefold()]

    def _index_invoices(self) -> dict[str, int]:
        rows: dict[str, int] = {}
        column = self._column(self.layout.invoice)
        for row in self.ledger.rows():
            value = self.ledger.value(row, column)
            if row > self._header_row and isinstance(value, str) and value.strip():
                rows.setdefault(value.strip(), row)
        return rows

    def _index_applied(self) -> set[str]:
        column = self._adj_columns[0]
        return {str(value).strip() for row in self.adjustments.rows() if row > self._adj_header
                if (value := self.adjustments.value(row, column)) not in (None, "")}

    def _money(self, row: int, header: str) -> Decimal:
        column = self._column(header)
        value, where = self.ledger.value(row, column), coordinate(row, column)
        if isinstance(value, Formula):
            raise LedgerError(f"ledger cell {where} ({header}) holds a formula; "
                              "the ledger layout expects a value there", reason="ledger_layout")
        if value is None:
            return ZERO
        if isinstance(value, Decimal):
            return value
        raise LedgerError(f"ledger cell {where} ({header}) is not a number: {value!r}",
                          reason="ledger_layout")

    def state(self, invoice_id: str) -> LedgerState:
        row = self._rows.get(invoice_id.strip())
        if row is None:
            raise LedgerError(f"invoice {invoice_id} is not in the ledger", reason="ledger_invoice_missing")
        status_col = self._columns.get(self.layout.status.casefold())
        status = self.ledger.value(row, status_col) if status_col else ""
        return LedgerState(self._money(row, self.layout.net), self._money(row, self.layout.tax),
                           self._money(row, self.layout.charges),
                           self._money(row, self.layout.credits), str(status or "").strip())

    def is_applied(self, request_id: str) -> bool:
        return request_id.strip() in self._applied

    # -- writing -----------------------------------------------------------------------
    def apply(self, entry: LedgerEntry) -> LedgerChange:
        before = self.state(entry.invoice_id)
        if self.is_applied(entry.request_id):
            return LedgerChange(entry, before, before, already_applied=True)
        if entry.kind is AdjustmentKind.CREDIT and entry.gross > before.balance:
            raise LedgerError(f"credit {entry.gross} of {entry.request_id} exceeds the ledger's "
                              f"balance {before.balance} of {entry.invoice_id}",
                              reason="ledger_credit_over_balance")
        row = self._rows[entry.invoice_id.strip()]
        cells: list[str] = []
        is_charge = entry.kind is AdjustmentKind.CHARGE
        header = self.layout.charges if is_charge else self.layout.credits
        total = (before.charges if is_charge else before.credits) + entry.gross
        cells.append(self._write(self.ledger, row, self._column(header), total))
        after = LedgerState(before.net, before.tax,
                            total if is_charge else before.charges,
                            before.credits if is_charge else total, before.status)
        status_col = self._columns.get(self.layout.status.casefold())
        if status_col and after.balance == 0 and before.status.casefold() != "closed":
            cells.append(self._write(self.ledger, row, status_col, "closed"))
            after = LedgerState(after.net, after.tax, after.charges, after.credits, "closed")
        cells.extend(self._append_adjustment(entry))
        self._applied.add(entry.request_id.strip())
        self.changed.extend(cells)
        return LedgerChange(entry, before, after, tuple(cells))

    def _write(self, sheet: SheetDoc, row: int, column: int, value: Decimal | str) -> str:
        self.editor.set(sheet.name, coordinate(row, column), value)
        return f"{sheet.name}!{coordinate(row, column)}"

    def _append_adjustment(self, entry: LedgerEntry) -> list[str]:
        values: tuple[object, ...] = (entry.request_id, entry.invoice_id, entry.document_number,
                                      entry.kind.value, entry.net, entry.tax, entry.gross,
                                      entry.reason_code, entry.applied_on)
        letters = [coordinate(1, column)[:-1] for column in self._adj_columns]
        row = self.editor.append_row(self.adjustments.name,
                                     dict(zip(letters, values, strict=True)),  # type: ignore[arg-type]
                                     below=self._adj_header)
        return [f"{self.adjustments.name}!{letter}{row}" for letter in letters]

    def plan(self) -> EditPlan:
        """Every cell edit of the adjustments applied so far, before anything is written."""
        return self.editor.finish()

    def save(self, path: Path | None = None) -> EditReport:
        """Write the edits into the workbook (in place, atomically, unless `path`)."""
        return self.plan().apply(path)


def _find_header(sheet: SheetDoc, first: str, search_rows: int, path: Path,
                 ) -> tuple[int, dict[str, int]]:
    for row in sheet.rows():
        if row > search_rows:
            break
        names = {value.strip().casefold(): col for col in sheet.row_cells(row)
                 if isinstance(value := sheet.value(row, col), str) and value.strip()}
        if first.casefold() in names:
            return row, names
    raise InputError(f"no header row with {first!r} in the first {search_rows} rows",
                     file=str(path), sheet=sheet.name)
