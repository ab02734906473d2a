"""End to end in headless Chromium on the demo portal's order program: every request kind,
the refused ones (cancel after dispatch turned into a return offer, return after the
window, quantity above delivered, slot full, address after picking), four eyes, mail
items answered in their thread, the workbooks, and a rerun that changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from orders_support import CHROMIUM, body_of, history, items, messages, outcome

from bots.executor import execute
from bots.settings import get_settings
from bots.store import open_store
from bots.workitems import WorkQueue
from demo.orders_world import OrdersWorld
from demo.portal import PortalConfig, PortalServer
from demo.portal.db import connect
from demo.portal.orders import get_order

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the system Chromium")]


def table(path: Path) -> list[dict[str, object]]:
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def queue_mails(world: OrdersWorld) -> None:
    """What mail triage does: one item per routed mail in the queue order_requests."""
    WorkQueue(open_store(), "order_requests").put_many(world.mails)


def test_every_request_kind_through_the_portal(orders_portal: PortalServer,
                                               orders_world: OrdersWorld) -> None:
    queue_mails(orders_world)
    result = execute("order_requests", {"requests": str(orders_world.requests)})
    assert result.state == "succeeded_with_exceptions", result.error
    store_url = get_settings().store_url
    found = items(store_url)
    queued = {k: v for k, v in orders_world.expected.items() if v[0] != "rejected"}
    assert {k: outcome(found[k]) for k in queued} == queued

    # the portal shows each applied request once, with the reference the item recorded
    applied = [k for k, (o, _) in queued.items() if o in ("done", "converted")]
    shown = history(orders_world.db)
    assert sorted(shown) == sorted(applied)
    for key in applied:
        assert [h["reference"] for h in shown[key]] == [found[key]["output"]["reference"]]
    conn = connect(orders_world.db)
    assert get_order(conn, "ORD-1001").state == "cancelled"  # type: ignore[union-attr]
    partial = get_order(conn, "ORD-1002")
    assert partial is not None and partial.state == "partially_returned"
    assert [(line["line_no"], line["returned"]) for line in partial.lines] == [(1, 0), (2, 2)]
    assert get_order(conn, "ORD-1003").state == "dispatched"  # type: ignore[union-attr]
    assert shown["REQ-003"][0]["action"] == "RETURN OFFERED"
    assert get_order(conn, "ORD-1012").state == "returned"  # type: ignore[union-attr]
    assert get_order(conn, "ORD-1006").address.startswith("Calle Mayor 12")  # type: ignore[union-attr]
    booked = get_order(conn, "ORD-1009")
    tomorrow_plus_one = orders_world.today.toordinal() + 2
    assert booked is not None and booked.slot is not None
    assert booked.slot["day"] == type(orders_world.today).fromordinal(tomorrow_plus_one).isoformat()
    assert shown["REQ-010"][0]["reference"].startswith("CLM-")
    # nothing changed where the request was refused
    assert get_order(conn, "ORD-1005").lines[0]["returned"] == 0  # type: ignore[union-attr]
    assert get_order(conn, "ORD-1008").slot is None  # type: ignore[union-attr]
    assert get_order(conn, "ORD-1007").address == "Calle Antigua 1, 28001 Madrid"  # type: ignore[union-attr]
    conn.close()

    # every customer told once: applied, converted and refused; four eyes waits for a person
    told = messages(store_url)
    by_case: dict[str, list[dict[str, object]]] = {}
    for message in told:
        by_case.setdefault(str(message["case_ref"]), []).append(message)
    expected_cases = {found[k]["payload"].get("case") or k for k, (o, _) in queued.items()
                      if o != "to review"}
    assert sorted(by_case) == sorted(expected_cases)
    assert all(len(v) == 1 for v in by_case.values())
    rma = found["REQ-002"]["output"]["reference"]
    assert rma.startswith("RMA-") and rma in body_of(by_case["REQ-002"][0])
    assert "plazo de devolución" in body_of(by_case["REQ-004"][0])
    assert "more units than were delivered" in body_of(by_case["REQ-005"][0])
    assert "franja" in body_of(by_case["REQ-008"][0])
    assert by_case["REQ-009"][0]["recipient"] == "ord-1009@customers.example"  # the portal's
    claim = found["REQ-010"]["output"]["reference"]
    assert claim in body_of(by_case["REQ-010"][0])
    # mail items: answered in the customer's thread, under triage's case reference
    lost = by_case["CASE-O0001"][0]
    assert lost["subject"] == "Re: Pedido ORD-1014"
    assert "In-Reply-To: <order-mail-1@customers.example>" in str(lost["content"])
    assert "ORD-1014" in body_of(lost) and "CLM-" in body_of(lost)
    assert "order number" in body_of(by_case["CASE-O0003"][0])
    assert "CASE-O0005" not in by_case  # someone else's order: a person looks first

    # the workbooks: every request with its outcome and reference; the exceptions with reasons
    artifacts = get_settings().runs_dir / str(result.run_id) / "artifacts"
    out = {r["Request"]: r for r in table(artifacts / "order_requests.xlsx")}
    assert set(out) == set(queued)
    assert out["REQ-002"]["Portal reference"] == rma and out["REQ-003"]["Outcome"] == "converted"
    exceptions = table(artifacts / "exceptions.xlsx")
    reasons = {r["Request"]: r["Reason"] for r in exceptions}
    assert reasons["REQ-004"] == "return_window_passed"
    assert reasons["REQ-008"] == "slot_full"
    assert reasons["REQ-013"] == "four_eyes_required"
    not_queued = {r["Request"] for r in exceptions if r["State"] == "not queued"}
    assert not_queued == {"REQ-017", "REQ-018"}

    # a rerun of the same sheet changes nothing in the portal and tells nobody again
    again = execute("order_requests", {"requests": str(orders_world.requests)})
    assert again.ok, again.error
    assert history(orders_world.db) == shown
    assert len(messages(store_url)) == len(told)


def test_a_portal_that_fails_after_saving_or_drops_sessions(
        rpa_env: dict[str, str], orders_world: OrdersWorld, queue_policy: object,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Half the saves answer with the error page although they were saved, one page in ten
    drops the session: the History tab settles each unknown fate, none is keyed twice."""
    from bots.settings import reset_settings

    config = PortalConfig(db_path=orders_world.db, error_after_save_rate=0.5,
                          drop_session_rate=0.1, seed=11)
    with PortalServer(config) as server:
        monkeypatch.setenv("RPA_PORTAL__URL", server.url)
        queue_policy(order_requests={"retry_attempts": 6, "retry_delay_seconds": 0.05})  # type: ignore[operator]
        reset_settings()
        result = execute("order_requests", {"requests": str(orders_world.requests)})
    assert result.ok, result.error
    found = items(get_settings().store_url)
    sheet = {k: v for k, v in orders_world.expected.items()
             if v[0] != "rejected" and not k.startswith("mail:")}
    assert {k: outcome(found[k]) for k in sheet} == sheet
    shown = history(orders_world.db)
    assert all(len(rows) == 1 for rows in shown.values())
    settled_by_lookup = [k for k in shown if found[k]["output"]["found_in_portal"]]
    assert settled_by_lookup  # some saves were only known through the History tab
    cases = sorted(str(m["case_ref"]) for m in messages(get_settings().store_url))
    assert cases == sorted(k for k, (o, _) in sheet.items() if o != "to review")


