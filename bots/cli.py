"""The command line (typer). `runner.py` adds the demo-specific commands to this app."""

from __future__ import annotations

import json
import re
import signal
import sys
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from bots import inspect_runs
from bots.cli_common import console, fail, parse_since, say_error
from bots.errors import RpaError, UsageError
from bots.executor import Interrupted, execute, load_recipes
from bots.exit_codes import ExitCode, run_exit_code
from bots.logs import configure
from bots.params import parse_params
from bots.redaction import redact, redact_value
from bots.registry import all_recipes
from bots.settings import get_settings
from bots.settings_view import settings_rows
from bots.store import existing_store, open_store

app = typer.Typer(
    help="Unattended, audited back-office automation: recipes, runs, work items, schedules.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
def _on_sigterm(_signum: int, _frame: Any) -> None:
    raise Interrupted("SIGTERM")


@app.command()
def run(
    recipe: Annotated[str, typer.Argument(help="recipe name (see `recipes`)")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="k=v, repeatable")] = None,
    params_file: Annotated[Path | None, typer.Option(help="JSON or TOML file of parameters")] = None,
    timeout: Annotated[float | None, typer.Option(help="run time limit in seconds")] = None,
    max_exceptions: Annotated[int | None, typer.Option(
        min=0, help="items the run may leave in system exception or review before it "
                    "exits 3 (default: none in system exception; reviews not counted)")] = None,
) -> None:
    """Run a recipe now and record the run. Exit 0 on success, 1 if it failed, 2 if
    refused, 3 if it left items in exception above --max-exceptions (see the README)."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        raw = parse_params(param or [], params_file)
        result = execute(recipe, raw, timeout=timedelta(seconds=timeout) if timeout else None)
    except RpaError as exc:
        raise fail(exc) from None
    colour = "green" if result.ok else "red"
    console.print(f"run {result.run_id} [{colour}]{result.state}[/{colour}]", highlight=False)
    if result.summary:
        console.print_json(json.dumps(redact_value(result.summary), default=str))
    if result.error:
        console.print(redact(result.error.strip().splitlines()[-1]), style="red",
                      highlight=False)
    console.print(f"details: runner.py show {result.run_id}", style="dim")
    code, left = run_exit_code(open_store(), result.run_id, result.ok,
                               max_exceptions=max_exceptions)
    if code == ExitCode.ITEMS_LEFT and left is not None:
        say_error(f"run {result.run_id} left {left.system} item(s) in system exception or "
                  f"awaiting a retry and {left.review} to review (allowed: "
                  f"{'none in system exception' if max_exceptions is None else max_exceptions})")
    raise typer.Exit(int(code))


@app.command()
def recipes() -> None:
    """List the recipes with their descriptions and parameters."""
    settings = get_settings()
    load_recipes(settings)
    table = Table("recipe", "description", "parameters", "works queue")
    for spec in all_recipes():
        fields = []
        for name, info in spec.params_model.model_fields.items():
            default = "" if info.is_required() else f" = {_shown_default(info.default)}"
            fields.append(f"{name}: {_type_name(info.annotation)}{default}")
        first_line = spec.description.splitlines()[0] if spec.description else ""
        table.add_row(spec.name, first_line, "\n".join(fields), spec.consumes or "")
    console.print(table)


@app.command()
def runs(
    recipe: Annotated[str | None, typer.Option(help="only this recipe")] = None,
    state: Annotated[str | None, typer.Option(help="only runs in this state")] = None,
    since: Annotated[str | None, typer.Option(help="ISO date/time, or e.g. 2h, 3d")] = None,
    limit: Annotated[int, typer.Option(help="at most this many")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table")] = False,
) -> None:
    """List runs, newest first."""
    try:
        since_at = parse_since(since)
    except UsageError as exc:
        raise fail(exc) from None
    rows = inspect_runs.list_runs(existing_store(), recipe=recipe, state=state, since=since_at,
                                  limit=limit)
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row, default=str) + "\n")
        return
    table = Table("id", "recipe", "state", "trigger", "started", "duration", "summary")
    for row in rows:
        table.add_row(str(row["id"]), row["recipe"], row["shown_state"], row["trigger"],
                      _short_time(row["started_at"]), _duration(row["duration_s"]),
                      _short_summary(row["summary"]))
    console.print(table)


@app.command()
def show(run_id: Annotated[int, typer.Argument(help="run id (see `runs`)")],
         log_lines: Annotated[int, typer.Option(help="lines of log tail")] = 20) -> None:
    """One run: parameters, steps with durations, errors, artifacts, log tail."""
    detail = inspect_runs.run_detail(existing_store(), run_id, log_lines=log_lines)
    if detail is None:
        raise fail(UsageError(f"no run with id {run_id}"))
    run_row = detail["run"]
    console.print(f"[bold]run {run_id}[/bold] {run_row['recipe']} "
                  f"[bold]{run_row['shown_state']}[/bold]", highlight=False)
    for key in ("trigger", "schedule", "fire_time", "host", "pid", "user", "started_at",
                "ended_at", "attempts", "code_hash", "log_path"):
        if run_row.get(key) is not None:
            console.print(f"  {key}: {run_row[key]}", highlight=False)
    console.print(f"  params: {json.dumps(run_row['params'], default=str)}", highlight=False)
    if run_row["summary"]:
        console.print(f"  summary: {json.dumps(run_row['summary'], default=str)}", highlight=False)
    table = Table("step", "attempt", "outcome", "duration")
    for step in detail["steps"]:
        table.add_row(step["name"], str(step["attempt"]), step["outcome"],
                      _duration((step["duration_ms"] or 0) / 1000))
    console.print(table)
    for step in detail["steps"]:
        if step["error"]:
            console.print(f"[red]step {step['name']} error:[/red]\n{step['error']}", highlight=False)
    if run_row["error"]:
        console.print(f"[red]run error ({run_row['error_kind']}):[/red]\n{run_row['error']}",
                      highlight=False)
    if detail["artifacts"]:
        art = Table("artifact", "kind", "bytes", "sha256")
        for item in detail["artifacts"]:
            art.add_row(item["path"], item["kind"], str(item["size"]), item["sha256"][:16])
        console.print(art)
    if detail["log_tail"]:
        console.print("[bold]log tail[/bold]")
        for line in detail["log_tail"]:
            console.print(_log_line(line), highlight=False, markup=False)


@app.command()
def config() -> None:
    """The effective settings, secrets masked, and where each value came from."""
    table = Table("setting", "value", "source")
    for name, value, source in settings_rows(get_settings()):
        table.add_row(name, value, source)
    console.print(table)


@audit_app.command("verify")
def audit_verify(
    checkpoint: Annotated[Path | None, typer.Option(help="a checkpoint file to check against")] = None,
) -> None:
    """Walk the hash chain; name the first broken link. Exit 1 when broken."""
    from bots.audit import verify

    result = verify(existing_store(), checkpoint=checkpoint)
    console.print(result.describe(), style="green" if result.ok else "red", highlight=False)
    raise typer.Exit(0 if result.ok else 1)


@audit_app.command("checkpoint")
def audit_checkpoint(path: Annotated[Path, typer.Argument(help="file to write, kept outside the database")]) -> None:
    """Export the chain's head (latest hash, count, time) to a file."""
    from bots.audit import export_checkpoint

    mark = export_checkpoint(existing_store(), path, now=datetime.now(UTC))
    console.print(f"checkpoint written to {path}: {mark['count']} events, head {mark['last_hash'][:16]}")


