"""SIGKILL at random moments of a triage run, 10 times, then resume: no mail answered
twice, none lost, no downstream item created twice, every mail filed once.

A real process (triage_kill_bot.py: `mail_triage` then `send_outbox`, as a schedule
runs them) against a real Dovecot seeded with a few hundred mails and the customers'
real SMTP server. Each of the 10 kills aims at a phase (start-up, intake, triage, filing,
sending: its first log line) and strikes a random instant after it; then a last run
goes to the end. The seed is printed with any failure.
"""

from __future__ import annotations

import csv
import json
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

from bots.audit import verify
from bots.settings import Settings
from bots.store import open_store
from bots.store.schema import work_items
from demo.customer_mailbox import CustomerMailbox
from demo.mail_world import MailWorld, generate_mails
from tests.mail.test_triage_e2e import TRIAGE_FOLDERS, answers_by_recipient

ROOT = Path(__file__).resolve().parents[2]
PHASES = ["start"] * 2 + ["intake"] * 2 + ["triage"] * 3 + ["file"] + ["send"] * 2
MARKS = {"intake": b"step=intake", "triage": b"step=triage", "file": b"step=file ",
         "send": b"sent by mail"}
KILLS = len(PHASES)


def start(env: dict[str, str], folder: Path, credits: Path, n: int) -> subprocess.Popen[bytes]:
    log = (folder / f"bot-{n:02d}.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "mail" / "triage_kill_bot.py"), str(credits)],
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, cwd=folder, stdout=log,
        stderr=subprocess.STDOUT, stdin=subprocess.PIPE)
    log.close()
    return proc


def wait_for(folder: Path, n: int, proc: subprocess.Popen[bytes], mark: bytes) -> bool:
    """True once the bot's log shows `mark`; False if it ended first."""
    log = folder / f"bot-{n:02d}.log"
    end = time.monotonic() + 120
    while time.monotonic() < end:
        if mark in log.read_bytes():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.005)
    raise AssertionError(f"the bot never logged {mark!r}")


@pytest.mark.slow
def test_sigkill_ten_times_then_resume_nothing_twice_nothing_lost(
        world_for, customers_smtp: CustomerMailbox, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    world: MailWorld = world_for(generate_mails(240, seed=23, automated_share=0.2,
                                                hard_share=0.3))
    env = {k: v for k, v in os.environ.items() if k.startswith("RPA_")}
    # a killed worker's item comes back after 1 s, and may be claimed as often as it takes
    env["RPA_QUEUES"] = json.dumps({"mail_triage": {"lease_seconds": 1, "retry_attempts": 50,
                                                    "retry_delay_seconds": 0}})
    env["RPA_OUTBOX__LEASE_SECONDS"] = "1"
    env["RPA_MAIL__FETCH_BATCH"] = "40"
    credits = tmp_path / "credits.csv"
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    phases = PHASES[:]
    rng.shuffle(phases)
    struck: Counter[str] = Counter()
    for n, phase in enumerate(phases):
        proc = start(env, tmp_path, credits, n)
        assert wait_for(tmp_path, n, proc, b"ready"), "the bot died starting"
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        proc.stdin.flush()
        if phase == "start":
            time.sleep(rng.uniform(0.05, 1.0))
        elif not wait_for(tmp_path, n, proc, MARKS[phase]):
            struck["finished first"] += 1
        time.sleep(rng.uniform(0, 0.2))
        struck[phase] += proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    time.sleep(1.2)  # the last killed item's lease runs out
    last = start(env, tmp_path, credits, KILLS)
    out, _ = last.communicate(b"go\n", timeout=600)
    logs = (tmp_path / f"bot-{KILLS:02d}.log").read_text(errors="replace")
    assert last.returncode == 0, f"seed {seed}\n{logs[-4000:]}"
    assert struck["triage"] >= 1, f"seed {seed}: no kill struck the triage step ({struck})"

    mails = world.mails
    folders = world.folders()
    assert not folders.get("INBOX") and not folders.get("Clientes/Web"), f"seed {seed}"
    assert {k for k, v in folders.items() if v} <= TRIAGE_FOLDERS
    assert sum(len(v) for v in folders.values()) == sum(len(m.folders) for m in mails)
    placed: dict[str, set[str]] = {}
    for folder, ids in folders.items():
        for message_id in ids:
            placed.setdefault(message_id, set()).add(folder)
    assert all(len(placed[m.message_id]) == 1 for m in mails if m.message_id), f"seed {seed}"

    answers = answers_by_recipient(customers_smtp)
    for mail in mails:
        expected = 0 if mail.automated else 1
        assert len(answers.get(mail.sender, [])) == expected, (seed, mail.hard, mail.sender)

    engine = open_store(Settings())
    with engine.connect() as conn:
        rows = conn.execute(sa.select(work_items.c.queue, work_items.c.key, work_items.c.state,
                                      work_items.c.output)).all()
    triage = [r for r in rows if r.queue == "mail_triage"]
    assert Counter(r.state for r in triage) == {"done": len(triage)}, f"seed {seed}"
    assert len(triage) == len({m.message_id for m in mails if m.message_id}) + sum(
        1 for m in mails if not m.message_id)
    downstream = Counter((r.queue, r.key) for r in rows if r.queue != "mail_triage")
    assert all(n == 1 for n in downstream.values())
    expected = {tuple(json.loads(r.output)["downstream"].split("/", 1)) if isinstance(
        r.output, str) else tuple(r.output["downstream"].split("/", 1))
        for r in triage if _output(r).get("action") == "queue"}
    assert set(downstream) == expected, f"seed {seed}"
    requests = [r for r in triage if _output(r).get("action") == "request"]
    if requests:
        with credits.open(encoding="utf-8") as handle:
            ids = Counter(row["request_id"] for row in csv.DictReader(handle))
        assert all(n == 1 for n in ids.values()) and len(ids) == len(requests), f"seed {seed}"
    assert verify(engine).ok


def _output(row) -> dict:
    value = row.output
    return json.loads(value) if isinstance(value, str) else (value or {})
