"""Fewer row and index writes per invitation (N-SCALE).

A 200-seat session used to write, besides its invitations, a row per invited person
in ``invitation_persons`` (three indexes and a foreign-key check each), and a new
entry in four indexes of ``persons`` per person whose state changed. Now:

- the invitation keeps its persons in its own row (``invitations.person_ids``, an
  array; JSON on SQLite), and ``invitation_persons`` is dropped;
- no index of ``persons`` reads ``status``: the persons waiting for the VCDB are
  found by ``vcdb_status IS NULL`` (every pending person has none), so a change of
  state is a HOT update, and ``persons`` pages keep 15 % free for the new versions.

The fill factor applies to pages written from now on. Existing pages gain the room
when the table is rewritten: ``VACUUM FULL persons`` (or ``pg_repack``) in a quiet
hour, see docs/operations.md.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNANSWERED = sa.text("vcdb_status IS NULL")
_PENDING = sa.text("status = 'pending'")
_FILLFACTOR = 85


def _postgres() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def upgrade() -> None:
    postgres = _postgres()
    person_ids = sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")
    op.add_column("invitations", sa.Column("person_ids", person_ids, nullable=True))
    if postgres:
        op.execute(
            """
            UPDATE invitations AS i SET person_ids = ARRAY(
                SELECT ip.person_id FROM invitation_persons AS ip
                WHERE ip.invitation_id = i.id ORDER BY ip.position
            )
            """
        )
    else:
        op.execute(
            """
            UPDATE invitations SET person_ids = (
                SELECT json_group_array(person_id) FROM (
                    SELECT ip.person_id FROM invitation_persons AS ip
                    WHERE ip.invitation_id = invitations.id ORDER BY ip.position
                )
            )
            """
        )
    with op.batch_alter_table("invitations") as batch:
        batch.alter_column("person_ids", existing_type=person_ids, nullable=False)
    op.drop_index("ix_invitation_persons_session_id_person_id", table_name="invitation_persons")
    op.drop_index("ix_invitation_persons_person_id", table_name="invitation_persons")
    op.drop_table("invitation_persons")

    op.create_index(
        "ix_persons_unanswered_registration_id",
        "persons",
        ["registration_id"],
        postgresql_where=_UNANSWERED,
        sqlite_where=_UNANSWERED,
    )
    op.drop_index("ix_persons_pending_registration_id", table_name="persons")
    if postgres:
        op.execute(f"ALTER TABLE persons SET (fillfactor = {_FILLFACTOR})")


def downgrade() -> None:
    postgres = _postgres()
    if postgres:
        op.execute("ALTER TABLE persons RESET (fillfactor)")
    op.create_index(
        "ix_persons_pending_registration_id",
        "persons",
        ["registration_id"],
        postgresql_where=_PENDING,
        sqlite_where=_PENDING,
    )
    op.drop_index("ix_persons_unanswered_registration_id", table_name="persons")

    op.create_table(
        "invitation_persons",
        sa.Column("invitation_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("session_id", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name="fk_invitation_persons_invitation_id_invitations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("invitation_id", "position", name="pk_invitation_persons"),
    )
    op.create_index("ix_invitation_persons_person_id", "invitation_persons", ["person_id"])
    op.create_index(
        "ix_invitation_persons_session_id_person_id",
        "invitation_persons",
        ["session_id", "person_id"],
    )
    if postgres:
        op.execute(
            """
            INSERT INTO invitation_persons (invitation_id, position, person_id, session_id)
            SELECT i.id, p.ord - 1, p.person_id, i.session_id
            FROM invitations AS i, unnest(i.person_ids) WITH ORDINALITY AS p(person_id, ord)
            """
        )
        op.drop_column("invitations", "person_ids")
        return
    # SQLite drops a column by copying the table, and dropping the old copy deletes
    # (cascades to) the rows of invitation_persons: they are inserted after that.
    op.execute(
        """
        CREATE TEMPORARY TABLE invited_0007 AS
        SELECT i.id AS invitation_id, CAST(p.key AS INTEGER) AS position,
               p.value AS person_id, i.session_id AS session_id
        FROM invitations AS i, json_each(i.person_ids) AS p
        """
    )
    with op.batch_alter_table("invitations") as batch:
        batch.drop_column("person_ids")
    op.execute(
        """
        INSERT INTO invitation_persons (invitation_id, position, person_id, session_id)
        SELECT invitation_id, position, person_id, session_id FROM invited_0007
        """
    )
    op.execute("DROP TABLE invited_0007")
