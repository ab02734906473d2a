"""A portal nobody wrote the toolkit for: a map and a short recipe key it exactly once.

The intranet (intranet_portal.py) is a frameset with a confirm() before saving, CSRF on
every form, sessions that end after a few requests, a 500 after some saves, and a lookup
that searches by customer and date. The recipe is examples/key_orders.py.
"""

from __future__ import annotations

import io
import json
import time
import tokenize
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from intranet_portal import PASSWORD, USER, IntranetPortal
from openpyxl import Workbook, load_workbook

from bots import execute
from bots.settings import reset_settings
from bots.store import open_store
from bots.workitems import WorkQueue
from connectors.portal import MapError, load_map
from tests.helpers import ROOT, run_cli

pytestmark = [pytest.mark.browser, pytest.mark.slow]
EXAMPLES = ROOT / "examples"
HEADERS = ["Ref. pedido", "Razón social", "Fecha pedido", "Importe (€)", "Tipo de envío"]


def _order(n: int) -> list[Any]:
    # Two orders per customer and day, so that the lookup's extra columns must tell them apart.
    return [f"PED-{n:04d}", f"Cliente {n // 2}", date(2026, 3, 1 + n % 20),
            Decimal(f"{100 + n}.{n % 100:02d}"), "express" if n % 3 else "standard"]


def _workbook(path: Path, count: int, bad: bool = True) -> tuple[Path, list[str]]:
    book = Workbook()
    sheet = book.active
    sheet.title = "Pedidos"
    sheet.append(["Pedidos aprobados - marzo"])  # a title row above the header
    sheet.append([])
    sheet.append(HEADERS)
    good = []
    for n in range(1, count + 1):
        sheet.append(_order(n))
        good.append(f"PED-{n:04d}")
    if bad:
        sheet.append(["PED-9001", "Cliente F", date(2026, 3, 3), None, "standard"])
        sheet.cell(row=sheet.max_row, column=4, value="=B2*2")  # a formula, no saved result
        sheet.append(["PED-9002", "=HYPERLINK(\"http://x\",\"clic\")", date(2026, 3, 3),
                      Decimal("10.00"), "standard"])
        sheet.cell(row=sheet.max_row, column=2).data_type = "s"  # typed text, not a formula
        sheet.append(["PED-9003", None, date(2026, 3, 3), Decimal("10.00"), "express"])
        sheet.append(["PED-9004", "Cliente G", "31/02/2026", "12,345", "by pigeon"])
        sheet.append(["PED-0001", "Cliente X", date(2026, 3, 3), Decimal("10.00"), "express"])
    book.save(path)
    return path, good


@pytest.fixture
def intranet(rpa_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[IntranetPortal]:
    portal = IntranetPortal(max_requests=9, error_after_save_every=5,
                            drop_after_save_every=7).start()
    env = {"RPA_PORTAL__URL": portal.url, "RPA_PORTAL__USERNAME": USER,
           "RPA_PORTAL__PASSWORD": PASSWORD, "RPA_RECIPE_PATHS": json.dumps([str(EXAMPLES)]),
           "RPA_BROWSER__CONTEXTS": "2", "RPA_BROWSER__TIMEOUT_MS": "5000",
           "RPA_QUEUES": json.dumps({"intranet_orders": {"retry_delay_seconds": 0.2,
                                                         "retry_attempts": 5}})}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    yield portal
    portal.stop()


def _code_lines(path: Path) -> int:
    """Lines that hold code: not blank, not a comment, not the docstring."""
    lines: set[int] = set()
    previous = None
    for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
        if token.type == tokenize.STRING and previous in (None, tokenize.NEWLINE, tokenize.NL,
                                                          tokenize.INDENT, tokenize.ENCODING):
            previous = token.type  # a docstring, not code
            continue
        if token.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                              tokenize.DEDENT, tokenize.ENDMARKER, tokenize.ENCODING):
            lines.update(range(token.start[0], token.end[0] + 1))
        previous = token.type
    return len(lines)


def test_the_example_recipe_is_short() -> None:
    assert _code_lines(EXAMPLES / "key_orders.py") <= 30


