"""Ledger benchmark: 50 adjustments into a ledger of N invoices, in place vs an openpyxl round trip.

    .venv/bin/python benchmarks/ledger_inplace.py [--invoices 5000] [--adjustments 50]

(a) in place: `InvoiceLedger` (connectors.xlsx_inplace): the package opened as a zip, the
    two sheets parsed with lxml, the edited cells spliced, every other part copied.
(b) round trip: what the ledger path did before: openpyxl loads the workbook, the same
    cells are set, openpyxl saves it (rebuilding, and losing, what it does not model).

Each contender starts from a copy of the same ledger; the time covers open, apply and
save. Prints the seconds of each and their ratio, measured in this one run, then one
JSON line.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import date  # noqa: E402
from decimal import Decimal  # noqa: E402

from openpyxl import Workbook, load_workbook  # noqa: E402
from openpyxl.worksheet.table import Table  # noqa: E402

from connectors.invoice_ledger import InvoiceLedger, LedgerEntry  # noqa: E402
from connectors.invoice_model import AdjustmentKind  # noqa: E402

HEADERS = ("Invoice", "Customer", "Net", "VAT", "Total", "Charges", "Credits", "Open balance",
           "Status")
ADJ = ("Request", "Invoice", "Document", "Kind", "Net", "VAT", "Gross", "Reason", "Applied on")


def make_ledger(path: Path, invoices: int) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Ledger"
    sheet.append(HEADERS)
    for n in range(1, invoices + 1):
        r = n + 1
        sheet.append((f"INV-{n}", f"Customer {n}", Decimal(100 + n % 900), Decimal(21),
                      f"=C{r}+D{r}", Decimal(0), Decimal(0), f"=E{r}+F{r}-G{r}", "open"))
    adjustments = workbook.create_sheet("Adjustments")
    adjustments.append(ADJ)
    adjustments.append(("MANUAL-1", "INV-1", "NC-0", "credit", Decimal(1), Decimal("0.21"),
                        Decimal("1.21"), "GOODWILL", date(2026, 1, 2)))
    adjustments.add_table(Table(displayName="AdjustmentsTable", ref="A1:I2"))
    workbook.save(path)


def entries(count: int, invoices: int) -> list[LedgerEntry]:
    return [LedgerEntry(f"REQ-{n}", f"INV-{1 + n * 37 % invoices}", AdjustmentKind.CHARGE,
                        Decimal("5.05"), Decimal("1.06"), f"CG-{n}", "LATE_FEE",
                        date(2026, 3, 2)) for n in range(count)]


def in_place(path: Path, todo: list[LedgerEntry]) -> float:
    started = time.perf_counter()
    ledger = InvoiceLedger.open(path)
    for entry in todo:
        ledger.apply(entry)
    ledger.save()
    return time.perf_counter() - started


def round_trip(path: Path, todo: list[LedgerEntry]) -> float:
    started = time.perf_counter()
    workbook = load_workbook(path)
    sheet, adjustments = workbook["Ledger"], workbook["Adjustments"]
    rows = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    next_row = adjustments.max_row + 1
    for entry in todo:
        cell = sheet.cell(rows[entry.invoice_id], 6)
        cell.value = (cell.value or 0) + entry.gross
        for col, value in enumerate((entry.request_id, entry.invoice_id, entry.document_number,
                                     entry.kind.value, entry.net, entry.tax, entry.gross,
                                     entry.reason_code, entry.applied_on), start=1):
            adjustments.cell(next_row, col, value)
        next_row += 1
    adjustments.tables["AdjustmentsTable"].ref = f"A1:I{next_row - 1}"
    workbook.save(path)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=5000)
    parser.add_argument("--adjustments", type=int, default=50)
    args = parser.parse_args()
    todo = entries(args.adjustments, args.invoices)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "ledger.xlsx"
        make_ledger(source, args.invoices)
        figures = {}
        for name, contender in (("in_place", in_place), ("round_trip", round_trip)):
            copy = Path(folder) / f"{name}.xlsx"
            shutil.copy2(source, copy)
            figures[name] = contender(copy, todo)
    ratio = figures["round_trip"] / figures["in_place"]
    print(f"{args.invoices} invoices, {args.adjustments} adjustments: in place "
          f"{figures['in_place']:.3f} s, openpyxl round trip {figures['round_trip']:.3f} s, "
          f"ratio {ratio:.2f}x (load average {os.getloadavg()[0]:.2f})")
    print(json.dumps({**{k: round(v, 4) for k, v in figures.items()}, "ratio": round(ratio, 3),
                      "invoices": args.invoices, "adjustments": args.adjustments}))


if __name__ == "__main__":
    main()
