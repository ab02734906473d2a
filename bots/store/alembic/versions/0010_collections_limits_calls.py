"""collections: an authorisation's amount limit; the call list's listings

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

from bots.store import collections_schema

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    collections_schema.add_limits_and_calls(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("the store's schema only moves forward; restore a backup instead")
