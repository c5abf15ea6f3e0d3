"""The storage ports on SQLAlchemy Core over one AsyncConnection (one transaction).

Locking (PostgreSQL; SQLite serialises whole units of work with ``BEGIN IMMEDIATE``):
- ``get(..., for_update=True)`` and ``get_for_update``: ``SELECT ... FOR UPDATE``.
- ``candidates``: locks the registrations rows of the units it returns with
  ``FOR UPDATE OF registrations SKIP LOCKED``; a parallel session skips them.
- ``InvitationRepository.due`` and ``OutboxRepository.claim_due``: ``SKIP LOCKED``, and
  the outbox additionally leases rows in ``lease_until`` beyond the transaction.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from lmb.adapters.sql import mappers, statements
from lmb.adapters.sql import tables as t
from lmb.adapters.sql.cipher import FieldCipher
from lmb.application.clock import local_today
from lmb.application.model import (
    AuditEntry,
    BookingEventRecord,
    OutboxMessage,
    OutboxStatus,
    StaffToken,
)
from lmb.application.ports import (
    AuditLog,
    BookingEventRepository,
    Breakdown,
    CandidateQuery,
    CentreRepository,
    InvitationRepository,
    NewRegistration,
    OpenSlotRepository,
    OutboxRepository,
    RegistrationRepository,
    ReportQueries,
    SessionRepository,
    StaffTokenRepository,
    Summary,
)
from lmb.domain.centre import Centre, OpenSlot
from lmb.domain.geography import Postcode, Region
from lmb.domain.invitation import Invitation, InvitationStatus
from lmb.domain.person import PersonStatus, VaccinationCode
from lmb.domain.ranking import DEFAULT_POLICY, Candidate
from lmb.domain.registration import Kind, Registration, Status, derive_status
from lmb.domain.session import Session

#: What ``forget_registration`` writes as the reason a pending message was skipped.
FORGOTTEN = "registration withdrawn"

_TEXT_ARRAY = postgresql.ARRAY(sa.Text())


class _Repository:
    def __init__(self, conn: AsyncConnection, cipher: FieldCipher) -> None:
        self._conn = conn
        self._cipher = cipher
        self._postgres = conn.dialect.name == "postgresql"

    async def _rows(
        self, stmt: sa.Executable, params: dict[str, Any] | None = None
    ) -> Sequence[RowMapping]:
        return (await self._conn.execute(stmt, params)).mappings().all()

    async def _row(self, stmt: sa.Executable) -> RowMapping | None:
        return (await self._conn.execute(stmt)).mappings().first()

    async def _update_one(self, stmt: sa.Update, what: str) -> None:
        """Run an UPDATE of one row by key; saving what was never added is a bug."""
        result = await self._conn.execute(stmt)
        if result.rowcount != 1:
            raise LookupError(f"no {what} to save")

    async def _save_rows(self, table: sa.Table, rows: list[dict[str, Any]], what: str) -> None:
        """Rows by ``id``, each of which must be stored (saving what was never added is
        a bug, and saves none): one UPDATE for one row; else on PostgreSQL one
        statement that updates all or none (its count tells), on SQLite a look-up and
        then ``_update_many``."""
        if len(rows) == 1:
            await self._update_one(
                sa.update(table).where(table.c.id == rows[0]["id"]).values(rows[0]), what
            )
            return
        ids = [row["id"] for row in rows]
        if self._postgres:
            names = tuple(rows[0])
            result = await self._conn.execute(
                statements.update_unnested(table, "id", names, all_or_none=True),
                self._arrays(table, names, rows),
            )
            if result.rowcount == len(rows):
                return
        found = set(
            (
                await self._conn.execute(sa.select(table.c.id).where(self._among(table.c.id, ids)))
            ).scalars()
        )
        missing = [i for i in ids if i not in found]
        if missing:
            raise LookupError(f"no {what} {missing[0]!r} to save")
        await self._update_many(table, "id", rows)

    async def _update_many(self, table: sa.Table, key: str, rows: list[dict[str, Any]]) -> None:
        """Rows by ``key``: one statement of arrays on PostgreSQL
        (``statements.update_unnested``; an expiry pass saves thousands at once), one
        UPDATE per row sent as one batch (executemany) on SQLite."""
        if not rows:
            return
        if self._postgres:
            names = tuple(rows[0])
            await self._conn.execute(
                statements.update_unnested(table, key, names), self._arrays(table, names, rows)
            )
            return
        columns = [name for name in rows[0] if name != key]
        stmt = (
            sa.update(table)
            .where(table.c[key] == sa.bindparam(f"b_{key}", type_=table.c[key].type))
            .values({name: sa.bindparam(f"b_{name}", type_=table.c[name].type) for name in columns})
        )
        await self._conn.execute(stmt, [{f"b_{k}": v for k, v in row.items()} for row in rows])

    async def _insert_many(self, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
        """Rows of scalar columns in one statement (``statements.insert_unnested`` on
        PostgreSQL, ``executemany`` on SQLite)."""
        if not rows:
            return
        if not self._postgres:
            await self._conn.execute(sa.insert(table), list(rows))
            return
        columns = tuple(rows[0])
        await self._conn.execute(
            statements.insert_unnested(table, columns), self._arrays(table, columns, rows)
        )

    @staticmethod
    def _arrays(
        table: sa.Table, columns: Sequence[str], rows: Sequence[dict[str, Any]]
    ) -> dict[str, list[Any]]:
        """The ``a_<column>`` parameters of ``statements.unnested``: a column's values."""
        params: dict[str, list[Any]] = {}
        for name in columns:
            values = [row[name] for row in rows]
            if statements.is_array(table.c[name]):
                values = [statements.join_items(v) for v in values]
            params[f"a_{name}"] = values
        return params

    def _among(
        self, column: sa.ColumnElement[Any], values: Sequence[Any]
    ) -> sa.ColumnElement[bool]:
        """``column IN values``: one array parameter on PostgreSQL (one prepared
        statement whatever the count), an expanded list on SQLite."""
        if self._postgres:
            return column == sa.any_(sa.bindparam(None, list(values), type_=_TEXT_ARRAY))
        return column.in_(list(values))

    def _seats(self) -> sa.ColumnElement[int]:
        """The number of persons an invitation invites, in SQL."""
        person_ids = t.invitations.c.person_ids
        if self._postgres:
            return sa.func.cardinality(person_ids, type_=sa.Integer())
        return sa.func.json_array_length(person_ids, type_=sa.Integer())

    def _locked(
        self, stmt: sa.Select[Any], *, of: Any = None, skip_locked: bool = False
    ) -> sa.Select[Any]:
        if not self._postgres:
            return stmt
        return stmt.with_for_update(of=of, skip_locked=skip_locked)


