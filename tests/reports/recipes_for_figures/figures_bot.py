"""A recipe whose run has every kind of figure: rejected input rows, items done, business
and system exceptions (for tests/reports/test_figures_everywhere.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bots import BusinessError, RetryPolicy, Run, recipe
from bots.rejects import record_rejected


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    reason: str
    value: str = ""
    external_id: str = ""


@recipe(consumes="figures")
def figures_bot(run: Run, *, done: int = 5, business: int = 2, system: int = 1,
                rejected: int = 3) -> dict[str, int]:
    """Queue items and work them: some done, some refused, some failing; reject some rows."""
    with run.step("read"):
        problems = [Problem(row=10 + n, column="Amount", reason="not a number", value="-12,5x")
                    for n in range(rejected)]
        problems += [Problem(row=10, column="Date", reason="missing")]  # same row: one reject
        record_rejected(run, problems, source="sales.xlsx")
    with run.step("queue"):
        fates = ["done"] * done + ["business"] * business + ["system"] * system
        run.queue("figures").put_many((f"k{n}", {"fate": fate}) for n, fate in enumerate(fates))
    with run.step("work"):
        queue = run.queue("figures").with_options(
            retry=RetryPolicy(attempts=1, initial=timedelta(milliseconds=1)))
        for item in queue.claim_iter():
            with item:
                fate = item.payload["fate"]
                if fate == "business":
                    raise BusinessError("customer unknown")
                if fate == "system":
                    raise RuntimeError("portal timed out")
                item.output = {"reference": item.key.upper()}
    return {"queued": len(fates)}
