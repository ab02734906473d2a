"""A stand-in outside system for crash tests: it records every effect per idempotency key
and answers "done already?". It runs in the test process; workers reach it over HTTP.

    GET  /effects/KEY   200 {"reference": ...} if KEY's effect was made, else 404
    POST /effects/KEY   makes the effect (counted, even if the caller dies right after)

`arm_hold()` makes the next POST record its effect and then wait before answering, so a
test can SIGKILL the worker exactly between "effect made" and "done recorded".
`close_gate()` makes every request wait until `open_gate()`, to line workers up.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote


class EffectService:
    def __init__(self) -> None:
        self.effects: Counter[str] = Counter()
        self.checks = 0
        self.pids: set[int] = set()
        self.held = threading.Event()
        self.held_pid: int | None = None
        self.held_key: str | None = None
        self._release = threading.Event()
        self._armed = False
        self._gate = threading.Event()
        self._gate.set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> EffectService:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._gate.set()
        self._server.shutdown()
        self._server.server_close()

    def total(self) -> int:
        with self._lock:
            return sum(self.effects.values())

    def twice(self) -> dict[str, int]:
        with self._lock:
            return {key: n for key, n in self.effects.items() if n > 1}

    def arm_hold(self) -> None:
        with self._lock:
            self.held.clear()
            self._release.clear()
            self._armed = True

    def release_hold(self) -> None:
        self._release.set()

    def close_gate(self) -> None:
        self._gate.clear()

    def open_gate(self) -> None:
        self._gate.set()

    # -- called by the handler ----------------------------------------------------------
    def _effect(self, key: str, pid: int) -> tuple[str, bool]:
        with self._lock:
            self.effects[key] += 1
            hold = self._armed
            if hold:
                self._armed = False
                self.held_pid, self.held_key = pid, key
        return f"REF-{key}", hold

    def _done_already(self, key: str) -> str | None:
        with self._lock:
            self.checks += 1
            return f"REF-{key}" if key in self.effects else None


def _handler(service: EffectService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: one connection per worker
        # Headers and body leave in two writes; without TCP_NODELAY, Nagle's algorithm
        # and the client's delayed ACK add 40 ms to every answer.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

        def _key(self) -> str:
            return unquote(self.path.removeprefix("/effects/"))

        def _pid(self) -> int:
            return int(self.headers.get("X-Worker-Pid", "0"))

        def _reply(self, status: int, body: dict[str, str]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _through_gate(self) -> None:
            with service._lock:
                service.pids.add(self._pid())  # arrived, even if the gate holds it
            service._gate.wait(60)

        def do_GET(self) -> None:  # noqa: N802
            self._through_gate()
            ref = service._done_already(self._key())
            self._reply(200, {"reference": ref}) if ref else self._reply(404, {})

        def do_POST(self) -> None:  # noqa: N802
            self._through_gate()
            length = int(self.headers.get("Content-Length", "0"))
            self.rfile.read(length)
            ref, hold = service._effect(self._key(), self._pid())
            if hold:
                service.held.set()
                service._release.wait(30)
            try:
                self._reply(201, {"reference": ref})
            except OSError:
                pass  # the worker was killed while we held its answer

    return Handler