# -- centres and free slots ------------------------------------------------------------


class SqlCentreRepository(_Repository, CentreRepository):
    async def add(self, centre: Centre) -> None:
        await self._conn.execute(sa.insert(t.centres).values(mappers.centre_row(centre)))
        await self._insert_postcodes(centre.id, {p.code for p in centre.postcodes})

    async def save(self, centre: Centre) -> None:
        row = mappers.centre_row(centre)
        await self._update_one(
            sa.update(t.centres).where(t.centres.c.id == centre.id).values(row), "centre"
        )
        existing = set(
            (
                await self._conn.execute(
                    sa.select(t.centre_postcodes.c.postcode).where(
                        t.centre_postcodes.c.centre_id == centre.id
                    )
                )
            ).scalars()
        )
        wanted = {p.code for p in centre.postcodes}
        if existing - wanted:
            await self._conn.execute(
                sa.delete(t.centre_postcodes).where(
                    t.centre_postcodes.c.centre_id == centre.id,
                    t.centre_postcodes.c.postcode.in_(existing - wanted),
                )
            )
        await self._insert_postcodes(centre.id, wanted - existing)

    async def _insert_postcodes(self, centre_id: str, codes: Iterable[str]) -> None:
        rows = [{"centre_id": centre_id, "postcode": code} for code in sorted(codes)]
        if rows:
            await self._conn.execute(sa.insert(t.centre_postcodes), rows)

    async def get(self, centre_id: str) -> Centre | None:
        found = await self._load(sa.select(t.centres).where(t.centres.c.id == centre_id))
        return found[0] if found else None

    async def existing(self, centre_ids: Sequence[str]) -> set[str]:
        ids = sorted(set(centre_ids))
        if not ids:
            return set()
        c = t.centres.c
        return set((await self._conn.execute(sa.select(c.id).where(c.id.in_(ids)))).scalars())

    async def by_short_code(self, short_code: str) -> Centre | None:
        found = await self._load(sa.select(t.centres).where(t.centres.c.short_code == short_code))
        return found[0] if found else None

    async def _load(self, stmt: sa.Select[Any]) -> builtins.list[Centre]:
        rows = await self._rows(stmt)
        if not rows:
            return []
        codes: dict[str, builtins.list[str]] = defaultdict(builtins.list)
        for centre_id, code in await self._conn.execute(
            sa.select(t.centre_postcodes.c.centre_id, t.centre_postcodes.c.postcode).where(
                t.centre_postcodes.c.centre_id.in_([r["id"] for r in rows])
            )
        ):
            codes[centre_id].append(code)
        return [mappers.centre_from(r, codes[r["id"]]) for r in rows]

    async def list(self, *, postcode: str | None = None) -> builtins.list[Centre]:
        stmt = sa.select(t.centres).order_by(t.centres.c.name, t.centres.c.id)
        if postcode is not None:
            stmt = stmt.where(
                sa.exists().where(
                    t.centre_postcodes.c.centre_id == t.centres.c.id,
                    t.centre_postcodes.c.postcode == postcode,
                )
            )
        return await self._load(stmt)


class SqlOpenSlotRepository(_Repository, OpenSlotRepository):
    async def add(self, slot: OpenSlot) -> None:
        await self._conn.execute(sa.insert(t.open_slots).values(mappers.open_slot_row(slot)))

    async def get_for_update(self, slot_id: str) -> OpenSlot | None:
        row = await self._row(
            self._locked(sa.select(t.open_slots).where(t.open_slots.c.id == slot_id))
        )
        return mappers.open_slot_from(row) if row else None

    async def save(self, slot: OpenSlot) -> None:
        await self._update_one(
            sa.update(t.open_slots)
            .where(t.open_slots.c.id == slot.id)
            .values(mappers.open_slot_row(slot)),
            "open slot",
        )

    async def list_open(
        self, *, from_date: dt.date, centre_ids: Sequence[str] | None
    ) -> list[OpenSlot]:
        c = t.open_slots.c
        stmt = (
            sa.select(t.open_slots)
            .where(c.date >= from_date, c.claimed < c.slots)
            .order_by(c.date, c.start, c.centre_id, c.id)
        )
        if centre_ids is not None:
            stmt = stmt.where(c.centre_id.in_(list(centre_ids)))
        return [mappers.open_slot_from(r) for r in await self._rows(stmt)]


# -- registrations ---------------------------------------------------------------------


