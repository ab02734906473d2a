from __future__ import annotations

from pathlib import Path

import pytest

RECIPES = Path(__file__).parent / "recipes_for_tests"


@pytest.fixture
def test_recipes(rpa_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    from bots.settings import reset_settings

    monkeypatch.setenv("RPA_RECIPE_PATHS", f'["{RECIPES}"]')
    reset_settings()
    return {**rpa_env, "RPA_RECIPE_PATHS": f'["{RECIPES}"]'}
