"""A held candidate unit is flagged in its own row (N-SCALE).

A session's query used to tell a unit held by an open invitation by probing its
members' states: for every unit it read, the members' index and a row of
``persons``, about ten pages. ``candidate_units.held`` says it in the row the query
reads anyway, so held units are left out before the sort, and what remains per unit
is one probe of its registration's invitations. Inviting or releasing a unit flips
the flag: a HOT update (no index reads it) given room on the page, which
``candidate_units`` pages keep from now on (fill factor 75; existing pages gain it
with ``VACUUM FULL candidate_units``, see docs/operations.md).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FILLFACTOR = 75


def upgrade() -> None:
    op.add_column(
        "candidate_units",
        sa.Column("held", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    # The domain's rule (``units_and_holds``): held while one of its persons is invited.
    op.execute(
        """
        UPDATE candidate_units SET held = true WHERE EXISTS (
            SELECT 1 FROM candidate_unit_members AS m JOIN persons AS p ON p.id = m.person_id
            WHERE m.unit_key = candidate_units.unit_key AND p.status = 'invited'
        )
        """
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE candidate_units SET (fillfactor = {_FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE candidate_units RESET (fillfactor)")
    # in place on SQLite too (3.35+): a batch copy would delete the members by cascade
    op.execute("ALTER TABLE candidate_units DROP COLUMN held")
