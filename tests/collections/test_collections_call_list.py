"""The call list: an invoice at a call level is listed once per level (the policy's
default), or again every `call_list.relist_days` days while it stays at that level, with
the day it was last listed; a resumed run lists the same rows again that day."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from collections_support import START, Book, DayClock, prepare

from bots import execute
from recipes.collections.policy import DEFAULT_POLICY_FILE

pytestmark = [pytest.mark.browser]


def _listed(book: Book, days: int, params: dict[str, str], invoice: str,
            again_on: int | None = None) -> dict[int, list[tuple[str, str]]]:
    """{day: [(level, last listed)] of `invoice` on that day's call list}."""
    clock = DayClock(START)
    out = {}
    for day in range(days):
        runs = 2 if day == again_on else 1
        for _ in range(runs):
            result = execute("collections", params, clock=clock)
            assert result.ok, result.error
        folder = Path(book.env["RPA_DATA_DIR"]) / "runs" / str(result.run_id) / "artifacts"
        sheet = openpyxl.load_workbook(folder / "call_list.xlsx")["Calls"]
        header = [c.value for c in sheet[1]]
        rows = [dict(zip(header, r, strict=True))
                for r in sheet.iter_rows(min_row=2, values_only=True)]
        out[day] = [(r["Level"], r["Last listed"] or "") for r in rows if r["Invoice"] == invoice]
        clock.next_day()
    return out


def test_once_per_level_by_default(small_book: Book, one_browser: None) -> None:
    # 15 days late on day 0: the call level (15 to 24 days) for ten days
    invoice = prepare(small_book.db, "C0001", due=START - timedelta(days=15), amount="80.00")
    listed = _listed(small_book, 4, {}, invoice, again_on=0)
    assert listed == {0: [("call", "")], 1: [], 2: [], 3: []}


def test_relisted_every_n_days_when_the_policy_says_so(small_book: Book, tmp_path: Path,
                                                        one_browser: None) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(DEFAULT_POLICY_FILE.read_text(encoding="utf-8")
                      .replace("relist_days = 0", "relist_days = 2"), encoding="utf-8")
    invoice = prepare(small_book.db, "C0001", due=START - timedelta(days=15), amount="80.00")
    listed = _listed(small_book, 5, {"policy": str(policy)}, invoice, again_on=2)

    def day(n: int) -> str:
        return date.fromordinal(START.toordinal() + n).isoformat()

    assert listed == {0: [("call", "")], 1: [], 2: [("call", day(0))], 3: [],
                      4: [("call", day(2))]}
