"""What only the SQL adapter promises: migrations, time zones, encryption hooks, locking."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from lmb.adapters.sql import (
    FieldCipher,
    SqlUnitOfWorkFactory,
    create_engine,
    upgrade,
    upgrade_engine,
)
from lmb.adapters.sql.tables import metadata
from lmb.application.model import OutboxMessage, Topic
from lmb.application.ports import CandidateQuery
from lmb.domain.invitation import InvitationStatus
from lmb.domain.person import VaccinationCode
from tests.integration.conftest import PostgresSchema, postgres_url
from tests.integration.storage.support import (
    DAY,
    EVENING,
    GENT,
    NOW,
    Store,
    a_self,
    a_session,
    an_invitation,
    digests_of,
    listed,
    third_parties,
)

SQL = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
POSTGRES = [pytest.param("postgres", marks=pytest.mark.postgres)]
HOUR = dt.timedelta(hours=1)
CET = dt.timezone(dt.timedelta(hours=2))


def _schema_diffs(conn: Connection) -> list[object]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _downgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    from lmb.adapters.sql.migrate import alembic_config

    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


@contextlib.asynccontextmanager
async def _scratch_engine(dialect: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An empty database of ``dialect`` (a file, or a PostgreSQL schema dropped after)."""
    if dialect == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'scratch.db'}")
        try:
            yield engine
        finally:
            await engine.dispose()
        return
    schema = PostgresSchema(postgres_url(), f"lmb_scratch_{secrets.token_hex(4)}")
    admin = create_engine(schema.url)
    try:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'CREATE SCHEMA "{schema.name}"')
        engine = schema.engine()
        try:
            yield engine
        finally:
            await engine.dispose()
    finally:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema.name}" CASCADE')
        await admin.dispose()


def _head() -> str:
    """The one head revision of the shipped scripts (two heads would be a merge bug)."""
    from alembic.script import ScriptDirectory

    from lmb.adapters.sql.migrate import alembic_config

    (head,) = ScriptDirectory.from_config(alembic_config()).get_heads()
    return head


