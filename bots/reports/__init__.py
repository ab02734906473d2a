"""Reports for analysts, read from the store alone (never from log text).

    write_run_report(engine, settings, out, RunFilter(since, recipe))   the HTML run report
    build_productivity(engine, settings, Period(start, end, tz), now)   productivity figures

The productivity workbook itself is written by `connectors.productivity_xlsx` (bots
knows no file format of a back office); `bots.reports.cli.register` adds `report html`.

Names are imported on first use: the command line imports `bots.reports.cli` at every
start, and should not pay for jinja2 and the report queries unless a report is asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bots.reports.html import HtmlReport, render_run_report, write_run_report
    from bots.reports.period import Period
    from bots.reports.productivity import ProductivityReport, Rates, build_productivity
    from bots.reports.run_queries import RunFilter
    from bots.reports.run_report import Limits

_WHERE = {
    "HtmlReport": "html", "render_run_report": "html", "write_run_report": "html",
    "Period": "period", "ProductivityReport": "productivity", "Rates": "productivity",
    "build_productivity": "productivity", "RunFilter": "run_queries", "Limits": "run_report",
}

__all__ = [
    "HtmlReport",
    "Limits",
    "Period",
    "ProductivityReport",
    "Rates",
    "RunFilter",
    "build_productivity",
    "render_run_report",
    "write_run_report",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'bots.reports' has no attribute {name!r}")
    return getattr(importlib.import_module(f"bots.reports.{module}"), name)
