"""audit: the chain sharded by subject, one head row per shard

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

from bots.store import steps

revision = "0004"
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    steps.shard_audit(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("the store's schema only moves forward; restore a backup instead")
