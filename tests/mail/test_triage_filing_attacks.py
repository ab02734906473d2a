"""Mail filing on its worst day, against a real Dovecot: a MOVE refused, cut short or
killed, the same mail in two watched folders, triage folders made anew between runs, and
servers whose folders all live under the personal namespace's prefix (RFC 2342).

Invariant: after the last run every seeded mail is in exactly one triage folder, once per
source folder it was seeded in; none is lost, none is answered twice.
"""

from __future__ import annotations

import dataclasses
import imaplib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from demo.mail_world import PASSWORD, SECOND_FOLDER, USER, MailWorld, SeedMail, generate_mails
from tests.mail.test_triage_attacks import assert_answered_once, message_ids_by_folder

ROOT = Path(__file__).resolve().parents[2]
TRIAGE = ("Answered", "Forwarded", "Routed", "Screened", "Spam", "Review")


def in_both_folders(mails: list[SeedMail]) -> list[SeedMail]:
    """Each mail, byte for byte, in the INBOX and in Clientes/Web (a Sieve `fileinto :copy`
    or a customer writing to two addresses of ours): one case, two mails to file."""
    return [dataclasses.replace(m, folders=("INBOX", SECOND_FOLDER)) for m in mails]


@contextmanager
def imap(world: MailWorld) -> Iterator[imaplib.IMAP4]:
    client = imaplib.IMAP4(world.server.host, world.server.port)
    client.login(USER, PASSWORD)
    try:
        yield client
    finally:
        client.logout()


def put_in(world: MailWorld, folder: str, mails: list[SeedMail]) -> None:
    """A new folder, named as the server spells it, holding these mails."""
    with imap(world) as client:
        assert client.create(f'"{folder}"')[0] == "OK"
        for mail in mails:
            assert client.append(f'"{folder}"', None, None, mail.raw)[0] == "OK"


@contextmanager
def triage_folders_refuse_mail(world: MailWorld, names: tuple[str, ...] = TRIAGE
                               ) -> Iterator[None]:
    """The triage folders (`names` of them) exist and answer STATUS, but Dovecot cannot write a mail into
    them (their cur/new/tmp closed to its user, as a full disk or a quota would): every
    MOVE there is answered NO. Opened again when the block ends."""
    with imap(world) as client:
        for name in names:
            client.create(f'"Triage/{name}"')
            client.status(f'"Triage/{name}"', "(UIDNEXT)")
    closed = [world.server.maildir(USER) / f".Triage.{name}" / sub
              for name in names for sub in ("cur", "new", "tmp")]
    for path in closed:
        path.mkdir(exist_ok=True)
        os.chmod(path, 0o555)
    try:
        yield
    finally:
        for path in closed:
            os.chmod(path, 0o755)


def seeded_copies(world: MailWorld) -> Counter[str]:
    """Message-ID -> how many copies were seeded (one per folder the mail is in)."""
    wanted: Counter[str] = Counter()
    for mail in world.mails:
        wanted[mail.message_id] += len(mail.folders)
    return wanted


def assert_each_mail_filed_once_per_folder(world: MailWorld) -> None:
    folders = world.folders()
    left = {name: ids for name, ids in folders.items()
            if ids and not name.startswith("Triage/")}
    assert not left, f"not filed: {left}"
    copies = Counter(m for ids in folders.values() for m in ids)
    wanted = seeded_copies(world)
    lost = {m: (copies[m], n) for m, n in wanted.items() if copies[m] != n}
    assert not lost, f"Message-ID: (copies filed, copies seeded): {lost}"


@pytest.mark.slow
@pytest.mark.parametrize("refusing", [TRIAGE, ("Review",)], ids=["every folder", "review"])
def test_a_refused_move_then_allowed_keeps_the_copy_in_the_second_folder(
        world_for: Callable[[list[SeedMail]], MailWorld], refusing: tuple[str, ...]) -> None:
    """Every MOVE is refused (its intent recorded all the same); the next run, allowed,
    files the INBOX's copy first: that copy lands in the target after the UIDNEXT recorded
    for Clientes/Web's refused move, and is byte for byte Clientes/Web's mail. It is not
    the copy of a move cut short: Clientes/Web's mail must be moved, not removed."""
    from bots.executor import execute

    world = world_for(in_both_folders(
        generate_mails(12, seed=31, automated_share=0.2, hard_share=0.0)))
    with triage_folders_refuse_mail(world, refusing):
        first = execute("mail_triage", {})
        assert not first.ok and "could not be filed" in (first.error or ""), first.error
    again = execute("mail_triage", {})
    assert again.ok, again.error
    assert_each_mail_filed_once_per_folder(world)


