"""The relational schema: SQLAlchemy Core tables on one ``metadata`` (no ORM mapping).

Mapping to and from the domain lives in ``lmb.adapters.sql.mappers``; the Alembic
revisions in ``migrations/versions`` create exactly these tables (a test compares them).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(sa.TypeDecorator[dt.datetime]):
    """A point in time, stored as UTC and always read back timezone-aware UTC.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so the value is stored
    as naive UTC and the zone put back on reading. Naive datetimes are refused.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetimes are not stored: give a timezone-aware one")
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _cascade_to(target: str) -> sa.ForeignKey:
    return sa.ForeignKey(target, ondelete="CASCADE")


#: Ordered by code point like Python's ``str`` (PostgreSQL's default collation may not be).
_Bytewise = sa.String().with_variant(sa.String(collation="C"), "postgresql")

#: A text array on PostgreSQL (GIN-indexable); SQLite keeps the list as JSON.
_TextArray = sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")

# -- centres and their free slots -------------------------------------------------------

centres = sa.Table(
    "centres",
    metadata,
    sa.Column("id", sa.String(), primary_key=True),
    sa.Column("name", sa.String(), nullable=False),
    sa.Column("short_code", sa.String(4), nullable=False, unique=True),
    sa.Column("region", sa.String(3), nullable=False),
    sa.Column("address", sa.String(), nullable=False),
    sa.Column("phone", sa.String(), nullable=True),
)

centre_postcodes = sa.Table(
    "centre_postcodes",
    metadata,
    sa.Column("centre_id", sa.String(), _cascade_to("centres.id"), primary_key=True),
    sa.Column("postcode", sa.String(4), primary_key=True),
    sa.Index("ix_centre_postcodes_postcode", "postcode"),
)

open_slots = sa.Table(
    "open_slots",
    metadata,
    sa.Column("id", sa.String(), primary_key=True),
    sa.Column("centre_id", sa.String(), nullable=False),
    sa.Column("date", sa.Date(), nullable=False),
    sa.Column("start", sa.Time(), nullable=False),
    sa.Column("end", sa.Time(), nullable=False),
    sa.Column("slots", sa.Integer(), nullable=False),
    sa.Column("claimed", sa.Integer(), nullable=False),
    sa.Index("ix_open_slots_date_centre_id", "date", "centre_id"),
)

# -- registrations ---------------------------------------------------------------------

#: Per cent of each page of ``registrations`` and ``persons`` filled on insert
#: (PostgreSQL): the rest takes the new versions of rows whose state changes, so that
#: the change is a HOT update (no index of either reads the state).
FILLFACTOR = 85

