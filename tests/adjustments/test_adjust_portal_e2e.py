"""End to end on the demo portal in headless Chromium: apply, rerun, ledger, outputs."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest
from adjust_world import (
    CHROMIUM,
    REFUSAL_OF_PROBLEM,
    LivePortal,
    World,
    adjustments_by_reference,
    item_rows,
    portal_snapshot,
)
from openpyxl import load_workbook

from bots.executor import execute
from bots.settings import get_settings
from connectors.xlsx_exact import stored_numbers
from demo.portal.db import connect
from demo.portal.ledger import get_invoice
from demo.samples.invoices import expected_amounts

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the system Chromium")]


def table(path: Path) -> list[dict[str, object]]:
    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_apply_the_file_then_rerun_changes_nothing(live_portal: LivePortal, world: World) -> None:
    params = {"requests": str(world.requests), "ledger": str(world.ledger)}
    first = execute("invoice_adjustments", params)
    assert first.state == "succeeded_with_exceptions", first.error
    valid = world.valid()
    posted = adjustments_by_reference(world.db)

    # every valid request is in the portal exactly once, with the right amounts
    assert sorted(posted) == sorted(r.request_id for r in valid)
    assert all(len(rows) == 1 for rows in posted.values())
    conn = connect(world.db)
    for request in valid:
        row, invoice = posted[request.request_id][0], get_invoice(conn, request.invoice_id)
        assert invoice is not None and row["kind"] == request.kind
        net, tax = expected_amounts(invoice, request)
        # the demo computes the VAT at the invoice's rates on its own, as the rules do
        assert (D(row["net_amount"]), D(row["tax_amount"])) == (net, tax)

    # every bad request is a business exception with its reason
    items = item_rows(get_settings().store_url)
    for request in world.plan:
        if request.problem is None or request.problem.name == "DUPLICATE_REQUEST_ID":
            continue
        item = items[request.request_id]
        assert (item["state"], item["reason"]) == ("business_exception",
                                                   REFUSAL_OF_PROBLEM[request.problem.value])
    summary = first.summary
    assert summary["applied"] == len(valid) and summary["duplicate_rows"] == 1
    assert summary["business_exceptions"] == len(world.plan) - len(valid) - 1

    # the before/after workbook agrees with the portal; the exceptions workbook lists the rest
    artifacts = get_settings().runs_dir / str(first.run_id) / "artifacts"
    before_after = table(artifacts / "before_after.xlsx")
    assert {r["Request"]: r["Document"] for r in before_after} == {
        ref: rows[0]["document_number"] for ref, rows in posted.items()}
    exact = stored_numbers(artifacts / "before_after.xlsx", "Before and after")
    for n, row in enumerate(before_after, start=2):
        total_before, adjustment, total_after = (exact[f"{c}{n}"] for c in "ILO")
        assert total_before + adjustment == total_after
        invoice = get_invoice(conn, str(row["Invoice"]))
        if sum(1 for r in before_after if r["Invoice"] == row["Invoice"]) == 1:
            assert total_after == invoice.balance  # type: ignore[union-attr]
    exceptions = table(artifacts / "exceptions.xlsx")
    assert {r["Reason"] for r in exceptions} == {
        REFUSAL_OF_PROBLEM[r.problem.value] for r in world.plan if r.problem is not None}
    amounts = [r["Amount"] for r in exceptions if r["Amount"] is not None]
    assert amounts and all(isinstance(a, (int, float)) for a in amounts)  # numbers, not text

    # the ledger took the same adjustments: its balances are the portal's
    ledger_numbers = stored_numbers(world.ledger, "Ledger")
    sheet = load_workbook(world.ledger)["Ledger"]
    for row in range(4, sheet.max_row + 1):
        invoice_id = sheet.cell(row, 1).value
        if not isinstance(invoice_id, str) or not invoice_id.startswith("INV-"):
            continue
        net, tax, charges, credits = (ledger_numbers.get(f"{c}{row}", D(0)) for c in "CDFG")
        assert net + tax + charges - credits == get_invoice(conn, invoice_id).balance  # type: ignore[union-attr]
    adjustments_sheet = load_workbook(world.ledger)["Adjustments"]
    assert adjustments_sheet.max_row == 2 + len(valid)  # header, the manual row, ours
    conn.close()

    # the same file again: nothing keyed, nothing changed, and the summary says so
    portal_before, ledger_before = portal_snapshot(world.db), world.ledger.read_bytes()
    again = execute("invoice_adjustments", params)
    assert again.ok, again.error
    assert (again.summary["applied"], again.summary["found_applied"]) == (0, 0)
    assert again.summary["applied_earlier"] == len(valid)
    assert again.summary["ledger"] == {"applied": 0, "already": len(valid), "refused": 0}
    assert again.summary["message"].startswith("nothing keyed")
    assert portal_snapshot(world.db) == portal_before
    assert world.ledger.read_bytes() == ledger_before


def test_portal_faults_never_make_a_double_credit(rpa_env: dict[str, str], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Saved-then-HTTP-500 answers and dropped sessions: retried, looked up, never twice."""
    from adjust_world import make_world

    from bots.settings import reset_settings
    from demo.portal import PortalConfig, PortalServer

    world = make_world(tmp_path / "faults", requests=10, seed=11)
    config = PortalConfig(db_path=world.db, error_after_save_rate=0.5, drop_session_rate=0.1,
                          seed=3)
    with PortalServer(config) as server:
        monkeypatch.setenv("RPA_PORTAL__URL", server.url)
        reset_settings()
        monkeypatch.setenv("RPA_QUEUES", '{"invoice_adjustments": {"retry_delay_seconds": 0}}')
        reset_settings()
        result = execute("invoice_adjustments", {"requests": str(world.requests)})
    assert result.state == "succeeded_with_exceptions", result.error
    posted = adjustments_by_reference(world.db)
    valid = [r.request_id for r in world.valid()]
    assert {ref: len(rows) for ref, rows in posted.items()} == dict.fromkeys(valid, 1)
    items = result.summary["outcomes"]
    assert result.summary["found_applied"] == items["retry_scheduled"] >= 1
    assert result.summary["applied"] + result.summary["found_applied"] == len(valid)
