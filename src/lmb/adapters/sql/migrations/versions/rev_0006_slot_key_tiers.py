"""Slot keys name the unit's rank tier (N-SCALE).

A slot key becomes ``centre|date|half_day|seats|tier``, the tier being ``c`` for a
companion, else the birth decade (``194``; ``999`` when unknown): see
``mappers.rank_tier``. A session's query then asks for the best tiers first and, at a
busy centre, reads a few hundred units instead of every unit free that half-day.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        # SQLite keeps the keys for parity only (its query does not read them); the
        # next save of each registration rewrites them there.
        return
    # One pass over the table, then the GIN index built anew (as in revision 0004).
    op.drop_index("ix_candidate_units_slot_keys", table_name="candidate_units")
    op.execute(
        """
        UPDATE candidate_units SET slot_keys = ARRAY(
            SELECT k || '|' || CASE WHEN rank_class = 0 THEN 'c'
                                    ELSE greatest(birth_key / 100000, 190)::text END
            FROM unnest(slot_keys) AS k ORDER BY 1
        )
        """
    )
    op.create_index(
        "ix_candidate_units_slot_keys", "candidate_units", ["slot_keys"], postgresql_using="gin"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        UPDATE candidate_units SET slot_keys = ARRAY(
            SELECT regexp_replace(k, '\\|[^|]+$', '') FROM unnest(slot_keys) AS k ORDER BY 1
        )
        """
    )
