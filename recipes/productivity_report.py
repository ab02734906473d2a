"""The productivity report: a workbook (and CSV) of items per day, exceptions and the
hours of manual work the bots replaced, from the store alone."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from bots import Run, recipe
from bots.reports.period import Period
from bots.reports.productivity import build_productivity
from connectors.productivity_xlsx import write_csv, write_workbook


class ProductivityParams(BaseModel):
    """Local days, both included. Neither: the last full week (Monday to Sunday).
    Only one: the seven days starting (or ending) there."""

    model_config = ConfigDict(extra="forbid")

    start: date | None = None
    end: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ProductivityParams:
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    def period(self, run: Run) -> Period:
        tz = run.settings.tz
        if self.start and self.end:
            return Period(self.start, self.end, tz)
        if self.start:
            return Period(self.start, self.start + timedelta(days=6), tz)
        if self.end:
            return Period(self.end - timedelta(days=6), self.end, tz)
        return Period.last_full_week(run.clock.now(), tz)


@recipe(timeout=timedelta(minutes=30))
def productivity_report(run: Run, params: ProductivityParams) -> dict[str, Any]:
    """Productivity workbook + CSV: items by outcome, handle time, hours replaced, FTE."""
    period = params.period(run)
    name = f"productivity_{period.start.isoformat()}_{period.end.isoformat()}"
    with run.step("aggregate"):
        report = build_productivity(run.engine, run.settings, period, run.clock.now())
    with run.step("workbook"):
        workbook = write_workbook(report, run.artifact_path(f"{name}.xlsx"))
        run.add_artifact(workbook, kind="xlsx")
    with run.step("csv"):
        table = write_csv(report, run.artifact_path(f"{name}.csv"))
        run.add_artifact(table, kind="csv")
    totals = report.totals
    run.log.info("{}: {} items done, {} hours replaced, {} FTE", period.label, totals.done,
                 totals.hours_replaced, totals.fte)
    # Not "items": that summary key means "items this run handled" to the report itself.
    return {
        "period": period.label,
        "items_processed": totals.processed,
        "items_done": totals.done,
        "hours_replaced": str(totals.hours_replaced),
        "fte": str(totals.fte) if totals.fte is not None else None,
        "workbook": str(workbook.name),
    }
