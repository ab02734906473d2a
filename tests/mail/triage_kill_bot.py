"""A bot process for the mail triage SIGKILL test: triage, then send, as a scheduler would.

    python triage_kill_bot.py CREDITS_CSV

Reads "go" on stdin first (start-up stays out of the kill's clock). Settings come from
the environment the test gives (Dovecot, the customers' SMTP server, short leases).
"""

from __future__ import annotations

import sys

from bots.executor import execute


def main() -> None:
    credits = sys.argv[1]
    print("ready", flush=True)
    sys.stdin.readline()
    triage = execute("mail_triage", {"credit_requests": credits})
    sent = execute("send_outbox", {})
    print(triage.state, sent.state, flush=True)
    sys.exit(0 if triage.ok and sent.ok else 1)


if __name__ == "__main__":
    main()
