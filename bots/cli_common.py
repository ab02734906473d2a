"""What every command shares: the consoles, error exits, one clock, JSON, `--since`.

- Tables and results go to stdout; errors and warnings to stderr, so a script piping
  `runs --json` reads only data.
- When stdout is not a terminal, tables are as wide as their content (a pipe into
  `grep` sees whole lines, not rows cut at 80 columns).
- One clock: a person reads times in the settings' time zone with its offset
  (`2026-03-23 09:00:00+01:00`); JSON carries UTC ISO 8601 (`2026-03-23T08:00:00Z`).
"""

from __future__ import annotations

import difflib
import json
import os
import sys
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel, ValidationError
from pydantic_settings import SettingsError
from rich.console import Console
from rich.text import Text

from bots.errors import RpaError, UsageError
from bots.exit_codes import ExitCode
from bots.redaction import format_exception, redact
from bots.settings import get_settings

PIPE_WIDTH = 4096  # columns a table may take when stdout is a pipe or a file


def _width() -> int | None:
    return None if sys.stdout.isatty() else PIPE_WIDTH


console = Console(soft_wrap=True, width=_width())
err_console = Console(stderr=True, soft_wrap=True, highlight=False)


errors = err_console


def say_error(text: str) -> None:
    """One line on stderr, secrets and URL credentials masked, no markup interpreted."""
    line = redact(" ".join(text.split()))
    errors.print(Text.assemble(("error: ", "red"), line), highlight=False)


def fail(exc: RpaError) -> typer.Exit:
    """Print the error (one line, stderr) and exit with the code its class carries."""
    say_error(str(exc))
    return typer.Exit(exc.exit_code)


def run_app(app: Callable[[], object]) -> None:
    """Run the command line. What escapes a command still ends as one line on stderr and
    an exit code: the error's own, or 4 with the traceback written to the toolkit log."""
    try:
        app()
    except RpaError as exc:
        raise SystemExit(fail(exc).exit_code) from None
    except ValidationError as exc:  # the settings (environment, .env) refused a value
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        say_error(f"settings refused ({exc.title}): {problems}")
        raise SystemExit(ExitCode.REFUSED) from None
    except SettingsError as exc:  # a list or table setting that is not JSON
        say_error(f"settings refused: {_not_json(os.environ) or exc}")
        raise SystemExit(ExitCode.REFUSED) from None
    except Exception as exc:  # noqa: BLE001 - the toolkit failed: report, never a raw trace
        where = _log_traceback(exc)
        kind = "the store failed" if _is_store_error(exc) else "internal error"
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        say_error(f"{kind}: {type(exc).__name__}: {first} (traceback in {where})")
        raise SystemExit(ExitCode.TOOLKIT_FAILED) from None


def _not_json(environ: Mapping[str, str]) -> str:
    """Which RPA_* variable holding a list or a table is not JSON (pydantic-settings only
    names the top-level field)."""
    from bots.settings import Settings

    found = []
    for name, value in sorted(environ.items()):
        shape = _json_shape(Settings, name[4:].lower().split("__")) \
            if name.upper().startswith("RPA_") else None
        if shape is None:
            continue
        try:
            json.loads(value)
        except ValueError:
            example = '["INBOX", "Clientes/Web"]' if shape == "list" else '{"name": ...}'
            found.append(f"{name}={value[:80]!r} is not JSON: a JSON {shape} is expected, "
                         f"such as {example}")
    return "; ".join(found)


def _json_shape(model: type[BaseModel], path: list[str]) -> str | None:
    """"list" or "table" when the setting at `path` is read from the environment as JSON."""
    field = model.model_fields.get(path[0])
    if field is None:
        return None
    kind = field.annotation
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return "table" if len(path) == 1 else _json_shape(kind, path[1:])
    if len(path) > 1:
        return None
    origin = typing.get_origin(kind)
    return "list" if origin in (tuple, list, set, frozenset) else \
        "table" if origin is dict else None


def _is_store_error(exc: BaseException) -> bool:
    import sqlalchemy as sa

    return isinstance(exc, sa.exc.DBAPIError)


def _log_traceback(exc: BaseException) -> Path | str:
    try:
        path = get_settings().data_dir / "logs" / "toolkit.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {stamp}\n{format_exception(exc)}\n")
        return path
    except Exception:  # noqa: BLE001 - a broken data folder must not hide the first error
        return "nowhere: the data folder is not writable"


def parse_since(text: str | None) -> datetime | None:
    """`--since`: a span back from now as schedule files write it (90s, 2h, 1h30m, 3d, 1w)
    or an ISO date/time (in the settings' time zone unless it carries an offset)."""
    from bots.scheduler.durations import parse_duration

    if not text:
        return None
    span = text.strip()
    weeks = span[:-1] if span.endswith("w") else None
    try:
        if weeks is not None and weeks.isdigit():
            return datetime.now(UTC) - timedelta(weeks=int(weeks))
        return datetime.now(UTC) - parse_duration(span)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(span)
    except ValueError:
        raise UsageError(f"--since {text!r}: expected an ISO date/time or a span like 90s, "
                         "2h, 1h30m, 3d") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=get_settings().tz)


def local_time(moment: datetime | None) -> str:
    """A time as a person reads it: the settings' zone, with its offset."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the store's naive times are UTC
    return moment.astimezone(get_settings().tz).isoformat(sep=" ", timespec="seconds")


def utc_iso(moment: datetime) -> str:
    """A time as JSON carries it: UTC, ISO 8601, `Z`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (Decimal, Path)):
        return str(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    return str(value)


def json_text(value: Any) -> str:
    return json.dumps(value, default=_plain, ensure_ascii=False)


def print_json(value: Any) -> None:
    """One JSON document on stdout (times in UTC)."""
    sys.stdout.write(json_text(value) + "\n")
    sys.stdout.flush()


def print_json_lines(rows: Iterable[Any]) -> None:
    """One JSON object per line on stdout: easy to stream, grep and `jq -s`."""
    for row in rows:
        sys.stdout.write(json_text(row) + "\n")
    sys.stdout.flush()


def choose(value: str, known: Iterable[str], *, what: str) -> str:
    """`value` if it is one of `known`; else a usage error (exit 2) with a suggestion."""
    choices = sorted(set(known))
    if value in choices:
        return value
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listed = ", ".join(choices) if len(choices) <= 20 else ", ".join(choices[:20]) + ", ..."
    raise UsageError(f"unknown {what} {value!r}{hint} (known: {listed or 'none'})")
