"""schedules and schedule state

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

from bots.store import schedule_schema, steps

revision = "0003"
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    steps.create(schedule_schema.schedules, schedule_schema.schedule_state)(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("the store's schema only moves forward; restore a backup instead")
