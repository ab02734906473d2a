"""One run's figures read back from every output and compared with a direct SQL count.

The run (tests/reports/recipes_for_figures) rejects input rows, keys items done, and
sends items to review as business and system exceptions. `runs --json`, `show --json`,
`runs` piped, the HTML run report (Chromium's DOM) and the productivity workbook
(openpyxl) must all show the same numbers as the store.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import sync_playwright

from bots.settings import Settings
from tests.helpers import run_cli
from tests.reports.conftest import keep_artifact

RECIPES = Path(__file__).resolve().parent / "recipes_for_figures"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def figures_run(settings: Settings, rpa_env: dict[str, str]) -> dict[str, object]:
    env = {**rpa_env, "RPA_RECIPE_PATHS": json.dumps([str(RECIPES)])}
    ran = run_cli("run", "figures_bot", env=env)
    assert ran.returncode == 3, ran.stderr  # it leaves a system exception: exit 3
    db = sqlite3.connect(settings.data_dir / "store.db")
    (run_id,) = db.execute("select max(id) from runs where recipe = 'figures_bot'").fetchone()
    sql = {
        "done": db.execute("select count(*) from work_items where last_run_id = ? and state = "
                           "'done'", (run_id,)).fetchone()[0],
        "items_in_exception": db.execute(
            "select count(*) from work_items where last_run_id = ? and state not in "
            "('done', 'pending', 'in_progress')", (run_id,)).fetchone()[0],
        "rejected": db.execute("select count(*) from rejected_rows where run_id = ?",
                               (run_id,)).fetchone()[0],
    }
    db.close()
    sql["exceptions"] = sql["items_in_exception"] + sql["rejected"]
    assert sql == {"done": 5, "items_in_exception": 3, "rejected": 3, "exceptions": 6}
    return {"env": env, "run_id": run_id, "sql": sql}


def test_runs_and_show_json_and_piped_table_agree_with_sql(figures_run: dict) -> None:
    env, run_id, sql = figures_run["env"], figures_run["run_id"], figures_run["sql"]
    listed = [json.loads(line) for line in run_cli("runs", "--json", env=env).stdout.splitlines()]
    (row,) = [r for r in listed if r["id"] == run_id]
    assert (row["items_done"], row["exceptions"], row["rejected_rows"]) == (
        sql["done"], sql["exceptions"], sql["rejected"])
    assert row["state"] == "succeeded_with_exceptions"
    assert row["started_at"].endswith("Z")  # JSON carries UTC
    shown = json.loads(run_cli("show", str(run_id), "--json", env=env).stdout)
    assert (shown["items_done"], shown["exceptions"]) == (sql["done"], sql["exceptions"])
    assert len(shown["rejected"]) == sql["rejected"]
    assert shown["outcomes"] == {"done": 5, "business_exception": 2, "system_exception": 1,
                                 "rejected": 3}
    table = run_cli("runs", env=env).stdout  # piped: whole lines, nothing cut
    line = next(t for t in table.splitlines() if "figures_bot" in t)
    cells = [c.strip() for c in line.split("│") if c.strip()]
    assert cells[6:8] == [str(sql["done"]), str(sql["exceptions"])]
    assert "+01:00" in line or "+02:00" in line  # a person's time carries its offset


@pytest.mark.browser
def test_html_report_and_productivity_workbook_agree_with_sql(
        figures_run: dict, settings: Settings, tmp_path: Path) -> None:
    env, run_id, sql = figures_run["env"], figures_run["run_id"], figures_run["sql"]
    out = tmp_path / "runs.html"
    assert run_cli("report", "html", "--out", str(out), env=env).returncode == 0
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = chromium.new_page(viewport={"width": 1300, "height": 900})
        page.goto(out.as_uri())
        page.fill("#q", "figures_bot")
        cells = page.locator("#run-table tbody tr:first-child td").all_inner_texts()
        assert cells[0] == str(run_id)
        assert (int(cells[6]), int(cells[7])) == (sql["done"], sql["exceptions"])
        detail = page.locator(f"#run-{run_id}")
        assert detail.locator('[data-outcome="rejected"]').inner_text() == str(sql["rejected"])
        assert detail.locator('[data-outcome="done"]').inner_text() == str(sql["done"])
        page.screenshot(path=str(tmp_path / "figures-report.png"), full_page=True)
        keep_artifact(tmp_path / "figures-report.png")
        chromium.close()

    book = _productivity_workbook(settings, env)
    dashboard = {row[0]: row[1] for row in book["Dashboard"].iter_rows(min_row=4, max_row=12,
                                                                       values_only=True)}
    assert dashboard["Items done"] == sql["done"]
    assert dashboard["Items in exception"] == sql["exceptions"]
    assert dashboard["Items processed"] == sql["done"] + sql["exceptions"]
    daily = book["Daily"]
    header = [c.value for c in daily[1]]
    (row,) = [r for r in daily.iter_rows(min_row=2, values_only=True) if r[1] == "figures_bot"]
    assert row[header.index("Items rejected")] == sql["rejected"]
    assert row[header.index("Items per hour")] is None  # a fraction of a second of work
    exceptions = book["Exceptions"]
    assert sum(r[3] for r in exceptions.iter_rows(min_row=2, values_only=True)
               if r[0] == "figures_bot") == sql["exceptions"]
    chart = book["Dashboard"]._charts[0]
    assert chart.y_axis.scaling.min == 0


def test_a_runs_own_counts_are_added_once() -> None:
    from bots.reports.figures import RunFigures, merge_counted

    summary = {"outcomes": {"to_review": 17, "rejected": 12, "done": 3}, "items": 120}
    # a reconciliation's breaks and rejected rows counted without rows in the table
    merged = RunFigures(merge_counted({"done": 3}, summary))
    assert (merged.exceptions, merged.rejected, merged.as_json()["to_review"]) == (29, 12, 17)
    # rows recorded in rejected_rows win over the run's count of them: never both
    recorded = RunFigures(merge_counted({"done": 3, "rejected": 12}, summary))
    assert recorded.exceptions == 29
    assert RunFigures(merge_counted({}, {"outcomes": "junk"})).exceptions == 0


def test_a_run_that_counts_its_own_lines_shows_its_breaks_everywhere(
        settings: Settings, rpa_env: dict[str, str]) -> None:
    env = {**rpa_env, "RPA_RECIPE_PATHS": json.dumps([str(RECIPES)])}
    ran = run_cli("run", "counting_bot", "-p", "lines=20", "-p", "breaks=4", env=env)
    assert ran.returncode == 0, ran.stderr
    (row,) = [json.loads(line) for line in run_cli("runs", "--json", env=env).stdout.splitlines()]
    assert (row["state"], row["exceptions"]) == ("succeeded_with_exceptions", 4)
    book = _productivity_workbook(settings, env)
    dashboard = {r[0]: r[1] for r in book["Dashboard"].iter_rows(min_row=4, max_row=12,
                                                                 values_only=True)}
    assert (dashboard["Items processed"], dashboard["Items done"],
            dashboard["Items in exception"]) == (20, 16, 4)
    daily = book["Daily"]
    header = [c.value for c in daily[1]]
    (line,) = [r for r in daily.iter_rows(min_row=2, values_only=True) if r[1] == "counting_bot"]
    assert line[header.index("Items to review")] == 4
    assert line[header.index("Success rate")] == 0.8


def _productivity_workbook(settings: Settings, env: dict[str, str]) -> Workbook:
    """Today's productivity report, made through the command line, opened with openpyxl."""
    today = datetime.now(settings.tz).date().isoformat()
    made = run_cli("run", "productivity_report", "-p", f"start={today}", "-p", f"end={today}",
                   env=env)
    assert made.returncode == 0, made.stderr
    db = sqlite3.connect(settings.data_dir / "store.db")
    (path,) = db.execute("select path from artifacts where kind = 'xlsx' and run_id = "
                         "(select max(id) from runs)").fetchone()
    db.close()
    return load_workbook(settings.data_dir / path)