class TestMigrations:
    @pytest.mark.parametrize("store", SQL, indirect=True)
    async def test_the_migrated_schema_is_the_declared_one(self, store: Store) -> None:
        assert store.engine is not None
        async with store.engine.connect() as conn:
            assert await conn.run_sync(_schema_diffs) == []
            version = await conn.execute(sa.text("SELECT version_num FROM alembic_version"))
            assert version.scalar_one() == _head()

    async def test_upgrading_again_changes_nothing(self, tmp_path: Path) -> None:
        url = f"sqlite+aiosqlite:///{tmp_path / 'again.db'}"
        await upgrade(url)
        await upgrade(url)
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                assert await conn.run_sync(_schema_diffs) == []
        finally:
            await engine.dispose()

    @pytest.mark.parametrize(
        "dialect", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
    )
    async def test_revision_0007_moves_the_invited_persons_into_the_invitation(
        self, dialect: str, tmp_path: Path
    ) -> None:
        """N-SCALE: ``invitation_persons`` rows become ``invitations.person_ids``, in
        order, and back again on downgrade."""
        async with _scratch_engine(dialect, tmp_path) as engine:
            await upgrade_engine(engine, "0006")
            async with engine.begin() as conn:
                await conn.execute(
                    sa.text(
                        "INSERT INTO invitations (id, seq, registration_id, session_id, "
                        "status, created_at) VALUES "
                        "('i-1', 1, 'r-1', 's-1', 'sent', :at), "
                        "('i-2', 2, 'r-2', 's-1', 'expired', :at)"
                    ),
                    {"at": NOW.replace(tzinfo=None)},
                )
                await conn.execute(
                    sa.text(
                        "INSERT INTO invitation_persons (invitation_id, position, person_id, "
                        "session_id) VALUES ('i-1', 0, 'p-b', 's-1'), ('i-1', 1, 'p-a', 's-1'), "
                        "('i-2', 0, 'p-c', 's-1')"
                    )
                )
            await upgrade_engine(engine)
            uow_factory = SqlUnitOfWorkFactory(engine)
            async with uow_factory() as uow:
                first = await uow.invitations.get("i-1")
                second = await uow.invitations.get("i-2")
                seats = await uow.invitations.seats_for_session("s-1")
            assert first is not None and first.person_ids == ("p-b", "p-a")
            assert second is not None and second.person_ids == ("p-c",)
            assert seats[InvitationStatus.SENT] == 2 and seats[InvitationStatus.EXPIRED] == 1
            async with engine.begin() as conn:
                await conn.run_sync(_downgrade, "0006")
                rows = (
                    await conn.execute(
                        sa.text(
                            "SELECT invitation_id, position, person_id, session_id "
                            "FROM invitation_persons ORDER BY invitation_id, position"
                        )
                    )
                ).all()
            assert [tuple(r) for r in rows] == [
                ("i-1", 0, "p-b", "s-1"),
                ("i-1", 1, "p-a", "s-1"),
                ("i-2", 0, "p-c", "s-1"),
            ]

    @pytest.mark.parametrize(
        "dialect", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
    )
    async def test_revision_0008_starts_the_retention_of_finished_registrations(
        self, dialect: str, tmp_path: Path
    ) -> None:
        """N-GDPR: a registration lapsed, ineligible or booked before revision 0008 is
        still purged after its retention; the others are not."""
        changed = NOW.replace(tzinfo=None)
        async with _scratch_engine(dialect, tmp_path) as engine:
            await upgrade_engine(engine, "0007")
            async with engine.begin() as conn:
                for n, status in enumerate(["booked", "active", "lapsed", "invited"]):
                    await conn.execute(
                        sa.text(
                            "INSERT INTO registrations (id, kind, language, status, "
                            "created_at, lapsed, erased, manage_digest, recipient, changed_at) "
                            "VALUES (:id, 'self', 'nl', :status, :at, false, false, :digest, "
                            "'person', :changed)"
                        ),
                        {
                            "id": f"r-{status}",
                            "status": status,
                            "at": changed,
                            "digest": f"d{n}",
                            "changed": changed + n * HOUR,
                        },
                    )
            await upgrade_engine(engine)
            uow_factory = SqlUnitOfWorkFactory(engine)
            async with uow_factory() as uow:
                due = await uow.registrations.due_for_purge(NOW + 10 * HOUR, 10)
                early = await uow.registrations.due_for_purge(NOW + HOUR, 10)
            assert due == ["r-booked", "r-lapsed"]
            assert early == ["r-booked"]
            async with engine.begin() as conn:
                await conn.run_sync(_downgrade, "0007")
                rows = await conn.execute(sa.text("SELECT count(*) FROM registrations"))
                assert rows.scalar_one() == 4

    @pytest.mark.parametrize(
        "dialect", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
    )
    async def test_revision_0009_flags_the_units_of_invited_persons_held(
        self, dialect: str, tmp_path: Path
    ) -> None:
        at = NOW.replace(tzinfo=None)
        async with _scratch_engine(dialect, tmp_path) as engine:
            await upgrade_engine(engine, "0008")
            async with engine.begin() as conn:
                await conn.execute(
                    sa.text(
                        "INSERT INTO registrations (id, kind, language, status, created_at, "
                        "lapsed, erased, manage_digest, recipient) VALUES "
                        "('r-1', 'third_party', 'nl', 'invited', :at, false, false, 'd', 'person')"
                    ),
                    {"at": at},
                )
                for n, status in enumerate(["invited", "eligible"]):
                    await conn.execute(
                        sa.text(
                            "INSERT INTO persons (id, registration_id, position, insz, "
                            "last_name, first_name, postcode, region, birth_key, status) "
                            "VALUES (:id, 'r-1', :n, 'x', 'x', 'x', '9000', 'VLG', 1, :status)"
                        ),
                        {"id": f"p-{n}", "n": n, "status": status},
                    )
                    await conn.execute(
                        sa.text(
                            "INSERT INTO candidate_units (unit_key, registration_id, "
                            "first_person_id, seats, rank_class, birth_key, listed_at) "
                            "VALUES (:key, 'r-1', :id, 1, 1, 1, :at)"
                        ),
                        {"key": f'["p-{n}"]', "id": f"p-{n}", "at": at},
                    )
                    await conn.execute(
                        sa.text(
                            "INSERT INTO candidate_unit_members (unit_key, person_id) "
                            "VALUES (:key, :id)"
                        ),
                        {"key": f'["p-{n}"]', "id": f"p-{n}"},
                    )
            await upgrade_engine(engine)
            async with engine.connect() as conn:
                held = dict(
                    (
                        await conn.execute(
                            sa.text("SELECT first_person_id, held FROM candidate_units")
                        )
                    ).all()
                )
            assert held == {"p-0": True, "p-1": False}
            async with engine.begin() as conn:
                await conn.run_sync(_downgrade, "0008")
                members = await conn.execute(sa.text("SELECT count(*) FROM candidate_unit_members"))
                assert members.scalar_one() == 2

    def test_the_migrations_ship_inside_the_package(self) -> None:
        from lmb.adapters.sql.migrate import MIGRATIONS

        assert (MIGRATIONS / "env.py").is_file()
        assert (MIGRATIONS / "script.py.mako").is_file()
        assert list((MIGRATIONS / "versions").glob("rev_*.py"))


