"""The SQL unit of work: one connection, one transaction, rolled back unless committed."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from lmb.adapters.sql.cipher import FieldCipher, PlainCipher
from lmb.adapters.sql.repositories import (
    SqlAuditLog,
    SqlBookingEventRepository,
    SqlCentreRepository,
    SqlInvitationRepository,
    SqlOpenSlotRepository,
    SqlOutboxRepository,
    SqlRegistrationRepository,
    SqlReportQueries,
    SqlSessionRepository,
    SqlStaffTokenRepository,
)
from lmb.application.ports import UnitOfWork, UnitOfWorkFactory


class SqlUnitOfWork(UnitOfWork):
    """Opens a connection and begins a transaction on entry.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE`` (see ``create_engine``),
    so units of work run one after another; on PostgreSQL they run side by side and
    lock rows. Work after a ``commit`` runs in a new transaction, which ``__aexit__``
    rolls back unless committed too.
    """

    def __init__(self, engine: AsyncEngine, cipher: FieldCipher | None = None) -> None:
        self._engine = engine
        self._cipher = cipher or PlainCipher()
        self._conn: AsyncConnection | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        if self._conn is not None:
            raise RuntimeError("a unit of work is entered once")
        conn = await self._engine.connect()
        try:
            await conn.begin()
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        cipher = self._cipher
        self.centres = SqlCentreRepository(conn, cipher)
        self.open_slots = SqlOpenSlotRepository(conn, cipher)
        self.registrations = SqlRegistrationRepository(conn, cipher)
        self.sessions = SqlSessionRepository(conn, cipher)
        self.invitations = SqlInvitationRepository(conn, cipher)
        self.outbox = SqlOutboxRepository(conn, cipher)
        self.staff_tokens = SqlStaffTokenRepository(conn, cipher)
        self.booking_events = SqlBookingEventRepository(conn, cipher)
        self.audit = SqlAuditLog(conn, cipher)
        self.reports = SqlReportQueries(conn, cipher)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        conn = self._require()
        try:
            await conn.rollback()
        finally:
            await conn.close()

    def _require(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("use the unit of work with 'async with'")
        return self._conn

    async def commit(self) -> None:
        await self._require().commit()

    async def rollback(self) -> None:
        await self._require().rollback()


class SqlUnitOfWorkFactory(UnitOfWorkFactory):
    """Makes a SqlUnitOfWork per call on one engine; the cipher protects personal data."""

    def __init__(self, engine: AsyncEngine, cipher: FieldCipher | None = None) -> None:
        self.engine = engine
        self.cipher = cipher or PlainCipher()

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.cipher)
