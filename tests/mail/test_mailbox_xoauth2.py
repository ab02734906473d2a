"""XOAUTH2 against a real Dovecot whose oauth2 passdb asks a token introspection endpoint
(RFC 7662, a small HTTP server here): the token logs in, a wrong one is refused and the
run stops with the mailbox named and the token nowhere in the message."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from pydantic import SecretStr

from bots.settings import ImapSettings
from connectors.mailbox import MailboxUnavailable, open_mailbox
from demo.imap_server import ImapServer
from demo.mail_world import generate_mails, seed

GOOD = "ya29.good-token-for-clientes"


class Introspection(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length", 0))
        token = parse_qs(self.rfile.read(length).decode()).get("token", [""])[0]
        body = {"active": "true", "username": "clientes"} if token == GOOD else {"active": "false"}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def oauth_server(tmp_path: Path) -> Iterator[ImapServer]:
    http = ThreadingHTTPServer(("127.0.0.1", 0), Introspection)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{http.server_address[1]}/introspect"
    try:
        with ImapServer(tmp_path / "imap", users={"clientes": "clientes-pass"},
                        oauth2_introspection_url=url) as server:
            yield server
    finally:
        http.shutdown()


def test_xoauth2_logs_in_with_a_token_and_refuses_a_bad_one(oauth_server: ImapServer) -> None:
    seed(oauth_server, generate_mails(3, seed=1, automated_share=0, hard_share=0))
    settings = ImapSettings(host=oauth_server.host, port=oauth_server.port, security="none",
                            username="clientes", oauth2_token=SecretStr(GOOD))
    with open_mailbox(settings) as box:
        assert len(box.select("INBOX").uids) == 3
    bad = settings.model_copy(update={"oauth2_token": SecretStr("stolen-or-expired")})
    with pytest.raises(MailboxUnavailable) as refused:
        with open_mailbox(bad):
            pass
    assert "clientes@127.0.0.1" in str(refused.value)
    assert "stolen-or-expired" not in str(refused.value)
