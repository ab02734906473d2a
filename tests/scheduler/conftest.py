"""Fixtures for the scheduler tests: test recipes, a schedules folder, a fresh
PostgreSQL database per test (fails instead of skipping when CI is set)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from bots.settings import reset_settings
from bots.store import close_stores

RECIPES = Path(__file__).parent / "recipes_for_tests"
PG_ADMIN_URL = os.environ.get("RPA_TEST_PG_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def sched_env(rpa_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """rpa_env plus the scheduler's test recipes, for this process and children."""
    paths = json.dumps([str(RECIPES)])
    monkeypatch.setenv("RPA_RECIPE_PATHS", paths)
    reset_settings()
    return {**rpa_env, "RPA_RECIPE_PATHS": paths}


@pytest.fixture
def schedules_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "schedules"
    folder.mkdir()
    return folder


@pytest.fixture
def pg_url(sched_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh database `rpa_sched_<random>`, set as the store; dropped afterwards."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL unreachable at {PG_ADMIN_URL}: {exc.orig}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    name = f"rpa_sched_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(
        hide_password=False)
    monkeypatch.setenv("RPA_STORE__URL", url)
    reset_settings()
    close_stores()
    try:
        yield url
    finally:
        close_stores()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
