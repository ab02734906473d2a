"""Failure notices through a real SMTP server (aiosmtpd) and a real webhook endpoint."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from bots.clock import SystemClock
from bots.notify import Notice, deliver
from bots.records import RunState
from bots.scheduler.firing import FireReport, fire_due
from bots.scheduler.model import NotifyPolicy
from bots.scheduler.notices import Notifier
from bots.scheduler.state import load_one
from bots.settings import get_settings, reset_settings
from bots.store import open_store
from tests.scheduler.sched_helpers import Sent, install, supervise_one


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.mails: list[Any] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        self.mails.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


class Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        return None


@pytest.fixture
def outlets(sched_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A local SMTP server and webhook endpoint, configured through the environment."""
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    Hook.received = []
    hook = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    monkeypatch.setenv("RPA_NOTIFY__SMTP__HOST", "127.0.0.1")
    monkeypatch.setenv("RPA_NOTIFY__SMTP__PORT", str(smtp.port))
    monkeypatch.setenv("RPA_NOTIFY__SMTP__RECIPIENTS", '["ops@example.com"]')
    monkeypatch.setenv("RPA_NOTIFY__WEBHOOK_URL", f"http://127.0.0.1:{hook.server_port}/hook")
    reset_settings()
    yield inbox, Hook.received
    smtp.stop()
    hook.shutdown()


def test_notice_by_mail_and_webhook(outlets: Any) -> None:
    inbox, posts = outlets
    notice = Notice("timed_out", "nightly", "run 7 of schedule nightly ended timed_out",
                    run_id=7, detail="killed at its time limit of 5m")
    assert deliver(notice, get_settings().notify, extra_recipients=["boss@example.com"]) == [
        "mail", "webhook"]
    ((rcpts, mail),) = inbox.mails
    assert rcpts == ["ops@example.com", "boss@example.com"]
    assert mail["Subject"] == "[rpa] nightly: run 7 timed_out"
    assert "inspect:  runner.py show 7" in mail.get_payload()
    (post,) = posts
    assert post["run_id"] == 7 and post["command"] == "runner.py show 7"
    assert post["event"] == "timed_out"


def test_failed_scheduled_run_sends_its_notice(outlets: Any) -> None:
    inbox, posts = outlets
    now = SystemClock().now()
    engine = open_store()
    install(engine, now - timedelta(minutes=2), name="nightly", recipe="sched_fail",
            trigger={"at": (now - timedelta(seconds=1)).isoformat()},
            notify={"email": ["owner@example.com"]})
    report = fire_due(engine, load_one(engine, "nightly"), now, code_hash=None)
    (run_id,) = report.queued
    assert supervise_one(run_id, deliver) == RunState.FAILED
    ((rcpts, mail),) = inbox.mails
    assert "owner@example.com" in rcpts
    assert f"run {run_id} failed" in mail["Subject"]
    assert f"runner.py show {run_id}" in mail.get_payload()
    assert "RuntimeError: the portal is down" in mail.get_payload()
    assert posts[0]["run_id"] == run_id and posts[0]["event"] == RunState.FAILED


def test_unreachable_outlets_are_logged_not_raised(sched_env: dict[str, str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RPA_NOTIFY__SMTP__HOST", "127.0.0.1")
    monkeypatch.setenv("RPA_NOTIFY__SMTP__PORT", str(free_port()))
    monkeypatch.setenv("RPA_NOTIFY__SMTP__RECIPIENTS", '["ops@example.com"]')
    monkeypatch.setenv("RPA_NOTIFY__WEBHOOK_URL", f"http://127.0.0.1:{free_port()}/x")
    reset_settings()
    notice = Notice("failed", "s", "run 1 failed", run_id=1)
    assert deliver(notice, get_settings().notify, timeout=2) == []


def test_missed_notices_are_one_per_quiet_period(sched_env: dict[str, str]) -> None:
    spy = Sent()
    notifier = Notifier(get_settings().notify, sender=spy)
    at = datetime(2026, 5, 4, 8, tzinfo=UTC)
    report = FireReport("s", missed=[(at, "missed: the scheduler was not running")])
    policy = NotifyPolicy()
    assert notifier.missed(report, policy, at) == ["test"]
    assert notifier.missed(report, policy, at) == []
    assert "missed 1 fire time(s)" in spy.notices[0].summary
    assert notifier.send(Notice("failed", "s", "x", run_id=1),
                         NotifyPolicy(on=frozenset({"timed_out"}))) == []