class SqlRegistrationRepository(_Repository, RegistrationRepository):
    def _new_rows(self, new: NewRegistration) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The ``registrations`` row and the ``persons`` rows of a registration to add."""
        registration = new.registration
        if len(new.insz_digests) != len(registration.persons):
            raise ValueError("give one INSZ digest per person")
        row = mappers.registration_row(registration, self._cipher)
        row.update(manage_digest=new.manage_digest, erased=False, reminded_for=None)
        persons = [
            {
                **mappers.person_row(
                    rp, registration_id=registration.id, position=i, cipher=self._cipher
                ),
                "insz_digest": digest,
            }
            for i, (rp, digest) in enumerate(
                zip(registration.persons, new.insz_digests, strict=True)
            )
        ]
        return row, persons

    async def add(
        self, registration: Registration, *, manage_digest: str, insz_digests: Sequence[str]
    ) -> None:
        row, persons = self._new_rows(NewRegistration(registration, manage_digest, insz_digests))
        if not self._postgres:
            await self._conn.execute(sa.insert(t.registrations).values(row))
            if persons:
                await self._conn.execute(sa.insert(t.persons), persons)
            await self._sync_children([registration], fresh=True)
            return
        # PostgreSQL: the registration, its persons, centres and availability in one
        # statement of fixed text (arrays, not one VALUES row per item), so it is
        # compiled and prepared once per connection and costs one round trip.
        params: dict[str, Any] = {f"r_{name}": value for name, value in row.items()}
        for name in statements.PERSON_COLUMNS:
            params[f"p_{name}"] = [person[name] for person in persons]
        params["c_centre_id"] = sorted(registration.centre_ids)
        slots = sorted(mappers.availability_rows(registration))
        params["a_date"] = [date for date, _ in slots]
        params["a_half_day"] = [half_day for _, half_day in slots]
        await self._conn.execute(statements.add_registration(), params)
        await self._insert_units(list(mappers.candidate_unit_rows(registration).values()))

    async def add_many(self, registrations: Sequence[NewRegistration]) -> None:
        """On PostgreSQL one statement of arrays per table for all of them (the intake's
        group commit writes up to 32 at once); elsewhere ``add`` for each."""
        if len(registrations) <= 1 or not self._postgres:
            for new in registrations:
                await self.add(
                    new.registration,
                    manage_digest=new.manage_digest,
                    insz_digests=new.insz_digests,
                )
            return
        rows: dict[sa.Table, list[dict[str, Any]]] = defaultdict(builtins.list)
        units: list[dict[str, Any]] = []
        for new in registrations:
            registration = new.registration
            row, persons = self._new_rows(new)
            rows[t.registrations].append(row)
            rows[t.persons].extend(persons)
            rows[t.registration_centres].extend(
                {"registration_id": registration.id, "centre_id": c}
                for c in sorted(registration.centre_ids)
            )
            rows[t.availability].extend(
                {"registration_id": registration.id, "date": date, "half_day": half_day}
                for date, half_day in sorted(mappers.availability_rows(registration))
            )
            units.extend(mappers.candidate_unit_rows(registration).values())
        for table in (t.registrations, t.persons, t.registration_centres, t.availability):
            await self._insert_many(table, rows[table])
        await self._insert_units(units)

    async def listed_with_insz_many(self, insz_digests: Sequence[str]) -> dict[str, str]:
        digests = sorted(set(insz_digests))
        if not digests:
            return {}
        r, p = t.registrations.c, t.persons.c
        found: dict[str, tuple[Any, str]] = {}
        for digest, created_at, rid in await self._conn.execute(
            sa.select(p.insz_digest, r.created_at, r.id)
            .join_from(t.registrations, t.persons, p.registration_id == r.id)
            .where(self._among(p.insz_digest, digests), r.withdrawn_at.is_(None))
        ):
            if digest not in found or (created_at, rid) < found[digest]:
                found[digest] = (created_at, rid)
        return {digest: rid for digest, (_, rid) in found.items()}

    async def save(self, registration: Registration) -> None:
        await self.save_many([registration])

    async def save_many(self, registrations: Sequence[Registration]) -> None:
        """Every registration's row, persons and children, a few statements for all.

        A session's fill saves 200 registrations at once: per table one read of what
        is stored and one batched write of the differences, not a round trip per row.
        """
        regs = list({r.id: r for r in registrations}.values())
        if not regs:
            return
        rows = [mappers.registration_row(r, self._cipher) for r in regs]
        await self._save_rows(t.registrations, rows, "registration")
        await self._sync_persons(regs)
        await self._sync_children(regs)

    async def _sync_persons(self, registrations: Sequence[Registration]) -> None:
        p = t.persons.c
        existing = set(
            (
                await self._conn.execute(
                    sa.select(p.id).where(p.registration_id.in_([r.id for r in registrations]))
                )
            ).scalars()
        )
        current = {rp.id for r in registrations for rp in r.persons}
        if existing - current:
            await self._conn.execute(sa.delete(t.persons).where(p.id.in_(existing - current)))
        updates: list[dict[str, Any]] = []
        inserts: list[dict[str, Any]] = []
        for registration in registrations:
            for position, rp in enumerate(registration.persons):
                row = mappers.person_row(
                    rp, registration_id=registration.id, position=position, cipher=self._cipher
                )
                if rp.id in existing:
                    updates.append(row)
                else:
                    # persons join a registration only on add; the digest is unknown here
                    inserts.append({**row, "insz_digest": None})
        await self._update_many(t.persons, "id", updates)
        if inserts:
            await self._conn.execute(sa.insert(t.persons), inserts)

    async def _sync_children(
        self, registrations: Sequence[Registration], *, fresh: bool = False
    ) -> None:
        """Centres, availability and candidate units: only the differences are written.

        Candidate-unit rows that stay are left untouched, so that saving one unit's
        registration never waits on a row another unit of work holds. ``fresh``: the
        registrations were just inserted, nothing is stored for them yet.
        """
        await self._sync_set(
            t.registration_centres,
            ("centre_id",),
            {r.id: {(c,) for c in r.centre_ids} for r in registrations},
            fresh=fresh,
        )
        await self._sync_set(
            t.availability,
            ("date", "half_day"),
            {r.id: mappers.availability_rows(r) for r in registrations},
            fresh=fresh,
        )
        cu = t.candidate_units.c
        ids = [r.id for r in registrations]
        existing = (
            {}
            if fresh
            else {
                r["unit_key"]: r
                for r in await self._rows(
                    sa.select(t.candidate_units).where(cu.registration_id.in_(ids))
                )
            }
        )
        wanted: dict[str, dict[str, Any]] = {}
        for registration in registrations:
            wanted.update(mappers.candidate_unit_rows(registration))
        gone = set(existing) - set(wanted)
        if gone:
            await self._conn.execute(
                sa.delete(t.candidate_unit_members).where(
                    t.candidate_unit_members.c.unit_key.in_(gone)
                )
            )
            await self._conn.execute(sa.delete(t.candidate_units).where(cu.unit_key.in_(gone)))
        await self._insert_units([row for key, row in wanted.items() if key not in existing])
        changed = [
            row
            for key, row in wanted.items()
            if (old := existing.get(key)) is not None and any(old[k] != v for k, v in row.items())
        ]
        await self._update_many(t.candidate_units, "unit_key", changed)

    async def _insert_units(self, rows: Sequence[dict[str, Any]]) -> None:
        """Candidate-unit rows and their members."""
        if not rows:
            return
        await self._insert_many(t.candidate_units, rows)
        await self._insert_many(
            t.candidate_unit_members,
            [
                {"unit_key": row["unit_key"], "person_id": person_id}
                for row in rows
                for person_id in mappers.candidate_from(row).person_ids
            ],
        )

    async def _sync_set(
        self,
        table: sa.Table,
        columns: tuple[str, ...],
        wanted: dict[str, set[tuple[Any, ...]]],
        *,
        fresh: bool,
    ) -> None:
        """Rows keyed by registration and ``columns``: deletes the stale, inserts the new."""
        cols = [table.c[name] for name in columns]
        existing: dict[str, set[tuple[Any, ...]]] = defaultdict(set)
        if not fresh:
            for row in await self._conn.execute(
                sa.select(table.c.registration_id, *cols).where(
                    table.c.registration_id.in_(list(wanted))
                )
            ):
                existing[row[0]].add(tuple(row[1:]))
        stale = [
            {
                "b_registration_id": rid,
                **{f"b_{n}": v for n, v in zip(columns, values, strict=True)},
            }
            for rid, rows in wanted.items()
            for values in sorted(existing[rid] - rows)
        ]
        if stale:
            await self._conn.execute(
                sa.delete(table).where(
                    table.c.registration_id == sa.bindparam("b_registration_id"),
                    *(col == sa.bindparam(f"b_{col.name}", type_=col.type) for col in cols),
                ),
                stale,
            )
        new = [
            {"registration_id": rid, **dict(zip(columns, values, strict=True))}
            for rid, rows in wanted.items()
            for values in sorted(rows - existing[rid])
        ]
        if new:
            await self._conn.execute(sa.insert(table), new)

    async def _load(self, stmt: sa.Select[Any]) -> list[Registration]:
        rows = await self._rows(stmt)
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        persons: dict[str, list[RowMapping]] = defaultdict(list)
        for p in await self._rows(sa.select(t.persons).where(t.persons.c.registration_id.in_(ids))):
            persons[p["registration_id"]].append(p)
        centres: dict[str, list[str]] = defaultdict(list)
        rc = t.registration_centres.c
        for rid, centre_id in await self._conn.execute(
            sa.select(rc.registration_id, rc.centre_id).where(rc.registration_id.in_(ids))
        ):
            centres[rid].append(centre_id)
        slots: dict[str, list[RowMapping]] = defaultdict(list)
        for a in await self._rows(
            sa.select(t.availability).where(t.availability.c.registration_id.in_(ids))
        ):
            slots[a["registration_id"]].append(a)
        return [
            mappers.registration_from(
                r,
                persons=persons[r["id"]],
                centre_ids=centres[r["id"]],
                slots=slots[r["id"]],
                cipher=self._cipher,
            )
            for r in rows
        ]

    async def _one(self, stmt: sa.Select[Any], for_update: bool) -> Registration | None:
        if for_update:
            stmt = self._locked(stmt)
        found = await self._load(stmt)
        return found[0] if found else None

    async def get(self, registration_id: str, *, for_update: bool = False) -> Registration | None:
        stmt = sa.select(t.registrations).where(t.registrations.c.id == registration_id)
        return await self._one(stmt, for_update)

    async def get_many(
        self, registration_ids: Sequence[str], *, for_update: bool = False
    ) -> list[Registration]:
        ids = sorted(set(registration_ids))
        if not ids:
            return []
        r = t.registrations.c
        stmt = sa.select(t.registrations).where(r.id.in_(ids)).order_by(r.id)
        return await self._load(self._locked(stmt) if for_update else stmt)

    async def by_manage_digest(
        self, digest: str, *, for_update: bool = False
    ) -> Registration | None:
        stmt = sa.select(t.registrations).where(t.registrations.c.manage_digest == digest)
        return await self._one(stmt, for_update)

    async def listed_with_insz(self, insz_digest: str) -> str | None:
        found: str | None = (
            await self._conn.execute(statements.listed_with_insz(), {"digest": insz_digest})
        ).scalar()
        return found

    async def by_vaccination_code(self, code: VaccinationCode) -> list[Registration]:
        r = t.registrations.c
        stmt = (
            sa.select(t.registrations)
            .where(
                sa.exists().where(
                    t.persons.c.registration_id == r.id,
                    t.persons.c.vaccination_code_index == self._cipher.index(code.value),
                )
            )
            .order_by(r.created_at, r.id)
        )
        return await self._load(stmt)

    async def for_doctor(self, doctor_id: str, *, limit: int) -> list[Registration]:
        r = t.registrations.c
        stmt = (
            sa.select(t.registrations)
            .where(r.doctor_id == doctor_id)
            .order_by(r.created_at.desc(), r.id)
            .limit(limit)
        )
        return await self._load(stmt)

    async def candidates(self, query: CandidateQuery) -> list[Candidate]:
        """A statement per unit size and tier window (``statements.best_units``, built
        once), each shaped so that PostgreSQL stops early.

        - ``ranked``: the units of this size with a key for the centre on one of the
          session's half-days in the window's tiers (one GIN probe; at a busy centre
          the first window, companions and the oldest, holds a few hundred of 1.15 M),
          not lapsed, not held, sorted by the policy. ``OFFSET 0`` keeps it a separate
          step, so the checks below are not pushed into it and run on the best rows
          first. The next window is read only when this one did not give enough
          (``mappers.tier_windows``); windows follow the ranking, so the units come
          out in the policy's order. Groups are few: their sizes read every tier at once.
        - The sorted rows are then read one by one: each is checked against the
          invitations of its registration (one index probe; ``OFFSET 0`` keeps it a
          sub-plan) and its registration row is joined by primary key and locked
          (``FOR UPDATE OF registrations SKIP LOCKED``: a registration a parallel
          session holds is passed over, not waited for), until ``limit`` rows are
          found: a few hundred probes, not one per candidate.
        """
        half_days = sorted(query.half_days, key=lambda h: h.value)
        stmt = statements.best_units(self._postgres)
        params: dict[str, Any] = {"now": query.now, "session_id": query.session_id}
        result: list[Candidate] = []
        for size, limit in _limits(query):
            if not self._postgres:
                params.update(
                    centre_id=query.centre_id,
                    date=query.date,
                    half_days=[h.value for h in half_days],
                    seats=size,
                    limit=limit,
                )
                result.extend(map(mappers.candidate_from, await self._rows(stmt, params)))
                continue
            windows = mappers.tier_windows(query.date)
            if size > 1:  # groups are few at any centre: one read of every tier
                windows = [[tier for window in windows for tier in window]]
            found: list[Candidate] = []
            for window in windows:
                params["keys"] = [
                    mappers.slot_key(query.centre_id, query.date, h, size, tier)
                    for h in half_days
                    for tier in window
                ]
                params["limit"] = limit - len(found)
                found.extend(map(mappers.candidate_from, await self._rows(stmt, params)))
                if len(found) >= limit:
                    break
            result.extend(found)
        return sorted(result, key=DEFAULT_POLICY.key)

    async def invite_units(self, units: Sequence[Candidate], now: dt.datetime) -> list[Candidate]:
        """Three statements for all units, whatever their number; no read of its own.

        - The units still stored and not held are flagged ``held`` (``RETURNING``
          tells which): a fresh look after ``candidates`` locked the registrations,
          so a change committed just before the lock is seen here.
        - Their persons still ``eligible`` and coded become ``invited`` (``RETURNING``
          again). A unit with a person who is not is passed over, and what the two
          statements did for it is undone (rare: a change between the read and the
          lock).
        - Their registrations take the status ``derive_status`` gives a registration
          not withdrawn with a person invited, whatever its other persons (withdrawn
          ones keep no units). The contract tests hold this to the domain.
        """
        by_key = {mappers.unit_key(u.person_ids): u for u in units}
        if not by_key:
            return []
        cu, p, r = t.candidate_units.c, t.persons.c, t.registrations.c
        flagged = set(
            (
                await self._conn.execute(
                    sa.update(t.candidate_units)
                    .where(self._among(cu.unit_key, list(by_key)), cu.held.is_(False))
                    .values(held=True)
                    .returning(cu.unit_key)
                )
            ).scalars()
        )
        if not flagged:
            return []
        marked = set(
            (
                await self._conn.execute(
                    sa.update(t.persons)
                    .where(
                        self._among(p.id, [pid for k in flagged for pid in by_key[k].person_ids]),
                        p.status == PersonStatus.ELIGIBLE.value,
                        p.vaccination_code.is_not(None),
                    )
                    .values(status=PersonStatus.INVITED.value)
                    .returning(p.id)
                )
            ).scalars()
        )
        chosen = [
            key
            for key, u in by_key.items()
            if key in flagged and all(pid in marked for pid in u.person_ids)
        ]
        invited = [by_key[key] for key in chosen]
        passed = [by_key[key] for key in flagged.difference(chosen)]
        if passed:
            undo = [pid for u in passed for pid in u.person_ids if pid in marked]
            if undo:
                await self._conn.execute(
                    sa.update(t.persons)
                    .where(self._among(p.id, undo))
                    .values(status=PersonStatus.ELIGIBLE.value)
                )
            await self._conn.execute(
                sa.update(t.candidate_units)
                .where(self._among(cu.unit_key, [mappers.unit_key(u.person_ids) for u in passed]))
                .values(held=False)
            )
        if invited:
            status = derive_status(
                [PersonStatus.INVITED], withdrawn=False, confirmed=True, lapsed=False
            )
            await self._conn.execute(
                sa.update(t.registrations)
                .where(
                    self._among(r.id, sorted({u.registration_id for u in invited})),
                    r.withdrawn_at.is_(None),
                )
                .values(
                    status=status.value,
                    changed_at=now,
                    retained_since=mappers.retained_since(status, now),
                )
            )
        return invited

    async def release_expired(self, invitations: Sequence[Invitation], now: dt.datetime) -> None:
        """Persons back to ``eligible`` and statuses derived: their units, held until
        now, are offered again as they are.

        A unit is invited whole, so an invitation's persons are its unit's key: the
        units are found by key, with no look-up per person, and their ``held`` flag
        cleared (no member is invited any more). A released person whose unit is not
        stored under that key (invited before units were held, booked meanwhile, or
        a group that changed) has its registration rebuilt through the domain, as
        ``save`` would: the set-based path never guesses a unit.
        """
        person_ids = sorted({pid for i in invitations for pid in i.person_ids})
        if not person_ids:
            return
        p, r, cu = t.persons.c, t.registrations.c, t.candidate_units.c
        released = list(
            (
                await self._conn.execute(
                    sa.update(t.persons)
                    .where(
                        self._among(p.id, person_ids),
                        p.status.in_([PersonStatus.INVITED.value, PersonStatus.BOOKED.value]),
                        sa.exists().where(r.id == p.registration_id, r.withdrawn_at.is_(None)),
                    )
                    .values(status=PersonStatus.ELIGIBLE.value)
                    .returning(p.id, p.registration_id)
                )
            ).all()
        )
        if not released:
            return
        await self._refresh({rid for _, rid in released}, now)
        key_of = {pid: mappers.unit_key(i.person_ids) for i in invitations for pid in i.person_ids}
        stored = set(
            (
                await self._conn.execute(
                    sa.update(t.candidate_units)
                    .where(self._among(cu.unit_key, sorted({key_of[pid] for pid, _ in released})))
                    .values(held=False)
                    .returning(cu.unit_key)
                )
            ).scalars()
        )
        unitless = {rid for pid, rid in released if key_of[pid] not in stored}
        if unitless:
            await self._sync_children(await self.get_many(sorted(unitless)))

    async def _refresh(self, registration_ids: Iterable[str], now: dt.datetime) -> None:
        """``Registration.refresh`` for each, from the stored states (no personal data):
        one read, then one UPDATE per status that comes out (most come out alike)."""
        ids = sorted(set(registration_ids))
        r, p = t.registrations.c, t.persons.c
        flags: dict[str, tuple[bool, bool, bool]] = {}
        statuses: dict[str, list[PersonStatus]] = defaultdict(list)
        for rid, withdrawn_at, confirmed_at, lapsed, status in await self._conn.execute(
            sa.select(r.id, r.withdrawn_at, r.confirmed_at, r.lapsed, p.status)
            .select_from(t.registrations.outerjoin(t.persons, p.registration_id == r.id))
            .where(self._among(r.id, ids))
            .order_by(r.id, p.position)
        ):
            flags[rid] = (withdrawn_at is not None, confirmed_at is not None, lapsed)
            if status is not None:
                statuses[rid].append(PersonStatus(status))
        by_status: dict[Status, list[str]] = defaultdict(list)
        for rid, (withdrawn, confirmed, lapsed) in flags.items():
            status = derive_status(
                statuses[rid], withdrawn=withdrawn, confirmed=confirmed, lapsed=lapsed
            )
            by_status[status].append(rid)
        for status, rids in sorted(by_status.items()):
            values: dict[str, Any] = {
                "status": status.value,
                "changed_at": now,
                "retained_since": mappers.retained_since(status, now),
            }
            if status is Status.ACTIVE:
                values["listed_at"] = sa.func.coalesce(r.listed_at, now)
            await self._conn.execute(
                sa.update(t.registrations).where(self._among(r.id, rids)).values(values)
            )

    async def due_for_lapse(self, now: dt.datetime, limit: int) -> list[str]:
        r = t.registrations.c
        stmt = (
            sa.select(r.id)
            .where(
                r.lapses_at <= now,
                r.lapsed.is_(False),
                r.withdrawn_at.is_(None),
                r.status.not_in(_NEVER_LAPSE),
            )
            .order_by(r.lapses_at, r.id)
            .limit(limit)
        )
        return list((await self._conn.execute(stmt)).scalars())

    async def due_for_reminder(self, now: dt.datetime, limit: int) -> list[str]:
        """Active registrations past their reminder moment, not yet lapsed, not reminded
        for their current confirmation."""
        r = t.registrations.c
        stmt = (
            sa.select(r.id)
            .where(
                r.status == Status.ACTIVE.value,
                r.reminder_at <= now,
                r.lapses_at > now,
                sa.or_(r.reminded_for.is_(None), r.reminded_for != r.availability_confirmed_at),
            )
            .order_by(r.reminder_at, r.id)
            .limit(limit)
        )
        return list((await self._conn.execute(stmt)).scalars())

    async def mark_reminded(self, registration_id: str, confirmed_at: dt.datetime) -> None:
        await self._conn.execute(
            sa.update(t.registrations)
            .where(t.registrations.c.id == registration_id)
            .values(reminded_for=confirmed_at)
        )

    async def pending_eligibility(self, limit: int) -> list[str]:
        r, p = t.registrations.c, t.persons.c
        # ``vcdb_status IS NULL`` holds for every pending person: the few persons
        # still waiting are read from the partial index
        # ``ix_persons_unanswered_registration_id``, then their registrations.
        waiting = sa.select(p.registration_id).where(
            p.vcdb_status.is_(None), p.status == PersonStatus.PENDING.value
        )
        stmt = (
            sa.select(r.id)
            .where(r.withdrawn_at.is_(None), r.id.in_(waiting))
            .order_by(r.created_at, r.id)
            .limit(limit)
        )
        return list((await self._conn.execute(stmt)).scalars())

    async def due_for_purge(self, before: dt.datetime, limit: int) -> list[str]:
        r = t.registrations.c
        stmt = (
            sa.select(r.id)
            .where(r.retained_since < before)
            .order_by(r.retained_since, r.id)
            .limit(limit)
        )
        return list((await self._conn.execute(stmt)).scalars())

    async def purge(self, registration_id: str) -> None:
        p = t.persons.c
        totals: Counter[str] = Counter()
        for region, postcode in await self._conn.execute(
            sa.select(p.region, p.postcode).where(p.registration_id == registration_id)
        ):
            totals.update(("persons", f"region:{region}", f"postcode:{postcode}"))
        if totals:
            insert = postgresql.insert if self._postgres else sqlite.insert
            stmt = insert(t.report_totals).values(
                [{"name": name, "count": count} for name, count in sorted(totals.items())]
            )
            await self._conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["name"],
                    set_={"count": t.report_totals.c.count + stmt.excluded.count},
                )
            )
        await self.erase(registration_id)

    async def set_insz_digest(self, person_id: str, insz_digest: str) -> None:
        await self._conn.execute(
            sa.update(t.persons).where(t.persons.c.id == person_id).values(insz_digest=insz_digest)
        )

    async def erase(self, registration_id: str) -> None:
        """Deletes persons, availability and candidate units; blanks the contact.

        Kept: the registration's kind, status, dates and chosen centres (for the
        reports), none of which identifies anyone.
        """
        for table in (t.persons, t.availability, t.candidate_units):
            await self._conn.execute(
                sa.delete(table).where(table.c.registration_id == registration_id)
            )
        await self._conn.execute(
            sa.update(t.registrations)
            .where(t.registrations.c.id == registration_id)
            .values(
                erased=True,
                changed_at=None,
                retained_since=None,
                companion_of=None,
                contact_last_name=None,
                contact_first_name=None,
                contact_email=None,
                contact_mobile=None,
                availability_confirmed_at=None,
                lapses_at=None,
                reminder_at=None,
                reminded_for=None,
            )
        )


_NEVER_LAPSE = [Status.INVITED.value, Status.BOOKED.value, Status.INELIGIBLE.value]


def _limits(query: CandidateQuery) -> list[tuple[int, int]]:
    """The positive limits, one per size (the largest if a size is given twice)."""
    by_size: dict[int, int] = {}
    for size, limit in query.limits:
        if size > 0 and limit > 0:
            by_size[size] = max(limit, by_size.get(size, 0))
    return sorted(by_size.items())


# -- sessions and invitations ------------------------------------------------------------


class SqlSessionRepository(_Repository, SessionRepository):
    async def add(self, session: Session) -> None:
        await self._conn.execute(sa.insert(t.sessions).values(mappers.session_row(session)))

    async def get(self, session_id: str, *, for_update: bool = False) -> Session | None:
        stmt = sa.select(t.sessions).where(t.sessions.c.id == session_id)
        row = await self._row(self._locked(stmt) if for_update else stmt)
        return mappers.session_from(row) if row else None

    async def save(self, session: Session) -> None:
        await self._update_one(
            sa.update(t.sessions)
            .where(t.sessions.c.id == session.id)
            .values(mappers.session_row(session)),
            "session",
        )


class SqlInvitationRepository(_Repository, InvitationRepository):
    async def add(self, invitation: Invitation) -> None:
        await self.add_many([invitation])

    async def add_many(self, invitations: Sequence[Invitation]) -> None:
        if not invitations:
            return
        # Insertion order breaks created_at ties; a rare duplicate between parallel
        # transactions only leaves the id to decide.
        seq = (
            await self._conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(t.invitations.c.seq), 0))
            )
        ).scalar_one()
        await self._insert_many(
            t.invitations,
            [
                {**mappers.invitation_row(invitation), "seq": seq + n}
                for n, invitation in enumerate(invitations, start=1)
            ],
        )

    async def save(self, invitation: Invitation) -> None:
        await self.save_many([invitation])

    async def save_many(self, invitations: Sequence[Invitation]) -> None:
        found = list({i.id: i for i in invitations}.values())
        if not found:
            return
        await self._save_rows(
            t.invitations, [mappers.invitation_row(i) for i in found], "invitation"
        )

    async def _load(self, stmt: sa.Select[Any]) -> list[Invitation]:
        return [mappers.invitation_from(r) for r in await self._rows(stmt)]

    def _ordered(self) -> sa.Select[Any]:
        i = t.invitations.c
        return sa.select(t.invitations).order_by(i.created_at, i.seq, i.id)

    async def get(self, invitation_id: str, *, for_update: bool = False) -> Invitation | None:
        stmt = sa.select(t.invitations).where(t.invitations.c.id == invitation_id)
        found = await self._load(self._locked(stmt) if for_update else stmt)
        return found[0] if found else None

    async def get_many(
        self, invitation_ids: Sequence[str], *, for_update: bool = False
    ) -> list[Invitation]:
        ids = sorted(set(invitation_ids))
        if not ids:
            return []
        stmt = self._ordered().where(self._among(t.invitations.c.id, ids))
        return await self._load(self._locked(stmt) if for_update else stmt)

    async def for_session(self, session_id: str) -> list[Invitation]:
        return await self._load(self._ordered().where(t.invitations.c.session_id == session_id))

    async def seats_for_session(self, session_id: str) -> dict[InvitationStatus, int]:
        i = t.invitations.c
        seats = dict.fromkeys(InvitationStatus, 0)
        for status, count in await self._conn.execute(
            sa.select(i.status, sa.func.sum(self._seats()))
            .where(i.session_id == session_id)
            .group_by(i.status)
        ):
            seats[InvitationStatus(status)] = int(count)
        return seats

    async def for_registration(self, registration_id: str) -> list[Invitation]:
        return await self._load(
            self._ordered().where(t.invitations.c.registration_id == registration_id)
        )

    async def due(self, now: dt.datetime, grace: dt.timedelta, limit: int) -> list[Invitation]:
        i = t.invitations.c
        stmt = (
            self._ordered()
            .where(
                i.status == InvitationStatus.SENT.value,
                sa.or_(
                    i.expires_at <= now,
                    sa.and_(
                        i.expires_at.is_(None), i.sent_at.is_(None), i.created_at <= now - grace
                    ),
                ),
            )
            .limit(limit)
        )
        return await self._load(self._locked(stmt, skip_locked=True))

    async def open_for_person(self, registration_id: str, person_id: str) -> Invitation | None:
        found = [i for i in await self.for_registration(registration_id) if i.is_open]
        return next((i for i in reversed(found) if person_id in i.person_ids), None)

    async def latest_for_person(self, registration_id: str, person_id: str) -> Invitation | None:
        found = await self.for_registration(registration_id)
        return next((i for i in reversed(found) if person_id in i.person_ids), None)


# -- outbox, staff, events, audit, reports ---------------------------------------------


class SqlOutboxRepository(_Repository, OutboxRepository):
    async def add(self, message: OutboxMessage) -> None:
        await self.add_many([message])

    async def add_many(self, messages: Sequence[OutboxMessage]) -> None:
        await self._insert_many(
            t.outbox,
            [{**mappers.outbox_row(m, self._cipher), "lease_until": None} for m in messages],
        )

    async def save(self, message: OutboxMessage) -> None:
        """Writes the message back and ends its lease.

        A message of an erased registration loses its payload once it is no longer
        pending (e.g. the withdrawal confirmation, after delivery).
        """
        row = mappers.outbox_row(message, self._cipher)
        if message.registration_id is not None and message.status is not OutboxStatus.PENDING:
            erased = (
                await self._conn.execute(
                    sa.select(t.registrations.c.erased).where(
                        t.registrations.c.id == message.registration_id
                    )
                )
            ).scalar()
            if erased:
                row["payload"] = mappers.payload_text({}, self._cipher)
        await self._update_one(
            sa.update(t.outbox)
            .where(t.outbox.c.id == message.id)
            .values({**row, "lease_until": None}),
            "message",
        )

    async def claim_due(
        self, now: dt.datetime, limit: int, lease: dt.timedelta
    ) -> list[OutboxMessage]:
        o = t.outbox.c
        stmt = (
            sa.select(t.outbox)
            .where(
                o.status == OutboxStatus.PENDING.value,
                o.next_attempt_at <= now,
                sa.or_(o.lease_until.is_(None), o.lease_until <= now),
            )
            .order_by(o.next_attempt_at, o.created_at, o.id)
            .limit(limit)
        )
        rows = await self._rows(self._locked(stmt, skip_locked=True))
        if rows:
            await self._conn.execute(
                sa.update(t.outbox)
                .where(o.id.in_([r["id"] for r in rows]))
                .values(lease_until=now + lease)
            )
        return [mappers.outbox_from(r, self._cipher) for r in rows]

    async def for_invitation(self, invitation_id: str) -> list[OutboxMessage]:
        o = t.outbox.c
        stmt = (
            sa.select(t.outbox).where(o.invitation_id == invitation_id).order_by(o.created_at, o.id)
        )
        return [mappers.outbox_from(r, self._cipher) for r in await self._rows(stmt)]

    async def forget_registration(self, registration_id: str, at: dt.datetime) -> None:
        o = t.outbox.c
        await self._conn.execute(
            sa.update(t.outbox)
            .where(o.registration_id == registration_id, o.status == OutboxStatus.PENDING.value)
            .values(status=OutboxStatus.SKIPPED.value, delivered_at=at, last_error=FORGOTTEN)
        )
        await self._conn.execute(
            sa.update(t.outbox)
            .where(o.registration_id == registration_id)
            .values(payload=mappers.payload_text({}, self._cipher), lease_until=None)
        )

    async def counts(self) -> dict[str, int]:
        result = {status.value: 0 for status in OutboxStatus}
        o = t.outbox.c
        for status, count in await self._conn.execute(
            sa.select(o.status, sa.func.count()).group_by(o.status)
        ):
            result[status] = count
        return result


class SqlStaffTokenRepository(_Repository, StaffTokenRepository):
    async def add(self, token: StaffToken) -> None:
        await self._conn.execute(sa.insert(t.staff_tokens).values(mappers.staff_token_row(token)))

    async def by_digest(self, digest: str) -> StaffToken | None:
        row = await self._row(sa.select(t.staff_tokens).where(t.staff_tokens.c.digest == digest))
        return mappers.staff_token_from(row) if row else None

    async def revoke(self, token_id: str, at: dt.datetime) -> StaffToken | None:
        s = t.staff_tokens.c
        await self._conn.execute(
            sa.update(t.staff_tokens)
            .where(s.id == token_id, s.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        row = await self._row(sa.select(t.staff_tokens).where(s.id == token_id))
        return mappers.staff_token_from(row) if row else None


class SqlBookingEventRepository(_Repository, BookingEventRepository):
    async def add_if_new(self, event: BookingEventRecord) -> bool:
        insert = postgresql.insert if self._postgres else sqlite.insert
        stmt = (
            insert(t.booking_events)
            .values(mappers.booking_event_row(event))
            .on_conflict_do_nothing(index_elements=["key"])
        )
        result = await self._conn.execute(stmt)
        return bool(result.rowcount == 1)


class SqlAuditLog(_Repository, AuditLog):
    async def append(self, entry: AuditEntry) -> None:
        await self._conn.execute(sa.insert(t.audit_log).values(mappers.audit_row(entry)))

    async def list(self, *, limit: int = 100) -> builtins.list[AuditEntry]:
        """The newest entries first."""
        a = t.audit_log.c
        stmt = sa.select(t.audit_log).order_by(a.at.desc(), a.seq.desc()).limit(limit)
        return [mappers.audit_from(r) for r in await self._rows(stmt)]


class SqlReportQueries(_Repository, ReportQueries):
    """Counts of persons include those erased after their retention (``report_totals``)."""

    async def _totals(self, prefix: str) -> dict[str, int]:
        rt = t.report_totals.c
        rows = await self._conn.execute(
            sa.select(rt.name, rt["count"]).where(rt.name.startswith(prefix))
        )
        return {name.removeprefix(prefix): count for name, count in rows}

    async def summary(self) -> Summary:
        r, p, i = t.registrations.c, t.persons.c, t.invitations.c
        listed = r.status != Status.WITHDRAWN.value
        persons_listed = t.persons.join(t.registrations, r.id == p.registration_id)

        async def scalar(stmt: sa.Select[Any]) -> int:
            return int((await self._conn.execute(stmt)).scalar_one())

        by_region = {region.value: 0 for region in Region}
        for region, count in await self._conn.execute(
            sa.select(p.region, sa.func.count())
            .select_from(persons_listed)
            .where(listed)
            .group_by(p.region)
        ):
            by_region[region] = count
        for region, count in (await self._totals("region:")).items():
            by_region[region] = by_region.get(region, 0) + count
        rc = t.registration_centres.c
        by_centre: dict[str, int] = {}
        for centre_id, count in await self._conn.execute(
            sa.select(rc.centre_id, sa.func.count())
            .select_from(t.registration_centres.join(t.registrations, r.id == rc.registration_id))
            .where(listed)
            .group_by(rc.centre_id)
        ):
            by_centre[centre_id] = count
        by_status = {status.value: 0 for status in Status}
        for status, count in await self._conn.execute(
            sa.select(r.status, sa.func.count()).group_by(r.status)
        ):
            by_status[status] = count
        invitations = {status.value: 0 for status in InvitationStatus}
        for status, count in await self._conn.execute(
            sa.select(i.status, sa.func.count()).group_by(i.status)
        ):
            invitations[status] = count
        invitations["late"] = await scalar(
            sa.select(sa.func.count())
            .select_from(t.invitations)
            .where(i.late_booked_at.is_not(None))
        )
        return Summary(
            registered=await scalar(
                sa.select(sa.func.count()).select_from(persons_listed).where(listed)
            )
            + (await self._totals("persons")).get("", 0),
            invited=await scalar(
                sa.select(sa.func.coalesce(sa.func.sum(self._seats()), 0)).select_from(
                    t.invitations
                )
            ),
            groups=await scalar(
                sa.select(sa.func.count())
                .select_from(t.registrations)
                .where(listed, r.kind == Kind.GROUP.value)
            ),
            third_party_invitations=await scalar(
                sa.select(sa.func.count())
                .select_from(t.invitations.join(t.registrations, r.id == i.registration_id))
                .where(r.kind == Kind.THIRD_PARTY.value)
            ),
            by_region=by_region,
            by_centre=by_centre,
            by_status=by_status,
            invitations=invitations,
        )

    async def breakdown(self) -> Breakdown:
        r, p, i = t.registrations.c, t.persons.c, t.invitations.c
        listed = r.status != Status.WITHDRAWN.value
        by_kind = {kind.value: 0 for kind in Kind}
        for kind, count in await self._conn.execute(
            sa.select(r.kind, sa.func.count()).where(listed).group_by(r.kind)
        ):
            by_kind[kind] = count
        # At most one row per postcode (about 1,150 in Belgium); provinces are mapped here.
        by_province: dict[str, int] = defaultdict(int)
        for postcode, count in await self._conn.execute(
            sa.select(p.postcode, sa.func.count())
            .select_from(t.persons.join(t.registrations, r.id == p.registration_id))
            .where(listed)
            .group_by(p.postcode)
        ):
            by_province[Postcode(postcode).province] += count
        for postcode, count in (await self._totals("postcode:")).items():
            by_province[Postcode(postcode).province] += count
        s, o = t.sessions.c, t.open_slots.c
        centre = sa.func.coalesce(s.centre_id, o.centre_id)
        invitations_by_centre: dict[str, dict[str, int]] = {}
        for centre_id, status, count in await self._conn.execute(
            sa.select(centre, i.status, sa.func.count())
            .select_from(
                t.invitations.outerjoin(t.sessions, s.id == i.session_id).outerjoin(
                    t.open_slots, o.id == i.open_slot_id
                )
            )
            .where(centre.is_not(None))
            .group_by(centre, i.status)
        ):
            counts = invitations_by_centre.setdefault(
                centre_id, {status.value: 0 for status in InvitationStatus}
            )
            counts[status] = count
        return Breakdown(
            by_kind=by_kind,
            by_province=dict(by_province),
            invitations_by_centre=invitations_by_centre,
            registrations_per_day=await self._per_day(t.registrations, r.created_at),
            invitations_per_day=await self._per_day(t.invitations, i.created_at),
        )

    async def _per_day(self, table: sa.Table, column: sa.Column[Any]) -> dict[str, int]:
        """Counts per Brussels day, from counts per UTC hour (Brussels is a whole-hour
        offset from UTC, so an hour never straddles two Brussels days)."""
        hour: sa.ColumnElement[Any]
        if self._postgres:
            hour = sa.func.date_trunc("hour", sa.func.timezone("UTC", column))
        else:
            hour = sa.func.strftime("%Y-%m-%d %H:00:00", column)
        per_day: dict[str, int] = defaultdict(int)
        for start, count in await self._conn.execute(
            sa.select(hour, sa.func.count()).select_from(table).group_by(hour)
        ):
            moment = start if isinstance(start, dt.datetime) else dt.datetime.fromisoformat(start)
            per_day[local_today(moment.replace(tzinfo=dt.UTC)).isoformat()] += count
        return dict(per_day)
