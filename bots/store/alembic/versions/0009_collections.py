"""collections: authorisations, promises, disputes, payments, requests

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

from bots.store import collections_schema, steps

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    steps.create(*collections_schema.TABLES)(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("the store's schema only moves forward; restore a backup instead")
