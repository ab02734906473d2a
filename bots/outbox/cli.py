"""`runner.py outbox`: the messages to customers and their delivery states.

    outbox [--state S] [--case C] [--json]     counts per state, then the messages
    outbox opt-out ADDRESS [--note T]          never write to it again (opt-in undoes it)
    outbox bounce FILE...                      read RFC 3464 bounces saved as .eml files

Sending is the `send_outbox` recipe (`runner.py run send_outbox`), so that it is a
recorded, schedulable run like any other.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bots.cli_common import console, fail
from bots.errors import UsageError
from bots.outbox.dsn import mark_bounced, parse_dsn
from bots.outbox.model import DeliveryState, StoredMessage
from bots.outbox.store import list_messages, opt_in, opt_out, state_counts
from bots.settings import get_settings
from bots.store import open_store

outbox_app = typer.Typer(help="Messages to customers: delivery states, opt-outs, bounces.",
                         invoke_without_command=True, rich_markup_mode="markdown")


def as_json(message: StoredMessage) -> dict[str, object]:
    return {"id": message.id, "case": message.case, "template": message.template,
            "step": message.step, "channel": str(message.channel), "to": message.to,
            "locale": message.locale, "state": str(message.state), "reason": message.reason,
            "attempts": message.attempts, "subject": message.subject,
            "message_id": message.message_id, "created_at": message.created_at,
            "sent_at": message.sent_at, "not_before": message.not_before,
            "last_error": message.last_error, "item_id": message.item_id}


@outbox_app.callback()
def outbox(
    ctx: typer.Context,
    state: Annotated[list[str] | None, typer.Option(help="only these states (repeatable)")] = None,
    case: Annotated[str | None, typer.Option(help="only this case reference")] = None,
    limit: Annotated[int, typer.Option(help="at most this many, newest first")] = 200,
    json_lines: Annotated[bool, typer.Option("--json", help="JSON lines instead of tables")] = False,
) -> None:
    """List the messages to customers with their delivery states."""
    if ctx.invoked_subcommand is not None:
        return
    states = state or []
    known = {str(s) for s in DeliveryState}
    if unknown := [s for s in states if s not in known]:
        raise fail(UsageError(f"unknown state {unknown[0]!r}; one of {', '.join(sorted(known))}"))
    engine = open_store()
    rows = list_messages(engine, states=states, case=case, limit=limit)
    if json_lines:
        for row in rows:
            sys.stdout.write(json.dumps(as_json(row), default=str, ensure_ascii=False) + "\n")
        return
    counts = state_counts(engine)
    summary = Table(*counts)
    summary.add_row(*[str(n) for n in counts.values()])
    console.print(summary)
    table = Table("id")
    for name in ("case", "channel", "state", "when"):
        table.add_column(name, no_wrap=True)
    for name in ("to", "tries", "reason", "template/step"):
        table.add_column(name)
    tz = get_settings().tz
    for row in rows:
        when = row.sent_at or row.not_before or row.created_at
        table.add_row(str(row.id), row.case, str(row.channel), str(row.state),
                      when.astimezone(tz).strftime("%Y-%m-%d %H:%M"), row.to,
                      str(row.attempts), row.reason or "", f"{row.template}/{row.step}")
    console.print(table)


@outbox_app.command("opt-out")
def opt_out_command(
    address: Annotated[str, typer.Argument(help="mail address or E.164 number")],
    note: Annotated[str, typer.Option(help="why, or who asked")] = "",
) -> None:
    """Never write to this address or number again (queued messages to it fail)."""
    opt_out(open_store(), address.strip(), note=note)
    console.print(f"{address} opted out")


@outbox_app.command("opt-in")
def opt_in_command(address: Annotated[str, typer.Argument(help="mail address or E.164 number")]) -> None:
    """Undo an opt-out."""
    opt_in(open_store(), address.strip())
    console.print(f"{address} opted in")


@outbox_app.command("bounce")
def bounce_command(files: Annotated[list[Path], typer.Argument(help=".eml files of bounces")]) -> None:
    """Read delivery status notifications: messages bounced, addresses failing."""
    engine = open_store()
    for path in files:
        try:
            report = parse_dsn(path.read_bytes())
        except OSError as exc:
            raise fail(UsageError(f"{path}: {exc}")) from None
        if report is None:
            console.print(f"{path}: not a delivery status notification", style="yellow")
            continue
        found = mark_bounced(engine, report)
        for bounced in found:
            console.print(f"{path}: {bounced.recipient} bounced ({bounced.status}), case "
                          f"{bounced.case} to review", highlight=False)
        if not found:
            console.print(f"{path}: no failed recipient matches a message of ours")


def register(app: typer.Typer) -> None:
    app.add_typer(outbox_app, name="outbox")
