"""The demo's customer mailbox: a real SMTP server (aiosmtpd) writing what it receives to
a Maildir folder, byte for byte as received, with the envelope beside it.

    with CustomerMailbox(folder) as box:      # 127.0.0.1, a free port
        box.port, box.messages()              # [(envelope dict, raw bytes)], in arrival order
        box.reject("nobody@example.com")      # 550 5.1.1 at RCPT for that address
        box.stop(); box.start()               # down for a while, then up on the same port

It plays an outside system: it imports nothing of the toolkit.
"""

from __future__ import annotations

import json
import mailbox
import socket
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Handler:
    def __init__(self, box: CustomerMailbox) -> None:
        self.box = box

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address.lower() in self.box.rejected:
            return f"550 5.1.1 <{address}>: user unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.box.store(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content
                       or envelope.content)
        return "250 2.0.0 accepted"


class CustomerMailbox:
    def __init__(self, folder: Path, *, port: int | None = None) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.maildir = mailbox.Maildir(self.folder / "Maildir", create=True)
        self.envelopes = self.folder / "envelopes.jsonl"
        self.port = port or free_port()
        self.rejected: set[str] = set()
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def maildir_path(self) -> Path:
        return self.folder / "Maildir"

    def reject(self, address: str) -> None:
        self.rejected.add(address.lower())

    def store(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> None:
        with self._lock:
            key = self.maildir.add(raw)
            with self.envelopes.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"key": key, "mail_from": mail_from,
                                         "rcpt_tos": rcpt_tos}) + "\n")

    def messages(self) -> list[tuple[dict[str, Any], bytes]]:
        with self._lock:
            if not self.envelopes.exists():
                return []
            lines = [json.loads(line) for line in
                     self.envelopes.read_text(encoding="utf-8").splitlines() if line]
            box = mailbox.Maildir(self.folder / "Maildir", create=False)
            return [(entry, box.get_bytes(entry["key"])) for entry in lines]

    def start(self) -> CustomerMailbox:
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                      decode_data=False)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> CustomerMailbox:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def main() -> None:
    import argparse
    import time

    parser = argparse.ArgumentParser(description="the demo customer mailbox (SMTP -> Maildir)")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args()
    with CustomerMailbox(args.folder, port=args.port) as box:
        print(f"SMTP on 127.0.0.1:{box.port}, mail in {box.maildir_path}", flush=True)
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    main()
