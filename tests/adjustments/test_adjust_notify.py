"""Invoice adjustments tell the customer the credit-note or charge number, once, in their
language, through the outbox; `send_outbox` delivers it (real aiosmtpd, the SMS stand-in)."""

from __future__ import annotations

import csv
import email
from decimal import Decimal as D
from email import policy
from pathlib import Path

import pytest
from adjust_builders import REQUEST_HEADER, ROWS
from adjust_fake_portal import FakePortal
from adjust_world import item_rows

from bots.executor import execute
from bots.outbox import list_messages
from bots.settings import get_settings, reset_settings
from bots.store import open_store
from connectors.invoice_model import AdjustmentKind, PostedAdjustment
from demo.customer_mailbox import CustomerMailbox
from demo.sms_gateway import SmsGateway

CONTACT_HEADER = ("customer_email", "customer_phone", "customer_language")
CONTACTS = {
    "R-1": ("ana.perez@example.com", "600 12 34 56", "es"),
    "R-2": ("john.smith@example.com", "", "en"),
    "R-3": ("", "+34 699 111 222", "ca"),
}


def write_with_contacts(path: Path, rows: list[tuple[object, ...]],
                        contacts: dict[str, tuple[str, str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(REQUEST_HEADER + CONTACT_HEADER)
        for row in rows:
            writer.writerow(tuple(row) + contacts.get(str(row[0]), ("", "", "")))
    return path


def messages_by_case() -> dict[str, list[tuple[str, str, str]]]:
    found: dict[str, list[tuple[str, str, str]]] = {}
    for m in list_messages(open_store(), limit=None):
        found.setdefault(m.case, []).append((str(m.channel), m.to, m.locale))
    return {case: sorted(v) for case, v in found.items()}


def test_applied_requests_tell_their_customers_once(fake_portal: FakePortal,
                                                    tmp_path: Path) -> None:
    path = write_with_contacts(tmp_path / "requests.csv", ROWS, CONTACTS)
    result = execute("invoice_adjustments", {"requests": str(path)})
    assert result.state == "succeeded_with_exceptions", result.error
    assert messages_by_case() == {
        "R-1": [("mail", "ana.perez@example.com", "es"), ("sms", "+34600123456", "es")],
        "R-2": [("mail", "john.smith@example.com", "en")],
        "R-3": [("sms", "+34699111222", "ca")],
    }
    items = item_rows(get_settings().store_url)
    sms = {m.case: m.content for m in list_messages(open_store()) if m.channel == "sms"}
    assert sms["R-1"] == (f"Abono {items['R-1']['output']['document_number']} de 12,10\xa0€ "
                          "aplicado a la factura INV-1. Ref. R-1")
    assert sms["R-3"].startswith("Abonament NC-")
    execute("invoice_adjustments", {"requests": str(path)})  # a rerun tells nobody again
    assert sum(len(v) for v in messages_by_case().values()) == 4


def test_found_in_the_portal_after_a_crash_still_tells_once(fake_portal: FakePortal,
                                                            tmp_path: Path) -> None:
    invoice = fake_portal.invoices["INV-1"]
    earlier = PostedAdjustment("NC-000041", AdjustmentKind.CREDIT, D("10.00"), D("2.10"),
                               "GOODWILL", "R-1")
    fake_portal.invoices["INV-1"] = invoice.__class__(
        invoice.id, invoice.status, invoice.lines, invoice.open_balance - D("12.10"), (earlier,))
    path = write_with_contacts(tmp_path / "requests.csv", [ROWS[0]], CONTACTS)
    execute("invoice_adjustments", {"requests": str(path)})
    assert fake_portal.keyed == []
    [mail] = [m for m in list_messages(open_store()) if m.channel == "mail"]
    text = email.message_from_string(mail.content, policy=policy.default)
    assert mail.subject == "Abono NC-000041 aplicado a la factura INV-1 [R-1]"
    assert "Hemos aplicado el abono NC-000041 de 12,10\xa0€ a la factura INV-1." in \
        text.get_body(("plain",)).get_content()


def test_an_address_that_is_not_one_goes_to_review_before_keying(fake_portal: FakePortal,
                                                                 tmp_path: Path) -> None:
    path = write_with_contacts(tmp_path / "requests.csv", [ROWS[0]],
                               {"R-1": ("ana.perez@", "", "es")})
    execute("invoice_adjustments", {"requests": str(path)})
    assert fake_portal.keyed == []
    item = item_rows(get_settings().store_url)["R-1"]
    assert (item["state"], item["reason"]) == ("business_exception", "invalid_address")
    assert list_messages(open_store()) == []


@pytest.fixture
def channels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    with CustomerMailbox(tmp_path / "mailbox") as box, SmsGateway(tmp_path / "sms") as gateway:
        monkeypatch.setenv("RPA_OUTBOX__SMTP__HOST", "127.0.0.1")
        monkeypatch.setenv("RPA_OUTBOX__SMTP__PORT", str(box.port))
        monkeypatch.setenv("RPA_OUTBOX__SMS__URL", gateway.url)
        monkeypatch.setenv("RPA_OUTBOX__QUIET_HOURS", "{}")
        reset_settings()
        yield box, gateway
        reset_settings()


def test_send_outbox_delivers_the_confirmations(fake_portal: FakePortal, tmp_path: Path,
                                                channels) -> None:  # type: ignore[no-untyped-def]
    box, gateway = channels
    path = write_with_contacts(tmp_path / "requests.csv", ROWS, CONTACTS)
    execute("invoice_adjustments", {"requests": str(path)})
    dry = execute("send_outbox", {"dry_run": True})
    assert dry.ok and dry.summary["rendered"] == 4 and box.messages() == []
    sent = execute("send_outbox", {})
    assert sent.ok, sent.error
    assert (sent.summary["sent"], sent.summary["left"]) == (4, 0)
    assert sorted(raw.split(b"X-Case-Reference: ")[1][:3].decode()
                  for _e, raw in box.messages()) == ["R-1", "R-2"]
    assert sorted(m["to"] for m in gateway.find(None)) == ["+34600123456", "+34699111222"]
    again = execute("send_outbox", {})
    assert again.summary.get("sent", 0) == 0 and len(box.messages()) == 2
