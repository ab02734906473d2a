"""Mail triage's items in `collections_inbox` (the contract between helpers) and the call
sheet: recorded as evidence once; a mail missing what it needs is an exception, and the
customer is told, threaded to their mail."""

from __future__ import annotations

import hashlib
from email import message_from_string

import sqlalchemy as sa
from collections_support import START, Book, DayClock

from bots import execute
from bots.store import open_store
from bots.workitems import WorkQueue


def _mail(n: int, category: str, invoice: str | None, **facts: list[str]) -> tuple[str, dict]:
    message_id = f"<m{n}@customers.example>"
    return ("mail:" + hashlib.sha256(message_id.encode()).hexdigest()[:24], {
        "source": "mail", "message_id": message_id, "case": f"CASE-{n}",
        "received_at": f"{START.isoformat()}T07:00:00Z", "from": "c0001@customers.example",
        "language": "es", "category": category, "subject": "Mi factura", "text": "Hola",
        "facts": {"invoice": [invoice] if invoice else [], "order": [], "customer": [],
                  "amount": facts.get("amount", []), "iban": [], "date": facts.get("date", [])}})


def test_mail_items_recorded_once_and_a_bad_one_answered_threaded(small_book: Book) -> None:
    first = small_book.customers[0]
    clock = DayClock(START)
    items = [_mail(1, "invoice_dispute", first.invoice),
             _mail(2, "payment_promise", first.invoice, amount=["10.00"]),       # no date
             _mail(3, "payment_authorisation", None),                            # no invoice
             _mail(4, "payment_promise", first.invoice, amount=["10.00"], date=["2026-03-09"])]
    WorkQueue(open_store(), "collections_inbox", clock=clock).put_many(items)
    result = execute("collections", {}, clock=clock)
    assert result.ok, result.error
    with open_store().connect() as conn:
        states = dict(conn.execute(sa.text(
            "select key, state from work_items where queue='collections_inbox'")).all())
        reasons = dict(conn.execute(sa.text(
            "select key, reason from work_items where queue='collections_inbox'")).all())
        disputes = conn.execute(sa.text("select invoice from collections_disputes")).all()
        promises = conn.execute(sa.text("select amount, promised_on from collections_promises")
                                ).all()
        answers = conn.execute(sa.text(
            "select case_ref, content from outbox_messages where template='collections_missing'"
            " order by case_ref")).all()
        letters = conn.execute(sa.text(
            "select count(*) from outbox_messages where case_ref = :i"), {"i": first.invoice}
            ).scalar()
    keys = [k for k, _ in items]
    assert [states[k] for k in keys] == ["done", "business_exception", "business_exception",
                                         "done"]
    assert reasons[keys[1]] == "missing_date" and reasons[keys[2]] == "missing_number"
    assert disputes == [(first.invoice,)]
    assert [(a, str(d)) for a, d in promises] == [("10.00", "2026-03-09")]
    assert letters == 0  # disputed: not chased
    assert [case for case, _ in answers] == ["CASE-2", "CASE-3"]
    mail = message_from_string(answers[0][1])
    assert mail["In-Reply-To"] == "<m2@customers.example>"
    assert mail["Subject"].startswith("Re: ")
    assert mail["Content-Language"] == "es"
    # a second run records nothing again
    again = execute("collections", {}, clock=clock)
    assert again.ok, again.error
    with open_store().connect() as conn:
        assert conn.execute(sa.text("select count(*) from collections_disputes")).scalar() == 1


def test_a_bad_bank_statement_refuses_the_run_before_anything_is_done(
        small_book: Book, tmp_path) -> None:  # noqa: ANN001
    bank = tmp_path / "bank.csv"
    bank.write_text("booked;concept;amount;reference\n2026-03-02;FRA INV-2026-00001;12,5x;B1\n",
                    encoding="utf-8")
    result = execute("collections", {"bank": str(bank)}, clock=DayClock(START))
    assert not result.ok
    assert str(bank) in str(result.error) and "row 2" in str(result.error)
    assert "amount" in str(result.error)
    with open_store().connect() as conn:
        assert conn.execute(sa.text("select count(*) from outbox_messages")).scalar() == 0
        assert conn.execute(sa.text("select count(*) from work_items")).scalar() == 0