class TestEngine:
    @pytest.mark.parametrize("store", ["sqlite"], indirect=True)
    async def test_sqlite_runs_in_wal_mode_with_foreign_keys(self, store: Store) -> None:
        assert store.engine is not None
        async with store.engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
            assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() == 30_000

    def test_an_in_memory_sqlite_database_is_refused(self) -> None:
        with pytest.raises(ValueError, match="file"):
            create_engine("sqlite+aiosqlite:///:memory:")

    @pytest.mark.postgres
    async def test_an_idle_connection_the_server_dropped_is_replaced(
        self, postgres_schema: PostgresSchema
    ) -> None:
        """A pooled connection unused for a while is pinged before it is handed out."""
        engine = postgres_schema.engine(ping_after_idle=0)
        killer = postgres_schema.engine()
        try:
            async with engine.connect() as conn:
                dropped = (await conn.exec_driver_sql("SELECT pg_backend_pid()")).scalar()
            async with killer.connect() as conn:
                await conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
                await conn.commit()
            await asyncio.sleep(0.1)
            async with engine.connect() as conn:
                now = (await conn.exec_driver_sql("SELECT pg_backend_pid()")).scalar()
            assert now != dropped
        finally:
            await engine.dispose()
            await killer.dispose()


class TestTimeZones:
    @pytest.mark.parametrize("store", SQL, indirect=True)
    async def test_any_zone_goes_in_and_utc_comes_out(self, store: Store) -> None:
        session = a_session()
        session.opened_at = dt.datetime(2021, 4, 12, 10, 30, tzinfo=CET)
        async with store.uow() as uow:
            await uow.sessions.add(session)
            await uow.commit()
        async with store.uow() as uow:
            loaded = await uow.sessions.get(session.id)
        assert loaded is not None
        assert loaded.opened_at == dt.datetime(2021, 4, 12, 8, 30, tzinfo=dt.UTC)
        assert loaded.opened_at.tzinfo is dt.UTC

    @pytest.mark.parametrize("store", SQL, indirect=True)
    async def test_a_naive_datetime_is_refused(self, store: Store) -> None:
        session = a_session()
        session.opened_at = dt.datetime(2021, 4, 12, 10, 30)
        async with store.uow() as uow:
            with pytest.raises(sa.exc.StatementError, match="naive"):
                await uow.sessions.add(session)


class ReversingCipher(FieldCipher):
    """A stand-in for real encryption: reversible, keyed look-ups, nothing in clear."""

    def encrypt(self, value: str) -> str:
        return "enc:" + base64.b64encode(value[::-1].encode()).decode()

    def decrypt(self, value: str) -> str:
        assert value.startswith("enc:")
        return base64.b64decode(value[4:]).decode()[::-1]

    def index(self, value: str) -> str:
        return "idx:" + base64.b64encode(value.encode()).decode()


class TestFieldCipher:
    @pytest.mark.parametrize("store", SQL, indirect=True)
    async def test_personal_data_is_stored_only_through_the_cipher(self, store: Store) -> None:
        assert store.engine is not None
        uow = SqlUnitOfWorkFactory(store.engine, ReversingCipher())
        registration = listed(third_parties("r1", [dt.date(1940, 5, 6), dt.date(1985, 7, 30)]))
        message = OutboxMessage.new(
            id="m1",
            topic=Topic.EMAIL,
            payload={"name": "Mie Janssens", "email": "mie@example.be"},
            now=NOW,
            invitation_id="i1",
        )
        async with uow() as tx:
            await tx.registrations.add(registration, **digests_of(registration))
            await tx.outbox.add(message)
            await tx.commit()
        dump = await store.dump()
        assert registration.contact is not None
        plain = {registration.contact.last_name, registration.contact.email.address, "mie@"}
        for rp in registration.persons:
            plain |= {rp.person.insz.digits, rp.person.first_name, rp.person.last_name}
            plain.add(str(rp.vaccination_code))
        assert sorted(p for p in plain if p in dump) == []
        code = registration.persons[1].vaccination_code
        assert code is not None
        async with uow() as tx:
            assert await tx.registrations.get("r1") == registration
            assert await tx.registrations.by_vaccination_code(code) == [registration]
            assert await tx.registrations.by_vaccination_code(VaccinationCode("OTHER-1")) == []
            assert await tx.outbox.for_invitation("i1") == [message]


