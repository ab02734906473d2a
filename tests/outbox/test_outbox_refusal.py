"""`item.notify(message, on_refusal=True)`: the answer to a refused request is written in
the transaction that records the business exception; never for a system exception, and
a plain notify is still for done only."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bots.clock import FrozenClock
from bots.errors import BusinessError
from bots.outbox import Templates, list_messages
from bots.workitems import WorkQueue
from tests.outbox.builders import mail


def test_a_refusal_tells_the_customer_with_the_business_exception(
        store: Engine, templates: Templates, clock: FrozenClock) -> None:
    q = WorkQueue(store, "orders", clock=clock, owner="worker-a")
    q.put_many([("REQ-1", {}), ("REQ-2", {}), ("REQ-3", {})])
    refused = q.claim()
    assert refused is not None
    with refused:
        refused.notify(mail(templates, clock.now(), case="REQ-1"), on_refusal=True)
        refused.notify(mail(templates, clock.now(), case="REQ-1b"))  # done only: not written
        raise BusinessError("return window passed", reason="return_window_passed")
    broken = q.claim()
    assert broken is not None
    with broken:
        broken.notify(mail(templates, clock.now(), case="REQ-2"), on_refusal=True)
        raise OSError("portal down")  # retried later: nobody told yet
    done = q.claim()
    assert done is not None
    with done:
        done.notify(mail(templates, clock.now(), case="REQ-3"), on_refusal=True)
    told = sorted((m.case, m.item_id) for m in list_messages(store))
    assert told == [("REQ-1", refused.id), ("REQ-3", done.id)]
