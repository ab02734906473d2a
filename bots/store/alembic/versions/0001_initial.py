"""runs, steps, artifacts, audit, work items

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

from alembic import op

from bots.store import steps

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    steps.initial(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("the store's schema only moves forward; restore a backup instead")
