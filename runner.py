#!/usr/bin/env python3
"""The command line of the toolkit: `python3 runner.py --help`.

Run with any Python 3.11+: on a fresh machine it first sets itself up (a virtualenv in
`.venv`, the package with its extras, Debian's chromium when missing) and re-executes
inside the virtualenv. The set-up is skipped in milliseconds when nothing changed.
"""

# No `from __future__ import annotations`: the commands defined inside functions below
# must have real annotations for typer, with typer imported only after the set-up.
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".rpa-setup"
CHROMIUM = os.environ.get("RPA_BROWSER__EXECUTABLE_PATH", "/usr/bin/chromium")


LOCKS = ROOT / "requirements"
# "dev" (the default: tests, lint, benchmarks) or "production" (`RPA_SETUP=production`:
# only what runs recipes, at the versions the tests passed with).
PROFILES = {"dev": ("[dev,bench]", LOCKS / "dev.lock"), "production": ("", LOCKS / "prod.lock")}


def _setup_profile() -> str:
    profile = os.environ.get("RPA_SETUP", "dev")
    if profile not in PROFILES:
        raise SystemExit(f"[setup] RPA_SETUP={profile!r}: expected one of {', '.join(PROFILES)}")
    return profile


def _setup_fingerprint() -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    for _, lock in PROFILES.values():
        digest.update(lock.read_bytes() if lock.exists() else b"")
    return digest.hexdigest()


def _say(text: str) -> None:
    sys.stderr.write(f"[setup] {text}\n")
    sys.stderr.flush()


# Debian packages the toolkit needs, by the program that proves each is there
# (Playwright cannot download its browsers here: the system's Chromium is used).
NEEDED = {CHROMIUM: "chromium", "/usr/sbin/dovecot": "dovecot-imapd"}  # the mail demo's IMAP
# the xlsx-to-PDF check of the productivity workbook, and reading the PDF back
NEEDED_FOR_TESTS = {"soffice": "libreoffice-calc-nogui", "pdftotext": "poppler-utils"}


def _ensure_debian_packages(wanted: dict[str, str]) -> None:
    missing = sorted({pkg for program, pkg in wanted.items()
                      if not (Path(program).exists() or shutil.which(program))})
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"[setup] missing {' '.join(missing)}; install: sudo apt-get install -y "
                         + " ".join(missing))
    _say(f"installing Debian packages with apt-get: {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *missing]):
        _quiet(command, env)


def _quiet(command: list[str], env: dict[str, str] | None = None) -> None:
    """Run a set-up command; its output is shown only when it fails."""
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout)
        raise SystemExit(f"[setup] {' '.join(command[:3])} failed (exit {done.returncode})")


def _ensure_venv() -> None:
    profile, fingerprint = _setup_profile(), _setup_fingerprint()
    done_before = (STAMP.read_text() if STAMP.exists() else "").partition(":")[::2]
    # a dev install holds everything a production one does
    if VENV_PYTHON.exists() and done_before[1] == fingerprint and (
            done_before[0] == profile or done_before[0] == "dev"):
        return
    if not VENV_PYTHON.exists():
        _say(f"creating the virtualenv {VENV}")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    extras, lock = PROFILES[profile]
    _say(f"installing the package ({profile}) at the versions of {lock.relative_to(ROOT)}")
    done = subprocess.run(
        [str(VENV_PYTHON), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         "-c", str(lock), "-e", f"{ROOT}{extras}"],
        stderr=subprocess.PIPE, text=True,
    )
    if done.returncode != 0:  # pip's warnings (build back-end deprecations) only then
        # this machine's pip configuration names package mirrors that may be absent: noise
        for line in done.stderr.splitlines():
            if "is ignored: it is neither a file nor a directory" not in line:
                sys.stderr.write(line + "\n")
        raise SystemExit(f"[setup] pip install failed (exit {done.returncode})")
    STAMP.write_text(f"{profile}:{fingerprint}")


