"""The hook in work items: a message is written to the outbox in the transaction that
records the item done, only then, and once per idempotency key."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots.clock import FrozenClock
from bots.errors import BusinessError
from bots.outbox import Templates, list_messages
from bots.outbox.store import case_message_ids
from bots.store.outbox_schema import outbox_messages
from bots.workitems import WorkQueue
from tests.outbox.builders import mail, sms


def queue(store: Engine, clock: FrozenClock) -> WorkQueue:
    return WorkQueue(store, "adjustments", clock=clock, owner="worker-a")


def test_messages_are_written_with_the_done_outcome(store: Engine, templates: Templates,
                                                    clock: FrozenClock) -> None:
    q = queue(store, clock)
    q.put("REQ-2026-0001", {})
    item = q.claim()
    assert item is not None
    with item:
        item.notify(mail(templates, clock.now()))
        item.notify(sms(templates))
        assert list_messages(store) == []  # nothing before the outcome is recorded
    rows = list_messages(store)
    assert sorted((m.channel, m.state, m.item_id) for m in rows) == [
        ("mail", "queued", item.id), ("sms", "queued", item.id)]
    assert [d for d, _ in case_message_ids(store, "REQ-2026-0001")] == ["out"]


def test_no_message_when_the_item_is_not_done(store: Engine, templates: Templates,
                                              clock: FrozenClock) -> None:
    q = queue(store, clock)
    q.put_many([("REQ-1", {}), ("REQ-2", {})])
    first = q.claim()
    assert first is not None
    with first:
        first.notify(mail(templates, clock.now(), case="REQ-1"))
        raise BusinessError("invoice closed")
    second = q.claim()
    assert second is not None
    with second:
        second.notify(mail(templates, clock.now(), case="REQ-2"))
        raise OSError("portal down")  # a system error: retried later, nothing told yet
    assert list_messages(store) == []


def test_a_failing_outbox_write_rolls_the_outcome_back(store: Engine, templates: Templates,
                                                       clock: FrozenClock,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import bots.workitems.item as item_module

    def broken(*_args: object, **_kwargs: object) -> None:
        raise sa.exc.OperationalError("insert", {}, Exception("disk full"))

    monkeypatch.setattr(item_module, "enqueue_many", broken)
    q = queue(store, clock)
    q.put("REQ-1", {})
    item = q.claim()
    assert item is not None
    with pytest.raises(sa.exc.OperationalError):
        with item:
            item.notify(mail(templates, clock.now(), case="REQ-1"))
    assert q.get("REQ-1").state == "in_progress"  # type: ignore[union-attr]
    with store.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(outbox_messages)).scalar() == 0


def test_the_same_event_told_twice_is_written_once(store: Engine, templates: Templates,
                                                   clock: FrozenClock) -> None:
    q = queue(store, clock)
    q.put_many([("A", {}), ("B", {})])
    for _ in range(2):
        item = q.claim()
        assert item is not None
        with item:  # two items telling the same (case, template, step): one message
            item.notify(mail(templates, clock.now(), case="REQ-9"))
    assert len(list_messages(store)) == 1
