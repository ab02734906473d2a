"""The mailbox connector over a real Dovecot, and why a mail is never two cases: the same
mail APPENDed again (new UIDs), and a UIDVALIDITY reset (Dovecot's UID list removed),
are recognised by Message-ID: filed with their case, nothing answered or routed again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bots.executor import execute
from bots.settings import get_settings
from bots.store import open_store
from bots.store.schema import work_items
from connectors.mailbox import open_mailbox
from demo.customer_mailbox import CustomerMailbox
from demo.mail_world import MailWorld, generate_mails

pytestmark = pytest.mark.slow


def test_connector_fetches_in_batches_moves_by_uid_sets_and_appends(world_for) -> None:
    world: MailWorld = world_for(generate_mails(25, seed=3, automated_share=0.0,
                                                hard_share=0.0))
    with open_mailbox(get_settings().mail.imap) as box:
        state = box.select("INBOX")
        assert len(state.uids) == 25 and state.uidvalidity > 0
        heads = list(box.fetch(state.uids, headers_only=True, batch=7))
        assert [m.uid for m in heads] == list(state.uids)
        assert all(b"Message-ID:" in m.raw and m.raw.endswith(b"\r\n\r\n") for m in heads)
        assert all(m.size > len(m.raw) for m in heads)  # the header only, the size of all
        bodies = list(box.fetch(state.uids[:5], batch=2))
        assert [m.raw for m in bodies] == [world.mails[n].raw for n in range(5)]
        assert all("\\Seen" not in m.flags for m in bodies)  # BODY.PEEK: still unread
        assert box.move(state.uids[:10], "Triage/Answered", batch=3) == 10
        box.append(world.mails[0].raw, "Triage/Review")
        assert len(box.select("INBOX").uids) == 15
    folders = world.folders()
    assert len(folders["Triage/Answered"]) == 10 and len(folders["Triage/Review"]) == 1


def test_moving_and_removing_take_only_the_mails_named(world_for) -> None:
    """The server's own MOVE and UID EXPUNGE, as its capabilities after login say it has:
    a mail a person marked deleted stays until they expunge it (a plain EXPUNGE, as a
    COPY-and-delete move does, would take it too)."""
    world: MailWorld = world_for(generate_mails(6, seed=9, automated_share=0.0,
                                                hard_share=0.0))
    with open_mailbox(get_settings().mail.imap) as box:
        assert {"MOVE", "UIDPLUS", "NAMESPACE"} <= set(box.imap.client.capabilities)
        uids = box.select("INBOX").uids
        box.flag([uids[0]], ["\\Deleted"])  # a person deleting, not yet expunged
        box.move(uids[1:3], "Triage/Answered")
        box.expunge(uids[3:4])
        assert box.select("INBOX").uids == (uids[0], *uids[4:])
    assert len(world.folders()["Triage/Answered"]) == 2


def test_same_mail_again_and_after_a_uid_reset_is_one_case(
        world_for, customers_smtp: CustomerMailbox) -> None:
    mails = generate_mails(30, seed=5, automated_share=0.2, hard_share=0.0)
    world: MailWorld = world_for(mails)
    first = execute("mail_triage", {})
    assert first.ok and first.summary["queued"] == 30
    execute("send_outbox", {})
    answered = len(customers_smtp.messages())
    engine = open_store()
    with engine.connect() as conn:
        items_before = conn.execute(sa.select(sa.func.count()).select_from(work_items)).scalar()

    # the same mails land in the inbox again (a rule, a restore): new UIDs, same Message-IDs
    with open_mailbox(get_settings().mail.imap) as box:
        for mail in mails:
            box.append(mail.raw, "INBOX")
    second = execute("mail_triage", {})
    assert second.ok and second.summary["queued"] == 0
    assert second.summary["already_known"] == 30

    # a UIDVALIDITY reset: Dovecot loses its UID list; every UID is new, nothing else is
    with open_mailbox(get_settings().mail.imap) as box:
        for mail in mails[:10]:
            box.append(mail.raw, "INBOX")
        before = box.select("INBOX").uidvalidity
    world.server.stop()
    inbox = world.server.maildir("clientes")
    for name in ("dovecot-uidlist", "dovecot.index", "dovecot.index.log", "dovecot.index.cache"):
        (inbox / name).unlink(missing_ok=True)
    world.server.start()
    with open_mailbox(get_settings().mail.imap) as box:
        assert box.select("INBOX").uidvalidity != before
    third = execute("mail_triage", {})
    assert third.ok and third.summary["queued"] == 0 and third.summary["already_known"] == 10

    execute("send_outbox", {})
    assert len(customers_smtp.messages()) == answered  # nobody answered twice
    with engine.connect() as conn:
        items_after = conn.execute(sa.select(sa.func.count()).select_from(work_items)).scalar()
    assert items_after == items_before  # no second case, no second downstream item
    folders = world.folders()
    assert not folders.get("INBOX")
    for mail in mails:
        holding = {f for f, ids in folders.items() if mail.message_id in ids}
        assert len(holding) == 1, holding