def bootstrap() -> None:
    """Make sure we run inside the project's virtualenv with everything installed."""
    wanted = dict(NEEDED)
    if sys.argv[1:2] == ["test"]:
        wanted.update(NEEDED_FOR_TESTS)
    _ensure_debian_packages(wanted)
    if os.environ.get("RPA_SKIP_SETUP") == "1":
        return
    _ensure_venv()
    if Path(sys.prefix).resolve() != VENV.resolve():
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])


def _add_project_commands(app: Any) -> None:
    import typer

    @app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def test(ctx: typer.Context) -> None:
        """Lint, type-check `bots/` (mypy --strict) and run the whole test suite (extra
        arguments go to pytest)."""
        python = sys.executable
        lint = subprocess.run([python, "-m", "ruff", "check", str(ROOT)], cwd=ROOT)
        types = subprocess.run([python, "-m", "mypy"], cwd=ROOT)  # [tool.mypy] in pyproject
        tests = subprocess.run([python, "-m", "pytest", *ctx.args], cwd=ROOT)
        raise typer.Exit(lint.returncode or types.returncode or tests.returncode)

    @app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def portal(ctx: typer.Context) -> None:
        """Serve the demo legacy portal until Ctrl-C (options: `portal -- --help`)."""
        from bots.settings import get_settings
        from demo.portal.__main__ import main as portal_main

        args = list(ctx.args)
        if "--db" not in args:
            args += ["--db", str(get_settings().data_dir / "portal" / "portal.sqlite")]
        if "--invoices" not in args:
            args += ["--invoices", "50"]
        raise typer.Exit(portal_main(args))

    @app.command()
    def demo(
        sales: int = typer.Option(300, help="sales rows in the generated workbook"),
        latency_ms: int = typer.Option(20, help="latency the demo portal adds per request"),
    ) -> None:
        """Run the embedded demo world end to end and print where each file is."""
        raise typer.Exit(_run_demo(sales=sales, latency_ms=latency_ms))


