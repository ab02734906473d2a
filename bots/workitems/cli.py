"""`items`, `review` and `worker`: the work-item commands on the command line."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
import typer
from rich.table import Table

from bots.cli_common import choose, console, fail, local_time, parse_since, print_json
from bots.errors import RpaError, UsageError
from bots.settings import get_settings
from bots.store import existing_store
from bots.store.schema import work_items
from bots.worker import install_stop_signals, run_worker
from bots.workitems.commands import (
    STATE_ALIASES,
    ItemFilter,
    apply_review,
    apply_review_file,
    export_items,
    list_items,
    queue_counts,
)
from bots.workitems.model import ItemRecord, ItemState


def items(
    queue: Annotated[str | None, typer.Argument(help="queue name; all queues when left out")] = None,
    state: Annotated[list[str] | None, typer.Option(help="only these states; `review` = awaiting review")] = None,
    key: Annotated[str | None, typer.Option(help="exact key or a pattern with *")] = None,
    since: Annotated[str | None, typer.Option(help="created since (ISO date/time, or 2h, 3d)")] = None,
    overdue: Annotated[bool, typer.Option(help="deadline passed and not finished")] = False,
    error: Annotated[str | None, typer.Option(help="text contained in the last error")] = None,
    limit: Annotated[int, typer.Option(help="at most this many rows shown")] = 200,
    export: Annotated[Path | None, typer.Option(help="write the matching items to .csv or .xlsx")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document: counts and items")] = False,
) -> None:
    """List and filter work items (counts per state first), or export them."""
    engine = existing_store()
    try:
        _check_filters(engine, queue, state or [])
        filters = ItemFilter(states=tuple(state or ()), key=key, since=parse_since(since),
                             overdue=overdue, error=error, limit=None if export else limit)
        if export:
            count = export_items(engine, queue, export, filters, tz=get_settings().tz)
            console.print(f"{count} items written to {export}")
            return
        found = list_items(engine, queue, filters)
    except RpaError as exc:
        raise fail(exc) from None
    by_queue = queue_counts(engine, queue)
    if as_json:
        print_json({"counts": by_queue, "items": [_item_json(i) for i in found]})
        return
    counts = Table("queue", *[s for s in next(iter(by_queue.values()), {})])
    for name, by_state in by_queue.items():
        counts.add_row(name, *[str(n) for n in by_state.values()])
    console.print(counts)
    table = Table("id", "queue", "key", "state", "attempts", "finished", "reason / last error")
    for item in found:
        problem = item.reason or ""
        if item.last_error:
            problem += (": " if problem else "") + item.last_error.strip().splitlines()[-1][:80]
        table.add_row(str(item.id), item.queue, item.key, str(item.state), str(item.attempts),
                      local_time(item.finished_at), problem)
    console.print(table)


ITEM_JSON_FIELDS = ("id", "queue", "key", "state", "attempts", "priority", "reason",
                    "last_error", "created_at", "updated_at", "started_at", "finished_at",
                    "deadline", "created_by_run", "last_run_id", "output")


def _item_json(item: ItemRecord) -> dict[str, Any]:
    return {name: getattr(item, name) for name in ITEM_JSON_FIELDS}


def _check_filters(engine: sa.Engine, queue: str | None, wanted: list[str]) -> None:
    """An unknown queue or state is a usage error (exit 2), not an empty list."""
    if queue is not None:
        with engine.connect() as conn:
            known = set(conn.execute(sa.select(work_items.c.queue).distinct()).scalars())
        known |= {spec.consumes for spec in _recipes() if spec.consumes}
        choose(queue, known, what="queue")
    for name in wanted:
        choose(name, [*(str(s) for s in ItemState), *STATE_ALIASES], what="item state")


def _recipes() -> list[Any]:
    from bots.executor import load_recipes
    from bots.registry import all_recipes

    load_recipes(get_settings())
    return all_recipes()


def review(
    item_id: Annotated[list[int] | None, typer.Argument(help="ids of items awaiting review")] = None,
    outcome: Annotated[str | None, typer.Option(help="retry, skip or done")] = None,
    reviewer: Annotated[str, typer.Option(help="who decides (recorded with the outcome)")] = "",
    note: Annotated[str | None, typer.Option(help="why (recorded with the outcome)")] = None,
    file: Annotated[Path | None, typer.Option(help="an exported sheet with review_outcome and review_note filled in")] = None,
) -> None:
    """Apply review outcomes to items in exception: retry, skip, or mark done by hand."""
    engine = existing_store()
    try:
        if not reviewer:
            raise UsageError("--reviewer is required: every review outcome names who decided")
        if file is not None:
            done = apply_review_file(engine, file, reviewer)
        else:
            if not outcome or not note:
                raise UsageError("give --outcome and --note, or --file")
            done = apply_review(engine, item_id or [], outcome, reviewer, note)
    except RpaError as exc:
        raise fail(exc) from None
    for item in done:
        console.print(f"item {item.id} {item.queue}/{item.key}: {item.state}", highlight=False)


def worker(
    queue: Annotated[list[str] | None, typer.Option(help="queues to work; default: every queue a recipe consumes")] = None,
    concurrency: Annotated[int, typer.Option(help="items worked at once (threads)")] = 1,
    idle_exit: Annotated[bool, typer.Option(help="stop when nothing is left to claim")] = False,
) -> None:
    """Work queued items until stopped; SIGTERM finishes or hands back the item in hand."""
    stop = threading.Event()
    install_stop_signals(stop)
    try:
        report = run_worker(get_settings(), queue, concurrency, stop, idle_exit)
    except RpaError as exc:
        raise fail(exc) from None
    console.print(f"worker stopped after {report.runs} runs ({report.failed_runs} failed)")
    raise typer.Exit(1 if report.failed_runs else 0)


def register(app: typer.Typer) -> None:
    app.command()(items)
    app.command()(review)
    app.command()(worker)
