"""SMS through the stand-in gateway over HTTP: E.164, 500s deferred and retried, 400 refused."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from bots.clock import FrozenClock
from bots.errors import BusinessError
from bots.outbox import Sender, Templates, enqueue, list_messages
from demo.sms_gateway import SmsGateway
from tests.outbox.builders import sms


def test_sms_is_sent_to_the_e164_number_with_the_key_as_client_reference(
        store: Engine, sender: Sender, templates: Templates, gateway: SmsGateway) -> None:
    message = sms(templates, to="600 12 34 56", locale="en")
    assert message.to == "+34600123456"
    enqueue(store, message)
    assert sender.run().sent == 1
    [received] = gateway.find(None)
    assert received["to"] == "+34600123456"
    assert received["from"] == "ACME"
    assert received["client_ref"] == message.key
    assert received["text"] == ("Credit note NC-2026-000001 of €1,234.56 applied to invoice "
                                "INV-2026-0001. Ref. REQ-2026-0001")
    [row] = list_messages(store)
    assert (row.state, row.provider_id) == ("sent", received["id"])


def test_spanish_sms_text_and_money_format(templates: Templates) -> None:
    message = sms(templates, to="+34 612 345 678", locale="es", kind="charge",
                  document="CG-2026-000002", amount="20.5")
    assert message.content == ("Cargo CG-2026-000002 de 20,50\xa0€ aplicado a la factura "
                               "INV-2026-0001. Ref. REQ-2026-0001")


def test_a_number_that_is_not_one_is_refused_when_composing(templates: Templates) -> None:
    with pytest.raises(BusinessError, match="not a valid phone number '12345'"):
        sms(templates, to="12345")


def test_gateway_answering_500_defers_then_delivers_once(
        store: Engine, sender: Sender, templates: Templates, gateway: SmsGateway,
        clock: FrozenClock) -> None:
    gateway.fail_next(5, status=500)  # more than the sender's 3 quick tries
    enqueue(store, sms(templates))
    first = sender.run()
    assert (first.sent, first.deferred) == (0, 1)
    [row] = list_messages(store)
    assert (row.state, row.reason, row.attempts) == ("deferred", "temporary_failure", 1)
    assert "500" in (row.last_error or "")
    assert row.not_before == clock.now() + sender.rules.backoff(1)
    assert sender.run().sent == 0  # not due yet
    clock.advance(sender.rules.backoff(1).total_seconds())
    assert sender.run().sent == 1  # two more 500s, then accepted
    assert gateway.attempts == 6
    assert len(gateway.find(None)) == 1
    [row] = list_messages(store)
    assert (row.state, row.attempts) == ("sent", 2)


def test_gateway_refusing_the_number_fails_the_message(
        store: Engine, sender: Sender, templates: Templates, gateway: SmsGateway) -> None:
    gateway.fail_next(1, status=400)
    enqueue(store, sms(templates))
    assert sender.run().failed == 1
    [row] = list_messages(store)
    assert (row.state, row.reason) == ("failed", "refused")
    assert gateway.find(None) == []


def test_attempts_run_out_into_failed(store: Engine, sender: Sender, templates: Templates,
                                      gateway: SmsGateway, clock: FrozenClock) -> None:
    from dataclasses import replace

    sender.rules = replace(sender.rules, max_attempts=2)
    gateway.fail_next(100, status=503)
    enqueue(store, sms(templates))
    assert sender.run().deferred == 1
    clock.advance(hours=2)
    assert sender.run().reasons == {"gave_up": 1}
    [row] = list_messages(store)
    assert (row.state, row.attempts) == ("failed", 2)
