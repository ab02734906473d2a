"""Whatever a mail says, reading it gives a well-formed reading and never raises."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bots.mail.understand import CATEGORIES, load_reader

READER = load_reader()
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
PIECES = st.sampled_from([
    "factura", "INV-2026-0005", "1.234,56 €", "€1,234.56", "1,234 EUR", "ES91 2100 0418 4502 0005 1332",
    "ES00 0000", "31/02/2026", "15 de enero", "Dec 32", "order no. 12345", "> quoted", "On x wrote:",
    "URGENTE", "abogado", "\u0000", "\ufeff", "ﬁ", "𝟙𝟚", "١٢٣", "€€€", "......", ",,,", "9" * 40, "9" * 40 + " €", "€ 1" + "0" * 30,
])
TEXT = st.lists(st.one_of(st.text(max_size=30), PIECES), max_size=25).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(subject=TEXT, text=TEXT, hours=st.floats(min_value=-48, max_value=10_000))
def test_any_text_reads_into_a_wellformed_reading(subject: str, text: str, hours: float) -> None:
    reading = READER.read(subject, text, "x@example.com", NOW - timedelta(hours=hours), NOW)
    assert reading.language in ("es", "en") and reading.category in CATEGORIES
    assert 0 <= reading.confidence <= 1 and 0 <= reading.priority <= 1000
    assert len(reading.suggestions) == 3
    assert set(reading.facts) == {"invoice", "order", "customer", "amount", "iban", "date"}
    for amount in reading.facts["amount"]:
        assert Decimal(amount) == Decimal(amount).quantize(Decimal("0.01"))
    for day in reading.facts["date"]:
        datetime.fromisoformat(day)
