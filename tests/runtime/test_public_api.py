"""The names recipe authors import from `bots` are a promise: changing them is a decision."""

from __future__ import annotations

import bots

EXPECTED = {
    "ApplicationError", "BusinessError", "Clock", "FrozenClock", "InputError", "ParameterError",
    "RecipeSpec", "RetryPolicy", "RpaError", "Run", "RunResult", "RunState", "RunTimeout",
    "Settings", "SystemClock", "Trigger", "execute", "get_settings", "recipe",
}


def test_public_names_are_pinned() -> None:
    assert set(bots.__all__) == EXPECTED
    for name in EXPECTED:
        assert hasattr(bots, name)
