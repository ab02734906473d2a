"""A corpus of 30 kinds of broken mail (tests/mail/broken/corpus.py): parsed without an
exception escaping, and triaged over a real Dovecot without a crashed run, each mail in
exactly one folder, the unreadable ones in review with their reason."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from bots.executor import execute
from bots.mail.parse import Limits, MailRefused, parse_mail
from bots.store import open_store
from bots.store.schema import work_items
from demo.mail_world import SeedMail
from tests.mail.broken.corpus import broken_mails, oversized_bounce

LIMITS = Limits(max_bytes=200_000, attachment_max_bytes=100_000)
CASES = broken_mails(max_bytes=LIMITS.max_bytes, attachment_max=LIMITS.attachment_max_bytes)


def test_the_corpus_has_at_least_twenty_kinds() -> None:
    assert len({c.name for c in CASES}) >= 20


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_parsing_never_raises_anything_but_a_refusal(case) -> None:
    try:
        mail = parse_mail(case.raw, limits=LIMITS)
    except MailRefused as exc:
        assert case.expect == "review", f"{case.name}: refused ({exc})"
        assert str(exc)
        return
    assert all(w in f"{mail.subject}\n{mail.text}" for w in case.words), (mail.subject, mail.text)
    assert mail.message_id.startswith("<") and mail.message_id.endswith(">")
    assert "\x00" not in mail.text and "\n" not in mail.subject
    for attachment in mail.attachments:
        assert "/" not in attachment.filename and attachment.filename[:1] != "."
        assert (attachment.data is None) == (attachment.size > LIMITS.attachment_max_bytes)


@pytest.mark.slow
def test_a_mailbox_of_broken_mail_is_triaged_without_a_crash(world_for, monkeypatch) -> None:
    seeds = [SeedMail(c.raw, "", "", "es", None, None) for c in CASES]
    seeds.append(SeedMail(oversized_bounce(LIMITS.max_bytes), "", "", "es", None, "bounce"))
    world = world_for(seeds)
    monkeypatch.setenv("RPA_MAIL__MAX_BYTES", str(LIMITS.max_bytes))
    monkeypatch.setenv("RPA_MAIL__ATTACHMENT_MAX_BYTES", str(LIMITS.attachment_max_bytes))
    from bots.settings import reset_settings

    reset_settings()
    result = execute("mail_triage", {})
    assert result.ok, result.summary
    folders = world.folders()
    assert not folders.get("INBOX")
    assert sum(len(v) for v in folders.values()) == len(seeds)
    assert len(folders["Triage/Screened"]) == 1  # the oversized bounce: screened by its header
    with open_store().connect() as conn:
        items = conn.execute(sa.select(work_items.c.payload, work_items.c.output, work_items.c.state)
                             .where(work_items.c.queue == "mail_triage")).all()
    assert len(items) == len(seeds) and {i.state for i in items} == {"done"}
    by_outcome: dict[str, list[dict]] = {}
    for item in items:
        payload = item.payload if isinstance(item.payload, dict) else json.loads(item.payload)
        by_outcome.setdefault(payload["outcome"], []).append(payload)
    refused = by_outcome.get("refused", [])
    assert len(refused) == sum(1 for c in CASES if c.expect == "review")
    assert all(p["refused"] for p in refused)
    assert len(folders["Triage/Review"]) >= len(refused)
