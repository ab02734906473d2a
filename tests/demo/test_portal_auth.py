"""Login, CSRF, session expiry and the admin hooks, through the real threaded server."""

from __future__ import annotations

import time

from portal_http_client import PortalClient

from demo.portal import PortalServer


def test_pages_redirect_to_login_without_session(client: PortalClient) -> None:
    reply = client.get("/sales?page=2")
    assert reply.status == 302
    assert reply.location == "/login?next=/sales?page%3D2"
    assert client.get("/sales/new").location.startswith("/login?next=/sales/new")


def test_login_redirects_to_next_and_shows_menu(client: PortalClient) -> None:
    token = client.csrf("/login?next=/sales/search")
    reply = client.post("/login?next=/sales/search",
                        {"username": "robot", "password": "robot-pass", "csrf_token": token})
    assert (reply.status, reply.location) == (302, "/sales/search")
    home = client.get("/")
    assert home.status == 200
    for hook in ('id="current-user">robot<', 'href="/sales/new"', 'href="/sales/search"',
                 'href="/sales"', 'href="/invoices"', 'href="/sales/export.csv"',
                 'id="logout-link"'):
        assert hook in home.text


def test_wrong_password_is_refused(client: PortalClient) -> None:
    reply = client.login(password="nope")
    assert reply.status == 200
    assert 'id="login-error"' in reply.text
    assert client.get("/").status == 302


def test_login_needs_its_csrf_token(client: PortalClient) -> None:
    client.csrf("/login")
    missing = client.post("/login", {"username": "robot", "password": "robot-pass"})
    wrong = client.post("/login", {"username": "robot", "password": "robot-pass",
                                   "csrf_token": "forged"})
    assert (missing.status, wrong.status) == (400, 403)
    assert "security token" in missing.text and "security token" in wrong.text
    assert client.get("/").status == 302


def test_every_post_needs_the_session_csrf_token(logged_in: PortalClient) -> None:
    missing = logged_in.post("/sales/form", {"external_id": "X"})
    wrong = logged_in.post("/sales/form", {"external_id": "X", "csrf_token": "forged"})
    assert (missing.status, wrong.status) == (400, 403)


def test_next_cannot_leave_the_site(client: PortalClient) -> None:
    token = client.csrf("/login")
    reply = client.post("/login?next=//evil.example/x",
                        {"username": "robot", "password": "robot-pass", "csrf_token": token})
    assert reply.location == "/"


def test_session_expires_after_idle_time(logged_in: PortalClient) -> None:
    assert logged_in.get("/sales").status == 200
    # Shortened on the running server, so that a slow machine cannot expire it too early.
    logged_in.admin("/_admin/faults", b'{"session_idle_seconds": 0.2}')
    time.sleep(0.35)
    reply = logged_in.get("/sales")
    assert reply.status == 302
    assert reply.location == "/login?next=/sales&expired=1"
    assert 'id="session-expired"' in logged_in.get(reply.location).text


def test_session_expires_after_request_count(portal_factory) -> None:
    portal: PortalServer = portal_factory(session_max_requests=3)
    client = PortalClient(portal.url)
    client.login()
    assert [client.get("/").status for _ in range(3)] == [200, 200, 200]
    assert client.get("/").location.startswith("/login?next=/")
    client.login()
    assert client.get("/").status == 200


def test_logout_ends_the_session(logged_in: PortalClient) -> None:
    assert logged_in.get("/logout").location == "/login?logged_out=1"
    assert logged_in.get("/").status == 302


def test_admin_drop_sessions_logs_everyone_out(portal: PortalServer) -> None:
    robot, agent = PortalClient(portal.url), PortalClient(portal.url)
    robot.login()
    agent.login("agent", "agent-pass")
    assert robot.admin("/_admin/drop-sessions", token="wrong").status == 403
    reply = robot.admin("/_admin/drop-sessions")
    assert (reply.status, reply.text.strip()) == (200, '{"dropped":2}')
    assert robot.get("/").location == "/login?next=/&expired=1"
    assert agent.get("/invoices").status == 302
