"""Fixtures for the scheduler tests: test recipes, a schedules folder, a fresh
PostgreSQL database per test (fails instead of skipping when CI is set)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

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
def pg_url(sched_env: dict[str, str], pg_url: str,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The shared fresh PostgreSQL database (tests/conftest.py), set as the store."""
    monkeypatch.setenv("RPA_STORE__URL", pg_url)
    reset_settings()
    close_stores()
    yield pg_url
    close_stores()
