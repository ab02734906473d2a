"""The command line (typer). `runner.py` adds the demo-specific commands to this app."""

from __future__ import annotations

import json
import re
import signal
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from bots import inspect_runs
from bots.cli_common import (
    choose,
    console,
    fail,
    local_time,
    parse_since,
    print_json,
    print_json_lines,
    say_error,
)
from bots.errors import RpaError, UsageError
from bots.executor import Interrupted, execute, load_recipes
from bots.exit_codes import ExitCode, run_exit_code
from bots.logs import configure
from bots.params import parse_params
from bots.records import RunState
from bots.redaction import redact, redact_value
from bots.registry import all_recipes
from bots.settings import get_settings
from bots.settings_view import settings_rows
from bots.store import existing_store, open_store

app = typer.Typer(
    help="Unattended, audited back-office automation: recipes, runs, work items, schedules.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # docstrings wrap at 100 columns: lines are joined, not kept
)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True, rich_markup_mode="markdown")
app.add_typer(audit_app, name="audit")
RUN_STATES = (RunState.QUEUED, RunState.RUNNING, *sorted(RunState.FINISHED))


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
        _check_names(recipe, raw)
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
def recipes(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document")] = False,
) -> None:
    """List the recipes with their descriptions and parameters (with their descriptions
    and allowed values)."""
    settings = get_settings()
    load_recipes(settings)
    found = [_recipe_json(spec) for spec in all_recipes()]
    if as_json:
        print_json(found)
        return
    table = Table("recipe", "description", "parameters", "works queue")
    for spec in found:
        lines = []
        for p in spec["parameters"]:
            default = "" if p["required"] else f" = {p['default_text']}"
            lines.append(f"{p['name']}: {p['type']}{default}")
            if p["choices"]:
                lines.append("    one of: " + ", ".join(map(str, p["choices"])))
            if p["description"]:
                lines.append(f"    {p['description']}")
        table.add_row(spec["name"], spec["summary"], "\n".join(lines), spec["consumes"] or "")
    console.print(table)


def _recipe_json(spec: Any) -> dict[str, Any]:
    params = []
    for name, info in spec.params_model.model_fields.items():
        required = info.is_required()
        params.append({
            "name": name, "type": _type_name(info.annotation), "required": required,
            "default": None if required else _json_default(info.default),
            "default_text": "" if required else _shown_default(info.default),
            "description": info.description or "", "choices": _choices(info.annotation),
        })
    description = spec.description or ""
    return {"name": spec.name, "summary": (description.splitlines() or [""])[0],
            "description": description, "consumes": spec.consumes, "parameters": params}


def _choices(annotation: Any) -> list[Any]:
    """The values an enum or Literal parameter allows (also inside Optional)."""
    import typing

    candidates = [annotation, *typing.get_args(annotation)]
    for kind in candidates:
        if isinstance(kind, type) and issubclass(kind, Enum):
            return [m.value for m in kind]
        if typing.get_origin(kind) is typing.Literal:
            return list(typing.get_args(kind))
    return []


