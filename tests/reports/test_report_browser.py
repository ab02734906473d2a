"""The HTML run report in headless Chromium: no console errors, no network, right figures."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from bots.reports import write_run_report
from tests.reports.conftest import KnownStore, keep_artifact

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
NOW = datetime(2026, 4, 1, 8, tzinfo=UTC)


@dataclass
class Browser:
    page: Page
    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def browser(settings: object) -> Iterator[Browser]:
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
    try:
        page = chromium.new_page(viewport={"width": 1300, "height": 900})
        seen = Browser(page)
        page.on("console", lambda m: seen.problems.append(f"{m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda exc: seen.problems.append(f"page error: {exc}"))
        page.on("request", lambda request: seen.requests.append(request.url))
        yield seen
    finally:
        chromium.close()
        playwright.stop()


def numbers(page: Page, selector: str) -> list[int]:
    return [int(text.replace(",", "")) for text in page.locator(selector).all_inner_texts()]


@pytest.mark.browser
def test_report_opens_without_errors_and_shows_the_stores_figures(
        known_store: KnownStore, browser: Browser, tmp_path: Path) -> None:
    report = write_run_report(known_store.engine, known_store.settings, tmp_path / "runs.html",
                              now=NOW)
    page = browser.page
    page.goto(report.path.as_uri())
    runs = known_store.scalar("select count(*) from runs")
    assert page.inner_text("#runs-total") == str(runs) == "8"
    assert page.locator("#run-table tbody tr").count() == runs
    assert page.get_attribute("#run-count", "data-matching") == str(runs)
    failed = known_store.scalar("select count(*) from runs where state = 'failed'")
    assert page.inner_text('[data-state="failed"]') == str(failed)
    done = known_store.scalar("select count(*) from work_items where state = 'done'"
                              " and coalesce(reason, '') != 'done_by_hand' and last_run_id is not null")
    assert page.inner_text('#outcome-totals [data-outcome="done"]') == str(done)

    # The run list filters, sorts and links to the details shown.
    page.fill("#q", "key_sales")
    assert page.get_attribute("#run-count", "data-matching") == "2"
    assert sum(numbers(page, "#run-table tbody td:nth-child(7)")) == known_store.scalar(
        "select count(*) from work_items w join runs r on r.id = w.last_run_id"
        " where r.recipe = 'key_sales' and w.state = 'done'"
        " and coalesce(w.reason, '') != 'done_by_hand'")
    page.fill("#q", "")
    page.select_option("#f-state", "failed")
    assert page.get_attribute("#run-count", "data-matching") == str(failed)
    page.select_option("#f-state", "")
    page.click('th[data-key="seconds"]')  # longest first
    assert page.inner_text("#run-table tbody tr:first-child td:first-child") == str(
        known_store.run_ids["sales_sun"])
    wed = known_store.run_ids["invoices_wed"]
    page.click(f'#run-table a[href="#run-{wed}"]')
    assert page.evaluate("location.hash") == f"#run-{wed}"
    image = page.locator(f"#run-{wed} figure img")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 40

    page.evaluate("window.scrollTo(0, 0)")
    shot = tmp_path / "run-report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    keep_artifact(shot)
    assert browser.problems == []
    assert set(browser.requests) == {report.path.as_uri()}  # nothing else was fetched
