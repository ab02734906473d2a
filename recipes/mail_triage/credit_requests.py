"""A mail asking for a credit becomes a row of a credit requests file awaiting approval.

A credit note is applied by `invoice_adjustments`, under four eyes: its request file
needs a reason code, who asked and who approved, which no customer's mail can say. So
the mail does not go straight into that recipe's queue; it becomes a row of a CSV file
with invoice_adjustments' columns (`request_id` is the case reference; invoice, amount,
the customer's address and language filled from the mail; `reason_code`, `requested_by`,
`approved_by` blank). An approver completes and signs the rows and feeds the file to
invoice_adjustments, which refuses a row without its approvals. The customer was told
that the request awaits approval; invoice_adjustments tells them the credit note number.

Exactly once: the file is read before a row is added (the case reference is the key),
under a lock, so a rerun after a crash never adds a second row for the same mail.
"""

from __future__ import annotations

import csv
import fcntl
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from connectors.sheets.safe import csv_safe
from recipes.invoice_adjustments.requests import COLUMNS


class CreditRequests:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def add(self, case: str, payload: Mapping[str, Any]) -> bool:
        """Write the case's row unless the file has it; True when written now."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+", encoding="utf-8", newline="") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            text = handle.read()
            if text and not text.endswith("\n"):  # a row cut short by a crash: dropped,
                text = text[:text.rfind("\n") + 1]  # so that its mail writes it whole
                handle.truncate(len(text.encode("utf-8")))
            rows = list(csv.reader(text.splitlines()))
            if any(row and row[0] == case for row in rows[1:]):
                return False
            writer = csv.writer(handle)
            if not rows:
                writer.writerow(COLUMNS)
            writer.writerow([csv_safe(value) for value in self._row(case, payload)])
            handle.flush()
            return True

    @staticmethod
    def _row(case: str, payload: Mapping[str, Any]) -> list[str]:
        facts = (payload.get("reading") or {}).get("facts") or {}
        first = {name: (facts.get(name) or [""])[0] for name in ("invoice", "amount")}
        missing = [name for name in ("invoice", "amount") if not first[name]]
        note = f"mail {payload.get('message_id', '')}: {payload.get('subject', '')}"[:300]
        if missing:
            note += f" (not in the mail: {', '.join(missing)})"
        values = {
            "request_id": case, "invoice_id": first["invoice"], "kind": "credit",
            "amount": first["amount"], "percentage": "", "reason_code": "",
            "requested_by": "", "approved_by": "", "second_approver": "", "note": note,
            "customer_email": payload.get("from", ""), "customer_phone": "",
            "customer_language": payload.get("language", ""),
        }
        return [values[name] for name in COLUMNS]
