"""Fewer indexes to write when states change in bulk (N-SCALE).

A session changes the state of 200 persons and registrations at once, and an expiry
pass of thousands; every index on a changed row gets a new entry. Two indexes were
written for nothing:

- ``ix_registrations_status``: ``ix_registrations_status_changed_at`` starts with the
  status and serves every look-up by status;
- ``ix_persons_status``: only the persons waiting for the VCDB are ever looked up by
  state; a partial index of those (by registration) replaces it, and a person
  invited, booked or released writes nothing in it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_index(
        "ix_persons_pending_registration_id",
        "persons",
        ["registration_id"],
        postgresql_where=_PENDING,
        sqlite_where=_PENDING,
    )
    op.drop_index("ix_persons_status", table_name="persons")
    op.drop_index("ix_registrations_status", table_name="registrations")


def downgrade() -> None:
    op.create_index("ix_registrations_status", "registrations", ["status"])
    op.create_index("ix_persons_status", "persons", ["status"])
    op.drop_index("ix_persons_pending_registration_id", table_name="persons")
