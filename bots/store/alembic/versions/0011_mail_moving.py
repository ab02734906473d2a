"""mail: a move under way (its target and the target's UIDNEXT before it)

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from alembic import op

from bots.store import mail_schema

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    mail_schema.add_moving(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("the store's schema only moves forward; restore a backup instead")
