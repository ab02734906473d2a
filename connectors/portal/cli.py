"""`runner.py map draft` and `runner.py map check`: portal maps from and against live pages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from bots.browser import BrowserPool, LaunchOptions
from bots.errors import RpaError
from bots.settings import get_settings
from connectors.portal.check import check_map
from connectors.portal.draft import draft_portal, to_toml
from connectors.portal.map import load_map
from connectors.portal.session import Credentials

app = typer.Typer(help="Portal maps: draft one from a live page, check one against it.",
                  no_args_is_help=True, rich_markup_mode="markdown")


def _fail(exc: Exception, code: int = 1) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(getattr(exc, "exit_code", code))


@app.command()
def draft(
    url: Annotated[str, typer.Argument(help="the portal's base URL (default: settings)")] = "",
    form: Annotated[str | None, typer.Option(help="path of the page holding the form")] = None,
    start: Annotated[str, typer.Option(help="path of the first page (the login page)")] = "/",
    sample: Annotated[Path | None, typer.Option(
        help="a JSON record to key for real once, to see the outcome page")] = None,
    search: Annotated[str | None, typer.Option(
        help="a search path with {key}, drafted from the sample's results")] = None,
    key: Annotated[str | None, typer.Option(help="the sample's key, for --search")] = None,
    name: Annotated[str, typer.Option(help="the map's name")] = "drafted",
    out: Annotated[Path | None, typer.Option(help="write the draft here (default: stdout)")] = None,
    login: Annotated[bool, typer.Option(help="log in with the settings' credentials")] = True,
) -> None:
    """Open a live page headless and write a draft map (review the lines marked `review`)."""
    settings = get_settings()
    base = url or settings.portal.url
    record: dict[str, Any] | None = None
    if sample is not None:
        try:
            record = json.loads(sample.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            _fail(ValueError(f"--sample {sample}: {exc}"), 2)
    credentials = Credentials.from_settings(settings.portal) if login else None
    try:
        with BrowserPool.open(LaunchOptions.from_settings(settings.browser)) as pool:
            lane = pool.lane("draft")
            drafted = lane.run(draft_portal, lane, base, start=start, form=form,
                               credentials=credentials, sample=record, search=search,
                               sample_key=key, name=name)
    except RpaError as exc:
        _fail(exc)
    text = to_toml(drafted)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"draft map written to {out}", err=True)


@app.command()
def check(
    name: Annotated[str, typer.Argument(help="a map name or a .toml file")],
    url: Annotated[str, typer.Option(help="the portal's base URL (default: settings)")] = "",
) -> None:
    """Log in and say, for each selector of the map, whether it resolves."""
    settings = get_settings()
    try:
        portal_map = load_map(name)
        with BrowserPool.open(LaunchOptions.from_settings(settings.browser)) as pool:
            lane = pool.lane("check")
            lines = lane.run(check_map, lane, portal_map, url or settings.portal.url,
                             Credentials.from_settings(settings.portal))
    except RpaError as exc:
        _fail(exc)
    missing = 0
    for line in lines:
        typer.echo(f"{line.status:<12} {line.where:<40} {line.selector}"
                   + (f"  ({line.note})" if line.note else ""))
        missing += line.status == "missing"
    typer.echo(f"{missing} selector(s) missing" if missing else "every checked selector resolves")
    raise typer.Exit(1 if missing else 0)
