"""A bot process for the SIGKILL test: work items that tell a customer, then send.

    python kill_bot.py SMTP_PORT MAILDIR RUN COUNT [pause]

Puts COUNT new items of its own (CASE-RUN-k) beside those earlier runs left, reads "go"
on stdin (start-up stays out of the kill's clock), and for each claimed item records it
done with a mail staged (the outcome's commit), then runs the sender; until every item
is done and every message settled. With `pause` given as `commit:N` or `send:N`, it writes a marker
file and sleeps after its N-th outcome commit / after the N-th send was accepted by the
server and before the sender records it: the test kills it right there.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bots.outbox import ChannelKind, Sender, StoredMessage, Templates
from bots.retry import RetryPolicy
from bots.settings import OutboundSmtpSettings, get_settings
from bots.store import open_store
from bots.workitems import WorkQueue
from connectors.outbound import SmtpChannel
from tests.outbox.builders import mail

SHIPPED = Path(__file__).resolve().parents[2] / "recipes" / "invoice_adjustments" / "messages"


def pause_here(marker: Path) -> None:
    marker.write_text("paused\n")
    time.sleep(60)


class PausingChannel(SmtpChannel):
    def __init__(self, *args: object, pause_at: int | None, marker: Path, **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.pause_at, self.marker, self.sent = pause_at, marker, 0

    def send(self, message: StoredMessage) -> str | None:
        result = super().send(message)
        self.sent += 1
        if self.sent == self.pause_at:
            pause_here(self.marker)
        return result


def main() -> None:
    port, maildir = int(sys.argv[1]), Path(sys.argv[2])
    run, count = int(sys.argv[3]), int(sys.argv[4])
    kind, _, nth = (sys.argv[5] if len(sys.argv) > 5 else "").partition(":")
    marker = Path("paused.marker")
    store = open_store(get_settings())
    templates = Templates([SHIPPED])
    # Twenty kills may hit one item several times: the queue's usual policy would send it
    # to review after 3 claims without an outcome (no message then, rightly); here every
    # item must end done, so it may be claimed as often as it takes.
    queue = WorkQueue(store, "tell", owner=f"bot-{os.getpid()}", lease=timedelta(seconds=1),
                      retry=RetryPolicy(attempts=100, initial=timedelta(seconds=0.1)))
    channel = PausingChannel(OutboundSmtpSettings(host="127.0.0.1", port=port,
                                                  archive_maildir=maildir),
                             pause_at=int(nth) if kind == "send" else None, marker=marker)
    sender = Sender(store, {ChannelKind.MAIL: channel}, lease=timedelta(seconds=1),
                    first_wait_seconds=0.05)
    # queued before "go": a kill right after it must not leave a run's cases unqueued
    queue.put_many((f"CASE-{run:02d}-{n}", {"n": run * 100 + n}) for n in range(count))
    Path("ready.marker").write_text("ready\n")
    sys.stdin.readline()
    done = 0
    while True:
        item = queue.claim()
        if item is not None:
            with item:
                item.notify(mail(templates, datetime(2026, 1, 5, 9, tzinfo=UTC), case=item.key,
                                 to=f"customer{item.payload['n']}@example.com"))
            done += 1
            if kind == "commit" and done == int(nth):
                pause_here(marker)
            sender.run()
            continue
        sender.run()
        left = queue.outstanding()
        if not (left.claimable or left.in_progress or left.waiting) and sender.pending() == 0:
            print("all done", flush=True)
            return
        time.sleep(0.1)  # leases of a killed process run out


if __name__ == "__main__":
    main()
