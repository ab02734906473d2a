"""`runner.py report ...`: the analysts' commands, added to the main app by `register`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from bots.cli_common import choose, console, fail, parse_since
from bots.errors import UsageError


def register(app: typer.Typer) -> None:
    """Add the `report` command group to the toolkit's command line."""
    report_app = typer.Typer(help="Reports for analysts, read from the store.",
                             no_args_is_help=True, rich_markup_mode="markdown")
    report_app.command("html")(html)
    app.add_typer(report_app, name="report")


def html(
    since: Annotated[str | None, typer.Option(
        help="runs created since: ISO date/time, or a span such as 90s, 1h30m, 3d, 1w")] = None,
    recipe: Annotated[str | None, typer.Option(help="only this recipe's runs")] = None,
    out: Annotated[Path | None, typer.Option(
        help="file to write; default data/reports/runs-<time>.html")] = None,
    detail: Annotated[int, typer.Option(
        min=0, max=1000, help="newest runs, and newest runs with problems, shown in full")] = 50,
) -> None:
    """One self-contained HTML file: run list, run details, items awaiting review."""
    # Imported on use: the report machinery loads jinja2 and the queries, which
    # `runner.py --help` does not need.
    from bots.inspect_runs import known_recipes
    from bots.reports.html import write_run_report
    from bots.reports.run_queries import RunFilter
    from bots.reports.run_report import Limits
    from bots.settings import get_settings
    from bots.store import existing_store

    settings = get_settings()
    try:
        if recipe is not None:
            choose(recipe, known_recipes(existing_store(settings)), what="recipe")
        run_filter = RunFilter(since=parse_since(since), recipe=recipe)
    except UsageError as exc:
        raise fail(exc) from None
    now = datetime.now(UTC)
    stamp = now.astimezone(settings.tz).strftime("%Y%m%d-%H%M%S")
    target = out or settings.data_dir / "reports" / f"runs-{stamp}.html"
    written = write_run_report(existing_store(settings), settings, target, run_filter,
                               Limits(detail_recent=detail, detail_problems=detail), now)
    console.print(f"{written.path}: {written.runs_listed:,} of {written.runs_total:,} runs listed,"
                  f" {written.runs_detailed} in detail, {written.review_total:,} items awaiting"
                  f" review, {written.bytes / 1_000_000:.1f} MB", highlight=False)
