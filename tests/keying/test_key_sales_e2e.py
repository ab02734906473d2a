"""key_sales end to end: real headless Chromium, the demo portal, its database as the truth."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from keying_support import DemoPortal
from openpyxl import load_workbook

from bots import execute
from bots.settings import get_settings, reset_settings
from bots.store import close_stores, open_store
from bots.workitems import WorkQueue
from demo.samples.sales import Problem, generate_sales, write_sales_workbook

pytestmark = pytest.mark.browser

COUNT, INVALID = 30, 7


def _workbook(tmp_path: Path, count: int = COUNT, invalid: int = INVALID, seed: int = 7) -> Path:
    return write_sales_workbook(tmp_path / "sales.xlsx", count=count, seed=seed, invalid=invalid)


def _sheet_rows(path: Path) -> list[dict[str, Any]]:
    sheet = load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _artifact(result_run_id: int, name: str) -> Path:
    return get_settings().runs_dir / str(result_run_id) / "artifacts" / name


def _assert_exactly_once(portal: DemoPortal, expected: list[str]) -> None:
    assert portal.duplicates() == {}
    assert sorted(portal.references()) == sorted(expected)


def test_every_valid_sale_is_keyed_once_and_every_row_is_accounted_for(
        keying_env: dict[str, str], demo_portal: DemoPortal, tmp_path: Path) -> None:
    sample = generate_sales(COUNT, 7, INVALID)
    result = execute("key_sales", {"workbook": str(_workbook(tmp_path))})

    assert result.state == "succeeded_with_exceptions", result.error
    _assert_exactly_once(demo_portal, sample.valid_external_ids)
    assert result.summary["sales"] == {"rows": COUNT, "invalid": INVALID,
                                       "valid": COUNT - INVALID, "keyed": COUNT - INVALID}
    assert result.summary["outcomes"] == {"done": COUNT - INVALID, "rejected": INVALID}

    exceptions = _sheet_rows(_artifact(result.run_id, "exceptions.xlsx"))
    assert {row["External ID"] for row in exceptions} == \
        {row.external_id for row in sample.invalid_rows}
    by_id = {row["External ID"]: row for row in exceptions}
    expected_column = {Problem.VALIDATOR_IS_SELLER: "Validator", Problem.MISSING_CUSTOMER: "Customer",
                       Problem.NEGATIVE_AMOUNT: "Amount", Problem.UNKNOWN_PRODUCT: "Product",
                       Problem.AMOUNT_OVER_LIMIT: "Amount", Problem.TEXT_DATE: "Sale date"}
    for bad in sample.invalid_rows:
        if bad.problem in expected_column:  # a duplicate's id is its original's
            assert by_id[bad.external_id]["Column"] == expected_column[bad.problem]
            assert by_id[bad.external_id]["Reason"]
    duplicate = next(r for r in exceptions if "already on row" in r["Reason"])
    assert duplicate["Column"] == "External ID" and duplicate["Row"] > 4

    output = _sheet_rows(_artifact(result.run_id, "sales_output.xlsx"))
    assert len(output) == COUNT
    truth = demo_portal.references()
    keyed = [row for row in output if row["Status"] == "keyed"]
    assert len(keyed) == COUNT - INVALID
    assert all(truth[row["External ID"]] == row["Portal reference"] for row in keyed)
    assert sum(row["Status"] == "rejected (validation)" for row in output) == INVALID


def test_a_500_after_saving_is_retried_by_looking_it_up_not_by_keying_again(
        keying_env: dict[str, str], demo_portal: DemoPortal, tmp_path: Path,
        queue_policy: Any) -> None:
    demo_portal.faults(error_after_save_rate=0.25, error_before_save_rate=0.1, seed=11)
    sample = generate_sales(24, 8, 0)
    queue_policy(sales={"retry_delay_seconds": 0.2, "retry_attempts": 6})
    result = execute("key_sales", {"workbook": str(_workbook(tmp_path, 24, 0, seed=8))})

    assert result.state in ("succeeded", "succeeded_with_exceptions"), result.error
    _assert_exactly_once(demo_portal, sample.valid_external_ids)
    items = result.summary["outcomes"]
    assert items.get("retry_scheduled", 0) >= 2  # the 500s were system exceptions...
    assert items.get("found_done", 0) >= 1  # ...and a retry found the sale already saved
    assert result.summary["sales"].get("keyed", 0) + result.summary["sales"].get("found", 0) == 24
    queue = WorkQueue(open_store(), "sales")
    assert queue.counts()["done"] == 24


def test_a_session_dropped_mid_batch_is_recovered_by_logging_in_again(
        keying_env: dict[str, str], demo_portal: DemoPortal, tmp_path: Path) -> None:
    sample = generate_sales(24, 9, 0)
    dropped: list[int] = []

    def drop_when_busy() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not dropped:
            if demo_portal.count() >= 8:
                dropped.append(demo_portal.drop_sessions())
            time.sleep(0.05)

    dropper = threading.Thread(target=drop_when_busy, daemon=True)
    dropper.start()
    result = execute("key_sales", {"workbook": str(_workbook(tmp_path, 24, 0, seed=9))})
    dropper.join(5)

    assert result.state == "succeeded", result.error
    assert dropped and dropped[0] >= 1
    _assert_exactly_once(demo_portal, sample.valid_external_ids)
    assert result.summary["logins"] > 2  # every context logged in once, then again


def test_a_sale_already_in_the_portal_is_recorded_not_keyed_again(
        keying_env: dict[str, str], demo_portal: DemoPortal, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    workbook = _workbook(tmp_path, 8, 0, seed=10)
    first = execute("key_sales", {"workbook": str(workbook)})
    assert first.state == "succeeded", first.error
    before = demo_portal.references()
    assert len(before) == 8

    # The same file again (a person re-sends it): nothing is keyed twice.
    again = execute("key_sales", {"workbook": str(workbook)})
    assert again.state == "succeeded", again.error
    assert demo_portal.references() == before and demo_portal.duplicates() == {}
    output = _sheet_rows(_artifact(again.run_id, "sales_output.xlsx"))
    assert {row["Portal reference"] for row in output} == set(before.values())

    # A fresh store (another machine, a wiped store) still finds them in the portal.
    monkeypatch.setenv("RPA_DATA_DIR", str(tmp_path / "elsewhere"))
    reset_settings()
    close_stores()
    fresh = execute("key_sales", {"workbook": str(workbook)})
    assert fresh.state == "succeeded", fresh.error
    assert fresh.summary["outcomes"] == {"found_done": 8}
    assert demo_portal.duplicates() == {}


def test_request_mode_keys_once_and_spot_checks_in_the_ui(
        keying_env: dict[str, str], demo_portal: DemoPortal, tmp_path: Path,
        queue_policy: Any) -> None:
    demo_portal.faults(error_after_save_rate=0.15, seed=5)
    sample = generate_sales(24, 12, 3)
    queue_policy(sales={"retry_delay_seconds": 0.2, "retry_attempts": 6})
    result = execute("key_sales", {"workbook": str(_workbook(tmp_path, 24, 3, seed=12)),
                                   "mode": "request", "spot_check_every": 5})

    assert result.state == "succeeded_with_exceptions", result.error
    _assert_exactly_once(demo_portal, sample.valid_external_ids)
    queue = WorkQueue(open_store(), "sales")
    checks = [queue.get(key).output.get("spot_check") for key in sample.valid_external_ids]
    done = [c for c in checks if c is not None]
    assert done and all(c == "ok" for c in done)


def test_refused_credentials_fail_the_run_at_once_and_leave_the_items_queued(
        keying_env: dict[str, str], demo_portal: DemoPortal, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from bots.settings import reset_settings

    monkeypatch.setenv("RPA_PORTAL__PASSWORD", "not-the-password")
    reset_settings()
    result = execute("key_sales", {"workbook": str(_workbook(tmp_path, 6, 0, seed=13))})

    assert result.state == "failed" and "LoginRefused" in (result.error or "")
    assert "not-the-password" not in (result.error or "")
    assert WorkQueue(open_store(), "sales").counts()["pending"] == 6
    assert demo_portal.count() == 0