def _type_name(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) if not hasattr(annotation, "__args__") else None
    text = text or str(annotation)
    return re.sub(r"\b(?:pathlib|datetime|decimal|typing)\.", "", text)


def _shown_default(value: Any) -> str:
    if isinstance(value, Enum):
        return repr(value.value)
    if isinstance(value, Path):
        return str(value.relative_to(Path.cwd())) if value.is_relative_to(Path.cwd()) else str(value)
    return repr(value)


def _short_time(value: datetime | None) -> str:
    return value.astimezone(get_settings().tz).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _log_line(line: str) -> str:
    try:
        entry = json.loads(line)
    except json.JSONDecodeError:
        return line
    where = f"[{entry['step']}] " if entry.get("step") else ""
    where += f"<{entry['item']}> " if entry.get("item") else ""
    return f"{entry.get('ts', '')[11:19]} {entry.get('level', ''):<7} {where}{entry.get('message', '')}"


def _short_summary(summary: dict[str, Any]) -> str:
    text = json.dumps(summary, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


@app.callback()
def _main() -> None:
    configure(get_settings().log.level)


def _register_areas() -> None:
    """Each area of the runtime adds its own commands."""
    from bots.reports.cli import register as register_reports
    from bots.scheduler.cli import register as register_scheduler
    from bots.workitems.cli import register as register_items

    register_items(app)
    register_scheduler(app)
    register_reports(app)


_register_areas()