def _run_demo(*, sales: int, latency_ms: int) -> int:
    """Start the demo portal, generate inputs, run every recipe, write both reports;
    returns the exit code (see bots/exit_codes.py)."""
    from datetime import date

    from bots.executor import execute
    from bots.reports import write_run_report
    from bots.settings import get_settings, reset_settings
    from bots.store import open_store
    from demo.collections_world import collections_demo
    from demo.customer_mailbox import CustomerMailbox
    from demo.mail_world import demo_mail_world
    from demo.portal import PortalConfig, PortalServer
    from demo.samples.invoices import seed_invoices, write_adjustment_requests
    from demo.samples.reconcile import write_reconcile_samples
    from demo.samples.sales import write_sales_workbook
    from demo.sms_gateway import SmsGateway

    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = get_settings().data_dir / "demo" / stamp
    inputs = folder / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    portal_db = folder / "portal.sqlite"
    seed_invoices(portal_db, count=50)
    files = {"sales workbook": write_sales_workbook(inputs / "sales.xlsx", count=sales)}
    files.update({f"reconcile {k}": v for k, v in write_reconcile_samples(inputs / "reconcile").items()})
    files["adjustment requests"] = write_adjustment_requests(inputs / "adjustments.xlsx", portal_db)
    from demo.orders_world import make_orders_world

    orders = make_orders_world(inputs, portal_db, tag=f"-{stamp}")
    files["order requests"] = orders.requests
    collections_files, collections_params = collections_demo(portal_db, inputs / "collections")
    files.update(collections_files)
    outcomes: list[tuple[str, object]] = []
    with PortalServer(PortalConfig(db_path=portal_db, latency_ms=latency_ms)) as portal, \
            CustomerMailbox(folder / "mailbox") as mailbox, SmsGateway(folder / "sms") as sms, \
            demo_mail_world(folder / "imap") as mail_world:
        os.environ["RPA_PORTAL__URL"] = portal.url
        os.environ.update(mail_world.env)  # the company mailbox customers write to (Dovecot)
        os.environ.update({  # the customers' mailbox and SMS gateway of the demo world
            "RPA_OUTBOX__SMTP__HOST": "127.0.0.1", "RPA_OUTBOX__SMTP__PORT": str(mailbox.port),
            "RPA_OUTBOX__SMTP__ARCHIVE_MAILDIR": str(mailbox.maildir_path),
            "RPA_OUTBOX__SMS__URL": sms.url})
        os.environ.setdefault("RPA_OUTBOX__QUIET_HOURS", "{}")  # a demo at night sends too
        reset_settings()
        print(f"demo portal: {portal.url} (db {portal_db})")
        from bots.workitems import WorkQueue  # the order mails, queued as mail triage routes them

        WorkQueue(open_store(), "order_requests").put_many(orders.mails)
        steps = [
            ("key_sales", {"workbook": str(files["sales workbook"])}),
            ("reconcile", {"ledger": str(files["reconcile ledger"]),
                           "bank": str(files["reconcile bank"]),
                           "portal_export": str(files["reconcile portal_export"])}),
            ("invoice_adjustments", {"requests": str(files["adjustment requests"])}),
            ("mail_triage", {}),  # routes order mail to order_requests' queue first
            ("order_requests", {"requests": str(orders.requests)}),
            ("collections", collections_params),
            ("send_outbox", {}),
            ("productivity_report", {"start": date.today().isoformat(),
                                     "end": date.today().isoformat()}),
        ]
        for name, params in steps:
            result = execute(name, params)
            outcomes.append((name, result))
    html = write_run_report(open_store(), get_settings(), folder / "run-report.html").path
    print("\ninputs:")
    for label, path in files.items():
        print(f"  {label:<28} {path}")
    print("\nruns:")
    store = open_store()
    for name, result in outcomes:
        print(f"  {name:<20} run {result.run_id:<5} {result.state:<26} {_short(result.summary)}")
        listed = _artifacts(store, result.run_id)
        shown = listed if len(listed) <= 6 else listed[:5]  # mail attachments can be many
        for artifact in shown:
            print(f"      {get_settings().data_dir / artifact}")
        if len(listed) > len(shown):
            print(f"      ... and {len(listed) - len(shown)} more: runner.py show {result.run_id}")
    print(f"\nHTML run report: {html}")
    print(f"customers' mailbox (SMTP, one file per mail): {mailbox.maildir_path / 'new'}")
    print(f"SMS gateway stand-in log (JSON lines): {sms.log}")
    print("messages to customers and their states: python3 runner.py outbox")
    print("inspect a run: python3 runner.py show RUN_ID")
    from bots.exit_codes import run_exit_code

    # the worst of the runs' codes: 1 if one failed, 3 if one left items in system exception
    codes = [int(run_exit_code(store, result.run_id, result.ok)[0]) for _, result in outcomes]
    return 1 if 1 in codes else max(codes, default=0)


def _short(summary: dict[str, Any]) -> str:
    import json

    text = json.dumps(summary, default=str)
    return text if len(text) < 100 else text[:97] + "..."


def _artifacts(engine: Any, run_id: int) -> list[str]:
    import sqlalchemy as sa

    from bots.store.schema import artifacts

    with engine.connect() as conn:
        return list(conn.execute(sa.select(artifacts.c.path).where(artifacts.c.run_id == run_id)
                                 .order_by(artifacts.c.id)).scalars())


def main() -> None:
    from bots.cli import app
    from bots.cli_common import run_app
    from bots.mail.understand.cli import app as mail_app
    from connectors.mailbox.cli import reviewed
    from connectors.portal.cli import app as map_app

    _add_project_commands(app)
    mail_app.command()(reviewed)  # reads the mailbox too: a connector's command
    app.add_typer(map_app, name="map")
    app.add_typer(mail_app, name="mail")
    run_app(app)


if __name__ == "__main__":
    bootstrap()
    main()
