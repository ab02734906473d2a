"""Sample files for the reconcile recipe: an invoice ledger, a messy bank statement, a
portal export. Same seed, same files.

The bank statement is what banks really send: title rows and merged title cells, a
blank line, European text numbers (`1.234,56`), dates as real dates, as text and as
bare Excel serials, padded concepts, a duplicated line and a totals row. Planted in it,
so a reconciliation has something to find: payments a cent short, an underpayment, a
late payment, one transfer settling two invoices, payments without an invoice number,
two identical invoices one payment could settle, a bank fee, unpaid invoices.

This module plays an outside system: it imports nothing from the toolkit.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

START = dt.date(2024, 3, 1)
EXCEL_EPOCH = dt.date(1899, 12, 30)
CUSTOMERS = [
    ("C001", "Acme Widgets, S.L."), ("C002", "Borealis Trading SA"), ("C003", "Café Nube S.L."),
    ("C004", "Delta Logistics Ltd"), ("C005", "Estudio Ñandú S.C."), ("C006", "Fjord Foods AS"),
    ("C007", "=Gamma Partners"),  # a name that looks like a formula: reports must show it as text
    ("C008", "Helix Medical SL"),
]


def _euro(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole:,}".replace(",", ".") + f",{part:02d}"


def _invoices(rng: random.Random, count: int) -> list[dict]:
    rows = []
    for i in range(1, count + 1):
        code, name = CUSTOMERS[(i * 5) % len(CUSTOMERS)]
        issued = START + dt.timedelta(days=rng.randrange(0, 40))
        rows.append({"invoice": f"INV-2024-{i:05d}", "customer": code, "name": name,
                     "issued": issued, "due": issued + dt.timedelta(days=30),
                     "cents": rng.randrange(5_000, 900_000)})
    # two invoices nobody can tell apart by amount and date: a payment for one is ambiguous
    twin = dict(rows[-1], invoice=f"INV-2024-{count + 1:05d}")
    rows.append(twin)
    return rows


def _payment(inv: dict, cents: int, days: int, concept: str) -> dict:
    return {"date": inv["issued"] + dt.timedelta(days=days), "cents": cents,
            "concept": concept, "payer": inv["name"].upper()}


def _payments(rng: random.Random, invoices: list[dict]) -> list[dict]:
    """The bank side, with one planted case per kind of finding."""
    body, planted = invoices[:-7], invoices[-7:]
    short, late, grouped, unkeyed, unpaid, twin, _twin = planted
    partner = next(x for x in body if x["customer"] == grouped["customer"])
    pay = []
    for k, inv in enumerate(body):
        if inv is partner:
            continue  # paid together with `grouped`, below
        concept = f"TRANSF. {inv['name'].upper()[:18]} FRA {inv['invoice']}"
        cents = inv["cents"] - (1 if k % 17 == 3 else 0)  # a cent short: within tolerance
        pay.append(_payment(inv, cents, rng.randrange(1, 30), concept))
    pay.append(_payment(short, short["cents"] - 500, 12, f"TRANSF FRA {short['invoice']}"))
    pay.append(_payment(late, late["cents"], 95, f"TRANSF FRA {late['invoice']} ATRASADA"))
    both = max(partner["issued"], grouped["issued"]) - grouped["issued"]
    pay.append(_payment(grouped, grouped["cents"] + partner["cents"], both.days + 9,
                        "PAGO VARIAS FACTURAS"))  # two invoices, no number in the concept
    pay.append(_payment(unkeyed, unkeyed["cents"], 4, "TRANSFERENCIA RECIBIDA"))
    pay.append(_payment(twin, twin["cents"], 3, "TRANSFERENCIA"))  # which twin? nobody knows
    pay.append({"date": START + dt.timedelta(days=30), "cents": -1_250,
                "concept": "COMISION MANTENIMIENTO", "payer": ""})  # only in the bank
    del unpaid  # never paid: only in the ledger
    pay.sort(key=lambda p: (p["date"], p["concept"]))
    return pay


def _write_ledger(path: Path, invoices: list[dict]) -> None:
    book = Workbook()
    ws = book.active
    ws.title = "Ledger"
    ws.append(["Invoice", "Customer", "Customer name", "Issued", "Due", "Amount"])
    for inv in invoices:
        ws.append([inv["invoice"], inv["customer"], inv["name"], inv["issued"], inv["due"],
                   inv["cents"] / 100])
        ws.cell(ws.max_row, 6).number_format = "#,##0.00"
        for col in (4, 5):
            ws.cell(ws.max_row, col).number_format = "yyyy-mm-dd"
        if inv["name"].startswith("="):
            ws.cell(ws.max_row, 3).data_type = "s"  # a name, not a formula
    book.save(path)


def _date_cell(date: dt.date, k: int) -> object:
    """Banks mix date forms: a real date, text dd/mm/yyyy, or a bare Excel serial."""
    form = k % 3
    if form == 0:
        return date
    if form == 1:
        return date.strftime("%d/%m/%Y")
    return (date - EXCEL_EPOCH).days


def _write_bank(path: Path, payments: list[dict]) -> None:
    book = Workbook()
    ws = book.active
    ws.title = "Movimientos"
    ws["A1"] = "BANCO EJEMPLO, S.A. - EXTRACTO DE MOVIMIENTOS"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:F1")
    ws["A2"] = "Cuenta ES76 0000 1111 2222 3333 4444  ·  Periodo 01/03/2024 - 30/06/2024"
    ws.merge_cells("A2:F2")
    ws.append([])
    ws.append(["Fecha operación", "Fecha valor", "Concepto", "Ordenante", "Importe", "Saldo"])
    balance = 1_000_000
    for k, p in enumerate(payments):
        balance += p["cents"]
        amount: object = _euro(p["cents"]) if k % 4 else p["cents"] / 100  # mostly text
        ws.append([_date_cell(p["date"], k), _date_cell(p["date"], k + 1), f"  {p['concept']} ",
                   p["payer"], amount, _euro(balance)])
        if k == 5:  # the export repeated a line
            ws.append([cell.value for cell in ws[ws.max_row]])
    ws.append([])
    total = sum(p["cents"] for p in payments) + payments[5]["cents"]
    ws.append(["TOTAL MOVIMIENTOS", None, None, None, _euro(total), None])
    book.save(path)


def _write_portal(path: Path, invoices: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["Invoice Id", "Customer", "Date", "Total", "Status"])
        for k, inv in enumerate(invoices):
            if k % 23 == 7:
                continue  # never reached the portal
            cents = inv["cents"] + (1_000 if k % 31 == 11 else 0)  # keyed in wrong
            out.writerow([inv["invoice"], inv["name"], inv["issued"].isoformat(),
                          f"{cents / 100:.2f}", "POSTED"])


def write_reconcile_samples(folder: str | Path, *, seed: int = 20240601,
                            invoices: int = 60) -> dict[str, Path]:
    """Write ledger.xlsx, bank_statement.xlsx and portal_export.csv into `folder`."""
    if invoices < 16:
        raise ValueError("at least 16 invoices are needed to plant every case")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    ledger = _invoices(rng, invoices)
    paths = {"ledger": folder / "ledger.xlsx", "bank": folder / "bank_statement.xlsx",
             "portal_export": folder / "portal_export.csv"}
    _write_ledger(paths["ledger"], ledger)
    _write_bank(paths["bank"], _payments(rng, ledger))
    _write_portal(paths["portal_export"], ledger)
    return paths


if __name__ == "__main__":
    import sys

    for name, file in write_reconcile_samples(sys.argv[1] if len(sys.argv) > 1 else ".").items():
        sys.stdout.write(f"{name}: {file}\n")
