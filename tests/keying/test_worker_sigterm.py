"""One SIGTERM to `runner.py worker` while key_sales has items still claimable: the item
in hand is finished, the process exits by itself, nothing is left claimed or keyed twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from keying_support import DemoPortal

from bots.store import open_store
from bots.workitems import WorkQueue
from connectors.sales_sheet import read_sales
from demo.samples.sales import write_sales_workbook
from tests.helpers import sigterm_worker_midway

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_one_sigterm_stops_a_key_sales_worker_with_items_left(
        keying_env: dict[str, str], demo_portal_factory: Any, tmp_path: Path) -> None:
    portal: DemoPortal = demo_portal_factory(latency_ms=60)
    env = {**keying_env, "RPA_PORTAL__URL": portal.url}
    sheet = read_sales(write_sales_workbook(tmp_path / "s.xlsx", count=40, seed=31, invalid=0))
    queue = WorkQueue(open_store(), "sales")
    queue.put_many((s.external_id, s.payload()) for s in sheet.sales)

    code, seconds, output = sigterm_worker_midway("sales", env, lambda: portal.count() >= 3,
                                                  tmp_path)

    assert code == 0, output[-3000:]
    assert seconds < 60, output[-3000:]  # bounded, and no second signal was needed
    counts = queue.counts()
    assert counts["in_progress"] == 0 and counts["pending"] > 0, counts
    assert portal.duplicates() == {}
    assert counts["done"] == portal.count()  # what is done is what the portal shows
