"""Fixtures shared by every test: an isolated data folder and settings per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bots.settings import Settings, get_settings, reset_settings
from bots.store import close_stores


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
