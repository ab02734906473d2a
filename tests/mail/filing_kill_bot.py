"""A triage process to SIGKILL at a chosen instant of mail filing (the filing attacks).

    python filing_kill_bot.py marked|moving

`marked`: prints "marked" once the first move's intent is recorded, then waits to be
killed (the MOVE never leaves). `moving`: prints "moving" as each MOVE goes out to the
server and goes on (the test kills it while the server moves). Settings come from the
environment the test gives (Dovecot, the customers' SMTP server).
"""

from __future__ import annotations

import sys
import time

from bots.executor import execute
from connectors.mailbox import Mailbox, seen


def main() -> None:
    mode = sys.argv[1]
    mark_moving, move = seen.mark_moving, Mailbox.move

    def marked(*args, **kwargs) -> None:  # noqa: ANN002, ANN003
        mark_moving(*args, **kwargs)
        print("marked", flush=True)
        time.sleep(600)

    def moving(self: Mailbox, *args, **kwargs) -> int:  # noqa: ANN002, ANN003
        print("moving", flush=True)
        return move(self, *args, **kwargs)

    if mode == "marked":
        seen.mark_moving = marked
    else:
        Mailbox.move = moving
    result = execute("mail_triage", {})
    print(result.state, flush=True)
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