def test_every_valid_order_is_keyed_once_and_bad_rows_are_reported(
        intranet: IntranetPortal, tmp_path: Path) -> None:
    workbook, good = _workbook(tmp_path / "pedidos.xlsx", 16)
    result = execute("key_orders", {"workbook": str(workbook)})

    assert result.state == "succeeded_with_exceptions", result.error
    stored = intranet.by_reference()
    assert sorted(stored) == sorted(good)
    assert all(len(numbers) == 1 for numbers in stored.values()), stored
    assert result.summary["outcomes"]["rejected"] == 5
    problems = _exceptions(result.run_id)
    assert {(p["Row"], p["Column"]) for p in problems} >= {
        (20, "Importe (€)"), (21, "Razón social"), (22, "Razón social"), (23, "Fecha pedido"),
        (23, "Importe (€)"), (23, "Tipo de envío"), (24, "Ref. pedido")}
    by_cell = {(p["Row"], p["Column"]): p for p in problems}
    assert "formula (=B2*2)" in by_cell[(20, "Importe (€)")]["Reason"]
    assert "formula" in by_cell[(21, "Razón social")]["Reason"]
    assert by_cell[(21, "Razón social")]["Value as found"].startswith("=HYPERLINK(")
    assert by_cell[(22, "Razón social")]["Reason"] == "is missing"
    assert "already on row 4" in by_cell[(24, "Ref. pedido")]["Reason"]

    again = execute("key_orders", {"workbook": str(workbook)})
    assert again.state == "succeeded_with_exceptions", again.error
    assert intranet.by_reference() == stored  # a rerun keys nothing
    assert not {"done", "found_done"} & set(again.summary.get("outcomes", {}))


def _exceptions(run_id: int) -> list[dict[str, Any]]:
    from bots.settings import get_settings

    path = next((get_settings().runs_dir / str(run_id)).rglob("exceptions.xlsx"))
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:] if row[0] is not None]


def _recipe_with_map(name: str, queue: str, portal_map: Any, workbook: Path) -> None:
    """key_orders' steps registered as recipe `name` on its own queue, keying with another
    map (a variant of the example's), one context."""
    from bots import Queue, recipe
    from connectors.portal import key_records
    from connectors.sheets import read_rows
    from examples.key_orders import Order

    @recipe(name=name, queue=Queue(queue))
    def variant(run: Any) -> None:
        rows = read_rows(workbook, Order, columns=EXAMPLES / "key_orders.columns.toml")
        run.queue().put_many((v.value.ref, v.value.model_dump(mode="json")) for v in rows.valid)
        key_records(run, portal_map=portal_map, form="order", contexts=1)


def _map_variant(tmp_path: Path, old: str, new: str) -> Path:
    text = (EXAMPLES / "key_orders.toml").read_text()
    assert old in text
    path = tmp_path / "variant.toml"
    path.write_text(text.replace(old, new))
    return path


def test_a_map_without_a_lookup_is_refused_when_loaded(tmp_path: Path) -> None:
    path = _map_variant(tmp_path, 'lookup = "order"', "")
    with pytest.raises(MapError, match="no lookup.*keyed twice"):
        load_map(path)


def test_dropped_sessions_right_after_saves_never_key_twice_with_a_lookup(
        intranet: IntranetPortal, tmp_path: Path) -> None:
    intranet.state.drop_after_save_every = 2  # every second save answers with the login page
    intranet.state.error_after_save_every = 0
    workbook, good = _workbook(tmp_path / "pedidos.xlsx", 12, bad=False)
    result = execute("key_orders", {"workbook": str(workbook)})
    assert result.state == "succeeded", result.error
    stored = intranet.by_reference()
    assert sorted(stored) == sorted(good) and all(len(v) == 1 for v in stored.values())

    # Each submit is audited under its item: saved with its reference, or fate unknown.
    import sqlalchemy as sa

    from bots.store.schema import audit_events
    with open_store().connect() as conn:
        events = conn.execute(sa.select(audit_events.c.subject, audit_events.c.data).where(
            audit_events.c.action == "portal.submitted")).all()
    fates = [(subject, json.loads(data)["fate"]) for subject, data in events]
    assert {s for s, fate in fates if fate == "saved"} <= {f"item:intranet_orders/{k}" for k in good}
    assert any(fate == "unknown" for _, fate in fates)  # the saves answered by a login page


