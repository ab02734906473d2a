"""Keying benchmark: a plain Playwright script against the key_sales recipe, in one run.

    .venv/bin/python benchmarks/keying.py                # 300 sales, 20 ms latency
    .venv/bin/python benchmarks/keying.py --quick        # 40 sales, a smoke run

Each contender keys the same 300 valid sales into its own fresh demo portal (a separate
process, as a third party's system would be, with 20 ms added to every request):

(a) baseline: a Playwright script written the way a typical user writes one: the sync
    API, one page; per sale: go to the form, fill field by field, click Save, accept the
    confirm(), wait for the confirmation. No check before acting, no evidence, no audit.
(b) key_sales: the recipe as the scheduler runs it (validation, work items, check-before-
    act through the portal's search, lease renewal before each submit, audit events,
    evidence on failure, output workbook), UI keying with the settings' contexts.
(c) key_sales in request mode (the opt-in stretch), with UI spot checks, with
    `--request-contexts` contexts (4 by default): posts go through the context's own HTTP
    client, not through a page.

Items/s are measured from start (browser launch, login, reading the workbook) to the last
sale keyed. The portal's own database is the truth: duplicates are external ids stored
more than once, missing are valid sales not stored. A table is printed, then, as the last
line, one JSON object with the figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sqlite3  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

from openpyxl import load_workbook  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from demo.samples.sales import HEADER_ROW, generate_sales, write_sales_workbook  # noqa: E402


@dataclass(frozen=True)
class Figure:
    name: str
    items: int
    seconds: float
    duplicates: int
    missing: int

    @property
    def items_per_s(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0


@contextmanager
def demo_portal(db: Path, latency_ms: int) -> Iterator[str]:
    """The demo portal in its own process; yields its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "demo.portal", "--port", "0", "--db", str(db),
         "--latency-ms", str(latency_ms)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=Path(__file__).parent.parent)
    try:
        url = process.stdout.readline().strip() if process.stdout else ""
        if not url.startswith("http"):
            raise RuntimeError("the demo portal did not start")
        yield url
    finally:
        process.terminate()
        process.wait(10)


def truth(db: Path, expected: list[str]) -> tuple[int, int]:
    with sqlite3.connect(db) as conn:
        counts = dict(conn.execute("SELECT external_id, count(*) FROM sales GROUP BY external_id"))
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    return duplicates, sum(1 for key in expected if key not in counts)


def baseline(url: str, workbook: Path, chromium: str, args: list[str]) -> int:
    """(a) The script a typical user writes (kept plain on purpose)."""
    sheet = load_workbook(workbook).active
    rows = list(sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    keyed = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=args)
        page = browser.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(url + "/login")
        page.fill("#username", "robot")
        page.fill("#password", "robot-pass")
        page.click("#login-button")
        page.wait_for_selector("#current-user")
        for (ext_id, day, customer, tax_id, product, quantity, amount, currency, payment,
             channel, seller, validator, consent, notes) in rows:
            page.goto(url + "/sales/new")
            form = page.frame_locator("#entry")
            form.locator("#external_id").fill(ext_id)
            form.locator("#sale_date").fill(day.strftime("%d/%m/%Y"))
            form.locator("#product").select_option(product)
            form.locator("#quantity").fill(str(quantity))
            form.locator("#amount").fill(f"{amount:.2f}".replace(".", ","))
            form.locator("#currency").select_option(currency)
            form.locator("#customer_name").fill(customer)
            form.locator("#customer_tax_id").fill(tax_id)
            form.locator(f"#payment_method_{payment}").check()
            form.locator("#channel").select_option(channel)
            form.locator("#seller").fill(seller)
            form.locator("#validator").fill(validator)
            if consent == "Yes":
                form.locator("#consent").check()
            form.locator("#notes").fill(notes or "")
            form.locator("#save-button").click()
            form.locator("#confirmation").wait_for()
            keyed += 1
        browser.close()
    return keyed


def key_sales(url: str, workbook: Path, data: Path, mode: str, contexts: int | None) -> dict[str, Any]:
    """(b)/(c) The recipe, executed as the command line or the scheduler does."""
    os.environ.update({"RPA_DATA_DIR": str(data), "RPA_PORTAL__URL": url,
                       "RPA_LOG__LEVEL": "WARNING"})
    from bots import execute
    from bots.settings import reset_settings
    from bots.store import close_stores

    reset_settings()
    close_stores()
    params: dict[str, Any] = {"workbook": str(workbook), "mode": mode}
    if contexts:
        params["contexts"] = contexts
    result = execute("key_sales", params)
    if not result.ok:
        raise RuntimeError(f"key_sales {mode} ended {result.state}: {result.error}")
    return result.summary


def run(args: argparse.Namespace) -> list[Figure]:
    from bots.settings import BrowserSettings

    settings = BrowserSettings()
    work = Path(tempfile.mkdtemp(prefix="keying-bench-"))
    workbook = write_sales_workbook(work / "sales.xlsx", count=args.count, seed=args.seed, invalid=0)
    expected = generate_sales(args.count, args.seed, 0).valid_external_ids
    figures = []
    contenders = [("a", "baseline: plain Playwright script")]
    contenders.append(("b", f"key_sales (ui, {args.contexts or settings.contexts} contexts)"))
    if not args.skip_request:
        contenders.append(("c", f"key_sales (request mode, {args.request_contexts} contexts)"))
    for tag, name in contenders:
        db = work / f"portal-{tag}.db"
        with demo_portal(db, args.latency_ms) as url:
            started = time.perf_counter()
            if tag == "a":
                baseline(url, workbook, str(settings.executable_path), list(settings.args))
            else:
                key_sales(url, workbook, work / f"data-{tag}", "ui" if tag == "b" else "request",
                          args.contexts if tag == "b" else args.request_contexts)
            seconds = time.perf_counter() - started
        duplicates, missing = truth(db, expected)
        figures.append(Figure(name, args.count, seconds, duplicates, missing))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--contexts", type=int, default=None, help="default: the settings'")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-request", action="store_true", help="leave out (c)")
    parser.add_argument("--request-contexts", type=int, default=4, help="contexts for (c)")
    parser.add_argument("--quick", action="store_true", help="40 sales")
    args = parser.parse_args()
    if args.quick:
        args.count = 40
    figures = run(args)
    width = max(len(f.name) for f in figures)
    lines = [f"{'contender':<{width}}  items  seconds  items/s  ratio  duplicates  missing"]
    base = figures[0].items_per_s
    for f in figures:
        lines.append(f"{f.name:<{width}}  {f.items:5d}  {f.seconds:7.1f}  {f.items_per_s:7.2f}"
                     f"  {f.items_per_s / base:5.1f}  {f.duplicates:10d}  {f.missing:7d}")
    sys.stdout.write("\n".join(lines) + "\n")
    result: dict[str, Any] = {
        "items": args.count, "latency_ms": args.latency_ms,
        "baseline_items_per_s": round(figures[0].items_per_s, 2),
        "key_sales_items_per_s": round(figures[1].items_per_s, 2),
        "ratio": round(figures[1].items_per_s / base, 2),
        "duplicates": sum(f.duplicates for f in figures[1:]),
        "missing": sum(f.missing for f in figures[1:]),
        "baseline_duplicates": figures[0].duplicates}
    if len(figures) > 2:
        result["request_mode_items_per_s"] = round(figures[2].items_per_s, 2)
        result["request_mode_ratio"] = round(figures[2].items_per_s / base, 2)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
