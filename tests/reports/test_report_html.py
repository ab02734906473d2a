"""The HTML run report: complete for the runs it lists, escaped, self-contained, capped."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from bots.reports import Limits, RunFilter, render_run_report, write_run_report
from bots.reports.cli import register
from tests.reports.conftest import EVIL_REASON, SCRIPT_TEXT, KnownStore

NOW = datetime(2026, 4, 1, 8, tzinfo=UTC)


def render(store: KnownStore, **kwargs: Any) -> tuple[str, dict[str, Any]]:
    return render_run_report(store.engine, store.settings, now=NOW, **kwargs)


def run_list(page: str) -> list[list[Any]]:
    match = re.search(r'<script type="application/json" id="runs-data">(.*?)</script>', page, re.S)
    assert match, "the run list's JSON is missing"
    return json.loads(match.group(1))


def test_lists_every_run_with_its_items_by_outcome(known_store: KnownStore) -> None:
    page, context = render(known_store)
    rows = run_list(page)
    total = known_store.scalar("select count(*) from runs")
    assert len(rows) == total == context["runs_total"] == 8
    fields = context["run_fields"]
    by_id = {row[0]: dict(zip(fields, row, strict=True)) for row in rows}
    mon = by_id[known_store.run_ids["sales_mon"]]
    assert (mon["done"], mon["exceptions"], mon["open"]) == (
        known_store.scalar("select count(*) from work_items where last_run_id = :r and state = 'done'",
                           r=mon["id"]), 3, 0)
    assert mon["state"] == "succeeded_with_exceptions" and mon["detail"] == 1
    assert f'<b id="runs-total">{total}</b>' in page
    assert '<b data-state="failed">2</b>' in page


def test_every_text_is_escaped_and_the_json_cannot_close_its_script(known_store: KnownStore) -> None:
    page, _ = render(known_store)
    assert SCRIPT_TEXT not in page and "alert(" in page  # there, but as text
    assert "&lt;/script&gt;&lt;script&gt;alert(&#39;x&#39;)" in page
    assert EVIL_REASON not in page and "=HYPERLINK(&#34;http://evil.example&#34;" in page
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, re.S)
    assert len(scripts) == 3  # fields, run list, the code: nothing injected
    assert all("<script" not in body for body in scripts)


def test_self_contained_no_network(known_store: KnownStore) -> None:
    page, _ = render(known_store)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<link" not in page


def test_detail_has_steps_errors_screenshots_and_artifacts(known_store: KnownStore) -> None:
    page, _ = render(known_store)
    wed = known_store.run_ids["invoices_wed"]
    section = page[page.index(f'<article class="run" id="run-{wed}">'):]
    section = section[: section.index("</article>")]
    assert "apply" in section and "30.0 min" in section  # the step and its duration
    assert "Traceback (most recent call last)" in section and "Error (system)" in section
    assert section.count('src="data:image/png;base64,') == 1  # failure.png embedded
    assert "huge.png" in section and "not embedded" in section and "over the" in section
    assert "ab" * 32 in section and "screenshot" in section  # artifacts with sha256
    assert 'data-outcome="business_exception">1<' in section


def test_review_list_holds_the_items_in_exception_with_reasons(known_store: KnownStore) -> None:
    page, context = render(known_store)
    expected = known_store.scalar(
        "select count(*) from work_items where state in ('business_exception', 'system_exception')")
    assert context["review_total"] == expected == 5
    assert "Awaiting review: 5 items" in page and "invalid_vat" in page
    assert {row["id"] for row in context["review_items"]} == {
        i for (i,) in known_store.rows("select id from work_items where state like '%exception'")}


def test_filters_and_limits(known_store: KnownStore) -> None:
    page, context = render(known_store, run_filter=RunFilter(recipe="key_sales"))
    assert len(run_list(page)) == 2 and context["review_total"] == 3
    since = RunFilter(since=datetime(2026, 3, 26, tzinfo=UTC))
    _, context = render(known_store, run_filter=since)
    assert context["runs_total"] == known_store.scalar(
        "select count(*) from runs where created_at >= '2026-03-26 00:00:00.000000'")
    limits = Limits(detail_recent=1, detail_problems=2, runs_listed=3, review_items=2,
                    screenshot_bytes=50, error_chars=40)
    page, context = render(known_store, limits=limits)
    assert len(run_list(page)) == 3 and context["runs_total"] == 8
    assert "The newest 3 of 8 runs are listed" in page
    assert dict(context["outcome_totals"]) == {"done": 3 + 2}  # items of runs 8 and 6 only
    assert context["detail_count"] == 3  # the newest run and the two newest failed ones
    assert "The newest 2 of 5 items are listed" in page
    assert "characters cut" in page and 'src="data:image' not in page


def test_report_html_command(known_store: KnownStore, tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(lambda: None)  # a second command, so `report` stays a group
    register(app)
    out = tmp_path / "out" / "runs.html"
    result = CliRunner().invoke(app, ["report", "html", "--recipe", "key_sales", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 of 2 runs listed" in result.output and out.exists()
    bad = CliRunner().invoke(app, ["report", "html", "--since", "yesterday-ish"])
    assert bad.exit_code == 2 and "--since" in bad.output
    default = CliRunner().invoke(app, ["report", "html"])
    assert default.exit_code == 0
    assert list((known_store.settings.data_dir / "reports").glob("runs-*.html"))


def test_empty_store_renders(settings: Any, tmp_path: Path) -> None:
    from bots.store import open_store

    written = write_run_report(open_store(settings), settings, tmp_path / "empty.html", now=NOW)
    page = written.path.read_text()
    assert written.runs_total == 0 and "No item is waiting for a person." in page


def test_public_names_resolve() -> None:
    import bots.reports

    for name in bots.reports.__all__:
        assert getattr(bots.reports, name) is not None
