"""outbox: messages to customers, case Message-IDs, addresses

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

from bots.store import outbox_schema, steps

revision = "0005"
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    steps.create(*outbox_schema.TABLES)(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("the store's schema only moves forward; restore a backup instead")
