"""The scheduler's tables, on the store's one `metadata` (migration 3).

`schedules` holds each schedule's definition as synced from `schedules/*.toml`: the
sync owns it. `schedule_state` holds what operators and the runtime decide about a
schedule (paused, parked, the instant from which fire times count): the sync never
overwrites it, so a re-sync does not resume a paused schedule.
"""

from __future__ import annotations

import sqlalchemy as sa

from bots.store.schema import Ts, metadata

schedules = sa.Table(
    "schedules",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("recipe", sa.String(200), nullable=False),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("source", sa.String(500)),
    sa.Column("created_at", Ts, nullable=False),
    sa.Column("updated_at", Ts, nullable=False),
)

schedule_state = sa.Table(
    "schedule_state",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("paused", sa.Boolean, nullable=False, default=False),
    sa.Column("paused_by", sa.String(200)),
    sa.Column("parked_kind", sa.String(30)),
    sa.Column("parked_reason", sa.Text),
    sa.Column("parked_at", Ts),
    # Fire times at or before `since` are never due: set when the schedule is added,
    # its trigger changes, or it is enabled/resumed, so those moments create no misses.
    sa.Column("since", Ts, nullable=False),
    sa.Column("updated_at", Ts, nullable=False),
)
