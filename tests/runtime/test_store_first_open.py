"""Several processes opening a store that does not exist yet: one creates and migrates
it, the others wait for it and open it; none takes the half-made file for a broken one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
OPEN = "from bots.store import open_store; open_store(); print('opened')"


def test_processes_racing_to_create_the_store_all_open_it(tmp_path: Path) -> None:
    for attempt in range(4):
        data = tmp_path / f"data-{attempt}"
        env = {**os.environ, "RPA_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)}
        env.pop("RPA_STORE__URL", None)
        procs = [subprocess.Popen([sys.executable, "-c", OPEN], env=env, cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                 for _ in range(4)]
        outputs = [p.communicate(timeout=120)[0].decode(errors="replace") for p in procs]
        assert [p.returncode for p in procs] == [0] * 4, "\n".join(outputs)
        engine = sa.create_engine(f"sqlite:///{data / 'store.db'}")
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
        engine.dispose()
        assert {"runs", "work_items", "audit_events"} <= tables
