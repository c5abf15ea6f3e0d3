"""A registration's change of state writes no index entry (N-SCALE, N-GDPR).

``ix_registrations_status_changed_at`` made every change of a registration's state
a new entry in all five of its indexes (a 200-seat session changes 200 at once). Its
two uses now have their own:

- the retention purge reads ``retained_since``: ``changed_at`` while the status is
  lapsed, ineligible or booked, else NULL (a partial index of the non-NULL ones);
- the registrations waiting for the VCDB are found through their persons
  (``ix_persons_unanswered_registration_id``, revision 0007).

Inviting or releasing a registration then changes no indexed column: a HOT update,
given room on the page (``registrations`` pages keep 15 % free from now on; existing
pages gain it with ``VACUUM FULL registrations``, see docs/operations.md).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RETAINED = sa.text("retained_since IS NOT NULL")
_FILLFACTOR = 85


def upgrade() -> None:
    op.add_column(
        "registrations", sa.Column("retained_since", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(
        "UPDATE registrations SET retained_since = changed_at "
        "WHERE status IN ('lapsed', 'ineligible', 'booked')"
    )
    op.create_index(
        "ix_registrations_retained_since",
        "registrations",
        ["retained_since"],
        postgresql_where=_RETAINED,
        sqlite_where=_RETAINED,
    )
    op.drop_index("ix_registrations_status_changed_at", table_name="registrations")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE registrations SET (fillfactor = {_FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE registrations RESET (fillfactor)")
    op.create_index("ix_registrations_status_changed_at", "registrations", ["status", "changed_at"])
    op.drop_index("ix_registrations_retained_since", table_name="registrations")
    # in place on SQLite too (3.35+): a batch copy of the table would delete, by
    # cascade, every row that refers to a registration
    op.execute("ALTER TABLE registrations DROP COLUMN retained_since")
