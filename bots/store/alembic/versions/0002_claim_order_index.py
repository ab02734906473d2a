"""work items: index in claim order (priority desc, age)

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

from bots.store import steps

revision = "0002"
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    steps.claim_order_index(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("the store's schema only moves forward; restore a backup instead")
