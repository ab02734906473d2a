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


@pytest.mark.slow
def test_the_server_restarted_while_mail_is_triaged_every_mail_is_still_filed(
        world_for, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dovecot stops and starts again on the same port between intake and filing (a
    restart, or a server closing a connection idle through a long triage)."""
    from bots.executor import execute
    from demo.mail_world import generate_mails
    from recipes.mail_triage import recipe as triage_recipe

    world = world_for(generate_mails(12, seed=5, automated_share=0.2, hard_share=0.0))

    class RestartFirst(triage_recipe.Triager):  # type: ignore[misc]
        def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
            world.server.stop()
            world.server.start()
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(triage_recipe, "Triager", RestartFirst)
    result = execute("mail_triage", {})
    assert result.ok, result.summary
    folders = world.folders()
    assert not folders.get("INBOX")
    assert sum(len(v) for v in folders.values()) == len(world.mails)


@pytest.mark.slow
def test_the_server_gone_mid_intake_fails_the_run_clearly_and_the_next_run_finishes(
        world_for, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlalchemy as sa

    from bots.executor import execute
    from bots.settings import reset_settings
    from bots.store import open_store
    from demo.mail_world import generate_mails
    from recipes.mail_triage import intake

    world = world_for(generate_mails(16, seed=9, automated_share=0.25, hard_share=0.0))
    monkeypatch.setenv("RPA_MAIL__FETCH_BATCH", "4")
    reset_settings()
    batches = []
    take_batch = intake._take_batch

    def then_stop(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        take_batch(*args, **kwargs)
        batches.append(1)
        if len(batches) == 1:
            world.server.stop()

    monkeypatch.setattr(intake, "_take_batch", then_stop)
    result = execute("mail_triage", {})
    assert not result.ok
    assert "MailboxUnavailable" in (result.error or "") and world.env[
        "RPA_MAIL__IMAP__PORT"] in (result.error or ""), result.error
    world.server.start()
    again = execute("mail_triage", {})
    assert again.ok, again.error
    folders = world.folders()
    assert not folders.get("INBOX")
    assert sum(len(v) for v in folders.values()) == len(world.mails)
    with open_store().connect() as conn:
        # the customers' answers (a department may also get forwards, one per mail)
        answered = conn.execute(sa.text("SELECT recipient, count(*) FROM outbox_messages "
                                        "WHERE template = 'mail_ack' GROUP BY recipient")).all()
    assert {n for _, n in answered} == {1}
    assert len(answered) == sum(1 for m in world.mails if m.answerable)


@pytest.fixture
def dotted_server(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """Dovecot with `.` between folder levels (as Courier and many hosted servers have it)."""
    import demo.imap_server as imap_server

    monkeypatch.setattr(imap_server, "CONFIG",
                        imap_server.CONFIG.replace("separator = /", "separator = ."))


@pytest.mark.slow
def test_a_server_with_dots_between_folder_levels_gets_its_triage_folders(
        dotted_server, world_for) -> None:
    from bots.executor import execute
    from demo.mail_world import generate_mails

    world = world_for(generate_mails(8, seed=4, automated_share=0.25, hard_share=0.0))
    result = execute("mail_triage", {})
    assert result.ok, result.error
    folders = message_ids_by_folder(world)
    assert not folders.get("INBOX")
    assert sum(len(v) for v in folders.values()) == len(world.mails)
    assert {name for name, ids in folders.items() if ids} <= {
        "Triage.Answered", "Triage.Screened", "Triage.Review", "Triage.Routed",
        "Triage.Forwarded", "Triage.Spam"}


@pytest.fixture
def prefixed_server(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """Dovecot with every folder of the user under `INBOX.` (the personal namespace's
    prefix, RFC 2342), as Courier and Cyrus have it: a folder outside it is refused."""
    import demo.imap_server as imap_server

    monkeypatch.setattr(imap_server, "CONFIG", imap_server.CONFIG.replace(
        "separator = /", "separator = .").replace("prefix =\n", "prefix = INBOX.\n"))


@pytest.mark.slow
def test_a_server_with_every_folder_under_the_inbox_gets_its_triage_folders_there(
        prefixed_server, world_for, monkeypatch: pytest.MonkeyPatch) -> None:
    """The setting names `Clientes/Web` as everywhere; the server holds `INBOX.Clientes.Web`
    and makes the triage folders only as `INBOX.Triage.*`."""
    import dataclasses
    import imaplib

    from bots.executor import execute
    from demo.mail_world import PASSWORD, USER, generate_mails

    mails = generate_mails(12, seed=8, automated_share=0.25, hard_share=0.0)
    world = world_for([dataclasses.replace(m, folders=("INBOX",)) for m in mails[:9]])
    client = imaplib.IMAP4(world.server.host, world.server.port)
    client.login(USER, PASSWORD)
    assert client.create('"Clientes"')[0] == "NO"  # outside the namespace: refused
    assert client.create('"INBOX.Clientes.Web"')[0] == "OK"
    for mail in mails[9:]:
        client.append('"INBOX.Clientes.Web"', None, None, mail.raw)
    client.logout()
    monkeypatch.setenv("RPA_MAIL__IMAP__FOLDERS", '["INBOX", "Clientes/Web"]')
    from bots.settings import reset_settings

    reset_settings()
    result = execute("mail_triage", {})
    assert result.ok, result.error
    folders = message_ids_by_folder(world)
    assert not folders.get("INBOX") and not folders.get("INBOX.Clientes.Web")
    assert sum(len(v) for v in folders.values()) == len(mails)
    assert {name for name, ids in folders.items() if ids} <= {
        "INBOX.Triage.Answered", "INBOX.Triage.Screened", "INBOX.Triage.Review",
        "INBOX.Triage.Routed", "INBOX.Triage.Forwarded", "INBOX.Triage.Spam"}


def message_ids_by_folder(world) -> dict[str, list[bytes]]:  # noqa: ANN001
    """The folders as the server names them (MailWorld.folders assumes `/`)."""
    import imaplib
    import re

    client = imaplib.IMAP4(world.server.host, world.server.port)
    client.login(world.env["RPA_MAIL__IMAP__USERNAME"], world.env["RPA_MAIL__IMAP__PASSWORD"])
    try:
        found = {}
        for line in client.list()[1]:
            name = re.sub(r'^\(.*?\) "." ', "", line.decode()).strip('"')
            if b"\\Noselect" in line:
                continue
            client.select(f'"{name}"', readonly=True)
            _, data = client.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
            found[name] = [entry[1].strip() for entry in data or [] if isinstance(entry, tuple)]
        return found
    finally:
        client.logout()


@pytest.mark.slow
def test_triage_folders_that_cannot_be_made_do_not_stop_new_mail_being_answered(
        world_for) -> None:
    """The account may not create folders (the Maildir closed to the server's user): each
    run still takes in and answers new mail, then fails saying which folder it could not
    make; the mail stays in the inbox, answered once, and is filed once it can be."""
    import os

    from bots.executor import execute
    from demo.mail_world import generate_mails

    world = world_for(generate_mails(10, seed=2, automated_share=0.0, hard_share=0.0))
    root = world.server.maildir("clientes")
    execute("mail_triage", {"fetch": False})  # Dovecot writes its index files now
    for made in [p for p in root.iterdir() if p.is_dir() and p.name.startswith(".")]:
        made.rmdir()  # no folder yet besides the inbox
    os.chmod(root, 0o555)
    try:
        first = execute("mail_triage", {"max_mails": 5})
        assert not first.ok and "Triage/" in (first.error or ""), first.error
        assert "could not be filed" in (first.error or "")
        assert len(answered_by_recipient()) == 5
        second = execute("mail_triage", {"max_mails": 5})
        assert not second.ok and "could not be filed" in (second.error or "")
        assert len(answered_by_recipient()) == 10  # the new mail was answered all the same
    finally:
        os.chmod(root, 0o755)
    third = execute("mail_triage", {})
    assert third.ok, third.error
    folders = world.folders()
    assert not folders.get("INBOX") and sum(len(v) for v in folders.values()) == 10
    answered = answered_by_recipient()
    assert len(answered) == 10 and set(answered.values()) == {1}


def answered_by_recipient() -> dict[str, int]:
    import sqlalchemy as sa

    from bots.store import open_store

    with open_store().connect() as conn:
        return dict(conn.execute(sa.text("SELECT recipient, count(*) FROM outbox_messages "
                                         "GROUP BY recipient")).all())


@pytest.mark.slow
@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_two_runs_at_once_on_one_mailbox_and_store_answer_nothing_twice(
        world_for, rpa_env: dict[str, str], store: str, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes: each mail answered once, filed once (one copy, not two: two sessions
    MOVEing the same mail at once both copy it), none failing on the other's moves."""
    import os

    from demo.mail_world import generate_mails

    world = world_for(generate_mails(80, seed=13, automated_share=0.2, hard_share=0.3))
    if store == "postgresql":
        use_postgresql(request, monkeypatch)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RPA_MAIL__FETCH_BATCH": "10"}
    # a first run with nothing fetched: both racing runs find the store's tables
    # (creating a store at once is tests/runtime/test_store_first_open.py's)
    assert runner(env, "run", "mail_triage", "-p", "fetch=false").returncode == 0
    runs = [subprocess.Popen([sys.executable, str(ROOT / "runner.py"), "run", "mail_triage"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            for _ in range(2)]
    outputs = [run.communicate(timeout=300)[0].decode(errors="replace") for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [o[-1500:] for o in outputs]
    folders = world.folders()
    assert not folders.get("INBOX") and not folders.get("Clientes/Web")
    assert sum(len(v) for v in folders.values()) == sum(len(m.folders) for m in world.mails)
    assert_answered_once(world)


@pytest.mark.parametrize("unset", ["RPA_MAIL__IMAP__HOST", "RPA_MAIL__IMAP__PASSWORD"])
def test_a_mailbox_half_configured_is_refused_before_a_run_is_opened(
        rpa_env: dict[str, str], unset: str) -> None:
    import os

    env = {**os.environ, **rpa_env, "PYTHONPATH": str(ROOT),
           "RPA_MAIL__IMAP__HOST": "127.0.0.1", "RPA_MAIL__IMAP__USERNAME": "clientes",
           "RPA_MAIL__IMAP__PASSWORD": "secret", "RPA_MAIL__IMAP__PORT": "1"}
    del env[unset]
    done = runner(env, "run", "mail_triage")
    assert done.returncode == 2, done.stderr
    assert unset in done.stderr, done.stderr
    assert not (Path(rpa_env["RPA_DATA_DIR"]) / "runs").exists()  # no run opened


def test_a_mail_of_thousands_of_attachments_keeps_a_bounded_number() -> None:
    part = (b"--X\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Disposition: attachment; filename=a.bin\r\n\r\nxx\r\n")
    raw = (b"From: Ana <ana@cliente.es>\r\nSubject: facturas\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=X\r\n\r\n" + part * 2000 + b"--X--\r\n")
    mail = parse_mail(raw, limits=LIMITS)
    assert len(mail.attachments) == Limits().max_attachments < 2000
    assert any("1,900 more attachments" in p for p in mail.problems), mail.problems


@pytest.mark.slow
def test_folders_in_any_case_and_with_spaces_and_accents_are_triaged(
        world_for, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from bots.executor import execute
    from bots.settings import get_settings, reset_settings
    from connectors.mailbox import open_mailbox
    from demo.mail_world import generate_mails

    mails = generate_mails(8, seed=6, automated_share=0.0, hard_share=0.0)
    world_for(mails[:4])
    odd = "Clientes/Año 2026 — web €"
    with open_mailbox(get_settings().mail.imap) as box:  # modified UTF-7 on the wire
        for mail in mails[4:]:
            box.append(mail.raw, odd)
    monkeypatch.setenv("RPA_MAIL__IMAP__FOLDERS", json.dumps(["inbox", odd]))
    reset_settings()
    result = execute("mail_triage", {})
    assert result.ok, result.error
    assert result.summary["fetched"] == 8
    with open_mailbox(get_settings().mail.imap) as box:
        assert box.select("INBOX").uids == () and box.select(odd).uids == ()


@pytest.mark.slow
def test_no_folder_of_the_setting_in_the_mailbox_fails_the_run_naming_them(
        world_for, monkeypatch: pytest.MonkeyPatch) -> None:
    from bots.executor import execute
    from bots.settings import reset_settings
    from demo.mail_world import generate_mails

    world_for(generate_mails(2, seed=6, automated_share=0.0, hard_share=0.0))
    monkeypatch.setenv("RPA_MAIL__IMAP__FOLDERS", '["Inbx"]')
    reset_settings()
    result = execute("mail_triage", {})
    assert not result.ok
    assert "Inbx" in (result.error or "") and "INBOX" in (result.error or ""), result.error


@pytest.mark.slow
def test_hostile_headers_still_get_one_sendable_answer(world_for, customers_smtp) -> None:
    """A Message-ID of 5,000 characters or with 8-bit bytes, References of 5,000 ids, a
    subject of 100 KB, a sender whose name hides CRLFs: answered once, over real SMTP."""
    from bots.executor import execute
    from demo.mail_world import SeedMail

    def mail(n: int, headers: bytes) -> SeedMail:
        sender = f"hostile{n}@cliente.es"
        raw = (f"From: Cliente <{sender}>\r\nTo: clientes@example.com\r\n".encode() + headers +
               b"Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n\r\n"
               b"Buenos dias, quiero una copia de la factura F-2026-0001.\r\n")
        return SeedMail(raw, "", sender, "es", "billing_enquiry", None)

    seeds = [
        mail(1, b"Subject: factura\r\nMessage-ID: <" + b"a" * 5000 + b"@cliente.es>\r\n"),
        mail(2, b"Subject: factura\r\nMessage-ID: <\xc3\xb1and\xfa@cliente.es>\r\n"),
        mail(3, b"Subject: factura\r\nMessage-ID: <r3@cliente.es>\r\nReferences: " +
             b" ".join(b"<r%d@x.es>" % i for i in range(5000)) + b"\r\n"),
        mail(4, b"Subject: " + b"factura " * 12_800 + b"\r\nMessage-ID: <s4@cliente.es>\r\n"),
        mail(5, b"Subject: factura\r\nMessage-ID: <\"quoted\\\"id\"@cliente.es>\r\n"),
    ]
    world = world_for(seeds)
    result = execute("mail_triage", {})
    assert result.ok, result.error
    sent = execute("send_outbox", {})
    assert sent.ok and sent.summary.get("left") == 0, sent.summary
    answered: dict[str, int] = {}
    for envelope, _ in customers_smtp.messages():
        for rcpt in envelope["rcpt_tos"]:
            answered[rcpt] = answered.get(rcpt, 0) + 1
    import sqlalchemy as sa

    from bots.store import open_store

    with open_store().connect() as conn:
        failures = conn.execute(sa.text("SELECT recipient, last_error, reason FROM outbox_messages "
                                        "WHERE state != 'sent'")).all()
    customers = {rcpt: n for rcpt, n in answered.items() if rcpt.endswith("@cliente.es")}
    assert customers == {m.sender: 1 for m in seeds}, failures
    # what is not a customer's answer is a forward to a department, at most one per mail
    others = {rcpt: n for rcpt, n in answered.items() if rcpt not in customers}
    assert set(others) <= {"facturacion@example.com", "reclamaciones@example.com"}, others
    assert sum(others.values()) <= len(seeds), others
    assert not world.folders().get("INBOX")


@pytest.mark.slow
@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_an_auto_responder_without_headers_is_not_answered_for_ever(
        world_for, customers_smtp, store: str, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A ticket system that answers every mail, our acknowledgements too, with none of
    the RFC 3834 headers and a plain "Re:" subject: a ping-pong that would never end.
    After a few acknowledgements in a day to replies quoting our case references, its
    mails are screened as a loop."""
    from email import message_from_bytes, policy

    from bots.executor import execute
    from demo.mail_world import SeedMail, seed

    bot = "tickets@proveedor.example.org"
    first = (f"From: Soporte <{bot}>\r\nTo: clientes@example.com\r\nSubject: factura\r\n"
             "Message-ID: <t0@proveedor.example.org>\r\n\r\nNecesito la factura "
             "F-2026-0001.\r\n").encode()
    world = world_for([SeedMail(first, "<t0@proveedor.example.org>", bot, "es", None, None)])
    if store == "postgresql":
        use_postgresql(request, monkeypatch)
    handled = 0
    for round_ in range(1, 9):
        assert execute("mail_triage", {}).ok
        assert execute("send_outbox", {}).ok
        acks = [message_from_bytes(raw, policy=policy.default)
                for envelope, raw in customers_smtp.messages() if bot in envelope["rcpt_tos"]]
        if len(acks) == handled:
            break  # the loop is broken: no new acknowledgement to answer
        handled = len(acks)
        last = acks[-1]
        quoted = "\r\n".join(f"> {line}" for line in
                             last.get_body(("plain",)).get_content().splitlines())
        reply = (f"From: Soporte <{bot}>\r\nTo: clientes@example.com\r\n"
                 f"Subject: Re: {last['Subject']}\r\nIn-Reply-To: {last['Message-ID']}\r\n"
                 f"Message-ID: <t{round_}@proveedor.example.org>\r\n\r\n"
                 f"Hemos recibido su mensaje, ticket {round_}.\r\n\r\n{quoted}\r\n").encode()
        seed(world.server, [SeedMail(reply, "", bot, "es", None, None)])
    assert handled <= 4, f"{handled} acknowledgements sent to an auto-responder"
    assert world.folders().get("Triage/Screened")


def use_postgresql(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    from bots.settings import reset_settings
    from bots.store import close_stores

    monkeypatch.setenv("RPA_STORE__URL", request.getfixturevalue("pg_url"))
    reset_settings()
    close_stores()


def assert_answered_once(world) -> None:  # noqa: ANN001
    """Every answerable mail has exactly one acknowledgement in the outbox."""
    import sqlalchemy as sa

    from bots.store import open_store

    with open_store().connect() as conn:
        answers = dict(conn.execute(sa.text(
            "SELECT case_ref, count(*) FROM outbox_messages WHERE template = 'mail_ack' "
            "GROUP BY case_ref")).all())
    assert set(answers.values()) == {1}
    assert len(answers) == len({m.message_id or m.raw for m in world.mails if m.answerable})
