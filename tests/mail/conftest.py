"""Fixtures of the mail triage tests: a real Dovecot seeded with generated mail, the demo
customers' SMTP mailbox (aiosmtpd) the answers go to, and the settings pointing at both."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bots.settings import Settings, get_settings, reset_settings
from bots.store import close_stores
from demo.customer_mailbox import CustomerMailbox
from demo.imap_server import available
from demo.mail_world import MailWorld, SeedMail, generate_mails, mail_world


@pytest.fixture
def customers_smtp(tmp_path: Path) -> Iterator[CustomerMailbox]:
    with CustomerMailbox(tmp_path / "customers") as box:
        yield box


@pytest.fixture
def world_for(tmp_path: Path, rpa_env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
              customers_smtp: CustomerMailbox) -> Iterator[Callable[[list[SeedMail]], MailWorld]]:
    """Start Dovecot seeded with the mails given; the settings point at it and at the
    customers' SMTP server (no quiet hours, no rate limit in the way)."""
    if not available():
        pytest.fail("Dovecot is not installed: python3 runner.py --help installs dovecot-imapd")
    opened: list[object] = []

    def start(mails: list[SeedMail]) -> MailWorld:
        context = mail_world(tmp_path / f"imap{len(opened)}", mails)
        world = context.__enter__()
        opened.append(context)
        env = {**world.env, "RPA_OUTBOX__SMTP__HOST": "127.0.0.1",
               "RPA_OUTBOX__SMTP__PORT": str(customers_smtp.port),
               "RPA_OUTBOX__SMTP__ARCHIVE_MAILDIR": str(customers_smtp.maildir_path),
               "RPA_OUTBOX__QUIET_HOURS": "{}", "RPA_OUTBOX__RATE_LIMIT_COUNT": "1000",
               "RPA_OUTBOX__MAX_PER_RUN": "100000",
               "RPA_MAIL__ATTACHMENT_MAX_BYTES": "100000"}
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        world.env.update(env)
        reset_settings()
        close_stores()
        return world

    yield start
    for context in reversed(opened):
        context.__exit__(None, None, None)  # type: ignore[attr-defined]


@pytest.fixture
def small_world(world_for: Callable[[list[SeedMail]], MailWorld]) -> MailWorld:
    return world_for(generate_mails(60, seed=11, automated_share=0.25, hard_share=0.4))


@pytest.fixture
def mail_settings(small_world: MailWorld) -> Settings:
    return get_settings()
