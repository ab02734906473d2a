"""A MOVE cut short: the server copies the mails, then removes the originals, and a client
killed in between leaves it to go on alone or to stop half-way. The next run must finish
that move, not make it again: every mail in exactly one folder (a real Dovecot)."""

from __future__ import annotations

import imaplib
import socket
import struct
from collections import Counter
from collections.abc import Iterable

import pytest

from connectors.mailbox import Mailbox
from demo.mail_world import PASSWORD, USER, MailWorld, generate_mails


class Killed(RuntimeError):
    """The run dies here, as it would under SIGKILL: nothing after this line happens."""


def cut_moves(world: MailWorld, how: str):  # noqa: ANN201 - a stand-in for Mailbox.move
    def move(self: Mailbox, uids: Iterable[int], folder: str, *, batch: int = 500) -> int:
        wanted = ",".join(str(u) for u in sorted(set(uids)))
        self.ensure_folder(folder)
        target = self.server_name(folder)
        if how == "copied, originals left":
            self.imap.client.uid("COPY", wanted, target)
        else:  # the client dies just after sending MOVE: the server's session goes on
            side = imaplib.IMAP4(world.server.host, world.server.port)
            side.login(USER, PASSWORD)
            side.select(f'"{self.imap.folder.get()}"')
            side.send(f'{side._new_tag().decode()} UID MOVE {wanted} "{target}"\r\n'.encode())
            side.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            side.sock.close()
        raise Killed(f"killed while moving {len(wanted.split(','))} mails to {folder}")
    return move


@pytest.mark.slow
@pytest.mark.parametrize("how", ["copied, originals left", "the server still moving"])
def test_a_move_cut_short_is_finished_by_the_next_run_not_made_twice(
        world_for, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    from bots.executor import execute

    world = world_for(generate_mails(400, seed=29, automated_share=0.2, hard_share=0.2))
    with monkeypatch.context() as patch:
        patch.setattr(Mailbox, "move", cut_moves(world, how))
        first = execute("mail_triage", {})
    assert not first.ok
    again = execute("mail_triage", {})
    assert again.ok, again.summary
    folders = world.folders()
    assert not folders.get("INBOX") and not folders.get("Clientes/Web")
    copies = Counter(m for ids in folders.values() for m in ids)
    assert sum(copies.values()) == sum(len(m.folders) for m in world.mails)
    assert {m.message_id for m in world.mails if m.message_id} <= set(copies)
    assert all(n == len(m.folders) for m in world.mails if m.message_id
               for n in [copies[m.message_id]])


def _upgrade_from_ten(url: str) -> None:
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from bots.store import create_store_engine
    from bots.store.migrate import LATEST, VERSION_TABLE, migrate
    from connectors.mailbox import seen

    engine = create_store_engine(url)
    assert migrate(engine) == LATEST
    with engine.begin() as conn:  # back to what migration 10 left
        for column in ("moving_to", "moving_uidvalidity", "moving_uidnext"):
            conn.execute(sa.text(f"ALTER TABLE mail_seen DROP COLUMN {column}"))
        conn.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = '0010'"))
        conn.execute(sa.text("DELETE FROM schema_version WHERE version >= 11"))
    assert migrate(engine) == LATEST
    place = seen.Place("clientes@127.0.0.1:143", "INBOX", 7)
    seen.record(engine, place, [(1, "k1", "<a@b>"), (2, "k2", "<c@d>")], datetime.now(UTC))
    seen.mark_moving(engine, place, [1, 2], seen.Moving("Triage/Answered", 9, 40))
    assert seen.moving(engine, place) == {1: seen.Moving("Triage/Answered", 9, 40),
                                          2: seen.Moving("Triage/Answered", 9, 40)}
    seen.mark_filed(engine, place, [1], "Triage/Answered", datetime.now(UTC))
    assert list(seen.moving(engine, place)) == [2]
    engine.dispose()


def test_migration_eleven_on_sqlite(tmp_path) -> None:  # noqa: ANN001
    """A store migration 10 made gets the columns of a move under way."""
    _upgrade_from_ten(f"sqlite:///{tmp_path / 'store.db'}")


@pytest.mark.postgres
def test_migration_eleven_on_postgres(pg_url: str) -> None:
    _upgrade_from_ten(pg_url)
