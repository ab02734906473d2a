"""SMTP with STARTTLS or SSL and AUTH, against aiosmtpd with a certificate made here."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from bots.clock import FrozenClock
from bots.outbox import ChannelKind, Rules, Sender, Templates, enqueue, list_messages
from bots.settings import OutboundSmtpSettings
from connectors.outbound import SmtpChannel
from demo.customer_mailbox import free_port
from tests.outbox.builders import mail


class Sink:
    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append(envelope.original_content)
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret-pass"
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


@pytest.fixture(params=["starttls", "ssl"])
def tls_server(request: pytest.FixtureRequest,
               certificate: tuple[Path, Path]) -> Iterator[tuple[str, int, Sink]]:
    sink, port = Sink(), free_port()
    options: dict[str, Any] = dict(authenticator=sink.authenticate, auth_require_tls=True)
    if request.param == "starttls":
        options.update(tls_context=server_context(certificate), require_starttls=True)
    else:  # the whole connection is TLS; aiosmtpd only knows of TLS it started itself
        options.update(ssl_context=server_context(certificate), auth_require_tls=False)
    controller = Controller(sink, hostname="127.0.0.1", port=port, **options)
    controller.start()
    yield request.param, port, sink
    controller.stop()


def sender_for(store: Engine, clock: FrozenClock, security: str, port: int, cert: Path,
               password: str) -> Sender:
    settings = OutboundSmtpSettings(host="127.0.0.1", port=port, security=security,  # type: ignore[arg-type]
                                    username="bot", password=SecretStr(password), ca_file=cert)
    return Sender(store, {ChannelKind.MAIL: SmtpChannel(settings)}, rules=Rules(), clock=clock,
                  first_wait_seconds=0.01)


def test_tls_and_auth(store: Engine, templates: Templates, clock: FrozenClock,
                      tls_server: tuple[str, int, Sink], certificate: tuple[Path, Path]) -> None:
    security, port, sink = tls_server
    message = mail(templates, clock.now())
    enqueue(store, message)
    wrong = sender_for(store, clock, security, port, certificate[0], "not-the-password")
    assert wrong.run().deferred == 1  # our credentials: retried later, the address is fine
    [row] = list_messages(store)
    assert "535" in (row.last_error or "") and "not-the-password" not in (row.last_error or "")
    clock.advance(hours=1)
    right = sender_for(store, clock, security, port, certificate[0], "s3cret-pass")
    assert right.run().sent == 1
    assert sink.logins == ["bot"]
    assert sink.received == [message.content.encode("ascii")]


def test_an_untrusted_certificate_is_not_accepted(store: Engine, templates: Templates,
                                                  clock: FrozenClock,
                                                  tls_server: tuple[str, int, Sink]) -> None:
    security, port, sink = tls_server
    enqueue(store, mail(templates, clock.now()))
    settings = OutboundSmtpSettings(host="127.0.0.1", port=port, security=security)  # type: ignore[arg-type]
    sender = Sender(store, {ChannelKind.MAIL: SmtpChannel(settings)}, rules=Rules(), clock=clock,
                    first_wait_seconds=0.01)
    assert sender.run().deferred == 1
    assert "CERTIFICATE_VERIFY_FAILED" in (list_messages(store)[0].last_error or "")
    assert sink.received == []
