"""A stand-in SMS gateway: records what it receives, and fails on purpose when told to.

    POST /messages   {"to", "from", "text", "client_ref"} -> 201 {"id": "SM000001"}
    GET  /messages?client_ref=KEY  -> {"messages": [...]}   (all of them without the filter)
    POST /_faults    {"fail_next": 3, "status": 500}          the next 3 sends answer 500

Every accepted message is appended to `sms.jsonl` in its folder. A number that is not
+ and 8 to 15 digits is refused with 400. It plays an outside system: it imports nothing
of the toolkit.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlparse

E164 = re.compile(r"^\+[1-9]\d{7,14}$")


class SmsGateway:
    def __init__(self, folder: Path, *, port: int = 0, token: str | None = None) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log = self.folder / "sms.jsonl"
        self.token = token
        self.lock = threading.Lock()
        self.fail_next_count, self.fail_status = 0, 500
        self.received: list[dict[str, Any]] = []
        self.attempts = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def fail_next(self, count: int, status: int = 500) -> None:
        with self.lock:
            self.fail_next_count, self.fail_status = count, status

    def accept(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.attempts += 1
            if self.fail_next_count > 0:
                self.fail_next_count -= 1
                return self.fail_status, {"error": "failing on purpose"}
            if not isinstance(body.get("text"), str) or not E164.match(str(body.get("to", ""))):
                return 400, {"error": f"invalid number {body.get('to')!r}"}
            record = {"id": f"SM{len(self.received) + 1:06d}", **body}
            self.received.append(record)
            with self.log.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            return 201, {"id": record["id"]}

    def find(self, client_ref: str | None) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.received if client_ref is None or r.get("client_ref") == client_ref]

    def start(self) -> SmsGateway:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                        name="sms-gateway")
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> SmsGateway:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _handler(gateway: SmsGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            return  # quiet: the JSON lines file is the record

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            if gateway.token is None:
                return True
            return self.headers.get("Authorization") == f"Bearer {gateway.token}"

        def _body(self) -> dict[str, Any] | None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return None
            return body if isinstance(body, dict) else None

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            url = urlparse(self.path)
            if url.path != "/messages":
                return self._reply(404, {"error": "not found"})
            if not self._authorised():
                return self._reply(401, {"error": "unauthorised"})
            ref = parse_qs(url.query).get("client_ref", [None])[0]
            return self._reply(200, {"messages": gateway.find(ref)})

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self._body()
            if body is None:
                return self._reply(400, {"error": "not JSON"})
            if self.path == "/_faults":
                gateway.fail_next(int(body.get("fail_next", 0)), int(body.get("status", 500)))
                return self._reply(200, {"ok": True})
            if self.path != "/messages":
                return self._reply(404, {"error": "not found"})
            if not self._authorised():
                return self._reply(401, {"error": "unauthorised"})
            return self._reply(*gateway.accept(body))

    return Handler
