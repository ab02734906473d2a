"""The portal in a real headless Chromium: login, the form in its iframe, the confirm()."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, sync_playwright

from demo.portal import PortalServer

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the system Chromium"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _fill_sale(page: Page, external_id: str) -> None:
    frame = page.frame_locator("iframe[name=entry]")
    frame.locator("#external_id").fill(external_id)
    frame.locator("#sale_date").fill("15/03/2026")
    frame.locator("#customer_name").fill("Begoña Ibáñez")
    frame.locator("#customer_tax_id").fill("12345678Z")
    frame.locator("#product").select_option("MOB-UNL")
    frame.locator("#quantity").fill("1")
    frame.locator("#amount").fill("1.234,56")
    frame.locator("#currency").select_option("EUR")
    frame.locator("#payment_method_card").check()
    frame.locator("#channel").select_option("phone")
    frame.locator("#seller").fill("ana.ruiz")
    frame.locator("#validator").fill("m.campos")
    frame.locator("#consent").check()
    frame.locator("#notes").fill("keyed by a real browser")


def test_key_a_sale_through_chromium(portal: PortalServer, page: Page) -> None:
    page.goto(f"{portal.url}/sales/new")
    assert "/login?next=/sales/new" in page.url
    page.fill("#username", "robot")
    page.fill("#password", "robot-pass")
    page.click("#login-button")
    page.wait_for_url(f"{portal.url}/sales/new")

    # A bot that dismisses the confirm() dialog saves nothing.
    answers: list[str] = []

    def answer(dialog: Dialog) -> None:
        answers.append(dialog.message)
        dialog.dismiss() if len(answers) == 1 else dialog.accept()

    page.on("dialog", answer)
    _fill_sale(page, "BROWSER-1")
    frame = page.frame_locator("iframe[name=entry]")
    frame.locator("#save-button").click()
    frame.locator("#save-button").click()
    reference = frame.locator("#confirmation strong.reference").inner_text()
    assert answers == ["Save this sale?", "Save this sale?"]
    assert reference.startswith("S-") and reference.endswith("000001")

    conn = sqlite3.connect(portal.config.db_path)
    stored = conn.execute("SELECT reference, external_id, amount, customer_name FROM sales").fetchall()
    conn.close()
    assert stored == [(reference, "BROWSER-1", "1234.56", "Begoña Ibáñez")]
