"""One SIGTERM to `runner.py worker` while invoice_adjustments has items still claimable:
the process exits by itself within a bounded time, nothing claimed, nothing posted twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from adjust_world import LivePortal, World, adjustments_by_reference

from bots.store import open_store
from bots.workitems import WorkQueue
from recipes.invoice_adjustments.file import read_requests
from tests.helpers import sigterm_worker_midway

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_one_sigterm_stops_an_adjustments_worker_with_items_left(
        live_portal: LivePortal, world: World, tmp_path: Path) -> None:
    queue = WorkQueue(open_store(), "invoice_adjustments")
    requests = read_requests(world.requests, "Requests")
    queue.put_many((r.request_id, r.to_payload()) for r in requests)

    code, seconds, output = sigterm_worker_midway(
        "invoice_adjustments", live_portal.env,
        lambda: len(adjustments_by_reference(world.db)) >= 2, tmp_path)

    assert code == 0, output[-3000:]
    assert seconds < 60, output[-3000:]
    counts = queue.counts()
    assert counts["in_progress"] == 0 and counts["pending"] > 0, counts
    posted = adjustments_by_reference(world.db)
    assert all(len(rows) == 1 for rows in posted.values())
