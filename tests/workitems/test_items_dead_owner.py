"""A resumed run finishes in one go: a lease whose owner's process is known to be gone
(this host, pid not running) is given back at once, not after it runs out."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta

from sqlalchemy.engine import Engine

from bots.settings import Settings
from bots.workitems import ItemState, WorkQueue, reclaim_expired
from bots.workitems.owners import owner_is_dead

CLAIM_AND_DIE = """
import os, sys
from datetime import timedelta
from bots.store import open_store
from bots.workitems import WorkQueue
q = WorkQueue(open_store(), "sales", lease=timedelta(minutes=10))
item = q.claim()
print(item.key, q.owner, flush=True)
os._exit(0)  # dies holding the claim: no release, no outcome
"""


def _claim_in_a_process_that_dies(env: dict[str, str]) -> str:
    child = subprocess.Popen([sys.executable, "-c", CLAIM_AND_DIE], env={**os.environ, **env},
                             stdout=subprocess.PIPE, text=True)
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 0
    return out


def test_a_dead_processs_lease_is_given_back_at_once(store: Engine, rpa_env: dict[str, str],
                                                      settings: Settings) -> None:
    q = WorkQueue(store, "sales", lease=timedelta(minutes=10))
    q.put_many([("S-1", {}), ("S-2", {})])
    key, owner = _claim_in_a_process_that_dies(rpa_env).split()
    assert key == "S-1" and owner.startswith(f"{socket.gethostname()}:")
    held = q.get("S-1")
    assert held is not None and held.state == ItemState.IN_PROGRESS
    assert held.lease_expires_at is not None  # ten minutes away: no expiry helps here
    first, second = q.claim(), q.claim()
    assert {first.key, second.key} == {"S-1", "S-2"}  # type: ignore[union-attr]
    again = first if first.key == "S-1" else second  # type: ignore[union-attr]
    assert again.attempts == 2  # type: ignore[union-attr]
    for item in (first, second):
        with item:  # type: ignore[union-attr]
            pass
    assert q.counts()["done"] == 2


def test_housekeeping_gives_back_a_dead_owners_lease(store: Engine,
                                                      rpa_env: dict[str, str]) -> None:
    WorkQueue(store, "sales").put("S-1", {})
    _claim_in_a_process_that_dies(rpa_env)
    assert reclaim_expired(store, WorkQueue(store, "sales").clock.now()) == 1
    assert WorkQueue(store, "sales").get("S-1").state == ItemState.PENDING  # type: ignore[union-attr]


def test_a_live_or_foreign_owner_is_not_known_dead() -> None:
    here = socket.gethostname()
    assert not owner_is_dead(f"{here}:{os.getpid()}:MainThread")  # this very process
    assert not owner_is_dead(f"{here}:1:MainThread")  # init runs (or is not ours to signal)
    assert not owner_is_dead(f"another-host:{2**22 + 7}:MainThread")  # other hosts: wait
    for odd in (None, "", "worker-a", "host-only:", f"{here}:not-a-pid:x", f"{here}:0:x"):
        assert not owner_is_dead(odd)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert owner_is_dead(f"{here}:{gone.pid}:MainThread")


def test_a_killed_child_not_yet_waited_for_is_dead() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        child.kill()
        # a zombie until waited for: os.kill(pid, 0) still succeeds on it
        for _ in range(200):
            if owner_is_dead(f"{socket.gethostname()}:{child.pid}:MainThread"):
                break
            time.sleep(0.01)
        assert owner_is_dead(f"{socket.gethostname()}:{child.pid}:MainThread")
    finally:
        child.wait()
