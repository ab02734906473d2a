"""rejected input rows, counted as exceptions by every report

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

from bots import rejects

revision = "0006"
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    rejects.create_table(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("the store's schema only moves forward; restore a backup instead")
