"""What every command shares: the console, error exits, and reading `--since`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import typer
from rich.console import Console

from bots.errors import RpaError, UsageError
from bots.settings import get_settings

console = Console(soft_wrap=True)


def fail(exc: RpaError) -> typer.Exit:
    """Print the error and exit with the code its class carries."""
    console.print(f"[red]error:[/red] {exc}", highlight=False)
    return typer.Exit(exc.exit_code)


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
