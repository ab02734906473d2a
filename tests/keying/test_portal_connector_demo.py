"""The demo portal through its map: the page objects a recipe uses, against the real thing."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from keying_support import DemoPortal
from openpyxl import load_workbook
from pydantic import SecretStr

from bots.browser import BrowserPool, Lane, LaunchOptions
from connectors.portal import (
    Credentials,
    KeyMode,
    Portal,
    PortalRejected,
    PortalUnavailable,
    load_map,
)

pytestmark = pytest.mark.browser

SALE: dict[str, Any] = {
    "external_id": "SO-T-1", "sale_date": "2026-02-14", "customer_name": "Ana Ruiz",
    "customer_tax_id": "12345678Z", "product": "FIB-600", "quantity": 2, "amount": "1234.50",
    "currency": "EUR", "payment_method": "transfer", "channel": "web", "seller": "ana.ruiz",
    "validator": "m.campos", "consent": True, "notes": "=SUM(A1) is text"}


class Sink:
    def __init__(self, root: Path) -> None:
        self.root, self.added = root, []

    def artifact_path(self, name: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def add_artifact(self, path: Path, *, kind: str = "file") -> None:
        self.added.append((path, kind))


@pytest.fixture
def lane(browser_pool: BrowserPool) -> Iterator[Lane]:
    lane = browser_pool.lane()
    yield lane
    lane.close()


def _portal(lane: Lane, demo_portal: DemoPortal, sink: Sink | None = None) -> Portal:
    portal = Portal(lane, load_map("demo"), base_url=demo_portal.url, sink=sink,
                    credentials=Credentials("robot", SecretStr("robot-pass")))
    portal.start()
    return portal


def test_keys_a_sale_in_the_framed_form_and_finds_it(lane: Lane, demo_portal: DemoPortal) -> None:
    portal = _portal(lane, demo_portal)
    assert portal.find("sale", "SO-T-1") is None
    keyed = portal.key("sale", SALE, key="SO-T-1")

    assert keyed.dialogs == ("confirm: Save this sale?",)  # answered on purpose
    row = demo_portal.rows("SELECT reference, sale_date, amount, payment_method, consent, notes"
                           " FROM sales WHERE external_id = ?", "SO-T-1")
    assert row == [(keyed.reference, "2026-02-14", "1234.50", "transfer", 1, "=SUM(A1) is text")]
    found = portal.find("sale", "SO-T-1")
    assert found is not None and found.reference == keyed.reference and found.copies == 1
    assert portal.spot_check("sale", "SO-T-1", SALE, keyed.reference) == []
    assert portal.spot_check("sale", "SO-T-1", {**SALE, "amount": "1234.51"}, keyed.reference) \
        == ["amount shown '1.234,50', expected '1.234,51'"]


def test_exports_with_the_session(lane: Lane, demo_portal: DemoPortal, tmp_path: Path) -> None:
    portal = _portal(lane, demo_portal)
    keyed = portal.key("sale", SALE, key="SO-T-1", mode=KeyMode.REQUEST)
    demo_portal.drop_sessions()  # the export logs in again by itself
    text = portal.export("csv", tmp_path / "sales.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [(r["reference"], r["external_id"], r["amount"]) for r in rows] == \
        [(keyed.reference, "SO-T-1", "1234,50")]
    book = load_workbook(portal.export("xlsx", tmp_path / "sales.xlsx"))
    assert book.worksheets[0]["A2"].value == keyed.reference


def test_a_500_after_saving_is_a_system_error_whose_sale_is_then_found(
        lane: Lane, demo_portal: DemoPortal) -> None:
    portal = _portal(lane, demo_portal)
    demo_portal.faults(error_after_save_rate=1)
    with pytest.raises(PortalUnavailable, match="HTTP 500|Error 500") as caught:
        portal.key("sale", SALE, key="SO-T-1")
    assert caught.value.after_submit
    demo_portal.faults(error_after_save_rate=0)
    found = portal.find("sale", "SO-T-1")
    assert found is not None and demo_portal.count() == 1


def test_a_dropped_session_is_logged_into_again_before_the_sale_is_keyed(
        lane: Lane, demo_portal: DemoPortal) -> None:
    portal = _portal(lane, demo_portal)
    portal.key("sale", SALE, key="SO-T-1")
    demo_portal.drop_sessions()
    portal.key("sale", {**SALE, "external_id": "SO-T-2"}, key="SO-T-2")
    assert portal.logins == 2 and demo_portal.count() == 2


def test_rejection_keeps_masked_evidence(lane: Lane, demo_portal: DemoPortal,
                                         tmp_path: Path) -> None:
    sink = Sink(tmp_path)
    portal = _portal(lane, demo_portal, sink)
    with pytest.raises(PortalRejected) as caught, portal.watch("SO-T-9"):
        portal.key("sale", {**SALE, "external_id": "SO-T-9", "quantity": "two"}, key="SO-T-9")
    assert caught.value.field_errors == {"quantity": "Quantity must be a whole number of at least 1"}
    kinds = {kind: path for path, kind in sink.added}
    assert set(kinds) == {"screenshot", "html"}
    html = kinds["html"].read_text()
    assert "error-summary" in html and "12345678Z" not in html  # tax id marked sensitive
    assert "robot-pass" not in html
    assert kinds["screenshot"].stat().st_size > 1000
    assert demo_portal.count() == 0


def test_a_trace_is_kept_for_a_failure_with_the_password_masked(
        demo_portal: DemoPortal, tmp_path: Path) -> None:
    sink = Sink(tmp_path)
    with BrowserPool.open(LaunchOptions(trace=True)) as pool:
        lane = pool.lane()
        portal = Portal(lane, load_map("demo"), base_url=demo_portal.url, sink=sink,
                        credentials=Credentials("robot", SecretStr("robot-pass")))
        with pytest.raises(PortalRejected), portal.watch("SO-T-8"):
            portal.start()
            portal.key("sale", {**SALE, "amount": "0"}, key="SO-T-8")
        with portal.watch("SO-T-7"):  # success: nothing kept
            portal.key("sale", {**SALE, "external_id": "SO-T-7"}, key="SO-T-7")
    traces = [path for path, kind in sink.added if kind == "trace"]
    assert len(traces) == 1 and "SO-T-8" in str(traces[0])
    with zipfile.ZipFile(traces[0]) as archive:
        blob = b"".join(archive.read(name) for name in archive.namelist())
    assert b"robot-pass" not in blob
