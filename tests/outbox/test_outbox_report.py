"""The HTML run report shows the delivery states and the messages that need a person."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from bots.clock import FrozenClock
from bots.outbox import Sender, Templates, enqueue, opt_out
from bots.reports import write_run_report
from bots.settings import Settings
from demo.customer_mailbox import CustomerMailbox
from tests.outbox.builders import mail, sms


def test_the_run_report_lists_messages_to_customers(
        store: Engine, settings: Settings, sender: Sender, templates: Templates,
        clock: FrozenClock, mailbox: CustomerMailbox, tmp_path: Path) -> None:
    enqueue(store, mail(templates, clock.now()))
    enqueue(store, sms(templates, case="REQ-<b>-9"))
    opt_out(store, "+34600123456", now=clock.now())
    sender.run()
    html = write_run_report(store, settings, tmp_path / "report.html").path.read_text()
    assert '<a href="#outbox">Messages to customers</a>' in html
    assert 'data-outbox-state="sent">1<' in html and 'data-outbox-state="failed">1<' in html
    section = html.split('<table id="outbox-attention">', 1)[1].split("</table>", 1)[0]
    assert "REQ-&lt;b&gt;-9" in section and "opted_out" in section and "+34600123456" in section
    assert "REQ-2026-0001" not in section  # sent: nothing to do
