"""N-GDPR retention: the last change of each registration, and report totals.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("registrations", sa.Column("changed_at", _Time, nullable=True))
    op.create_index("ix_registrations_status_changed_at", "registrations", ["status", "changed_at"])
    # Registrations kept so far: retention counts from the latest moment known.
    r = sa.table(
        "registrations",
        sa.column("erased", sa.Boolean()),
        sa.column("changed_at", _Time),
        sa.column("created_at", _Time),
        sa.column("confirmed_at", _Time),
        sa.column("listed_at", _Time),
        sa.column("availability_confirmed_at", _Time),
    )
    op.execute(
        sa.update(r)
        .where(r.c.erased == sa.false())
        .values(
            changed_at=sa.func.coalesce(
                r.c.availability_confirmed_at, r.c.listed_at, r.c.confirmed_at, r.c.created_at
            )
        )
    )
    op.create_table(
        "report_totals",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_report_totals"),
    )


def downgrade() -> None:
    op.drop_table("report_totals")
    op.drop_index("ix_registrations_status_changed_at", table_name="registrations")
    with op.batch_alter_table("registrations") as batch:
        batch.drop_column("changed_at")