registrations = sa.Table(
    "registrations",
    metadata,
    sa.Column("id", sa.String(), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("confirmed_at", UtcDateTime(), nullable=True),
    sa.Column("listed_at", UtcDateTime(), nullable=True),
    sa.Column("lapsed", sa.Boolean(), nullable=False),
    sa.Column("withdrawn_at", UtcDateTime(), nullable=True),
    #: set by ``erase``: later messages of this registration lose their payload
    sa.Column("erased", sa.Boolean(), nullable=False),
    sa.Column("manage_digest", sa.String(), nullable=False, unique=True),
    sa.Column("recipient", sa.String(10), nullable=False),
    sa.Column("doctor_id", sa.String(), nullable=True),
    sa.Column("open_slot_id", sa.String(), nullable=True),
    # personal data, through the FieldCipher
    sa.Column("companion_of", sa.Text(), nullable=True),
    sa.Column("contact_last_name", sa.Text(), nullable=True),
    sa.Column("contact_first_name", sa.Text(), nullable=True),
    sa.Column("contact_email", sa.Text(), nullable=True),
    sa.Column("contact_mobile", sa.Text(), nullable=True),
    # availability: NULL confirmed_at means none (a claimed free slot)
    sa.Column("availability_confirmed_at", UtcDateTime(), nullable=True),
    sa.Column("lapses_at", UtcDateTime(), nullable=True),
    sa.Column("reminder_at", UtcDateTime(), nullable=True),
    #: the confirmation the last reminder was sent for
    sa.Column("reminded_for", UtcDateTime(), nullable=True),
    #: the last change of state; NULL once erased
    sa.Column("changed_at", UtcDateTime(), nullable=True),
    #: N-GDPR: ``changed_at`` while the status is one erased after the retention
    #: (``ERASED_AFTER_RETENTION``), else NULL; the purge reads a range of its index
    sa.Column("retained_since", UtcDateTime(), nullable=True),
    sa.Index("ix_registrations_lapses_at", "lapses_at"),
    sa.Index("ix_registrations_reminder_at", "reminder_at"),
    # No index reads ``status`` or ``changed_at``: inviting or releasing a registration
    # leaves every indexed column as it was, a HOT update that writes no index entry
    # (a session changes 200 at once, an expiry pass thousands).
    sa.Index(
        "ix_registrations_retained_since",
        "retained_since",
        postgresql_where=sa.text("retained_since IS NOT NULL"),
        sqlite_where=sa.text("retained_since IS NOT NULL"),
    ),
    postgresql_with={"fillfactor": FILLFACTOR},
)

registration_centres = sa.Table(
    "registration_centres",
    metadata,
    sa.Column("registration_id", sa.String(), _cascade_to("registrations.id"), primary_key=True),
    sa.Column("centre_id", sa.String(), primary_key=True),
    sa.Index("ix_registration_centres_centre_id", "centre_id"),
)

availability = sa.Table(
    "availability",
    metadata,
    sa.Column("registration_id", sa.String(), _cascade_to("registrations.id"), primary_key=True),
    sa.Column("date", sa.Date(), primary_key=True),
    sa.Column("half_day", sa.String(10), primary_key=True),
    sa.Index("ix_availability_date_half_day", "date", "half_day"),
)


persons = sa.Table(
    "persons",
    metadata,
    sa.Column("id", sa.String(), primary_key=True),
    sa.Column("registration_id", sa.String(), _cascade_to("registrations.id"), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("insz_digest", sa.String(), nullable=True),
    # personal data, through the FieldCipher
    sa.Column("insz", sa.Text(), nullable=False),
    sa.Column("last_name", sa.Text(), nullable=False),
    sa.Column("first_name", sa.Text(), nullable=False),
    sa.Column("email", sa.Text(), nullable=True),
    sa.Column("mobile", sa.Text(), nullable=True),
    sa.Column("vaccination_code", sa.Text(), nullable=True),
    #: FieldCipher.index of the code, for look-ups by booking events
    sa.Column("vaccination_code_index", sa.String(), nullable=True),
    sa.Column("postcode", sa.String(4), nullable=False),
    sa.Column("region", sa.String(3), nullable=False),
    sa.Column("birth_key", sa.Integer(), nullable=False),
    sa.Column("vcdb_status", sa.String(20), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.UniqueConstraint("registration_id", "position"),
    sa.Index("ix_persons_insz_digest", "insz_digest"),
    sa.Index("ix_persons_vaccination_code_index", "vaccination_code_index"),
    #: the persons the VCDB has not answered for, by registration (``pending_eligibility``:
    #: a ``pending`` person has no ``vcdb_status``). Neither this predicate nor any other
    #: index reads ``status``, so a change of state is a HOT update: a new row version
    #: on the same page (room is left by the fill factor) and no index entry at all.
    sa.Index(
        "ix_persons_unanswered_registration_id",
        "registration_id",
        postgresql_where=sa.text("vcdb_status IS NULL"),
        sqlite_where=sa.text("vcdb_status IS NULL"),
    ),
    postgresql_with={"fillfactor": FILLFACTOR},
)

#: Per cent of each ``candidate_units`` page filled on insert (PostgreSQL): a row is
#: wide (its slot keys), and the room left takes the new version when ``held`` flips.
UNITS_FILLFACTOR = 75

#: Derived from ``Registration.units_and_holds()`` on every add/save: the units waiting
#: for an invitation, and those held by an open one (whose persons the session query
#: passes over by their invitation), with their ranking keys, so that candidate
#: selection walks an index and an expiry gives a unit back without rebuilding it.
candidate_units = sa.Table(
    "candidate_units",
    metadata,
    #: JSON array of the person ids, in unit order
    sa.Column("unit_key", sa.Text(), primary_key=True),
    sa.Column("registration_id", _Bytewise, _cascade_to("registrations.id"), nullable=False),
    #: the tie-break after the registration (units of one registration are single
    #: persons, except a group's only unit)
    sa.Column("first_person_id", _Bytewise, nullable=False),
    sa.Column("seats", sa.Integer(), nullable=False),
    #: CompanionsFirst's key: 0 for a companion, 1 for everyone else
    sa.Column("rank_class", sa.SmallInteger(), nullable=False),
    sa.Column("birth_key", sa.Integer(), nullable=False),
    sa.Column("listed_at", UtcDateTime(), nullable=False),
    #: ``centre|date|half_day|seats|tier`` for every chosen centre and free half-day
    #: (``slot_key``; the tier is a slice of the ranking, ``rank_tier``): one GIN
    #: look-up finds the units of one size and tiers a session may invite, without a scan
    sa.Column("slot_keys", _TextArray, nullable=True),
    #: the registration's ``lapses_at``: a session filters on it without reading
    #: ``registrations`` (which it joins only to lock the rows it invites)
    sa.Column("lapses_at", UtcDateTime(), nullable=True),
    #: held by an open invitation (``units_and_holds``): passed over by the session
    #: query, given back by an expiry. Not indexed, so that flipping it is a HOT
    #: update (the GIN index of ``slot_keys`` is not touched)
    sa.Column("held", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Index("ix_candidate_units_registration_id", "registration_id"),
    sa.Index("ix_candidate_units_slot_keys", "slot_keys", postgresql_using="gin"),
    sa.Index(
        "ix_candidate_units_rank",
        "seats",
        "rank_class",
        "birth_key",
        "listed_at",
        "registration_id",
        "first_person_id",
    ),
    postgresql_with={"fillfactor": UNITS_FILLFACTOR},
)

candidate_unit_members = sa.Table(
    "candidate_unit_members",
    metadata,
    sa.Column("unit_key", sa.Text(), _cascade_to("candidate_units.unit_key"), primary_key=True),
    sa.Column("person_id", sa.String(), primary_key=True),
)

# -- sessions and invitations ------------------------------------------------------------

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(), primary_key=True),
    sa.Column("centre_id", sa.String(), nullable=False),
    sa.Column("date", sa.Date(), nullable=False),
    sa.Column("start", sa.Time(), nullable=False),
    sa.Column("end", sa.Time(), nullable=False),
    sa.Column("slots", sa.Integer(), nullable=False),
    sa.Column("opened_at", UtcDateTime(), nullable=False),
    sa.Column("opened_by", sa.String(), nullable=True),
    sa.Index("ix_sessions_centre_id_date", "centre_id", "date"),
)

invitations = sa.Table(
    "invitations",
    metadata,
    sa.Column("id", sa.String(), primary_key=True),
    #: insertion order, the tie-break after ``created_at``
    sa.Column("seq", sa.Integer(), nullable=False),
    sa.Column("registration_id", sa.String(), nullable=False),
    sa.Column("session_id", sa.String(), nullable=True),
    sa.Column("open_slot_id", sa.String(), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("sent_at", UtcDateTime(), nullable=True),
    sa.Column("expires_at", UtcDateTime(), nullable=True),
    sa.Column("closed_at", UtcDateTime(), nullable=True),
    sa.Column("late_booked_at", UtcDateTime(), nullable=True),
    #: the invited persons, in the invitation's order (an array; JSON on SQLite):
    #: kept in the row, a 200-seat session writes 200 rows here and none elsewhere
    sa.Column("person_ids", _TextArray, nullable=False),
    sa.Index("ix_invitations_registration_id", "registration_id"),
    #: ``MAX(seq)`` on every insert reads the end of this index, not the table
    sa.Index("ix_invitations_seq", "seq"),
    sa.Index("ix_invitations_session_id", "session_id"),
    sa.Index("ix_invitations_status_expires_at", "status", "expires_at"),
    sa.Index("ix_invitations_status_created_at", "status", "created_at"),
)

# -- side effects, staff, events, audit ------------------------------------------------

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.String(), primary_key=True),
    sa.Column("topic", sa.String(30), nullable=False),
    #: JSON, through the FieldCipher (messages carry names and addresses)
    sa.Column("payload", sa.Text(), nullable=False),
    sa.Column("idempotency_key", sa.String(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
    sa.Column("registration_id", sa.String(), nullable=True),
    sa.Column("invitation_id", sa.String(), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("delivered_at", UtcDateTime(), nullable=True),
    #: a worker holds the message until then; NULL when nobody does
    sa.Column("lease_until", UtcDateTime(), nullable=True),
    sa.Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    sa.Index("ix_outbox_registration_id", "registration_id"),
    sa.Index("ix_outbox_invitation_id", "invitation_id"),
)

staff_tokens = sa.Table(
    "staff_tokens",
    metadata,
    sa.Column("id", sa.String(), primary_key=True),
    sa.Column("digest", sa.String(), nullable=False, unique=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("name", sa.String(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("centre_ids", sa.JSON(), nullable=False),
    sa.Column("nihdi_number", sa.String(), nullable=True),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
)

booking_events = sa.Table(
    "booking_events",
    metadata,
    sa.Column("key", sa.String(), primary_key=True),
    sa.Column("code_digest", sa.String(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    sa.Index("ix_booking_events_code_digest", "code_digest"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(), nullable=False, unique=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("actor", sa.String(), nullable=False),
    sa.Column("action", sa.String(), nullable=False),
    sa.Column("target", sa.String(), nullable=True),
    sa.Column("detail", sa.JSON(), nullable=False),
    sa.Index("ix_audit_log_at", "at"),
)

#: Every table, children after parents (for clearing them in tests and tools).
#: N-GDPR: what reports still count of registrations erased after their retention,
#: by name (``persons``, ``region:VLG``, ``postcode:9000``); never anything per person.
report_totals = sa.Table(
    "report_totals",
    metadata,
    sa.Column("name", sa.String(), primary_key=True),
    sa.Column("count", sa.Integer(), nullable=False),
)

ALL_TABLES: tuple[sa.Table, ...] = tuple(metadata.sorted_tables)
