"""Candidate units carry their registration's lapse moment and their size in their
slot keys (N-SCALE).

The session query filtered ``registrations.lapses_at > now``; at 1.15 M registrations
PostgreSQL then read all of ``registrations`` (a sequential scan, 150 ms) to join the
few thousand units its GIN probe had found. With the moment on the unit the filter
stays on ``candidate_units`` and ``registrations`` is reached only by primary key, to
lock the rows a session invites. A slot key now ends in the unit's size
(``centre|date|half_day|seats``): the query for one size reads only those units.
``invitations.seq`` gets an index: each insert asks for ``MAX(seq)``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_invitations_seq", "invitations", ["seq"])
    op.add_column(
        "candidate_units", sa.Column("lapses_at", sa.DateTime(timezone=True), nullable=True)
    )
    if op.get_bind().dialect.name == "postgresql":
        # One pass over the table: the moment, and the size appended to every key.
        # Rebuilding the GIN index afterwards is far faster than updating it per row.
        op.drop_index("ix_candidate_units_slot_keys", table_name="candidate_units")
        op.execute(
            """
            UPDATE candidate_units cu SET
                lapses_at = r.lapses_at,
                slot_keys = ARRAY(
                    SELECT k || '|' || cu.seats FROM unnest(cu.slot_keys) AS k ORDER BY 1
                )
            FROM registrations r WHERE r.id = cu.registration_id
            """
        )
        op.create_index(
            "ix_candidate_units_slot_keys",
            "candidate_units",
            ["slot_keys"],
            postgresql_using="gin",
        )
    else:
        # SQLite keeps the keys for parity only (its query does not read them); the
        # next save of each registration rewrites them there.
        op.execute(
            """
            UPDATE candidate_units SET lapses_at = (
                SELECT r.lapses_at FROM registrations r WHERE r.id = candidate_units.registration_id
            )
            """
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            UPDATE candidate_units SET slot_keys = ARRAY(
                SELECT regexp_replace(k, '\\|[0-9]+$', '') FROM unnest(slot_keys) AS k
                ORDER BY 1
            )
            """
        )
    op.drop_column("candidate_units", "lapses_at")
    op.drop_index("ix_invitations_seq", table_name="invitations")