def start_bot(mode: str, folder: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "mail" / "filing_kill_bot.py"), mode],
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, cwd=folder,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def kill_at(bot: subprocess.Popen[str], mark: str, delay: float = 0.0) -> list[str]:
    """SIGKILL the bot `delay` seconds after it prints `mark`; its output until then."""
    assert bot.stdout is not None
    lines = []
    for line in bot.stdout:
        lines.append(line)
        if line.strip() == mark:
            time.sleep(delay)
            break
    else:
        raise AssertionError(f"the bot ended before {mark!r}: {''.join(lines)[-3000:]}")
    bot.send_signal(signal.SIGKILL)
    bot.wait()
    return lines


@pytest.mark.slow
def test_a_run_killed_before_its_move_left_then_the_other_folder_filed_first(
        world_for: Callable[[list[SeedMail]], MailWorld], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGKILL after Clientes/Web's move is recorded and before it is sent (the setting
    listed Clientes/Web first then; or another worker settled the case between the two
    folders); the next run files the INBOX's copies: they land after the UIDNEXT recorded
    and are the same bytes. Clientes/Web's mails were never copied: moved, not removed."""
    from bots.executor import execute
    from bots.settings import reset_settings

    world = world_for(in_both_folders(
        generate_mails(6, seed=37, automated_share=0.0, hard_share=0.0)))
    env = {k: v for k, v in os.environ.items() if k.startswith("RPA_")}
    env["RPA_MAIL__IMAP__FOLDERS"] = json.dumps([SECOND_FOLDER, "INBOX"])
    kill_at(start_bot("marked", tmp_path, env), "marked")
    assert world.folders()[SECOND_FOLDER] and world.folders()["INBOX"]  # nothing moved
    monkeypatch.setenv("RPA_MAIL__IMAP__FOLDERS", json.dumps(["INBOX", SECOND_FOLDER]))
    reset_settings()
    again = execute("mail_triage", {})
    assert again.ok, again.error
    assert_each_mail_filed_once_per_folder(world)


@pytest.mark.slow
def test_sigkill_while_the_server_moves_500_mails_again_and_again_then_resume(
        world_for: Callable[[list[SeedMail]], MailWorld], tmp_path: Path) -> None:
    """A real process killed at instants after it sends a UID MOVE of up to 500 mails
    (the server's session goes on alone, or stops between copying and removing), four
    runs in a row, each finishing the one before; then a run to the end. A share of the
    mails is in both watched folders."""

    from bots.executor import execute

    mails = generate_mails(1100, seed=43, automated_share=0.2, hard_share=0.2)
    world = world_for(mails[:900] + in_both_folders(mails[900:]))
    env = {k: v for k, v in os.environ.items() if k.startswith("RPA_")}
    for delay in (0.0, 0.01, 0.03, 0.08):
        kill_at(start_bot("moving", tmp_path, env), "moving", delay)
    last = execute("mail_triage", {})
    assert last.ok, last.error
    assert_each_mail_filed_once_per_folder(world)
    assert_answered_once(world)


