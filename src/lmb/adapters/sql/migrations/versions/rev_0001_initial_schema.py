"""The initial schema.

Revision ID: 0001
Revises:
Create Date: 2024-05-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types used when this revision was written.
_Time = sa.DateTime(timezone=True)
_Bytewise = sa.String().with_variant(sa.String(collation="C"), "postgresql")


def _fk(column: str, target: str, table: str) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=f"fk_{table}_{column}_{referred}", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "centres",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("short_code", sa.String(4), nullable=False),
        sa.Column("region", sa.String(3), nullable=False),
        sa.Column("address", sa.String(), nullable=False),
        sa.Column("phone", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_centres"),
        sa.UniqueConstraint("short_code", name="uq_centres_short_code"),
    )
    op.create_table(
        "centre_postcodes",
        sa.Column("centre_id", sa.String(), nullable=False),
        sa.Column("postcode", sa.String(4), nullable=False),
        _fk("centre_id", "centres.id", "centre_postcodes"),
        sa.PrimaryKeyConstraint("centre_id", "postcode", name="pk_centre_postcodes"),
    )
    op.create_index("ix_centre_postcodes_postcode", "centre_postcodes", ["postcode"])

    op.create_table(
        "open_slots",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("centre_id", sa.String(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("start", sa.Time(), nullable=False),
        sa.Column("end", sa.Time(), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("claimed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_open_slots"),
    )
    op.create_index("ix_open_slots_date_centre_id", "open_slots", ["date", "centre_id"])

    op.create_table(
        "registrations",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", _Time, nullable=False),
        sa.Column("confirmed_at", _Time, nullable=True),
        sa.Column("listed_at", _Time, nullable=True),
        sa.Column("lapsed", sa.Boolean(), nullable=False),
        sa.Column("withdrawn_at", _Time, nullable=True),
        sa.Column("erased", sa.Boolean(), nullable=False),
        sa.Column("manage_digest", sa.String(), nullable=False),
        sa.Column("recipient", sa.String(10), nullable=False),
        sa.Column("doctor_id", sa.String(), nullable=True),
        sa.Column("open_slot_id", sa.String(), nullable=True),
        sa.Column("companion_of", sa.Text(), nullable=True),
        sa.Column("contact_last_name", sa.Text(), nullable=True),
        sa.Column("contact_first_name", sa.Text(), nullable=True),
        sa.Column("contact_email", sa.Text(), nullable=True),
        sa.Column("contact_mobile", sa.Text(), nullable=True),
        sa.Column("availability_confirmed_at", _Time, nullable=True),
        sa.Column("lapses_at", _Time, nullable=True),
        sa.Column("reminder_at", _Time, nullable=True),
        sa.Column("reminded_for", _Time, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_registrations"),
        sa.UniqueConstraint("manage_digest", name="uq_registrations_manage_digest"),
    )
    op.create_index("ix_registrations_status", "registrations", ["status"])
    op.create_index("ix_registrations_lapses_at", "registrations", ["lapses_at"])
    op.create_index("ix_registrations_reminder_at", "registrations", ["reminder_at"])

    op.create_table(
        "registration_centres",
        sa.Column("registration_id", sa.String(), nullable=False),
        sa.Column("centre_id", sa.String(), nullable=False),
        _fk("registration_id", "registrations.id", "registration_centres"),
        sa.PrimaryKeyConstraint("registration_id", "centre_id", name="pk_registration_centres"),
    )
    op.create_index("ix_registration_centres_centre_id", "registration_centres", ["centre_id"])

    op.create_table(
        "availability",
        sa.Column("registration_id", sa.String(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("half_day", sa.String(10), nullable=False),
        _fk("registration_id", "registrations.id", "availability"),
        sa.PrimaryKeyConstraint("registration_id", "date", "half_day", name="pk_availability"),
    )
    op.create_index("ix_availability_date_half_day", "availability", ["date", "half_day"])

    op.create_table(
        "persons",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("registration_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("insz_digest", sa.String(), nullable=True),
        sa.Column("insz", sa.Text(), nullable=False),
        sa.Column("last_name", sa.Text(), nullable=False),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("mobile", sa.Text(), nullable=True),
        sa.Column("vaccination_code", sa.Text(), nullable=True),
        sa.Column("vaccination_code_index", sa.String(), nullable=True),
        sa.Column("postcode", sa.String(4), nullable=False),
        sa.Column("region", sa.String(3), nullable=False),
        sa.Column("birth_key", sa.Integer(), nullable=False),
        sa.Column("vcdb_status", sa.String(20), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        _fk("registration_id", "registrations.id", "persons"),
        sa.PrimaryKeyConstraint("id", name="pk_persons"),
        sa.UniqueConstraint(
            "registration_id", "position", name="uq_persons_registration_id_position"
        ),
    )
    op.create_index("ix_persons_insz_digest", "persons", ["insz_digest"])
    op.create_index("ix_persons_vaccination_code_index", "persons", ["vaccination_code_index"])
    op.create_index("ix_persons_status", "persons", ["status"])

    op.create_table(
        "candidate_units",
        sa.Column("unit_key", sa.Text(), nullable=False),
        sa.Column("registration_id", _Bytewise, nullable=False),
        sa.Column("first_person_id", _Bytewise, nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("rank_class", sa.SmallInteger(), nullable=False),
        sa.Column("birth_key", sa.Integer(), nullable=False),
        sa.Column("listed_at", _Time, nullable=False),
        _fk("registration_id", "registrations.id", "candidate_units"),
        sa.PrimaryKeyConstraint("unit_key", name="pk_candidate_units"),
    )
    op.create_index("ix_candidate_units_registration_id", "candidate_units", ["registration_id"])
    op.create_index(
        "ix_candidate_units_rank",
        "candidate_units",
        ["seats", "rank_class", "birth_key", "listed_at", "registration_id", "first_person_id"],
    )

    op.create_table(
        "candidate_unit_members",
        sa.Column("unit_key", sa.Text(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        _fk("unit_key", "candidate_units.unit_key", "candidate_unit_members"),
        sa.PrimaryKeyConstraint("unit_key", "person_id", name="pk_candidate_unit_members"),
    )

    op.create_table(
        "sessions",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("centre_id", sa.String(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("start", sa.Time(), nullable=False),
        sa.Column("end", sa.Time(), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("opened_at", _Time, nullable=False),
        sa.Column("opened_by", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
    )
    op.create_index("ix_sessions_centre_id_date", "sessions", ["centre_id", "date"])

    op.create_table(
        "invitations",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.String(), nullable=False),
        sa.Column("session_id", sa.String(), nullable=True),
        sa.Column("open_slot_id", sa.String(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", _Time, nullable=False),
        sa.Column("sent_at", _Time, nullable=True),
        sa.Column("expires_at", _Time, nullable=True),
        sa.Column("closed_at", _Time, nullable=True),
        sa.Column("late_booked_at", _Time, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_invitations"),
    )
    op.create_index("ix_invitations_registration_id", "invitations", ["registration_id"])
    op.create_index("ix_invitations_session_id", "invitations", ["session_id"])
    op.create_index("ix_invitations_status_expires_at", "invitations", ["status", "expires_at"])
    op.create_index("ix_invitations_status_created_at", "invitations", ["status", "created_at"])

    op.create_table(
        "invitation_persons",
        sa.Column("invitation_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("session_id", sa.String(), nullable=True),
        _fk("invitation_id", "invitations.id", "invitation_persons"),
        sa.PrimaryKeyConstraint("invitation_id", "position", name="pk_invitation_persons"),
    )
    op.create_index("ix_invitation_persons_person_id", "invitation_persons", ["person_id"])
    op.create_index(
        "ix_invitation_persons_session_id_person_id",
        "invitation_persons",
        ["session_id", "person_id"],
    )

    op.create_table(
        "outbox",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("topic", sa.String(30), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(), nullable=False),
        sa.Column("created_at", _Time, nullable=False),
        sa.Column("next_attempt_at", _Time, nullable=False),
        sa.Column("registration_id", sa.String(), nullable=True),
        sa.Column("invitation_id", sa.String(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", _Time, nullable=True),
        sa.Column("lease_until", _Time, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_registration_id", "outbox", ["registration_id"])
    op.create_index("ix_outbox_invitation_id", "outbox", ["invitation_id"])

    op.create_table(
        "staff_tokens",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("created_at", _Time, nullable=False),
        sa.Column("centre_ids", sa.JSON(), nullable=False),
        sa.Column("nihdi_number", sa.String(), nullable=True),
        sa.Column("revoked_at", _Time, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_staff_tokens"),
        sa.UniqueConstraint("digest", name="uq_staff_tokens_digest"),
    )

    op.create_table(
        "booking_events",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("code_digest", sa.String(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("at", _Time, nullable=False),
        sa.Column("received_at", _Time, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_booking_events"),
    )
    op.create_index("ix_booking_events_code_digest", "booking_events", ["code_digest"])

    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("at", _Time, nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("target", sa.String(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
        sa.UniqueConstraint("id", name="uq_audit_log_id"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    for table in (
        "audit_log",
        "booking_events",
        "staff_tokens",
        "outbox",
        "invitation_persons",
        "invitations",
        "sessions",
        "candidate_unit_members",
        "candidate_units",
        "persons",
        "availability",
        "registration_centres",
        "registrations",
        "open_slots",
        "centre_postcodes",
        "centres",
    ):
        op.drop_table(table)
