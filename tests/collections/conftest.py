"""Fixtures of the collections tests (what they share lives in collections_support.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from collections_support import Book, start_book

from bots.settings import reset_settings


def _book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rpa_env: dict[str, str],
          customers: int) -> Iterator[Book]:
    book = start_book(tmp_path, monkeypatch, rpa_env, customers)
    try:
        yield book
    finally:
        book.server.stop()
        reset_settings()


@pytest.fixture
def small_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               rpa_env: dict[str, str]) -> Iterator[Book]:
    yield from _book(tmp_path, monkeypatch, rpa_env, 12)


@pytest.fixture
def big_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             rpa_env: dict[str, str]) -> Iterator[Book]:
    yield from _book(tmp_path, monkeypatch, rpa_env, 200)


@pytest.fixture
def one_browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """One Chromium for every run of the test (the recipe's portal opened on its lane):
    60 daily runs need not start 60 browsers."""
    import functools

    import recipes.collections.recipe as recipe_module
    from bots.browser import BrowserPool, LaunchOptions
    from bots.settings import get_settings
    from connectors.portal.accounts import open_accounts_portal

    with BrowserPool.open(LaunchOptions.from_settings(get_settings().browser)) as pool:
        monkeypatch.setattr(recipe_module, "open_accounts_portal",
                            functools.partial(open_accounts_portal, lane=pool.lane("days")))
        yield
