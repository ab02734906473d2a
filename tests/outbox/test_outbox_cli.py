"""`runner.py outbox`: states in a table or JSON lines, opt-out, bounces from .eml files."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from bots.cli import app
from bots.clock import FrozenClock
from bots.outbox import Sender, Templates, enqueue, list_messages
from demo.customer_mailbox import CustomerMailbox
from tests.outbox.builders import mail, sms
from tests.outbox.test_outbox_dsn import postfix_dsn


def test_outbox_lists_states_as_json_lines(store: Engine, templates: Templates,
                                           sender: Sender, clock: FrozenClock,
                                           mailbox: CustomerMailbox, tmp_path: Path) -> None:
    enqueue(store, mail(templates, clock.now(), to="gone@example.com"))
    sender.run()
    enqueue(store, sms(templates, case="REQ-2026-0002"))
    runner = CliRunner()
    result = runner.invoke(app, ["outbox", "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["case"], r["channel"], r["state"]) for r in rows] == [
        ("REQ-2026-0002", "sms", "queued"), ("REQ-2026-0001", "mail", "sent")]
    assert rows[1]["message_id"].endswith(".REQ-2026-0001@example.com>")

    only = runner.invoke(app, ["outbox", "--json", "--state", "queued"])
    assert [json.loads(line)["case"] for line in only.output.splitlines()] == ["REQ-2026-0002"]
    table = runner.invoke(app, ["outbox"])
    assert table.exit_code == 0 and "queued" in table.output and "REQ-2026-0001" in table.output
    bad = runner.invoke(app, ["outbox", "--state", "lost"])
    assert bad.exit_code == 2 and "unknown state 'lost'" in bad.output

    [(_envelope, raw)] = mailbox.messages()
    eml = tmp_path / "bounce.eml"
    eml.write_bytes(postfix_dsn(raw, "gone@example.com"))
    bounced = runner.invoke(app, ["outbox", "bounce", str(eml)])
    assert "gone@example.com bounced (5.1.1), case REQ-2026-0001 to review" in bounced.output
    assert runner.invoke(app, ["outbox", "opt-out", "+34600123456", "--note", "phone"]).exit_code == 0
    assert sender.run().reasons == {"opted_out": 1}
    assert {m.case: m.state for m in list_messages(store)} == {
        "REQ-2026-0001": "bounced", "REQ-2026-0002": "failed"}
