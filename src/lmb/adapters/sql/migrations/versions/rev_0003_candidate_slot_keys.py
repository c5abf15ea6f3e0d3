"""Candidate units carry their centre-and-half-day keys, GIN-indexed (N-SCALE).

Opening a session looked its candidates up through ``registration_centres`` and
``availability`` separately: at 1.15 M registrations PostgreSQL scanned all of
``registrations`` and 160,000 availability rows (0.5 s). One GIN look-up on
``slot_keys`` (``centre|date|half_day``) finds the few thousand units a session may
invite instead.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TextArray = sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")


def upgrade() -> None:
    op.add_column("candidate_units", sa.Column("slot_keys", _TextArray, nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # SQLite stores the keys for parity only: its candidate query does not read them.
        op.execute(
            """
            UPDATE candidate_units cu SET slot_keys = ARRAY(
                SELECT rc.centre_id || '|' || to_char(a.date, 'YYYY-MM-DD') || '|' || a.half_day
                FROM registration_centres rc
                JOIN availability a ON a.registration_id = rc.registration_id
                WHERE rc.registration_id = cu.registration_id
                ORDER BY 1
            )
            """
        )
    op.create_index(
        "ix_candidate_units_slot_keys",
        "candidate_units",
        ["slot_keys"],
        postgresql_using="gin",
    )


def downgrade() -> None:
    op.drop_index("ix_candidate_units_slot_keys", table_name="candidate_units")
    op.drop_column("candidate_units", "slot_keys")
