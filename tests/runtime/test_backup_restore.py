"""Backups and restores as docs/operations.md tells them, on a store that bots wrote.

A copy is taken while the store is in use (SQLite's online backup, `pg_dump -Fc`), the
store moves on, the copy is restored; `audit verify` against the checkpoint taken before
the copy says intact, and against one taken after it names the restore as an older copy.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import PG_ADMIN_URL
from tests.helpers import run_cli


def _run_and_checkpoint(env: dict[str, str], checkpoint: Path) -> None:
    done = run_cli("run", "smoke", env=env)
    assert done.returncode == 0, done.stderr
    marked = run_cli("audit", "checkpoint", str(checkpoint), env=env)
    assert marked.returncode == 0, marked.stderr


def _verify(env: dict[str, str], checkpoint: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("audit", "verify", "--checkpoint", str(checkpoint), env=env)


def test_a_sqlite_online_backup_restores_and_verifies(rpa_env: dict[str, str],
                                                      tmp_path: Path) -> None:
    store = Path(rpa_env["RPA_DATA_DIR"]) / "store.db"
    before, after, copy = tmp_path / "before.json", tmp_path / "after.json", tmp_path / "copy.db"
    _run_and_checkpoint(rpa_env, before)
    source, target = sqlite3.connect(store), sqlite3.connect(copy)  # the docs' one-liner
    source.backup(target)
    target.close()
    source.close()
    _run_and_checkpoint(rpa_env, after)

    for leftover in (store.with_name("store.db-wal"), store.with_name("store.db-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(copy, store)

    intact = _verify(rpa_env, before)
    assert (intact.returncode, intact.stdout.startswith("audit chain intact")) == (0, True)
    older = _verify(rpa_env, after)
    assert older.returncode == 1
    assert "an older copy of the store" in older.stdout + older.stderr
    runs = run_cli("runs", "--json", env=rpa_env)
    assert len(runs.stdout.splitlines()) == 1  # the second run is not in the copy


@pytest.mark.postgres
def test_a_pg_dump_restores_and_verifies(pg_url: str, rpa_env: dict[str, str],
                                         tmp_path: Path) -> None:
    assert shutil.which("pg_dump") and shutil.which("pg_restore"), "PostgreSQL client tools"
    env = {**rpa_env, "RPA_STORE__URL": pg_url}
    before, after, dump = tmp_path / "before.json", tmp_path / "after.json", tmp_path / "rpa.dump"
    _run_and_checkpoint(env, before)
    libpq = pg_url.replace("postgresql+psycopg://", "postgresql://")
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), "-d", libpq], check=True, timeout=120)
    _run_and_checkpoint(env, after)

    restored = pg_url.rsplit("/", 1)[1] + "_restored"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{restored}"'))
    try:
        restored_url = pg_url.rsplit("/", 1)[0] + f"/{restored}"
        subprocess.run(["pg_restore", "--no-owner", "-d",
                        restored_url.replace("postgresql+psycopg://", "postgresql://"),
                        str(dump)], check=True, timeout=120)
        env = {**env, "RPA_STORE__URL": restored_url}
        assert _verify(env, before).returncode == 0
        older = _verify(env, after)
        assert older.returncode == 1
        assert "an older copy of the store" in older.stdout + older.stderr
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)'))
        admin.dispose()
