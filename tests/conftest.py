"""Fixtures shared by every test: an isolated data folder and settings per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bots.settings import Settings, get_settings, reset_settings
from bots.store import close_stores
from tests.helpers import queue_env


@pytest.fixture
def rpa_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """RPA_* variables pointing at a fresh data folder; settings and stores reloaded."""
    data = tmp_path / "data"
    env = {"RPA_DATA_DIR": str(data), "RPA_LOG__LEVEL": "DEBUG"}
    for key in list(os.environ):
        if key.startswith("RPA_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's folder
    reset_settings()
    close_stores()
    yield env
    close_stores()
    reset_settings()


@pytest.fixture
def settings(rpa_env: dict[str, str]) -> Settings:
    return get_settings()


@pytest.fixture
def queue_policy(rpa_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set queue policies as an operator would (settings), for the rest of the test."""

    def set_policy(**queues: dict[str, float]) -> None:
        for key, value in queue_env(**queues).items():
            monkeypatch.setenv(key, value)
        reset_settings()

    return set_policy


PG_ADMIN_URL = os.environ.get("RPA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards.

    Without a server the test is skipped on a laptop but fails in CI (CI is set there),
    so a broken database set-up cannot pass as green."""
    import uuid

    import sqlalchemy as sa

    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    name = f"rpa_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        from bots.store import close_stores

        close_stores()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
