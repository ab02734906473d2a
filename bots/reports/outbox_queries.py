"""The run report's "Messages to customers": delivery states, and those needing a person.

Messages are counted by when they were written (the report's --since) and the recipe of
the run that wrote them (--recipe). Failed and bounced messages, and those deferred,
are listed newest first; the rest is `runner.py outbox`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bots.reports.run_queries import RunFilter
from bots.store.outbox_schema import outbox_messages as M
from bots.store.schema import runs

ATTENTION = ("failed", "bounced", "deferred")


def _where(f: RunFilter) -> list[sa.ColumnElement[bool]]:
    found = []
    if f.since is not None:
        found.append(M.c.created_at >= f.since)
    if f.recipe:
        found.append(M.c.run_id.in_(sa.select(runs.c.id).where(runs.c.recipe == f.recipe)))
    return found


def outbox_counts(conn: sa.Connection, f: RunFilter) -> list[tuple[str, int]]:
    query = sa.select(M.c.state, sa.func.count()).where(*_where(f)).group_by(M.c.state)
    return sorted(((row[0], int(row[1])) for row in conn.execute(query)),
                  key=lambda kv: (-kv[1], kv[0]))


def outbox_attention(conn: sa.Connection, f: RunFilter, limit: int) -> list[dict[str, Any]]:
    query = (sa.select(M.c.id, M.c.case_ref, M.c.channel, M.c.recipient, M.c.state, M.c.reason,
                       M.c.attempts, M.c.not_before, M.c.updated_at, M.c.last_error)
             .where(M.c.state.in_(ATTENTION), *_where(f))
             .order_by(M.c.updated_at.desc(), M.c.id.desc()).limit(limit))
    return [dict(row._mapping) for row in conn.execute(query)]
