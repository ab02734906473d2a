"""SIGKILL between the outcome's commit and the send, 20 times: every message is sent
exactly once, counted at the SMTP server.

A real bot process (kill_bot.py) records items done with a mail staged, then sends. It is
killed 20 times: 14 times at a random moment, 3 times right after an outcome's commit
(before any send), 3 times after the server accepted a mail and before the sender
recorded it (the send is then looked up in the archive Maildir, not repeated). Then it
runs to the end. The mailbox is a real aiosmtpd server in this process.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots.audit import verify
from bots.outbox import list_messages
from bots.store.schema import work_items
from demo.customer_mailbox import CustomerMailbox

ROOT = Path(__file__).resolve().parents[2]
PER_RUN = 8
KILLS = ["random"] * 14 + ["commit:2"] * 3 + ["send:2"] * 3


def start(env: dict[str, str], folder: Path, mailbox: CustomerMailbox, n: int,
          pause: str = "") -> subprocess.Popen[bytes]:
    log = (folder / f"bot-{n:02d}.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "outbox" / "kill_bot.py"), str(mailbox.port),
         str(mailbox.maildir_path), str(n), str(PER_RUN), pause],
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, cwd=folder, stdout=log,
        stderr=subprocess.STDOUT, stdin=subprocess.PIPE)
    log.close()
    return proc


def wait_for(path: Path, proc: subprocess.Popen[bytes], limit: float = 60) -> bool:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if path.exists():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.01)
    raise AssertionError(f"the bot never reached {path.name}")


@pytest.mark.slow
def test_sigkill_twenty_times_every_message_sent_exactly_once(
        rpa_env: dict[str, str], store: Engine, mailbox: CustomerMailbox, tmp_path: Path) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    kills = KILLS[:]
    rng.shuffle(kills)
    marker, ready = tmp_path / "paused.marker", tmp_path / "ready.marker"
    outcomes: Counter[str] = Counter()
    for n, kill in enumerate(kills):
        marker.unlink(missing_ok=True)
        ready.unlink(missing_ok=True)
        proc = start(rpa_env, tmp_path, mailbox, n, "" if kill == "random" else kill)
        assert proc.stdin is not None
        wait_for(ready, proc)  # imports done: the clock of the kill starts at "go"
        proc.stdin.write(b"go\n")
        proc.stdin.flush()
        if kill == "random":
            time.sleep(rng.uniform(0.02, 0.5))
        elif not wait_for(marker, proc):
            outcomes["finished before the pause"] += 1
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        outcomes[kill.split(":")[0]] += 1
    last = start(rpa_env, tmp_path, mailbox, len(kills))
    out, _ = last.communicate(b"go\n", timeout=300)
    logs = "\n".join(p.read_text(errors="replace") for p in sorted(tmp_path.glob("bot-*.log")))
    assert last.returncode == 0, f"seed {seed}\n{logs[-4000:]}"

    cases = [f"CASE-{run:02d}-{n}" for run in range(len(kills) + 1) for n in range(PER_RUN)]
    with store.connect() as conn:
        states = Counter(conn.execute(sa.select(work_items.c.state)).scalars())
    assert states == {"done": len(cases)}, f"seed {seed}: {states}"
    rows = list_messages(store, limit=None)
    assert len(rows) == len(cases), f"seed {seed}"
    assert {m.state for m in rows} == {"sent"}, f"seed {seed}: {Counter(m.state for m in rows)}"
    received = Counter(
        raw.split(b"X-Case-Reference: ", 1)[1].split(b"\r\n", 1)[0].decode()
        for _envelope, raw in mailbox.messages())
    assert received == Counter(cases), (
        f"seed {seed}: sent twice {[k for k, v in received.items() if v > 1]}, "
        f"missing {[case for case in cases if case not in received]}")
    # some sends were cut short after the server had them: found in the archive, not resent
    assert sum(1 for m in rows if m.reason == "found_delivered") >= outcomes["send"] - \
        outcomes["finished before the pause"], f"seed {seed}: {outcomes}"
    assert verify(store).ok
