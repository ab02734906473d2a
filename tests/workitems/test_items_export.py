"""Listing, filtering and exporting items; files people open are formula-injection safe."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from bots.clock import FrozenClock
from bots.errors import ApplicationError, BusinessError, UsageError
from bots.workitems import WorkQueue
from bots.workitems.commands import ItemFilter, export_items, list_items, queue_counts

QueueFactory = Callable[..., WorkQueue]
MADRID = ZoneInfo("Europe/Madrid")
UTC_TZ = ZoneInfo("UTC")
NASTY = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-3+4", "@SUM(A1)", "\t=1", "plain"]


def fill(q: WorkQueue, clock: FrozenClock) -> None:
    q.put_many([(f"S-{n}", {"n": n}) for n in range(1, 5)])
    clock.advance(hours=1)
    q.put("late", {"note": "=cmd|' /C calc'!A0"}, deadline=clock.now() + timedelta(hours=1))
    with q.claim() as item:  # type: ignore[union-attr]
        raise BusinessError("=EVIL()")
    with q.claim() as item:  # type: ignore[union-attr]
        raise ApplicationError("portal down")
    with q.claim() as item:  # type: ignore[union-attr]
        item.output = {"reference": "-R1"}


def test_filters(make_queue: QueueFactory, clock: FrozenClock, store: Engine) -> None:
    q = make_queue()
    fill(q, clock)
    make_queue("other").put("S-1", {})
    assert [i.key for i in list_items(store, "sales")] == ["S-1", "S-2", "S-3", "S-4", "late"]
    assert [i.key for i in list_items(store, "sales", ItemFilter(states=("review",)))] == ["S-1"]
    assert [i.key for i in list_items(store, "sales", ItemFilter(states=("pending",)))] == [
        "S-2", "S-4", "late"]
    assert [i.key for i in list_items(store, None, ItemFilter(key="S-1"))] == ["S-1", "S-1"]
    assert [i.key for i in list_items(store, "sales", ItemFilter(key="S-*"))] == [
        "S-1", "S-2", "S-3", "S-4"]
    assert [i.key for i in list_items(store, "sales", ItemFilter(error="portal"))] == ["S-2"]
    assert [i.key for i in list_items(store, "sales", ItemFilter(since=clock.now()))] == ["late"]
    assert list_items(store, "sales", ItemFilter(limit=2))[-1].key == "S-2"
    clock.advance(hours=2)
    assert [i.key for i in list_items(store, "sales", ItemFilter(overdue=True), clock=clock)] == [
        "late"]
    with pytest.raises(UsageError, match="--state 'lost'"):
        list_items(store, "sales", ItemFilter(states=("lost",)))
    counts = queue_counts(store)
    assert counts["sales"]["business_exception"] == 1 and counts["other"]["pending"] == 1


def test_csv_export_quotes_formula_like_text(make_queue: QueueFactory, clock: FrozenClock,
                                             store: Engine, tmp_path: Path) -> None:
    q = make_queue()
    q.put_many([(text, {"text": text}) for text in NASTY])
    with q.claim():  # type: ignore[union-attr]
        raise BusinessError("=EVIL()")
    path = tmp_path / "items.csv"
    assert export_items(store, "sales", path, tz=MADRID) == len(NASTY)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["key"] for r in rows] == ["'" + t if t != "plain" else t for t in NASTY]
    assert rows[0]["last_error"] == "'=EVIL()"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    # times are in the zone asked for: 09:00 UTC is 10:00 in Madrid in January
    assert rows[0]["created_at"] == "2026-01-05 10:00:00"


def test_xlsx_export_stores_formula_like_text_as_text(make_queue: QueueFactory,
                                                      clock: FrozenClock, store: Engine,
                                                      tmp_path: Path) -> None:
    q = make_queue()
    q.put_many([(text, {"text": text}) for text in NASTY])
    path = tmp_path / "items.xlsx"
    export_items(store, "sales", path, tz=UTC_TZ)
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # no formula anywhere
    ws = load_workbook(path).active
    header = [c.value for c in ws[1]]
    keys = [ws.cell(r, header.index("key") + 1) for r in range(2, ws.max_row + 1)]
    assert [c.value for c in keys] == NASTY  # exactly the text, no quote added
    assert all(c.data_type == "s" for c in keys)
    created = ws.cell(2, header.index("created_at") + 1).value
    assert created == datetime(2026, 1, 5, 9, 0)
    assert ws.cell(2, header.index("attempts") + 1).value == 0


def test_export_refuses_other_formats(store: Engine, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"\.csv or \.xlsx"):
        export_items(store, "sales", tmp_path / "items.json", tz=MADRID)
