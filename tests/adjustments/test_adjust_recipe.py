"""The recipe's flow against an in-memory portal: queueing, duplicates, check-before-act,
reruns, bad files. (The same flow in a real browser: test_adjust_portal_e2e.py.)"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from adjust_builders import ROWS, write_requests_csv, write_requests_xlsx
from adjust_fake_portal import FakePortal
from adjust_world import item_rows

from bots.errors import InputError
from bots.executor import execute
from bots.settings import get_settings
from connectors.invoice_model import AdjustmentKind, PostedAdjustment


def test_apply_report_and_rerun(fake_portal: FakePortal, tmp_path: Path) -> None:
    path = write_requests_xlsx(tmp_path / "requests.xlsx", ROWS)
    result = execute("invoice_adjustments", {"requests": str(path)})
    assert result.state == "succeeded_with_exceptions", result.error
    assert fake_portal.keyed == ["R-1", "R-2", "R-3", "R-4"]
    items = item_rows(get_settings().store_url)
    assert {k: (v["state"], v["reason"]) for k, v in items.items() if v["state"] != "done"} == {
        "R-5": ("business_exception", "amount_not_positive"),
        "R-6": ("business_exception", "invoice_closed")}
    r2 = items["R-2"]["output"]
    assert (r2["net"], r2["tax"], r2["gross"]) == ("15.00", "2.60", "17.60")
    assert r2["before"] == {"net": "150.00", "tax": "26.00", "total": "176.00"}
    assert r2["after"] == {"net": "135.00", "tax": "23.40", "total": "158.40"}
    assert items["R-4"]["output"]["net"] == "0.07"  # stored as 0.07000000000000001 in the file
    assert fake_portal.invoices["INV-3"].status == "closed"  # the 100 % credit closed it
    assert result.summary["applied"] == 4 and result.summary["duplicate_rows"] == 1
    assert result.summary["credits_applied"] == "55.40"  # 12.10 + 17.60 + 25.70

    again = execute("invoice_adjustments", {"requests": str(path)})
    assert fake_portal.keyed == ["R-1", "R-2", "R-3", "R-4"]
    assert (again.summary["applied"], again.summary["applied_earlier"]) == (0, 4)
    assert again.summary["message"] == ("nothing keyed: 4 request(s) were applied earlier, "
                                        "2 await review, 0 wait for a retry")


def test_an_adjustment_already_in_the_portal_is_not_keyed_again(fake_portal: FakePortal,
                                                                  tmp_path: Path) -> None:
    # keyed by an earlier run that died before recording it (or by a person, by hand)
    invoice = fake_portal.invoices["INV-1"]
    earlier = PostedAdjustment("NC-000041", AdjustmentKind.CREDIT, D("10.00"), D("2.10"),
                               "GOODWILL", "R-1")
    fake_portal.invoices["INV-1"] = invoice.__class__(
        invoice.id, invoice.status, invoice.lines, invoice.open_balance - D("12.10"), (earlier,))
    path = write_requests_csv(tmp_path / "requests.csv", [ROWS[0], ROWS[3]])
    result = execute("invoice_adjustments", {"requests": str(path)})
    assert fake_portal.keyed == ["R-4"]
    assert (result.summary["found_applied"], result.summary["applied"]) == (1, 1)
    found = item_rows(get_settings().store_url)["R-1"]
    assert (found["state"], found["reason"]) == ("done", "found_done")
    assert found["output"]["document_number"] == "NC-000041"
    assert found["output"]["before"]["total"] == "121.00"
    assert found["output"]["after"]["total"] == "108.90"


def test_a_reused_request_id_with_other_content_is_refused(fake_portal: FakePortal,
                                                            tmp_path: Path) -> None:
    first = write_requests_csv(tmp_path / "monday.csv", [ROWS[0]])
    execute("invoice_adjustments", {"requests": str(first)})
    changed = ("R-1", "INV-2", "credit", "20,00", None, "GOODWILL", "c.soto", "r.delgado", None, None)
    second = write_requests_csv(tmp_path / "tuesday.csv", [changed, ROWS[3]])
    result = execute("invoice_adjustments", {"requests": str(second)})
    assert fake_portal.keyed == ["R-1", "R-4"]
    assert result.summary["conflicting_ids"] == 1
    assert result.state == "succeeded_with_exceptions"


def test_an_unreadable_file_changes_nothing(fake_portal: FakePortal, tmp_path: Path) -> None:
    bad = list(ROWS[:4]) + [("R-9", "INV-1", "credit", "12,3x", None, "GOODWILL", "a", "b", None, None)]
    path = write_requests_csv(tmp_path / "requests.csv", bad)
    result = execute("invoice_adjustments", {"requests": str(path)})
    assert result.state == "failed"
    assert "row 6, column 'amount'" in (result.error or "") and "requests.csv" in (result.error or "")
    assert fake_portal.keyed == [] and item_rows(get_settings().store_url) == {}


def test_without_a_file_the_recipe_works_what_is_queued(fake_portal: FakePortal,
                                                        tmp_path: Path) -> None:
    from bots.store import open_store
    from bots.workitems import WorkQueue
    from recipes.invoice_adjustments.file import read_requests

    requests = read_requests(write_requests_xlsx(tmp_path / "r.xlsx", ROWS[:2]))
    WorkQueue(open_store(), "invoice_adjustments").put_many(
        (r.request_id, r.to_payload()) for r in requests)
    result = execute("invoice_adjustments", {})
    assert result.ok and fake_portal.keyed == ["R-1", "R-2"]
    assert result.summary["applied"] == 2


@pytest.mark.parametrize(("params", "message"), [
    ({"lease_seconds": 60}, "lease_seconds"), ({"bogus": 1}, "bogus"),
    ({"requests": "/nonexistent.xlsx"}, "is not a file"),
    ({"policy": "/nonexistent.toml"}, "does not exist"),
])
def test_bad_parameters_are_refused_before_anything_runs(params: dict[str, object], message: str,
                                                         rpa_env: dict[str, str]) -> None:
    from bots.errors import ParameterError

    with pytest.raises(ParameterError, match=message):
        execute("invoice_adjustments", params)
    assert not (Path(rpa_env["RPA_DATA_DIR"]) / "store.db").exists()  # no run was even recorded


def test_a_request_file_without_a_required_column_is_refused(fake_portal: FakePortal,
                                                             tmp_path: Path) -> None:
    path = tmp_path / "requests.csv"
    path.write_text("request_id;invoice_id;kind;amount;reason_code;requested_by\n"
                    "R-1;INV-1;credit;10,00;GOODWILL;c.soto\n", encoding="utf-8")
    result = execute("invoice_adjustments", {"requests": str(path)})
    assert result.state == "failed" and "approved_by" in (result.error or "")
    assert fake_portal.keyed == []


def test_unreadable_cells_in_xlsx_name_the_cell(tmp_path: Path) -> None:
    from recipes.invoice_adjustments.file import read_requests

    path = write_requests_xlsx(tmp_path / "r.xlsx", [ROWS[0], ("R-2", "INV-1", "refund", D("1"),
                                                            None, "GOODWILL", "a", "b", None, None)])
    with pytest.raises(InputError, match="row 3, column 'kind'.*charge or credit"):
        read_requests(path)


def test_saved_then_an_error_page_is_retried_and_found_not_keyed_twice(
        fake_portal: FakePortal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        queue_policy: Any) -> None:
    from connectors.portal.errors import PortalUnavailable

    apply, failed = fake_portal.apply, []

    def saved_then_500(invoice_id, adjustment, **kwargs):  # noqa: ANN001, ANN003, ANN202
        applied = apply(invoice_id, adjustment, **kwargs)
        if adjustment.request_reference not in failed:
            failed.append(adjustment.request_reference)
            raise PortalUnavailable("HTTP 500 after the submit", after_submit=True)
        return applied

    monkeypatch.setattr(fake_portal, "apply", saved_then_500)
    path = write_requests_csv(tmp_path / "requests.csv", ROWS[:2])
    queue_policy(invoice_adjustments={"retry_delay_seconds": 0})
    result = execute("invoice_adjustments", {"requests": str(path)})
    assert result.ok, result.error
    assert fake_portal.keyed == ["R-1", "R-2"]  # each saved once, though each "failed"
    assert (result.summary["found_applied"], result.summary["applied"]) == (2, 0)
    assert result.summary["outcomes"]["retry_scheduled"] == 2


def test_a_request_posted_twice_already_goes_to_review(fake_portal: FakePortal,
                                                       tmp_path: Path) -> None:
    twice = tuple(PostedAdjustment(n, AdjustmentKind.CREDIT, D("10.00"), D("2.10"), "GOODWILL", "R-1")
                  for n in ("NC-000041", "NC-000042"))
    invoice = fake_portal.invoices["INV-1"]
    fake_portal.invoices["INV-1"] = invoice.__class__(
        invoice.id, invoice.status, invoice.lines, invoice.open_balance - D("24.20"), twice)
    result = execute("invoice_adjustments", {"requests": str(write_requests_csv(
        tmp_path / "requests.csv", [ROWS[0]]))})
    item = item_rows(get_settings().store_url)["R-1"]
    assert (item["state"], item["reason"]) == ("business_exception", "posted_more_than_once")
    assert "NC-000041" in item["last_error"] and "NC-000042" in item["last_error"]
    assert fake_portal.keyed == [] and result.state == "succeeded_with_exceptions"
