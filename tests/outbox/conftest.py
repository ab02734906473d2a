"""Fixtures of the outbox tests: the store, a frozen clock, the adjustment templates,
the demo customer mailbox (a real aiosmtpd server) and the stand-in SMS gateway."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bots.clock import FrozenClock
from bots.outbox import ChannelKind, Rules, Sender, Templates
from bots.settings import OutboundSmtpSettings, Settings, SmsGatewaySettings
from bots.store import open_store
from connectors.outbound import SmsGatewayChannel, SmtpChannel
from demo.customer_mailbox import CustomerMailbox
from demo.sms_gateway import SmsGateway

SHIPPED = Path(__file__).resolve().parents[2] / "recipes" / "invoice_adjustments" / "messages"
# Monday 5 January 2026, 10:00 in Madrid: inside business hours
MORNING = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(settings: Settings) -> Engine:
    return open_store(settings)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MORNING)


@pytest.fixture
def templates() -> Templates:
    return Templates([SHIPPED], default_locale="es")


@pytest.fixture
def mailbox(tmp_path: Path) -> Iterator[CustomerMailbox]:
    with CustomerMailbox(tmp_path / "mailbox") as box:
        yield box


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[SmsGateway]:
    with SmsGateway(tmp_path / "sms", token="gw-token") as gw:
        yield gw


@pytest.fixture
def smtp_channel(mailbox: CustomerMailbox) -> SmtpChannel:
    return SmtpChannel(OutboundSmtpSettings(host="127.0.0.1", port=mailbox.port,
                                            archive_maildir=mailbox.maildir_path))


@pytest.fixture
def sms_channel(gateway: SmsGateway) -> Iterator[SmsGatewayChannel]:
    from pydantic import SecretStr

    channel = SmsGatewayChannel(SmsGatewaySettings(url=gateway.url, token=SecretStr("gw-token")))
    yield channel
    channel.close()


@pytest.fixture
def sender(store: Engine, smtp_channel: SmtpChannel, sms_channel: SmsGatewayChannel,
           clock: FrozenClock) -> Sender:
    """Both channels, no quiet hours or rate limit unless a test sets them."""
    return Sender(store, {ChannelKind.MAIL: smtp_channel, ChannelKind.SMS: sms_channel},
                  rules=Rules(), clock=clock, first_wait_seconds=0.01)
