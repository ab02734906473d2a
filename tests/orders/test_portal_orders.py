"""The demo portal's order program on its own (HTTP, no browser): the search screen, the
detail's tabs, the buttons each state shows, and the portal refusing by itself what its
rules forbid, whatever a client posts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from demo.orders_world import seed_orders
from demo.portal import PortalConfig, create_app
from demo.portal.db import connect
from demo.portal.orders import get_order

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "portal.sqlite"
    seed_orders(path, date.today())
    return path


@pytest.fixture
def client(db: Path) -> Iterator[FlaskClient]:
    app = create_app(PortalConfig(db_path=db))
    with app.test_client() as client:
        page = client.get("/login").get_data(as_text=True)
        token = CSRF.search(page).group(1)  # type: ignore[union-attr]
        reply = client.post("/login", data={"username": "robot", "password": "robot-pass",
                                            "csrf_token": token})
        assert reply.status_code == 302
        yield client


def post(client: FlaskClient, path: str, **form: str) -> str:
    page = client.get(path).get_data(as_text=True)
    token = CSRF.search(page).group(1)  # type: ignore[union-attr]
    return client.post(path, data={**form, "csrf_token": token}).get_data(as_text=True)


def buttons(client: FlaskClient, order_id: str) -> list[str]:
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    return re.findall(r'class="action-button" id="action-([a-z-]+)"', page)


def test_search_screen_and_tabs(client: FlaskClient) -> None:
    found = client.get("/orders?state=dispatched").get_data(as_text=True)
    assert re.findall(r'<td class="order-id"><a href="/orders/(ORD-\d+)"', found) == [
        "ORD-1003", "ORD-1014"]
    assert "No orders found" in client.get("/orders?order_id=ORD-9999").get_data(as_text=True)
    lines = client.get("/orders/ORD-1002?tab=lines").get_data(as_text=True)
    assert lines.count('class="line-row"') == 2 and "12,50" in lines
    assert "No history" in client.get("/orders/ORD-1002?tab=history").get_data(as_text=True)
    assert client.get("/orders/ORD-9999").status_code == 404


def test_the_buttons_follow_the_state(client: FlaskClient) -> None:
    assert buttons(client, "ORD-1017") == ["cancel", "address"]  # draft
    assert buttons(client, "ORD-1001") == ["cancel", "address", "slot"]  # confirmed
    assert buttons(client, "ORD-1007") == ["cancel", "slot"]  # picking
    assert buttons(client, "ORD-1003") == ["offer-return", "incident"]  # dispatched
    assert buttons(client, "ORD-1002") == ["return", "offer-return", "incident"]  # delivered
    assert buttons(client, "ORD-1018") == []  # cancelled
    assert buttons(client, "ORD-1019") == []  # returned


def test_the_portal_refuses_what_its_rules_forbid(client: FlaskClient, db: Path) -> None:
    assert "not allowed: order ORD-1003 is DISPATCHED" in post(
        client, "/orders/ORD-1003/cancel", reason="C01", request_reference="X-1")
    assert "return window ended" in post(client, "/orders/ORD-1004/return", reason="R01",
                                         qty_1="1", request_reference="X-2")
    assert "more than the 2 returnable" in post(client, "/orders/ORD-1005/return", reason="R01",
                                                qty_1="3", request_reference="X-3")
    assert "not allowed: order ORD-1007 is PICKING" in post(
        client, "/orders/ORD-1007/address", address="Calle Nueva 1, Madrid")
    conn = connect(db)
    full = conn.execute("SELECT id FROM dispatch_slots WHERE day = ?",
                        ((date.today() + timedelta(days=1)).isoformat(),)).fetchone()["id"]
    assert "is full" in post(client, "/orders/ORD-1009/slot", slot_id=str(full))
    assert conn.execute("SELECT count(*) FROM order_history").fetchone()[0] == 0
    conn.close()


def test_a_partial_return_journals_an_rma(client: FlaskClient, db: Path) -> None:
    saved = post(client, "/orders/ORD-1002/return", reason="R03", qty_2="2",
                 request_reference="REQ-9")
    rma = re.search(r'<strong class="reference">(RMA-\d{6})</strong>', saved)
    assert rma is not None and "PARTIALLY RETURNED" in saved
    history = client.get("/orders/ORD-1002?tab=history").get_data(as_text=True)
    assert rma.group(1) in history and "REQ-9" in history and "line 2 x2" in history
    conn = connect(db)
    order = get_order(conn, "ORD-1002")
    conn.close()
    assert order is not None and [r["returned"] for r in order.lines] == [0, 2]
