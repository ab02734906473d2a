"""Mail triage end to end over a real Dovecot and a real SMTP server: every seeded mail
ends in exactly one folder, every answerable mail gets exactly one threaded answer in
its language, screened mail none, routed mail makes its downstream item."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from bots.executor import execute
from bots.settings import Settings
from bots.store import open_store
from bots.workitems import WorkQueue
from demo.customer_mailbox import CustomerMailbox
from demo.mail_world import MailWorld

pytestmark = pytest.mark.slow

TRIAGE_FOLDERS = {"Triage/Answered", "Triage/Forwarded", "Triage/Routed", "Triage/Screened",
                  "Triage/Spam", "Triage/Review"}


def answers_by_recipient(smtp: CustomerMailbox) -> dict[str, list]:
    found: dict[str, list] = defaultdict(list)
    for envelope, raw in smtp.messages():
        msg = message_from_bytes(raw, policy=policy.default)
        for rcpt in envelope["rcpt_tos"]:
            found[rcpt.lower()].append(msg)
    return found


def test_every_mail_filed_once_answered_once_in_its_language(
        small_world: MailWorld, mail_settings: Settings, customers_smtp: CustomerMailbox,
        tmp_path: Path) -> None:
    credits = tmp_path / "credits.csv"
    result = execute("mail_triage", {"credit_requests": str(credits)})
    assert result.ok, result.summary
    summary = result.summary
    for name in ("category", "priority", "language", "action", "folder"):
        assert sum(summary[name].values()) == len(small_world.mails), name
    assert set(summary["language"]) <= {"es", "en"}
    assert summary["outcomes"].get("to_review", 0) == summary["action"].get("review", 0)
    sent = execute("send_outbox", {})
    assert sent.ok and sent.summary.get("left") == 0, sent.summary

    mails = small_world.mails
    copies = sum(len(m.folders) for m in mails)
    folders = small_world.folders()
    assert not folders.get("INBOX") and not folders.get("Clientes/Web")
    assert set(k for k, v in folders.items() if v) <= TRIAGE_FOLDERS
    assert sum(len(v) for v in folders.values()) == copies
    where: dict[str, set[str]] = defaultdict(set)
    for folder, ids in folders.items():
        for message_id in ids:
            where[message_id].add(folder)
    for mail in mails:
        if mail.message_id:
            assert len(where[mail.message_id]) == 1, (mail.hard, where[mail.message_id])

    answers = answers_by_recipient(customers_smtp)
    for mail in mails:
        got = answers.get(mail.sender, [])
        if mail.automated:
            assert got == [], f"{mail.automated} mail from {mail.sender} was answered"
            continue
        assert len(got) == 1, (mail.hard, mail.sender, len(got))
        answer = got[0]
        if mail.message_id:
            assert answer["In-Reply-To"] == mail.message_id
            assert mail.message_id in answer["References"]
        assert answer["Auto-Submitted"] == "auto-generated"
        assert answer["Subject"].startswith("Re: ")
        assert answer["Content-Language"] == mail.language, (mail.hard, mail.sender)
        assert answer["X-Case-Reference"] in answer.get_body(("plain",)).get_content()

    # the automated ones are where they belong, and none of them made work elsewhere
    automated = {m.message_id for m in mails if m.automated}
    assert automated <= set(folders["Triage/Screened"]) | set(folders.get("Triage/Spam", []))

    engine = open_store(mail_settings)
    triage = WorkQueue(engine, "mail_triage")
    records = triage.get_many([r for r in _keys(engine)])
    routed = [r for r in records.values() if r.output and r.output.get("action") == "queue"]
    assert routed, "the seeded mail holds order and collections mail"
    for record in routed:
        queue_name, key = record.output["downstream"].split("/", 1)
        item = WorkQueue(engine, queue_name).get(key)
        assert item is not None and key == f"mail:{record.key}"
        payload = item.payload
        assert payload["source"] == "mail" and payload["case"] == record.payload["case"]
        assert payload["message_id"] == record.payload["message_id"]
        assert set(payload["facts"]) == {"invoice", "order", "customer", "amount", "iban", "date"}
        assert payload["category"] == record.output["category"]
        assert len(payload["text"]) <= 4000
    requests = [r for r in records.values() if r.output and r.output.get("action") == "request"]
    if requests:
        with credits.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert Counter(r["request_id"] for r in rows) == Counter(
            r.payload["case"] for r in requests)
        assert all(r["approved_by"] == "" and r["kind"] == "credit" for r in rows)

    again = execute("mail_triage", {"credit_requests": str(credits)})
    assert again.ok and again.summary["fetched"] == 0 and again.summary["worked"] == 0
    resent = execute("send_outbox", {})
    assert resent.summary.get("sent", 0) == 0


def _keys(engine) -> list[str]:
    import sqlalchemy as sa

    from bots.store.schema import work_items

    with engine.connect() as conn:
        return list(conn.execute(sa.select(work_items.c.key).where(
            work_items.c.queue == "mail_triage")).scalars())
