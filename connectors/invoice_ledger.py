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
above it; a table on the sheet grows to include it). Every other cell keeps its value,
formula and style; merged cells, widths and names stay (openpyxl reads and writes them).
A workbook holding charts, images or macros is refused: openpyxl would drop them.

Idempotent: a request already listed on the Adjustments sheet is not applied again.
Money is read from the file's XML as stored (`xlsx_exact`) and written digit for digit.
"""

from __future__ import annotations

import zipfile
from copy import copy
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from bots.errors import BusinessError, InputError
from bots.money import ZERO, ensure_decimal
from connectors.invoice_model import AdjustmentKind
from connectors.xlsx_exact import save_exact, stored_numbers

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
_UNSUPPORTED_PARTS = ("xl/drawings/", "xl/charts/", "xl/media/", "xl/vbaProject")


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
        _refuse_lossy(self.path)
        self.workbook = load_workbook(self.path)  # formulas as text, styles kept
        self.ledger = self._sheet(layout.ledger_sheet)
        self.adjustments = self._sheet(layout.adjustments_sheet)
        self._numbers = stored_numbers(self.path, layout.ledger_sheet)
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
    def _sheet(self, name: str) -> Worksheet:
        if name not in self.workbook.sheetnames:
            raise InputError(f"the ledger has no sheet {name!r}", file=str(self.path),
                             expected=", ".join(self.workbook.sheetnames))
        return self.workbook[name]

    def _column(self, header: str) -> int:
        try:
            return self._columns[header.casefold()]
        except KeyError:
            raise InputError(f"the ledger has no column {header!r}", file=str(self.path),
                             sheet=self.ledger.title, row=self._header_row) from None

    def _adj_col(self, columns: dict[str, int], header: str) -> int:
        if header.casefold() not in columns:
            raise InputError(f"the adjustments sheet has no column {header!r}",
                             file=str(self.path), sheet=self.adjustments.title)
        return columns[header.casefold()]

    def _index_invoices(self) -> dict[str, int]:
        rows: dict[str, int] = {}
        column = self._column(self.layout.invoice)
        for row in range(self._header_row + 1, self.ledger.max_row + 1):
            value = self.ledger.cell(row, column).value
            if isinstance(value, str) and value.strip():
                rows.setdefault(value.strip(), row)
        return rows

    def _index_applied(self) -> set[str]:
        column = self._adj_columns[0]
        return {str(self.adjustments.cell(row, column).value).strip()
                for row in range(self._adj_header + 1, self.adjustments.max_row + 1)
                if self.adjustments.cell(row, column).value not in (None, "")}

    def _money(self, row: int, header: str) -> Decimal:
        cell = self.ledger.cell(row, self._column(header))
        if cell.data_type == "f":
            raise LedgerError(f"ledger cell {cell.coordinate} ({header}) holds a formula; "
                              "the ledger layout expects a value there", reason="ledger_layout")
        if cell.value is None:
            return ZERO
        if cell.coordinate in self._numbers:
            return self._numbers[cell.coordinate]
        raise LedgerError(f"ledger cell {cell.coordinate} ({header}) is not a number: "
                          f"{cell.value!r}", reason="ledger_layout")

    def state(self, invoice_id: str) -> LedgerState:
        row = self._rows.get(invoice_id.strip())
        if row is None:
            raise LedgerError(f"invoice {invoice_id} is not in the ledger", reason="ledger_invoice_missing")
        status_col = self._columns.get(self.layout.status.casefold())
        status = self.ledger.cell(row, status_col).value if status_col else ""
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

    def _write(self, sheet: Worksheet, row: int, column: int, value: object) -> str:
        cell = sheet.cell(row, column)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # text stays text, even "=..." (formula injection)
        elif isinstance(value, Decimal) and sheet is self.ledger:
            self._numbers[cell.coordinate] = value  # what the next read of this cell sees
        return f"{sheet.title}!{cell.coordinate}"

    def _append_adjustment(self, entry: LedgerEntry) -> list[str]:
        sheet, first = self.adjustments, self._adj_header + 1
        row = max([first - 1] + [r for r in range(first, sheet.max_row + 1)
                                 if any(sheet.cell(r, c).value not in (None, "")
                                        for c in self._adj_columns)]) + 1
        values: tuple[object, ...] = (entry.request_id, entry.invoice_id, entry.document_number,
                                      entry.kind.value, entry.net, entry.tax, entry.gross,
                                      entry.reason_code, entry.applied_on)
        written = []
        for column, value in zip(self._adj_columns, values, strict=True):
            cell = sheet.cell(row, column)
            _style_like(cell, sheet.cell(row - 1, column) if row - 1 > self._adj_header else None,
                        value)
            written.append(self._write(sheet, row, column, value))
        _grow_tables(sheet, row)
        return written

    def save(self, path: Path | None = None) -> Path:
        return save_exact(self.workbook, Path(path or self.path))


def _refuse_lossy(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, FileNotFoundError) as exc:
        raise InputError(f"not a readable xlsx workbook: {exc}", file=str(path)) from None
    lossy = sorted({part for part in _UNSUPPORTED_PARTS for name in names if name.startswith(part)})
    if lossy:
        raise InputError("the ledger holds charts, images or macros, which saving would drop"
                         f" ({', '.join(lossy)})", file=str(path), reason="ledger_unsupported")


def _find_header(sheet: Worksheet, first: str, search_rows: int, path: Path,
                 ) -> tuple[int, dict[str, int]]:
    for row in sheet.iter_rows(min_row=1, max_row=search_rows):
        names = {str(c.value).strip().casefold(): c.column for c in row
                 if isinstance(c.value, str) and c.value.strip()}
        if first.casefold() in names:
            return row[0].row, names
    raise InputError(f"no header row with {first!r} in the first {search_rows} rows",
                     file=str(path), sheet=sheet.title)


def _style_like(cell: Cell, model: Cell | None, value: object) -> None:
    if model is not None and model.has_style:
        cell._style = copy(model._style)
    elif isinstance(value, Decimal):
        cell.number_format = MONEY_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT


def _grow_tables(sheet: Worksheet, row: int) -> None:
    from openpyxl.utils.cell import range_boundaries

    for table in sheet.tables.values():
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        if max_row == row - 1:
            start, end = table.ref.split(":")
            table.ref = f"{start}:{end.rstrip('0123456789')}{row}"
            if table.autoFilter is not None:
                table.autoFilter.ref = table.ref
