"""The same runtime on PostgreSQL: runs recorded, audit chain intact."""

from __future__ import annotations

import pytest

from bots import RunState, execute
from bots.audit import verify
from bots.settings import reset_settings
from bots.store import open_store


@pytest.mark.postgres
def test_runs_and_audit_on_postgres(test_recipes: dict[str, str], pg_url: str,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RPA_STORE__URL", pg_url)
    reset_settings()
    assert execute("greet", {"who": "pg"}).state == RunState.SUCCEEDED
    assert execute("broken").state == RunState.FAILED
    engine = open_store()
    assert engine.dialect.name == "postgresql"
    result = verify(engine)
    assert result.ok and result.checked >= 5
