"""mail: where each customer mail was seen and filed

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

from bots.store import mail_schema, steps

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    steps.create(*mail_schema.TABLES)(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("the store's schema only moves forward; restore a backup instead")