def test_each_decision_is_in_the_audit_chain(orders_portal: PortalServer,
                                             orders_world: OrdersWorld) -> None:
    import sqlalchemy as sa

    from bots.store.schema import audit_events

    result = execute("order_requests", {"requests": str(orders_world.requests)})
    assert result.ok, result.error
    with open_store().connect() as conn:
        rows = conn.execute(sa.select(audit_events.c.action, audit_events.c.data).where(
            audit_events.c.action.in_(["order.decided", "portal.submitted"]))).all()
    rows = [(a, json.loads(d) if isinstance(d, str) else d) for a, d in rows]
    decided = {d["request"]: d for a, d in rows if a == "order.decided"}
    assert decided["REQ-003"]["verdict"] == "converted"
    assert decided["REQ-004"] == {**decided["REQ-004"], "verdict": "refused",
                                  "reason": "return_window_passed"}
    assert decided["REQ-002"]["form"] == "order_return" and decided["REQ-002"]["refund"] == "25.00"
    saved = [d for a, d in rows if a == "portal.submitted" and d.get("fate") == "saved"]
    assert sorted(d["key"] for d in saved) == sorted(
        k for k, (o, _) in orders_world.expected.items()
        if o in ("done", "converted") and not k.startswith("mail:"))
    from bots.audit import verify
    assert verify(open_store()).ok


def test_a_slot_taken_meanwhile_books_the_next_free_one(
        rpa_env: dict[str, str], orders_world: OrdersWorld, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Another agent takes the chosen slot's last place between the bot's read and its
    submit: the portal refuses, the bot reads the slots again and books the next one."""
    from datetime import timedelta

    from bots.settings import reset_settings
    from demo.orders_world import Req, write_requests

    day_after = (orders_world.today + timedelta(days=2)).isoformat()
    server = PortalServer(PortalConfig(db_path=orders_world.db))
    app = server.app.wsgi_app

    def another_agent_first(environ: dict[str, object], start_response: object) -> object:
        if environ["REQUEST_METHOD"] == "POST" and str(environ["PATH_INFO"]).endswith("/slot"):
            conn = connect(orders_world.db)
            conn.execute("UPDATE dispatch_slots SET booked = capacity WHERE day = ? AND "
                         "window = '09:00-13:00'", (day_after,))
            conn.close()
        return app(environ, start_response)  # type: ignore[operator]

    server.app.wsgi_app = another_agent_first  # type: ignore[method-assign]
    sheet = write_requests(tmp_path / "one.xlsx", [Req("REQ-100", "slot", "ORD-1009",
                                                       ("done", ""))], orders_world.today)
    with server:
        monkeypatch.setenv("RPA_PORTAL__URL", server.url)
        reset_settings()
        result = execute("order_requests", {"requests": str(sheet)})
    assert result.ok, result.error
    conn = connect(orders_world.db)
    booked = get_order(conn, "ORD-1009")
    conn.close()
    assert booked is not None and booked.slot is not None
    assert (booked.slot["day"], booked.slot["window"]) == (day_after, "14:00-18:00")
    assert len(history(orders_world.db)["REQ-100"]) == 1
