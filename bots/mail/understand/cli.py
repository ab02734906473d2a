"""`runner.py mail train`: fit the mail classifier on labelled mail and save it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bots.cli_common import console, print_json, say_error
from bots.exit_codes import ExitCode
from bots.settings import get_settings

app = typer.Typer(help="Customer mail: train the classifier the triage recipe loads; try it on stored mail.",
                  no_args_is_help=True)


def default_model_dir() -> Path:
    return get_settings().data_dir / "mail" / "model"


def default_reviewed_csv() -> Path:
    return get_settings().data_dir / "mail" / "reviewed.csv"


@app.command()
def train(
    data: Annotated[list[Path], typer.Option(
        "--data", "-d", help="a CSV (subject,text,category[,language]) or a folder of category "
        "folders (.eml files or maildirs); repeatable")],
    out: Annotated[Path | None, typer.Option(help="model folder (default: DATA_DIR/mail/model)")] = None,
    reviewed: Annotated[bool, typer.Option(
        help="also learn from the reviewed labels (DATA_DIR/mail/reviewed.csv) when present")] = True,
    rules: Annotated[Path | None, typer.Option(
        help="the rules TOML whose keywords the model learns (default: the mail.rules "
        "setting, else the packaged rules)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document")] = False,
) -> None:
    """Train on labelled mail; the model is saved with its labels, metrics and data hash."""
    from bots.errors import InputError
    from bots.mail.understand.training import train_and_save

    sources = list(data)
    extra = default_reviewed_csv()
    if reviewed and extra.exists() and extra not in sources:
        sources.append(extra)
    try:
        trained = train_and_save(sources, out or default_model_dir(),
                                 rules or get_settings().mail.rules)
    except (InputError, ValueError) as error:
        say_error(str(error))
        raise typer.Exit(ExitCode.REFUSED) from None
    summary = trained.summary()
    if as_json:
        print_json(summary)
        return
    console.print(f"trained on {trained.examples} mails from {', '.join(trained.sources)}")
    for label, count in summary["per_label"].items():
        console.print(f"  {label:<24} {count}")
    if "holdout_macro_f1" in summary:
        console.print(f"held-out macro-F1 {summary['holdout_macro_f1']} "
                      f"({summary['holdout_examples']} mails, same phrasing as the training data)")
    for line in trained.skipped:
        console.print(f"skipped {line}", highlight=False)
    console.print(f"model saved to {trained.folder} (data sha256 {trained.data_sha256[:12]}...)")


@app.command()
def read(
    mails: Annotated[list[Path], typer.Argument(help=".eml files to read")],
    model: Annotated[Path | None, typer.Option(help="model folder (default: DATA_DIR/mail/model "
                                               "when there is one; else rules only)")] = None,
    rules: Annotated[Path | None, typer.Option(help="rules TOML (default: the packaged rules)")] = None,
    customers: Annotated[Path | None, typer.Option(help="customer CSV (customer/email, tier)")] = None,
) -> None:
    """Show what the toolkit understands of stored mails (JSON lines): to try rules and models."""
    from datetime import UTC, datetime

    from bots.cli_common import print_json_lines
    from bots.errors import InputError
    from bots.mail.understand.dataset import read_mail_file
    from bots.mail.understand.reader import MailToRead, load_reader

    if model is None and (default_model_dir() / "model.json").exists():
        model = default_model_dir()
    try:
        reader = load_reader(model, rules, customers)
        batch = []
        for path in mails:
            subject, text = read_mail_file(path)
            batch.append(MailToRead(subject, text, "", datetime.now(UTC)))
    except (InputError, ValueError, OSError) as error:
        say_error(str(error))
        raise typer.Exit(ExitCode.REFUSED) from None
    readings = reader.read_many(batch, datetime.now(UTC))
    print_json_lines({"file": str(path), **vars(reading)} for path, reading in zip(mails, readings, strict=True))
