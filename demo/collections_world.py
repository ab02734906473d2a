"""The collections part of the demo world (`runner.py demo`): a book of customer accounts
in the demo portal, today's bank statement (payments in full and one in part), the
agents' call sheet, and one customer's consent given on the portal's self-service screen.

`collections_demo(portal_db, folder)` seeds the accounts into the portal's database and
writes the inputs; it returns them (label -> path) and the `collections` recipe's
parameters. Like the rest of `demo/`, it plays the outside world and imports nothing of
the toolkit.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from demo.portal import accounts_db
from demo.portal.db import connect
from demo.samples.collections import seed_book, write_bank, write_call_sheet


def collections_demo(portal_db: Path, folder: Path, customers: int = 40
                     ) -> tuple[dict[str, Path], dict[str, str]]:
    today = date.today()
    book = seed_book(portal_db, today, customers)
    overdue = [c for c in book if c.due < today]
    payers, callers = overdue[:4], overdue[4:10]
    part = overdue[10:11]
    consenting = [c for c in overdue[11:] if not c.card_expired and not c.soft_declines][:1]
    bank = write_bank(folder / "bank_statement.csv", [
        {"booked": today.isoformat(), "concept": f"TRANSF {c.id} FRA {c.invoice}",
         "amount": str(c.amount if c in payers else (c.amount / 2).quantize(Decimal("0.01"))),
         "reference": f"BNK-{today:%Y%m%d}-{c.id}"} for c in payers + part])
    conn = connect(portal_db)
    try:
        for c in consenting:  # on the self-service screen, yesterday, for a month
            accounts_db.authorise(conn, account_id=c.id, invoice_id=c.invoice, method="card",
                                  mandate_reference="", amount_limit=c.amount,
                                  given_by=f"c{int(c.id[1:]):04d}@customers.example",
                                  given_on=(today - timedelta(days=1)).isoformat(),
                                  expires_on=(today + timedelta(days=29)).isoformat(),
                                  user="customer")
    finally:
        conn.close()
    outcomes = ["authorisation", "authorisation", "authorisation", "promise", "dispute",
                "authorisation"]
    calls = [{"customer": c.id, "invoice": c.invoice, "outcome": outcome,
              "method": "card" if outcome == "authorisation" else "", "mandate_reference": "",
              "amount": str(c.amount) if outcome == "promise" else "",
              "promised_date": date.fromordinal(today.toordinal() + 5).isoformat()
              if outcome == "promise" else "",
              "note": "agreed on the phone" if outcome != "dispute" else "says it was never delivered"}
             for c, outcome in zip(callers, outcomes, strict=False)]
    sheet = write_call_sheet(folder / "call_sheet.xlsx", today, calls)
    files = {"collections bank statement": bank, "collections call sheet": sheet}
    return files, {"bank": str(bank), "call_sheet": str(sheet)}
