"""The systemd units shipped in deploy/systemd/ start real commands and stop them the way
the scheduler and the worker finish on SIGTERM (docs/deployment.md).

Each unit is read as systemd reads it (configparser, no interpolation), its ExecStart is
run with `--help` through runner.py (an unknown command or option exits 2), and, where
`systemd-analyze` is installed, `systemd-analyze verify` must pass without a warning.
"""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bots.exit_codes import ExitCode
from bots.scheduler.service import ServiceOptions
from bots.settings import BrowserSettings
from tests.helpers import ROOT, run_cli

UNITS = ROOT / "deploy" / "systemd"
INSTALLED = "/opt/rpa-backoffice"  # where docs/deployment.md installs the project
RPA = f"{INSTALLED}/.venv/bin/rpa"


def _unit(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read(UNITS / name, encoding="utf-8")
    return parser["Service"]


def _command(service: configparser.SectionProxy) -> list[str]:
    argv = shlex.split(service["ExecStart"])
    assert argv[0] == RPA, "the unit runs the project's own command line"
    return argv[1:]


def _seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+)(s|min)?", value)
    assert match, value
    return float(match[1]) * (60 if match[2] == "min" else 1)


def test_the_rpa_command_the_units_run_is_installed_by_the_package() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["rpa"] == "runner:main"


@pytest.mark.parametrize("name", ["rpa-scheduler.service", "rpa-worker@.service"])
def test_each_unit_runs_a_command_runner_py_lists_with_options_it_accepts(name: str) -> None:
    args = [a.replace("%i", "sales") for a in _command(_unit(name))]
    listed = run_cli("--help", env={"COLUMNS": "200"})
    assert listed.returncode == 0
    assert re.search(rf"│ {re.escape(args[0])}\s", listed.stdout), args[0]
    accepted = run_cli(*args, "--help")
    assert accepted.returncode == 0, accepted.stderr


@pytest.mark.parametrize("name", ["rpa-scheduler.service", "rpa-worker@.service"])
def test_each_unit_stops_and_restarts_as_the_toolkit_expects(name: str) -> None:
    service = _unit(name)
    assert service["KillSignal"] == "SIGTERM"
    assert service["KillMode"] == "mixed"  # only the main process gets the SIGTERM
    assert service["Restart"] == "on-failure"
    refused = {int(code) for code in service["RestartPreventExitStatus"].split()}
    assert refused == {ExitCode.REFUSED, ExitCode.NOT_A_STORE}  # a person must fix those
    assert service["User"] and service["User"] != "root"
    assert service["EnvironmentFile"].startswith("/etc/")  # secrets outside the checkout
    assert "RPA_" not in service.get("Environment", "").replace("RPA_DATA_DIR", "")


def test_the_scheduler_gets_its_drain_and_its_childrens_grace_before_a_sigkill() -> None:
    service = _unit("rpa-scheduler.service")
    args = _command(service)
    drain = float(args[args.index("--drain") + 1])
    assert _seconds(service["TimeoutStopSec"]) > drain + ServiceOptions().term_grace


def test_the_worker_gets_time_to_finish_the_item_in_hand() -> None:
    service = _unit("rpa-worker@.service")
    assert _command(service)[:3] == ["worker", "--queue", "%i"]
    # an item is a handful of browser actions, each bounded by the browser's timeout
    per_action = BrowserSettings().timeout_ms / 1000
    assert _seconds(service["TimeoutStopSec"]) >= 6 * per_action
    assert service["SuccessExitStatus"] == "1"  # "stopped after a failed run" is a stop


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed (the configparser tests still ran)")
def test_systemd_analyze_verifies_the_units_without_a_warning(tmp_path: Path) -> None:
    # verify insists that ExecStart exists: point the copies at this checkout's command
    rpa = str(Path(sys.executable).with_name("rpa"))
    assert Path(rpa).is_file()
    for unit in UNITS.glob("*.service"):
        text = unit.read_text(encoding="utf-8").replace(RPA, rpa).replace(INSTALLED, str(ROOT))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    for name in ("rpa-scheduler.service", "rpa-worker@sales.service"):
        done = subprocess.run(["systemd-analyze", "verify", str(tmp_path / name)],
                              capture_output=True, text=True, timeout=60)
        assert (done.returncode, done.stdout + done.stderr) == (0, ""), name


def _example_env() -> dict[str, str]:
    pairs = {}
    for line in (UNITS / "rpa.env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            pairs[name] = " ".join(shlex.split(value))  # quotes as a shell and systemd read them
    return pairs


def test_the_example_environment_file_names_real_settings(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import BaseModel

    from bots.settings import Settings

    env = _example_env()
    for name in env:  # the settings ignore unknown variables: a typo would pass unseen
        node: type[BaseModel] = Settings
        parts = name.removeprefix("RPA_").lower().split("__")
        for part in parts[:-1]:
            node = node.model_fields[part].annotation  # type: ignore[assignment]
        assert parts[-1] in node.model_fields, name
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.store.url == env["RPA_STORE__URL"]
    assert settings.notify.smtp.recipients == ("rpa-operators@example.com",)