def _json_default(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _check_names(recipe_name: str, raw: dict[str, Any]) -> None:
    """Refuse an unknown recipe or parameter with a "did you mean" before anything runs."""
    from bots.recipe_index import load_recipe as load_indexed
    from bots.recipe_index import recipe_index

    settings = get_settings()
    index = recipe_index(("recipes",), settings.recipe_paths)
    known = set(index) | {spec.name for spec in all_recipes()}
    if recipe_name not in known:  # one the index cannot see, or a misspelling
        load_recipes(settings)
        known |= {spec.name for spec in all_recipes()}
    spec = load_indexed(choose(recipe_name, sorted(known), what="recipe"), ("recipes",),
                        settings.recipe_paths, index=index)
    fields = spec.params_model.model_fields
    if spec.params_model.model_config.get("extra") == "allow":
        return
    for name in raw:
        choose(name, fields, what=f"parameter of {recipe_name}")


@app.command()
def runs(
    recipe: Annotated[str | None, typer.Option(help="only this recipe")] = None,
    state: Annotated[str | None, typer.Option(help="only runs in this state")] = None,
    since: Annotated[str | None, typer.Option(help="ISO date/time, or a span: 90s, 2h, 1h30m, 3d")] = None,
    limit: Annotated[int, typer.Option(help="at most this many")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table")] = False,
) -> None:
    """List runs, newest first, with items done and exceptions (counted by the store)."""
    engine = existing_store()
    try:
        since_at = parse_since(since)
        if state is not None:
            choose(state, RUN_STATES, what="run state")
        if recipe is not None:
            choose(recipe, inspect_runs.known_recipes(engine), what="recipe")
    except UsageError as exc:
        raise fail(exc) from None
    rows = inspect_runs.list_runs(engine, recipe=recipe, state=state, since=since_at,
                                  limit=limit)
    if as_json:
        print_json_lines(inspect_runs.run_json(row) for row in rows)
        return
    table = Table("id", "recipe", "state", "trigger", f"started ({get_settings().timezone})",
                  "duration", "done", "exceptions", "summary")
    for row in rows:
        figures = row["figures"]
        table.add_row(str(row["id"]), row["recipe"], row["shown_state"], row["trigger"],
                      local_time(row["started_at"]), _duration(row["duration_s"]),
                      str(figures.done), str(figures.exceptions),
                      _short_summary(row["summary"]))
    console.print(table)


@app.command()
def show(run_id: Annotated[int, typer.Argument(help="run id (see `runs`)")],
         log_lines: Annotated[int, typer.Option(help="lines of log tail")] = 20,
         as_json: Annotated[bool, typer.Option("--json", help="one JSON document")] = False) -> None:
    """One run: parameters, figures, steps with durations, errors, artifacts, log tail."""
    detail = inspect_runs.run_detail(existing_store(), run_id, log_lines=log_lines)
    if detail is None:
        raise fail(UsageError(f"no run with id {run_id}"))
    if as_json:
        print_json(inspect_runs.detail_json(detail))
        return
    run_row = detail["run"]
    console.print(f"[bold]run {run_id}[/bold] {run_row['recipe']} "
                  f"[bold]{run_row['shown_state']}[/bold]", highlight=False)
    for key in ("trigger", "schedule", "fire_time", "host", "pid", "user", "started_at",
                "ended_at", "attempts", "code_hash", "log_path"):
        value = run_row.get(key)
        if value is not None:
            shown = local_time(value) if isinstance(value, datetime) else value
            console.print(f"  {key}: {shown}", highlight=False, markup=False)
    figures = detail["figures"]
    console.print(f"  items: {figures.done} done, {figures.exceptions} exceptions "
                  f"({_outcome_text(figures.outcomes)}), {figures.open} open", highlight=False)
    console.print(f"  params: {json.dumps(run_row['params'], default=str)}", highlight=False,
                  markup=False)
    if run_row["summary"]:
        console.print(f"  summary: {json.dumps(run_row['summary'], default=str)}",
                      highlight=False, markup=False)
    table = Table("step", "attempt", "outcome", "duration")
    for step in detail["steps"]:
        table.add_row(step["name"], str(step["attempt"]), step["outcome"],
                      _duration((step["duration_ms"] or 0) / 1000))
    console.print(table)
    for title, error in inspect_runs.distinct_errors(detail):
        _print_error(title, error)
    if detail["rejected"]:
        rej = Table("source", "row", "key", "reason")
        for r in detail["rejected"]:
            rej.add_row(r["source"], "" if r["row"] is None else str(r["row"]), r["key"] or "",
                        r["reason"])
        console.print(f"[bold]rejected rows[/bold] (first {len(detail['rejected'])} of "
                      f"{figures.rejected})", highlight=False)
        console.print(rej)
    if detail["artifacts"]:
        art = Table("artifact", "kind", "bytes", "sha256")
        for item in detail["artifacts"]:
            art.add_row(item["path"], item["kind"], str(item["size"]), item["sha256"][:16])
        console.print(art)
    if detail["log_tail"]:
        console.print("[bold]log tail[/bold]")
        for line in detail["log_tail"]:
            console.print(_log_line(line), highlight=False, markup=False)


def _outcome_text(outcomes: dict[str, int]) -> str:
    shown = [f"{n} {k.replace('_', ' ')}" for k, n in sorted(outcomes.items())
             if k not in ("done", "pending", "in_progress")]
    return ", ".join(shown) or "none"


def _print_error(title: str, error: str) -> None:
    """The message first (a traceback's last line), then the traceback."""
    lines = error.strip().splitlines()
    console.print(f"[red]{title}:[/red] {lines[-1] if lines else ''}", highlight=False)
    if len(lines) > 1:
        console.print("\n".join(lines), style="dim", highlight=False, markup=False)


@app.command()
def config(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document")] = False,
) -> None:
    """The effective settings, secrets masked, and where each value came from."""
    rows = list(settings_rows(get_settings()))
    if as_json:
        print_json([{"setting": n, "value": v, "source": s} for n, v, s in rows])
        return
    table = Table("setting", "value", "source")
    for name, value, source in rows:
        table.add_row(name, value, source)
    console.print(table)


@audit_app.command("verify")
def audit_verify(
    checkpoint: Annotated[Path | None, typer.Option(help="a checkpoint file to check against")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document")] = False,
) -> None:
    """Walk the hash chain; name the first broken link. Exit 1 when broken."""
    from bots.audit import verify

    result = verify(existing_store(), checkpoint=checkpoint)
    if as_json:
        print_json({"ok": result.ok, "checked": result.checked, "last_hash": result.last_hash,
                    "broken_at": result.broken_at, "problem": result.problem})
        raise typer.Exit(0 if result.ok else 1)
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
    try:
        stamp = local_time(datetime.fromisoformat(str(entry.get("ts", ""))))[11:]
    except ValueError:
        stamp = str(entry.get("ts", ""))
    return f"{stamp} {entry.get('level', ''):<7} {where}{entry.get('message', '')}"


def _short_summary(summary: dict[str, Any]) -> str:
    text = json.dumps(summary, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("rpa-backoffice")
        except PackageNotFoundError:
            found = "unknown (not installed)"
        console.print(f"rpa-backoffice {found}", highlight=False)
        raise typer.Exit(0)


@app.callback()
def _main(
    _show_version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="print the version and exit")] = False,
) -> None:
    configure(get_settings().log.level)


def _register_areas() -> None:
    """Each area of the runtime adds its own commands."""
    from bots.outbox.cli import register as register_outbox
    from bots.reports.cli import register as register_reports
    from bots.scheduler.cli import register as register_scheduler
    from bots.workitems.cli import register as register_items

    register_items(app)
    register_scheduler(app)
    register_reports(app)
    register_outbox(app)


_register_areas()
