"""The command line for scripts: each `--json` read through a real pipe, errors on
stderr, usage errors with exit 2 and a "did you mean", `--since` spans, `--version`."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, run_cli

RECIPES = ROOT / "tests" / "reports" / "recipes_for_figures"


@pytest.fixture
def env(rpa_env: dict[str, str]) -> dict[str, str]:
    found = {**rpa_env, "RPA_RECIPE_PATHS": json.dumps([str(RECIPES)])}
    assert run_cli("run", "figures_bot", env=found).returncode == 3  # a system exception left
    return found


def piped(command: str, script: str, env: dict[str, str]) -> str:
    """`runner.py COMMAND | python -c SCRIPT` through a real shell pipe."""
    runner = f"{shlex.quote(sys.executable)} {shlex.quote(str(ROOT / 'runner.py'))}"
    line = f"{runner} {command} | {shlex.quote(sys.executable)} -c {shlex.quote(script)}"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", line], capture_output=True,
                          text=True, env={**os.environ, **env, "RPA_SKIP_SETUP": "1"},
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_runs_and_show_json_through_a_pipe(env: dict[str, str]) -> None:
    assert piped("runs --json", "import sys, json; rows = [json.loads(l) for l in sys.stdin];"
                 " print(rows[0]['recipe'], rows[0]['exceptions'], rows[0]['created_at'][-1])",
                 env) == "figures_bot 6 Z"
    assert piped("show 1 --json", "import sys, json; d = json.load(sys.stdin);"
                 " print(len(d['steps']), d['items_done'], len(d['rejected']))", env) == "3 5 3"


def test_items_recipes_config_audit_json_through_a_pipe(env: dict[str, str]) -> None:
    assert piped("items figures --state review --json",
                 "import sys, json; d = json.load(sys.stdin);"
                 " c = d['counts']['figures'];"
                 " print(len(d['items']), c['done'], c['business_exception'])", env) == "3 5 2"
    recipes = piped("recipes --json", "import sys, json; d = json.load(sys.stdin);"
                    " r = {x['name']: x for x in d};"
                    " p = {x['name']: x for x in r['key_sales']['parameters']};"
                    " print(p['mode']['choices'], p['workbook']['description'] != '')", env)
    assert recipes == "['ui', 'request'] True"
    assert piped("config --json", "import sys, json; d = json.load(sys.stdin);"
                 " print({x['setting']: x['source'] for x in d}['timezone'])", env) == "default"
    assert piped("audit verify --json", "import sys, json; d = json.load(sys.stdin);"
                 " print(d['ok'], d['checked'] > 0)", env) == "True True"


def test_schedules_json_and_a_disabled_schedule_has_no_next_fire_time(
        rpa_env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "schedules"
    folder.mkdir()
    folder.joinpath("s.toml").write_text(
        '[[schedule]]\nname = "on"\nrecipe = "smoke"\ntrigger = { cron = "0 6 * * *" }\n\n'
        '[[schedule]]\nname = "off"\nrecipe = "smoke"\ntrigger = { cron = "0 6 * * *" }\n'
        'enabled = false\n', encoding="utf-8")
    env = {**rpa_env, "RPA_SCHEDULES_DIR": str(folder)}
    assert run_cli("schedules", "--sync", env=env).returncode == 0
    found = piped("schedules --json --next 2", "import sys, json;"
                  " print(sorted((r['name'], r['status'], len(r['next']), r['next'][:1] and"
                  " r['next'][0][-1]) for r in map(json.loads, sys.stdin)))", env)
    assert found == "[('off', 'disabled', 0, []), ('on', 'active', 2, 'Z')]"
    table = run_cli("schedules", env=env).stdout
    assert "none (disabled)" in table


def test_errors_go_to_stderr_with_exit_2_and_a_suggestion(env: dict[str, str]) -> None:
    cases = {
        ("runs", "--state", "faild"): "did you mean 'failed'",
        ("runs", "--recipe", "figures_bott"): "did you mean 'figures_bot'",
        ("report", "html", "--recipe", "nosuch"): "unknown recipe 'nosuch'",
        ("run", "smok"): "did you mean 'smoke'",
        ("run", "figures_bot", "-p", "don=3"): "did you mean 'done'",
        ("items", "--state", "reveiw"): "did you mean 'review'",
        ("items", "figurs"): "did you mean 'figures'",
        ("runs", "--since", "soon"): "90s",
        ("show", "999"): "no run with id 999",
    }
    for args, expected in cases.items():
        done = run_cli(*args, env=env)
        assert done.returncode == 2, (args, done.stderr)
        assert expected in done.stderr, (args, done.stderr)
        assert done.stdout == "", (args, done.stdout)


def test_since_spans_version_and_wide_piped_tables(env: dict[str, str]) -> None:
    for span in ("90s", "1h30m", "2h", "3d", "1w", "2026-01-01"):
        done = run_cli("runs", "--since", span, "--json", env=env)
        assert done.returncode == 0, (span, done.stderr)
        assert len(done.stdout.splitlines()) == 1, span
    assert run_cli("runs", "--since", "2099-01-01", "--json", env=env).stdout == ""
    version = run_cli("--version", env=env)
    assert version.returncode == 0 and version.stdout.startswith("rpa-backoffice ")
    assert "--install-completion" in run_cli("--help", env=env).stdout
    table = run_cli("runs", env=env).stdout
    assert max(len(line) for line in table.splitlines()) > 80  # not cut to a terminal's width
    assert sum("figures_bot" in line for line in table.splitlines()) == 1