def _query(session: str) -> CandidateQuery:
    return CandidateQuery(GENT, DAY, frozenset({EVENING}), NOW + HOUR, session, ((1, 2),))


class TestPostgresLocking:
    """Parallel units of work on PostgreSQL never hand out the same row twice."""

    @pytest.mark.parametrize("store", POSTGRES, indirect=True)
    async def test_parallel_sessions_get_disjoint_candidates(self, store: Store) -> None:
        births = [dt.date(1930 + 5 * n, 1 + n, 1 + n) for n in range(5)]
        registrations = [
            listed(a_self(f"r{n}", born, serial=n + 1)) for n, born in enumerate(births)
        ]
        async with store.uow() as uow:
            for r in registrations:
                await uow.registrations.add(r, **digests_of(r))
            await uow.commit()
        async with store.uow() as first, store.uow() as second:
            mine = await first.registrations.candidates(_query("session-1"))
            theirs = await second.registrations.candidates(_query("session-2"))
            assert [c.registration_id for c in mine] == ["r0", "r1"]
            assert [c.registration_id for c in theirs] == ["r2", "r3"]
        async with store.uow() as third:
            again = await third.registrations.candidates(_query("session-3"))
            assert [c.registration_id for c in again] == ["r0", "r1"], "locks end with the work"

    @pytest.mark.parametrize("store", POSTGRES, indirect=True)
    async def test_a_locked_registration_is_skipped_not_waited_for(self, store: Store) -> None:
        registration = listed(third_parties("r-family", [dt.date(1931, 1, 1), dt.date(1932, 1, 1)]))
        other = listed(a_self("r-other", dt.date(1990, 1, 1)))
        async with store.uow() as uow:
            for r in (registration, other):
                await uow.registrations.add(r, **digests_of(r))
            await uow.commit()
        async with store.uow() as owner:
            await owner.registrations.get("r-family", for_update=True)
            async with store.uow() as session:
                found = await asyncio.wait_for(
                    session.registrations.candidates(_query("session-1")), 5
                )
        assert [c.registration_id for c in found] == ["r-other"]

    @pytest.mark.parametrize("store", POSTGRES, indirect=True)
    async def test_parallel_workers_claim_disjoint_messages(self, store: Store) -> None:
        async with store.uow() as uow:
            for n in range(6):
                await uow.outbox.add(
                    OutboxMessage.new(
                        id=f"m{n}",
                        topic=Topic.SMS,
                        payload={},
                        now=NOW + n * dt.timedelta(seconds=1),
                    )
                )
            await uow.commit()
        lease = dt.timedelta(minutes=5)
        async with store.uow() as first, store.uow() as second:
            a = await first.outbox.claim_due(NOW + HOUR, 4, lease)
            b = await second.outbox.claim_due(NOW + HOUR, 4, lease)
            await first.commit()
            await second.commit()
        assert [m.id for m in a] == ["m0", "m1", "m2", "m3"]
        assert [m.id for m in b] == ["m4", "m5"]

    @pytest.mark.parametrize("store", POSTGRES, indirect=True)
    async def test_parallel_workers_expire_disjoint_invitations(self, store: Store) -> None:
        registration = listed(a_self("r1", dt.date(1950, 1, 1)))
        async with store.uow() as uow:
            await uow.registrations.add(registration, **digests_of(registration))
            for n in range(3):
                await uow.invitations.add(an_invitation(f"i{n}", registration))
            await uow.commit()
        grace = dt.timedelta(minutes=5)
        async with store.uow() as first, store.uow() as second:
            a = await first.invitations.due(NOW + HOUR, grace, 2)
            b = await second.invitations.due(NOW + HOUR, grace, 2)
        assert [i.id for i in a] == ["i0", "i1"]
        assert [i.id for i in b] == ["i2"]

    @pytest.mark.parametrize("store", POSTGRES, indirect=True)
    async def test_get_for_update_waits_for_the_holder(self, store: Store) -> None:
        async with store.uow() as uow:
            await uow.sessions.add(a_session(slots=1))
            await uow.commit()
        order: list[str] = []

        async def second() -> None:
            async with store.uow() as uow:
                session = await uow.sessions.get("session-1", for_update=True)
                assert session is not None
                order.append(f"second saw {session.slots}")

        async with store.uow() as uow:
            session = await uow.sessions.get("session-1", for_update=True)
            assert session is not None
            task = asyncio.create_task(second())
            await asyncio.sleep(0.2)
            session.add_slots(1)
            await uow.sessions.save(session)
            await uow.commit()
            order.append("first committed")
        await asyncio.wait_for(task, 5)
        assert order == ["first committed", "second saw 2"]