@pytest.fixture
def inbox_prefixed(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Dovecot with every folder of the user under the INBOX (RFC 2342's personal prefix):
    `inbox_prefixed(".")` as Courier and Cyrus (`INBOX.`), `inbox_prefixed("/")` (`INBOX/`)."""
    import demo.imap_server as imap_server

    def configure(separator: str) -> None:
        monkeypatch.setattr(imap_server, "CONFIG", imap_server.CONFIG.replace(
            "separator = /", f"separator = {separator}").replace(
            "prefix =\n", f"prefix = INBOX{separator}\n"))
    return configure


@pytest.mark.slow
@pytest.mark.parametrize("prefix", ["Reviewed", "INBOX.Reviewed", "INBOX/Reviewed"])
def test_mail_reviewed_reads_the_category_folders_under_the_inbox_prefix(
        inbox_prefixed: Callable[[str], None],
        world_for: Callable[[list[SeedMail]], MailWorld], prefix: str) -> None:
    """`runner.py mail reviewed --mailbox` where the agents' folders are
    `INBOX.Reviewed.complaint`: found whether --prefix names them as everywhere
    (`Reviewed`) or as the server and the agents' mail client show them."""
    inbox_prefixed(".")
    mails = generate_mails(3, seed=47, automated_share=0.0, hard_share=0.0)
    world = world_for([dataclasses.replace(m, folders=("INBOX",)) for m in mails[:1]])
    put_in(world, "INBOX.Reviewed.complaint", mails[1:])
    done = subprocess.run(
        [sys.executable, str(ROOT / "runner.py"), "mail", "reviewed", "--mailbox", "--json",
         "--prefix", prefix], env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["folders"] == {"Reviewed/complaint": 2}, result
    assert result["added"] == 2 and not result["skipped"], result


def filed_by_server_name(world: MailWorld) -> dict[str, Counter[str]]:
    """Every selectable folder's Message-IDs, the folders named as the server names them."""
    return {name: Counter(line.decode("latin-1").partition(":")[2].strip() for line in lines)
            for name, lines in message_ids_by_folder(world).items()}


@pytest.mark.slow
@pytest.mark.parametrize(("separator", "second"), [
    (".", "INBOX.Clientes.Web"), ("/", "INBOX/Clientes/Web"), ("/", "inbox/Clientes/Web")])
def test_a_cut_move_is_finished_on_a_server_whose_folders_live_under_the_inbox(
        inbox_prefixed: Callable[[str], None], world_for: Callable[[list[SeedMail]], MailWorld],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, separator: str, second: str) -> None:
    """The setting names the second folder as the server shows it (or in another case);
    a run SIGKILLed once a move's intent is recorded; the next run finishes on the prefixed
    names: every mail in one INBOX<sep>Triage<sep>* folder, once per folder it was in."""
    from bots.executor import execute
    from bots.settings import reset_settings

    inbox_prefixed(separator)
    mails = generate_mails(40, seed=53, automated_share=0.2, hard_share=0.0)
    world = world_for([dataclasses.replace(m, folders=("INBOX",)) for m in mails])
    web = f"INBOX{separator}Clientes{separator}Web"
    put_in(world, web, mails[25:])  # in both folders, byte for byte
    monkeypatch.setenv("RPA_MAIL__IMAP__FOLDERS", json.dumps(["inbox", second]))
    reset_settings()
    env = {k: v for k, v in os.environ.items() if k.startswith("RPA_")}
    kill_at(start_bot("marked", tmp_path, env), "marked")
    again = execute("mail_triage", {})
    assert again.ok, again.error
    folders = filed_by_server_name(world)
    assert not folders["INBOX"] and not folders[web], folders
    triage = f"INBOX{separator}Triage{separator}"
    assert {name for name, ids in folders.items() if ids} <= {
        triage + name for name in TRIAGE}, folders
    filed = sum(folders.values(), Counter())
    assert filed == Counter({m.message_id: 1 for m in mails[:25]}) + Counter(
        {m.message_id: 2 for m in mails[25:]})


@pytest.fixture
def public_namespace(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Dovecot with the user's folders under `INBOX.` and a public namespace `Public.`
    beside it (a shared customer mailbox the back office watches)."""
    import pwd
    import shutil
    import tempfile

    import demo.imap_server as imap_server

    public = Path(tempfile.mkdtemp(prefix="rpa-public-"))
    os.chmod(public, 0o755)
    nobody = pwd.getpwnam(imap_server.MAIL_USER)
    os.chown(public, nobody.pw_uid, nobody.pw_gid)
    monkeypatch.setattr(imap_server, "CONFIG", imap_server.CONFIG.replace(
        "separator = /", "separator = .").replace("prefix =\n", "prefix = INBOX.\n").replace(
        "passdb {{", "namespace public {{\n  type = public\n  separator = .\n"
        f"  prefix = Public.\n  location = maildir:{public}\n  subscriptions = no\n"
        "  list = yes\n}}\npassdb {{", 1))
    yield
    shutil.rmtree(public, ignore_errors=True)


@pytest.mark.slow
def test_a_folder_of_a_public_namespace_is_triaged_on_a_server_with_the_inbox_prefix(
        public_namespace: None, world_for: Callable[[list[SeedMail]], MailWorld],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """NAMESPACE says `(("INBOX." ".")) NIL (("Public." "."))`: `Public/Clientes` is the
    public namespace's `Public.Clientes`, not a personal `INBOX.Public.Clientes`."""
    from bots.executor import execute
    from bots.settings import reset_settings

    mails = generate_mails(10, seed=59, automated_share=0.2, hard_share=0.0)
    world = world_for([dataclasses.replace(m, folders=("INBOX",)) for m in mails[:6]])
    put_in(world, "Public.Clientes", mails[6:])
    monkeypatch.setenv("RPA_MAIL__IMAP__FOLDERS", json.dumps(["INBOX", "Public/Clientes"]))
    reset_settings()
    result = execute("mail_triage", {})
    assert result.ok, result.error
    assert result.summary["fetched"] == 10, result.summary
    folders = filed_by_server_name(world)
    assert not folders["INBOX"] and not folders["Public.Clientes"], folders
    assert sum(folders.values(), Counter()) == Counter(m.message_id for m in mails)


def marked_moves() -> tuple[str, str, list[int]]:
    """(folder, target, UIDs) of the move whose intent the store holds, not yet done."""
    import sqlalchemy as sa

    from bots.store import open_store
    from bots.store.mail_schema import mail_seen

    c = mail_seen.c
    with open_store().connect() as conn:
        rows = conn.execute(sa.select(c.folder, c.moving_to, c.uid).where(
            c.moving_to.is_not(None), c.filed_to.is_(None)).order_by(c.uid)).all()
    assert rows and len({(r.folder, r.moving_to) for r in rows}) == 1, rows
    return rows[0].folder, rows[0].moving_to, [r.uid for r in rows]


@pytest.mark.slow
@pytest.mark.parametrize("person", [
    "deletes the target", "makes the target anew", "moves a mail of the batch elsewhere",
    "deletes a mail of the batch", "had copies in every target before"])
def test_a_person_acts_between_a_run_killed_before_its_move_and_the_next(
        world_for: Callable[[list[SeedMail]], MailWorld], tmp_path: Path, person: str) -> None:
    """A real SIGKILL once a move's intent is recorded (the MOVE never left); a person
    acts in the mailbox; the next run: every mail in one folder, once per folder it was
    in (the one a person deleted gone, the one a person moved where they put it)."""
    from bots.executor import execute

    mails = generate_mails(30, seed=61, automated_share=0.2, hard_share=0.0)
    world = world_for(mails[:24] + in_both_folders(mails[24:]))
    wanted = seeded_copies(world)
    if person == "had copies in every target before":
        with imap(world) as client:
            for name in TRIAGE:
                client.create(f'"Triage/{name}"')
                client.append(f'"Triage/{name}"', None, None, mails[0].raw)
        wanted[mails[0].message_id] += len(TRIAGE)
    env = {k: v for k, v in os.environ.items() if k.startswith("RPA_")}
    kill_at(start_bot("marked", tmp_path, env), "marked")
    folder, target, uids = marked_moves()
    with imap(world) as client:
        if person in ("deletes the target", "makes the target anew"):
            client.select('"INBOX"')
            assert client.delete(f'"{target}"')[0] == "OK"
            if person == "makes the target anew":
                assert client.create(f'"{target}"')[0] == "OK"
        elif person.endswith("of the batch elsewhere") or person.startswith("deletes a"):
            client.select(f'"{folder}"')
            _, data = client.uid("FETCH", str(uids[0]), "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
            message_id = data[0][1].decode("latin-1").partition(":")[2].strip()
            wanted[message_id] -= 1
            if person.startswith("moves"):
                client.create('"Personal"')
                assert client.uid("MOVE", str(uids[0]), '"Personal"')[0] == "OK"
            else:
                client.uid("STORE", str(uids[0]), "+FLAGS", r"(\Deleted)")
                client.expunge()
    again = execute("mail_triage", {})
    assert again.ok, again.error
    folders = world.folders()
    assert not folders.get("INBOX") and not folders.get(SECOND_FOLDER)
    triaged = sum((Counter(ids) for name, ids in folders.items() if name != "Personal"),
                  Counter())
    assert triaged == +wanted, {m: (triaged[m], n) for m, n in wanted.items() if triaged[m] != n}
    if person.startswith("moves"):
        assert len(folders["Personal"]) == 1