def test_a_lookup_that_posts_a_search_form_with_its_csrf_token(
        intranet: IntranetPortal, tmp_path: Path) -> None:
    intranet.state.drop_after_save_every = 2
    intranet.state.error_after_save_every = 0
    posted = _map_variant(tmp_path, 'url = "/cgi/consulta?cli={customer}&fec={fecha}"',
                          'url = "/cgi/consulta"\nmethod = "post"\n'
                          'form = { cli = "{customer}", fec = "{fecha}" }\n'
                          'page = "/cgi/buscar"\nsubmit = "input[name=buscar]"')
    the_map = load_map(posted)
    assert the_map.search("order").record_fields() == {"customer", "day", "amount"}
    workbook, good = _workbook(tmp_path / "pedidos.xlsx", 8, bad=False)
    _recipe_with_map("key_orders_posted", "posted_orders", the_map, workbook)
    result = execute("key_orders_posted", {})
    assert result.state == "succeeded", result.error
    stored = intranet.by_reference()
    assert sorted(stored) == sorted(good) and all(len(v) == 1 for v in stored.values())
    queue = WorkQueue(open_store(), "posted_orders")
    found = [k for k in good if queue.get(k).output.get("found_in_portal")]
    assert found  # a save answered with the login page was found by the posted lookup


def test_an_unknown_fate_with_no_lookup_goes_to_review_never_twice(
        intranet: IntranetPortal, tmp_path: Path) -> None:
    intranet.state.drop_after_save_every = 3
    intranet.state.error_after_save_every = 0
    blind = _map_variant(tmp_path, 'lookup = "order"', 'on_unknown = "review"')
    workbook, good = _workbook(tmp_path / "pedidos.xlsx", 9, bad=False)

    _recipe_with_map("key_orders_blind", "blind_orders", blind, workbook)

    result = execute("key_orders_blind", {})
    assert result.state == "succeeded_with_exceptions", result.error
    stored = intranet.by_reference()
    assert all(len(v) == 1 for v in stored.values()), stored  # never twice
    queue = WorkQueue(open_store(), "blind_orders")
    review = [k for k in good if queue.get(k).state == "system_exception"]
    assert review and all(queue.get(k).reason == "fate_unknown" for k in review)
    assert set(review) <= set(stored)  # they were in fact saved: a person settles them
    assert {k for k in good if queue.get(k).state == "done"} | set(review) == set(good)


def test_a_portal_that_goes_down_fails_the_run_and_leaves_the_rest_pending(
        intranet: IntranetPortal, tmp_path: Path, rpa_env: dict[str, str]) -> None:
    intranet.state.down_after_saves = 4
    intranet.state.error_after_save_every = intranet.state.drop_after_save_every = 0
    workbook, good = _workbook(tmp_path / "pedidos.xlsx", 20, bad=False)
    started = time.monotonic()
    done = run_cli("run", "key_orders", "-p", f"workbook={workbook}", env=_env(intranet),
                   timeout=300)
    seconds = time.monotonic() - started

    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Outage" in done.stdout + done.stderr or "in a row" in done.stdout + done.stderr
    assert seconds < 240  # bounded: not every item's retries worn down
    queue = WorkQueue(open_store(), "intranet_orders")
    stored = intranet.by_reference()
    states = {k: queue.get(k).state for k in good}
    assert {k for k, s in states.items() if s == "done"} <= set(stored)  # done: the portal shows it
    assert sum(s == "pending" for s in states.values()) >= 10  # not attempted: still pending
    assert all(len(v) == 1 for v in stored.values())


def _env(intranet: IntranetPortal) -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k.startswith("RPA_")}


def test_an_order_already_keyed_twice_by_someone_goes_to_review(
        intranet: IntranetPortal, tmp_path: Path) -> None:
    workbook, good = _workbook(tmp_path / "pedidos.xlsx", 3, bad=False)
    twice = {"number": "PD-900001", "cli": "Cliente 0", "fec": "02.03.2026", "imp": "101,01",
             "tip": "U", "sref": "PED-0001"}
    intranet.state.orders += [twice, {**twice, "number": "PD-900002"}]  # keyed twice by hand
    result = execute("key_orders", {"workbook": str(workbook)})
    assert result.state == "succeeded_with_exceptions", result.error
    record = WorkQueue(open_store(), "intranet_orders").get("PED-0001")
    assert record.state == "business_exception" and record.reason == "keyed_more_than_once"
    assert "PD-900001" in record.last_error and "PD-900002" in record.last_error
    assert len(intranet.by_reference()["PED-0001"]) == 2  # nothing keyed a third time
