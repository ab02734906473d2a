"""The grown HTML run report in Chromium: statistics per recipe, the error column, the
real message before the traceback, step bars coloured by exceptions, log lines by step
with a level filter, links from items to their evidence, search on the review list."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from bots.reports.run_extras import message_of, readable, safe_name
from bots.settings import Settings
from tests.helpers import run_cli
from tests.reports.conftest import keep_artifact

RECIPES = Path(__file__).resolve().parent / "recipes_for_figures"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def test_message_first_and_readable_summaries() -> None:
    trace = ('Traceback (most recent call last):\n  File "tenacity/__init__.py", line 1, in x\n'
             "    return fn()\nKeyError: 'ledger'\n\nThe above exception was the direct cause"
             ' of the following exception:\n\nTraceback (most recent call last):\n  File "r.py"'
             ", line 2, in y\n    raise RuntimeError\nRuntimeError: the ledger is locked\n")
    assert message_of(trace) == "RuntimeError: the ledger is locked"
    assert readable({"items": {"done": 5, "business_exception": 2}, "queued": 1200}, 200) == (
        "items: done 5, business exception 2 · queued: 1,200")


def test_safe_name_is_the_browser_evidence_rule() -> None:
    from bots.browser.evidence import safe_name as browser_safe_name

    for key in ("S-0001", "a/b c", "..x..", "ñandú 12", ""):
        assert safe_name(key) == browser_safe_name(key)


@pytest.mark.browser
def test_report_reads_like_a_log(settings: Settings, rpa_env: dict[str, str],
                                 tmp_path: Path) -> None:
    env = {**rpa_env, "RPA_RECIPE_PATHS": json.dumps([str(RECIPES)])}
    assert run_cli("run", "figures_bot", env=env).returncode == 3  # a system exception left
    assert run_cli("run", "figures_bot", "-p", "done=1", "-p", "fail=true",
                   env=env).returncode == 1
    db = sqlite3.connect(settings.data_dir / "store.db")
    sql = {
        "runs": db.execute("select count(*) from runs").fetchone()[0],
        "done": db.execute("select count(*) from work_items where state = 'done'").fetchone()[0],
        "exceptions": db.execute("select count(*) from work_items where state not in"
                                 " ('done', 'pending', 'in_progress')").fetchone()[0]
        + db.execute("select count(*) from rejected_rows").fetchone()[0],
    }
    log_path = db.execute("select log_path from runs where id = 1").fetchone()[0]
    db.close()
    warnings = sum(json.loads(line)["level"] in ("WARNING", "ERROR", "CRITICAL")
                   for line in Path(log_path).read_text().splitlines())
    out = tmp_path / "runs.html"
    assert run_cli("report", "html", "--out", str(out), env=env).returncode == 0

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.goto(out.as_uri())

        stats = page.locator('#recipe-stats tr[data-recipe="figures_bot"]')
        assert stats.locator('[data-stat="runs"]').inner_text() == str(sql["runs"])
        assert stats.locator('[data-stat="failed"]').inner_text() == "1"
        assert stats.locator('[data-stat="done"]').inner_text() == str(sql["done"])
        assert stats.locator('[data-stat="exceptions"]').inner_text() == str(sql["exceptions"])

        failed_row = page.locator("#run-table tbody tr", has_text="failed")
        assert failed_row.locator("td.error").inner_text() == (
            "RuntimeError: the ledger workbook is locked by another user")
        failed = page.locator("#run-2")
        assert "the ledger workbook is locked" in failed.locator("p.message").first.inner_text()
        assert not failed.locator("pre.error").first.is_visible()  # traceback folded below
        assert page.locator("#run-2 pre.error").count() == 1  # one traceback, not two

        work = page.locator("#run-1 .tl-row", has_text="work")
        assert "oc-ok-system_exception" in work.locator(".tl-bar").get_attribute("class")
        assert work.locator('[data-step-exceptions="business_exception"]').inner_text().startswith("2")

        page.click("#expand-all")
        page.select_option("#log-level", "WARNING")
        visible = page.locator("#run-1 .log-line:visible").count()
        assert visible == warnings > 0
        page.select_option("#log-level", "DEBUG")
        assert page.locator("#run-1 .log-line:visible").count() > visible

        links = page.locator("#review-items a.evidence")
        assert links.count() == 2  # the 2 business exceptions (run 2 found its keys queued)
        assert all(re.match(r"file:///.+/evidence/k\d+/001-lane0\.png$", h or "")
                   for h in [links.nth(n).get_attribute("href") for n in range(links.count())])
        artifact = page.locator("#run-1 table.artifacts a").first.get_attribute("href")
        assert artifact and artifact.startswith("file:///")

        total = page.locator("#review-items tbody tr").count()
        page.fill("#review-q", "customer unknown")
        assert page.get_attribute("#review-count", "data-matching") == "2"
        assert page.locator("#review-items tbody tr:visible").count() == 2 < total == 3
        page.fill("#review-q", "")
        page.select_option("#log-level", "INFO")
        page.screenshot(path=str(tmp_path / "run-report.png"), full_page=True)
        keep_artifact(tmp_path / "run-report.png")
        assert problems == []
        chromium.close()
