"""Evidence in the store: an authorisation holds for its days and covers its invoice (or
all of the customer's); an event recorded twice is recorded once, audited once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from bots import FrozenClock
from bots.store import open_store
from recipes.collections.evidence import Evidence


def test_an_authorisation_holds_for_its_days_and_its_invoice(rpa_env: dict[str, str]) -> None:
    engine = open_store()
    evidence = Evidence(engine, FrozenClock(), "bot:test")
    given = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    for _ in range(2):
        evidence.authorise(source_key="call:1", customer="C1", invoice="INV-1", channel="call",
                           method="card", mandate_reference="", evidence="note", given_by="C1",
                           recorded_by="l.vega", given_at=given, valid_days=30)
    assert evidence.authorisation("C1", "INV-1", date(2026, 3, 1)) is None  # not yet given
    assert evidence.authorisation("C1", "INV-1", date(2026, 3, 2)) is not None
    assert evidence.authorisation("C1", "INV-1", date(2026, 4, 1)) is not None  # day 30
    assert evidence.authorisation("C1", "INV-1", date(2026, 4, 2)) is None      # expired
    assert evidence.authorisation("C1", "INV-2", date(2026, 3, 5)) is None      # another invoice
    assert evidence.authorisation("C2", "INV-1", date(2026, 3, 5)) is None      # another customer
    evidence.authorise(source_key="mail:2", customer="C1", invoice="", channel="mail",
                       method="card", mandate_reference="", evidence="<m@x>", given_by="c1@x",
                       recorded_by="bot", given_at=given, valid_days=30)
    found = evidence.authorisation("C1", "INV-2", date(2026, 3, 5))
    assert found is not None and found.evidence == "<m@x>" and found.channel == "mail"
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from collections_authorisations")
                            ).scalar() == 2
        assert conn.execute(sa.text("select count(*) from audit_events where action ="
                                    " 'collections.authorisation_recorded'")).scalar() == 2
