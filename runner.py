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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".rpa-setup"
CHROMIUM = os.environ.get("RPA_BROWSER__EXECUTABLE_PATH", "/usr/bin/chromium")


def _setup_fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def _say(text: str) -> None:
    sys.stderr.write(f"[setup] {text}\n")
    sys.stderr.flush()


# Debian packages the toolkit needs, by the program that proves each is there
# (Playwright cannot download its browsers here: the system's Chromium is used).
NEEDED = {CHROMIUM: "chromium"}
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
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env)


def _ensure_venv() -> None:
    fingerprint = _setup_fingerprint()
    if VENV_PYTHON.exists() and STAMP.exists() and STAMP.read_text() == fingerprint:
        return
    if not VENV_PYTHON.exists():
        _say(f"creating the virtualenv {VENV}")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    _say("installing the package with its dev and bench extras")
    done = subprocess.run(
        [str(VENV_PYTHON), "-m", "pip", "install", "-q", "-e", f"{ROOT}[dev,bench]"],
        stderr=subprocess.PIPE, text=True,
    )
    # this machine's pip configuration names package mirrors that may be absent: noise
    for line in done.stderr.splitlines():
        if "is ignored: it is neither a file nor a directory" not in line:
            sys.stderr.write(line + "\n")
    if done.returncode != 0:
        raise SystemExit(f"[setup] pip install failed (exit {done.returncode})")
    STAMP.write_text(fingerprint)


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
        """Lint and run the whole test suite (extra arguments go to pytest)."""
        python = sys.executable
        lint = subprocess.run([python, "-m", "ruff", "check", str(ROOT)], cwd=ROOT)
        tests = subprocess.run([python, "-m", "pytest", *ctx.args], cwd=ROOT)
        raise typer.Exit(lint.returncode or tests.returncode)

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
    def demo() -> None:
        """Run the embedded demo world end to end and print where each file is."""
        from bots.executor import execute

        result = execute("smoke", {"rows": 25})
        typer.echo(f"demo run {result.run_id}: {result.state}")
        raise typer.Exit(0 if result.ok else 1)


def main() -> None:
    from bots.cli import app

    _add_project_commands(app)
    app()


if __name__ == "__main__":
    bootstrap()
    main()
