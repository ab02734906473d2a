"""A credit asked for by mail: one row per case in invoice_adjustments' columns, approvals
blank, never twice, a row cut short by a crash rewritten whole, formulas kept as text."""

from __future__ import annotations

import csv
from pathlib import Path

from recipes.invoice_adjustments.requests import COLUMNS
from recipes.mail_triage.credit_requests import CreditRequests

PAYLOAD = {"reading": {"facts": {"invoice": ["FAC-2026-1"], "amount": ["120.50"]}},
           "from": "ana@cliente.example.org", "language": "es", "subject": "=HYPERLINK(1)",
           "message_id": "<m1@cliente.example.org>"}


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_one_row_per_case_awaiting_approval(tmp_path: Path) -> None:
    requests = CreditRequests(tmp_path / "credits.csv")
    assert requests.add("M-0000000001", PAYLOAD)
    assert not requests.add("M-0000000001", PAYLOAD)  # a retried item: looked up first
    assert requests.add("M-0000000002", {**PAYLOAD, "reading": {"facts": {}}})
    found = rows(tmp_path / "credits.csv")
    assert list(found[0]) == list(COLUMNS)
    first, second = found
    assert (first["request_id"], first["invoice_id"], first["amount"], first["kind"]) == (
        "M-0000000001", "FAC-2026-1", "120.50", "credit")
    assert first["approved_by"] == first["requested_by"] == first["reason_code"] == ""
    assert first["customer_email"] == "ana@cliente.example.org"
    assert "not in the mail: invoice, amount" in second["note"]


def test_a_row_cut_short_by_a_crash_is_written_again_whole(tmp_path: Path) -> None:
    path = tmp_path / "credits.csv"
    requests = CreditRequests(path)
    requests.add("M-0000000001", PAYLOAD)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("M-0000000002,FAC-20")  # killed mid-write
    assert requests.add("M-0000000002", PAYLOAD)
    assert [r["request_id"] for r in rows(path)] == ["M-0000000001", "M-0000000002"]
    assert rows(path)[1]["invoice_id"] == "FAC-2026-1"
