"""Migration 10 on a store that migration 9 made before it existed (no `amount_limit`, no
`collections_calls`), on SQLite and PostgreSQL: upgraded, and the recipe's evidence reads
and writes the new column and table."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from bots.clock import SystemClock
from bots.store import create_store_engine
from bots.store.migrate import LATEST, VERSION_TABLE, migrate
from recipes.collections.evidence import Evidence


def _upgrade_from_nine(url: str) -> None:
    engine = create_store_engine(url)
    assert migrate(engine) == LATEST
    with engine.begin() as conn:  # back to what migration 9 left
        conn.execute(sa.text("ALTER TABLE collections_authorisations DROP COLUMN amount_limit"))
        conn.execute(sa.text("DROP TABLE collections_calls"))
        conn.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = '0009'"))
        conn.execute(sa.text("DELETE FROM schema_version WHERE version >= 10"))
    assert migrate(engine) == LATEST
    evidence = Evidence(engine, SystemClock(), "test")
    given = datetime(2026, 3, 1, tzinfo=UTC)
    for n, limit in enumerate((Decimal("50.00"), None)):
        evidence.authorise(source_key=f"k{n}", customer="C1", invoice="", channel="portal",
                           method="card", mandate_reference="", evidence="AU-1", given_by="c1",
                           recorded_by="portal", given_at=given, valid_days=30,
                           amount_limit=limit)
    day = date(2026, 3, 2)
    found = evidence.authorisation("C1", "INV-1", day, Decimal("80.00"))
    assert found is not None and found.limit is None  # the one without a limit
    small = evidence.authorisation("C1", "INV-1", day, Decimal("40.00"))
    assert small is not None and small.limit is None  # the newest that allows it
    evidence.listed([{"invoice": "INV-1", "level": "call", "customer": "C1"}] * 2, day)
    assert evidence.listings() == {("INV-1", "call"): [day]}
    engine.dispose()


def test_migration_ten_on_sqlite(tmp_path: Path) -> None:
    _upgrade_from_nine(f"sqlite:///{tmp_path / 'store.db'}")


@pytest.mark.postgres
def test_migration_ten_on_postgres(pg_url: str) -> None:
    _upgrade_from_nine(pg_url)
