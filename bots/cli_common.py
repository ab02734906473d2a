"""What every command shares: the console, error exits, and reading `--since`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text

from bots.errors import RpaError, UsageError
from bots.exit_codes import ExitCode
from bots.redaction import format_exception, redact
from bots.settings import get_settings

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


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
    except Exception as exc:  # noqa: BLE001 - the toolkit failed: report, never a raw trace
        where = _log_traceback(exc)
        kind = "the store failed" if _is_store_error(exc) else "internal error"
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        say_error(f"{kind}: {type(exc).__name__}: {first} (traceback in {where})")
        raise SystemExit(ExitCode.TOOLKIT_FAILED) from None


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
    if not text:
        return None
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    if text[-1] in units and text[:-1].isdigit():
        return datetime.now(UTC) - timedelta(**{units[text[-1]]: int(text[:-1])})
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--since {text!r}: expected an ISO date/time or a span like 2h, 3d") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=get_settings().tz)
