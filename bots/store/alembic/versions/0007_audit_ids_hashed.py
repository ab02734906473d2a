"""audit: the event id hashed in

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

from bots.store import steps

revision = "0007"
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    steps.hash_audit_ids(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("the store's schema only moves forward; restore a backup instead")
