"""`runner.py mail reviewed`: what agents decided in review, kept for the next training."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bots.cli_common import console, print_json, say_error
from bots.errors import InputError, Outage, UsageError
from bots.exit_codes import ExitCode
from bots.mail.understand.reviewed import ReviewedLabel
from bots.settings import get_settings
from connectors.mailbox.reviewed import PREFIX


def reviewed(
    export: Annotated[list[Path] | None, typer.Option(
        "--export", "-e", help="a review-list export (CSV or xlsx: subject, text, category"
        "[, message_id, language]) whose category column an agent filled; repeatable")] = None,
    mailbox: Annotated[bool, typer.Option(
        "--mailbox", help="read the mail agents moved into PREFIX/<category> folders of the "
        "triaged mailbox (the mail.imap settings)")] = False,
    prefix: Annotated[str, typer.Option(help="the folder holding one folder per category")] = PREFIX,
    out: Annotated[Path | None, typer.Option(
        help="the reviewed labels CSV (default: DATA_DIR/mail/reviewed.csv)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document")] = False,
) -> None:
    """Add the categories agents gave in review to the labels `mail train` learns from
    (each mail once, by Message-ID)."""
    from bots.mail.understand.reviewed import add_reviewed, read_export

    if not export and not mailbox:
        say_error("nothing to read: give --export FILE and/or --mailbox")
        raise typer.Exit(ExitCode.REFUSED)
    target = out or get_settings().data_dir / "mail" / "reviewed.csv"
    labels: list[ReviewedLabel] = []
    pending, skipped, folders = 0, [], {}
    try:
        for path in export or []:
            found = read_export(path)
            labels.extend(found.labels)
            pending += found.pending
        if mailbox:
            from connectors.mailbox import open_mailbox
            from connectors.mailbox.reviewed import reviewed_labels

            with open_mailbox(get_settings().mail.imap) as box:
                harvest = reviewed_labels(box, prefix, batch=get_settings().mail.fetch_batch)
            labels.extend(harvest.labels)
            skipped, folders = harvest.skipped, harvest.folders
        added = add_reviewed(target, labels)
    except (InputError, ValueError, UsageError) as error:
        say_error(str(error))
        raise typer.Exit(ExitCode.REFUSED) from None
    except Outage as error:  # the mailbox cannot be reached: nothing was written
        say_error(str(error))
        raise typer.Exit(ExitCode.RUN_FAILED) from None
    result = {"file": str(added.path), "added": added.added, "already": added.already,
              "pending": pending, "skipped": skipped, "folders": folders}
    if as_json:
        print_json(result)
        return
    console.print(f"{added.added} reviewed mails added to {added.path} ({added.already} were "
                  f"there already; {pending} export rows not reviewed yet)")
    for line in skipped:
        console.print(f"skipped {line}", highlight=False)
