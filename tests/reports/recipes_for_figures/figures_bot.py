"""A recipe whose run has every kind of figure: rejected input rows, items done, business
and system exceptions (for tests/reports/test_figures_everywhere.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bots import BusinessError, RetryPolicy, Run, recipe
from bots.rejects import record_rejected

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c49444154"
    "08d763f8cfc000000301010018dd8db00000000049454e44ae426082")


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    reason: str
    value: str = ""
    external_id: str = ""


@recipe(queue="figures")
def figures_bot(run: Run, *, done: int = 5, business: int = 2, system: int = 1,
                rejected: int = 3, fail: bool = False) -> dict[str, int]:
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
                    shot = run.artifact_path(f"evidence/{item.key}/001-lane0.png")
                    shot.write_bytes(PNG)
                    run.add_artifact(shot, kind="screenshot")
                    raise BusinessError("customer unknown")
                if fate == "system":
                    raise RuntimeError("portal timed out")
                item.output = {"reference": item.key.upper()}
    if fail:
        with run.step("write"):
            _deep()
    return {"queued": len(fates)}


def _deep() -> None:
    try:
        raise KeyError("ledger")
    except KeyError as exc:
        raise RuntimeError("the ledger workbook is locked by another user") from exc


@recipe
def counting_bot(run: Run, *, lines: int = 20, breaks: int = 4) -> dict[str, int]:
    """Like reconcile: no work items, its own count of lines checked and of breaks."""
    from bots import TO_REVIEW

    run.count(TO_REVIEW, breaks)
    run.summary["items"] = lines
    return {"break_rows": breaks}
