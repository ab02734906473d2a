"""A crash mid-batch: the real `runner.py run invoice_adjustments` killed with SIGKILL
between the portal's save and the bot's record of it, then resumed: no double credit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from adjust_world import (
    CHROMIUM,
    LivePortal,
    World,
    adjustments_by_reference,
    item_rows,
    run_summary,
)

from bots.settings import get_settings
from tests.helpers import ROOT, queue_env, run_cli

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the system Chromium")]
LEASE = "5"
LEASE_ENV = queue_env(invoice_adjustments={"lease_seconds": int(LEASE)})


def start_run(world: World, env: dict[str, str]) -> subprocess.Popen[str]:
    # Its own session, so that the kill takes the whole bot: Python, driver, browser.
    return subprocess.Popen(
        [sys.executable, str(ROOT / "runner.py"), "run", "invoice_adjustments",
         "-p", f"requests={world.requests}"],
        env={**os.environ, **env, **LEASE_ENV, "RPA_SKIP_SETUP": "1"}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True)


def wait_for(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


def test_killed_between_save_and_record_then_resumed_without_double_credit(
        live_portal: LivePortal, world: World) -> None:
    live_portal.hold.nth = 3  # the third adjustment: saved, its answer held
    bot = start_run(world, live_portal.env)
    try:
        if not live_portal.hold.held.wait(120):
            bot.kill()
            raise AssertionError(bot.communicate()[0][-3000:])
        os.killpg(bot.pid, signal.SIGKILL)
        bot.wait(30)
    finally:
        live_portal.hold.release.set()
        if bot.poll() is None:
            os.killpg(bot.pid, signal.SIGKILL)
            bot.wait(30)
    store = get_settings().store_url
    posted = adjustments_by_reference(world.db)
    items = item_rows(store)
    # the held request is in the portal, but its item is still "in progress" for the store
    in_window = [key for key, item in items.items() if item["state"] == "in_progress"]
    assert len(in_window) == 1 and in_window[0] in posted, (in_window, sorted(posted))
    assert len(posted) == 3
    lease_end = items[in_window[0]]["lease_expires_at"]
    wait_for(lambda: datetime.now(UTC).replace(tzinfo=None) > lease_end.replace(tzinfo=None),
             30, "the dead run's lease to run out")

    resumed = run_cli("run", "invoice_adjustments", "-p", f"requests={world.requests}",
                      env={**live_portal.env, **LEASE_ENV}, timeout=300)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    posted = adjustments_by_reference(world.db)
    valid = {r.request_id for r in world.valid()}
    assert sorted(posted) == sorted(valid)
    assert {ref: len(rows) for ref, rows in posted.items()} == dict.fromkeys(valid, 1)
    items = item_rows(store)
    held = items[in_window[0]]
    assert (held["state"], held["reason"]) == ("done", "found_done")
    assert held["output"]["document_number"] == posted[in_window[0]][0]["document_number"]
    assert held["output"]["found_in_portal"] is True
    summary = run_summary(store, 2)
    assert summary["state"] == "succeeded_with_exceptions"
    assert (summary["found_applied"], summary["applied_earlier"]) == (1, 2)
    assert summary["applied"] == len(valid) - 3
