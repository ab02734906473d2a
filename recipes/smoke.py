"""A small recipe that exercises the runtime end to end: steps, an artifact, a summary."""

from __future__ import annotations

import csv

from bots import Run, recipe


@recipe
def smoke(run: Run, *, rows: int = 10) -> dict[str, int]:
    """Write a small CSV through two steps; proves the runtime, the store and the logs work."""
    with run.step("generate"):
        data = [{"n": n, "square": n * n} for n in range(rows)]
        run.log.info("generated {} rows", len(data))
    with run.step("write"):
        path = run.artifact_path("squares.csv")
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=["n", "square"])
            writer.writeheader()
            writer.writerows(data)
        run.add_artifact(path, kind="csv")
    return {"rows": len(data)}
