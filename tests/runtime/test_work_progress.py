"""run.work tells whoever watches how far it is: the final progress line counts every item
that ended, whether worked or found done by the check."""

from __future__ import annotations

import json

from tests.helpers import run_cli


def test_run_work_logs_progress_with_items_found_done(test_recipes: dict[str, str]) -> None:
    done = run_cli("run", "works_a_queue", "-p", "items=6", env=test_recipes)
    assert done.returncode == 0, done.stderr + done.stdout
    listed = run_cli("runs", "--json", env=test_recipes)
    run_id = json.loads(listed.stdout.splitlines()[0])["id"]
    shown = run_cli("show", str(run_id), "--json", env=test_recipes)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout + done.stderr + done.stdout
    assert "halves: 6/6 in" in text, text
