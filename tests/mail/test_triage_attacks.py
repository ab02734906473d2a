"""Mail triage against a mailbox's worst day: hostile headers, settings spelled oddly, the
IMAP server going away between intake and filing (a real Dovecot, stopped and started
again on the same port)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bots.mail.parse import Limits, parse_mail

ROOT = Path(__file__).resolve().parents[2]
LIMITS = Limits(max_bytes=1_000_000, attachment_max_bytes=100_000)


@pytest.mark.parametrize("from_header", [
    b"=?utf-8?q?Ana=0D=0ABcc:_x@evil.com?= <ana@cliente.es>",  # CRLF in an encoded word
    b"=?utf-8?q?=3Cx@evil.com=3E?= <ana@cliente.es>",  # an address hidden in the name
    b'"x@evil.com, Ana" <ana@cliente.es>',
    b"Ana <ana@cliente.es\r\n Bcc: x@evil.com>",  # a folded line inside the address
])
def test_the_sender_is_the_address_in_the_header_not_one_smuggled_into_the_name(
        from_header: bytes) -> None:
    raw = (b"From: " + from_header + b"\r\nTo: clientes@example.com\r\nSubject: hola\r\n"
           b"Message-ID: <a1@cliente.es>\r\n\r\nquiero una copia de la factura\r\n")
    mail = parse_mail(raw, limits=LIMITS)
    assert mail.sender == "ana@cliente.es"
    assert "\n" not in mail.sender_name and "\r" not in mail.sender_name


def test_hostile_sizes_are_read_not_crashed_on() -> None:
    subject = b"factura " * 12_800  # 100 KB
    to = b",\r\n ".join(b"u%d@cliente.es" % i for i in range(5000))
    inner = b"From: a@b.es\r\nSubject: deep\r\n\r\nbottom text\r\n"
    for level in range(10):
        inner = b"Subject: level %d\r\nContent-Type: message/rfc822\r\n\r\n" % level + inner
    raw = (b"From: Ana <ana@cliente.es>\r\nTo: " + to + b"\r\nSubject: " + subject +
           b"\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n"
           b"--X\r\nContent-Type: text/plain\r\n\r\nho\x00la \xff\xfe\r\n"
           b"--X\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--X--\r\n")
    mail = parse_mail(raw, limits=LIMITS)
    assert mail.sender == "ana@cliente.es" and len(mail.to) == 5000
    assert "\x00" not in mail.text and mail.text.startswith("hola")


def runner(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "runner.py"), *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_folders_spelled_as_a_plain_string_is_refused_naming_the_setting(
        rpa_env: dict[str, str], tmp_path: Path) -> None:
    import os

    env = {**os.environ, **rpa_env, "PYTHONPATH": str(ROOT),
           "RPA_MAIL__IMAP__HOST": "127.0.0.1", "RPA_MAIL__IMAP__USERNAME": "clientes",
           "RPA_MAIL__IMAP__FOLDERS": "INBOX"}
    done = runner(env, "run", "mail_triage")
    assert done.returncode == 2, done.stderr
    assert "RPA_MAIL__IMAP__FOLDERS" in done.stderr and "JSON" in done.stderr, done.stderr
    assert not (Path(rpa_env["RPA_DATA_DIR"]) / "runs").exists()  # nothing ran
