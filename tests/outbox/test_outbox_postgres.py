"""The outbox on PostgreSQL: the same key written once, the item hook, sending, bounces."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from bots.clock import FrozenClock
from bots.outbox import ChannelKind, Rules, Sender, Templates, enqueue, list_messages, opt_out
from bots.settings import Settings, get_settings, reset_settings
from bots.store import open_store
from bots.workitems import WorkQueue
from connectors.outbound import SmtpChannel
from demo.customer_mailbox import CustomerMailbox
from tests.outbox.builders import mail

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_store(rpa_env: dict[str, str], pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("RPA_STORE__URL", pg_url)
    reset_settings()
    settings: Settings = get_settings()
    return open_store(settings)


def test_outbox_on_postgresql(pg_store: Engine, templates: Templates, clock: FrozenClock,
                              mailbox: CustomerMailbox, smtp_channel: SmtpChannel) -> None:
    assert pg_store.dialect.name == "postgresql"
    queue = WorkQueue(pg_store, "tell", clock=clock, owner="pg-worker")
    queue.put_many([("A", {}), ("B", {})])
    for _ in range(2):
        item = queue.claim()
        assert item is not None
        with item:  # both tell the same event: one message
            item.notify(mail(templates, clock.now(), case="REQ-PG"))
    assert enqueue(pg_store, mail(templates, clock.now(), case="REQ-PG")) is None
    assert enqueue(pg_store, mail(templates, clock.now(), case="REQ-PG2",
                                  to="nadie@example.com")) is not None
    opt_out(pg_store, "nadie@example.com", now=clock.now())
    sender = Sender(pg_store, {ChannelKind.MAIL: smtp_channel}, rules=Rules(), clock=clock)
    report = sender.run()
    assert (report.sent, report.reasons) == (1, {"opted_out": 1})
    assert sorted((m.case, m.state) for m in list_messages(pg_store)) == [
        ("REQ-PG", "sent"), ("REQ-PG2", "failed")]
    assert len(mailbox.messages()) == 1
