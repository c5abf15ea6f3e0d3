"""In-memory storage: the fake that passes the same contract tests as the SQL adapter.

Shippable for demos, integrators' tests and the use-case tests. Units of work run one
at a time (an ``asyncio.Lock`` held from entry to exit); inside one, every change is
staged as a deep copy and applied only on ``commit``.
"""

from __future__ import annotations

import asyncio
import builtins
import copy
import datetime as dt
import heapq
import itertools
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from attrs import define, evolve, field

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
    UnitOfWork,
    UnitOfWorkFactory,
)
from lmb.domain.centre import Centre, OpenSlot
from lmb.domain.geography import Postcode, Region
from lmb.domain.invitation import Invitation, InvitationStatus
from lmb.domain.person import PersonStatus, VaccinationCode
from lmb.domain.ranking import DEFAULT_POLICY, Candidate, candidates_for
from lmb.domain.registration import ERASED_AFTER_RETENTION, Kind, Registration, Status
from lmb.domain.session import Session

#: What ``forget_registration`` writes as the reason a pending message was skipped.
FORGOTTEN = "registration withdrawn"

_NEVER_LAPSE = frozenset({Status.INVITED, Status.BOOKED, Status.INELIGIBLE})

T = TypeVar("T")


# -- stored records: a domain object plus what only the store knows -----------------------


@define
class _StoredRegistration:
    registration: Registration
    manage_digest: str
    #: person id -> keyed digest of the INSZ
    insz_digests: dict[str, str]
    reminded_for: dt.datetime | None = None
    erased: bool = False


@define
class _StoredInvitation:
    seq: int
    invitation: Invitation


@define
class _StoredMessage:
    message: OutboxMessage
    lease_until: dt.datetime | None = None


@define
class _StoredAudit:
    seq: int
    entry: AuditEntry


_TABLES = (
    "centres",
    "open_slots",
    "registrations",
    "sessions",
    "invitations",
    "outbox",
    "staff_tokens",
    "booking_events",
    "audit",
    "report_totals",
)

_DELETED: Any = object()


class _Transaction:
    """Reads see committed state overlaid with this transaction's staged records.

    Records handed out by ``get``/``values`` are shared: never mutate them, copy and
    ``put``. ``put`` stores a deep copy, so later changes by the caller do not leak in.
    """

    def __init__(self, state: dict[str, dict[str, Any]]) -> None:
        self._state = state
        self._staged: dict[str, dict[str, Any]] = defaultdict(dict)

    def get(self, table: str, key: str) -> Any:
        staged = self._staged.get(table)
        if staged is not None and key in staged:
            value = staged[key]
            return None if value is _DELETED else value
        return self._state[table].get(key)

    def values(self, table: str) -> Iterator[Any]:
        staged = self._staged.get(table, {})
        for key, value in self._state[table].items():
            if key not in staged:
                yield value
        for value in staged.values():
            if value is not _DELETED:
                yield value

    def put(self, table: str, key: str, record: Any) -> None:
        self._staged[table][key] = copy.deepcopy(record)

    def commit(self) -> None:
        for table, rows in self._staged.items():
            target = self._state[table]
            for key, value in rows.items():
                if value is _DELETED:
                    target.pop(key, None)
                else:
                    target[key] = value
        self._staged.clear()

    def rollback(self) -> None:
        self._staged.clear()


def _json(value: T) -> T:
    """What a JSON column gives back: catches values the SQL store could not keep."""
    result: T = json.loads(json.dumps(value))
    return result


def _first(items: Sequence[T]) -> T | None:
    return items[0] if items else None


class _Repository:
    def __init__(self, txn: _Transaction, seq: Callable[[], int]) -> None:
        self._txn = txn
        self._seq = seq


# -- centres and free slots ------------------------------------------------------------


class InMemoryCentreRepository(_Repository, CentreRepository):
    async def add(self, centre: Centre) -> None:
        self._txn.put("centres", centre.id, centre)

    async def save(self, centre: Centre) -> None:
        if self._txn.get("centres", centre.id) is None:
            raise LookupError(f"no centre {centre.id!r} to save")
        self._txn.put("centres", centre.id, centre)

    async def get(self, centre_id: str) -> Centre | None:
        found: Centre | None = self._txn.get("centres", centre_id)
        return copy.deepcopy(found)

    async def existing(self, centre_ids: Sequence[str]) -> set[str]:
        return {cid for cid in centre_ids if self._txn.get("centres", cid) is not None}

    async def by_short_code(self, short_code: str) -> Centre | None:
        found = [c for c in self._txn.values("centres") if c.short_code == short_code]
        return copy.deepcopy(_first(found))

    async def list(self, *, postcode: str | None = None) -> builtins.list[Centre]:
        found = [
            c
            for c in self._txn.values("centres")
            if postcode is None or any(p.code == postcode for p in c.postcodes)
        ]
        return copy.deepcopy(sorted(found, key=lambda c: (c.name, c.id)))


class InMemoryOpenSlotRepository(_Repository, OpenSlotRepository):
    async def add(self, slot: OpenSlot) -> None:
        self._txn.put("open_slots", slot.id, slot)

    async def get_for_update(self, slot_id: str) -> OpenSlot | None:
        found: OpenSlot | None = self._txn.get("open_slots", slot_id)
        return copy.deepcopy(found)

    async def save(self, slot: OpenSlot) -> None:
        if self._txn.get("open_slots", slot.id) is None:
            raise LookupError(f"no open slot {slot.id!r} to save")
        self._txn.put("open_slots", slot.id, slot)

    async def list_open(
        self, *, from_date: dt.date, centre_ids: Sequence[str] | None
    ) -> list[OpenSlot]:
        wanted = None if centre_ids is None else set(centre_ids)
        found = [
            s
            for s in self._txn.values("open_slots")
            if s.date >= from_date
            and s.claimed < s.slots
            and (wanted is None or s.centre_id in wanted)
        ]
        return copy.deepcopy(sorted(found, key=lambda s: (s.date, s.start, s.centre_id, s.id)))


# -- registrations ---------------------------------------------------------------------


class InMemoryRegistrationRepository(_Repository, RegistrationRepository):
    def _stored(self) -> Iterator[_StoredRegistration]:
        return self._txn.values("registrations")

    def _record(self, registration_id: str) -> _StoredRegistration | None:
        record: _StoredRegistration | None = self._txn.get("registrations", registration_id)
        return record

    async def add(
        self, registration: Registration, *, manage_digest: str, insz_digests: Sequence[str]
    ) -> None:
        if len(insz_digests) != len(registration.persons):
            raise ValueError("give one INSZ digest per person")
        digests = {
            rp.id: digest for rp, digest in zip(registration.persons, insz_digests, strict=True)
        }
        self._txn.put(
            "registrations",
            registration.id,
            _StoredRegistration(registration, manage_digest, digests),
        )

    async def add_many(self, registrations: Sequence[NewRegistration]) -> None:
        for new in registrations:
            await self.add(
                new.registration,
                manage_digest=new.manage_digest,
                insz_digests=new.insz_digests,
            )

    async def save(self, registration: Registration) -> None:
        record = self._record(registration.id)
        if record is None:
            raise LookupError(f"no registration {registration.id!r} to save")
        current = {rp.id for rp in registration.persons}
        digests = {k: v for k, v in record.insz_digests.items() if k in current}
        self._txn.put(
            "registrations",
            registration.id,
            evolve(record, registration=registration, insz_digests=digests),
        )

    async def save_many(self, registrations: Sequence[Registration]) -> None:
        missing = [r.id for r in registrations if self._record(r.id) is None]
        if missing:
            raise LookupError(f"no registration {missing[0]!r} to save")
        for registration in registrations:
            await self.save(registration)

    async def get(self, registration_id: str, *, for_update: bool = False) -> Registration | None:
        record = self._record(registration_id)
        return copy.deepcopy(record.registration) if record else None

    async def get_many(
        self, registration_ids: Sequence[str], *, for_update: bool = False
    ) -> list[Registration]:
        records = (self._record(rid) for rid in sorted(set(registration_ids)))
        return [copy.deepcopy(r.registration) for r in records if r is not None]

    async def by_manage_digest(
        self, digest: str, *, for_update: bool = False
    ) -> Registration | None:
        for record in self._stored():
            if record.manage_digest == digest:
                return copy.deepcopy(record.registration)
        return None

    async def listed_with_insz(self, insz_digest: str) -> str | None:
        found = sorted(
            (r.registration.created_at, r.registration.id)
            for r in self._stored()
            if r.registration.withdrawn_at is None and insz_digest in r.insz_digests.values()
        )
        return found[0][1] if found else None

    async def listed_with_insz_many(self, insz_digests: Sequence[str]) -> dict[str, str]:
        found = {d: await self.listed_with_insz(d) for d in set(insz_digests)}
        return {d: rid for d, rid in found.items() if rid is not None}

    async def by_vaccination_code(self, code: VaccinationCode) -> list[Registration]:
        found = [
            r.registration
            for r in self._stored()
            if any(rp.vaccination_code == code for rp in r.registration.persons)
        ]
        return copy.deepcopy(sorted(found, key=lambda r: (r.created_at, r.id)))

    async def for_doctor(self, doctor_id: str, *, limit: int) -> list[Registration]:
        found = [r.registration for r in self._stored() if r.registration.doctor_id == doctor_id]
        found.sort(key=lambda r: r.id)
        found.sort(key=lambda r: r.created_at, reverse=True)
        return copy.deepcopy(found[:limit])

    async def candidates(self, query: CandidateQuery) -> list[Candidate]:
        offered: set[str] = set()
        for stored in self._txn.values("invitations"):
            invitation: Invitation = stored.invitation
            if invitation.session_id == query.session_id or invitation.is_open:
                offered.update(invitation.person_ids)
        everyone = candidates_for(
            (r.registration for r in self._stored()),
            centre_id=query.centre_id,
            date=query.date,
            half_days=query.half_days,
            now=query.now,
            already_offered=frozenset(offered),
        )
        by_size: dict[int, list[Candidate]] = defaultdict(list)
        for candidate in everyone:
            by_size[candidate.seats].append(candidate)
        limits: dict[int, int] = {}
        for size, limit in query.limits:
            if size > 0 and limit > 0:
                limits[size] = max(limit, limits.get(size, 0))
        result: list[Candidate] = []
        for size, limit in limits.items():
            result.extend(heapq.nsmallest(limit, by_size[size], key=DEFAULT_POLICY.key))
        return sorted(result, key=DEFAULT_POLICY.key)

    async def invite_units(self, units: Sequence[Candidate], now: dt.datetime) -> list[Candidate]:
        invited: list[Candidate] = []
        for unit in units:
            registration = await self.get(unit.registration_id)
            if registration is None or tuple(unit.person_ids) not in registration.units():
                continue
            if any(registration.person(pid).vaccination_code is None for pid in unit.person_ids):
                continue
            registration.mark_invited(unit.person_ids, now)
            await self.save(registration)
            invited.append(unit)
        return invited

    async def release_expired(self, invitations: Sequence[Invitation], now: dt.datetime) -> None:
        for invitation in invitations:
            registration = await self.get(invitation.registration_id)
            if registration is None or registration.withdrawn_at is not None:
                continue
            held = (PersonStatus.INVITED, PersonStatus.BOOKED)
            present = {rp.id: rp.status for rp in registration.persons}
            unit = [pid for pid in invitation.person_ids if present.get(pid) in held]
            if unit:
                registration.release(unit, now)
                await self.save(registration)

    async def due_for_lapse(self, now: dt.datetime, limit: int) -> list[str]:
        found = []
        for record in self._stored():
            r = record.registration
            if (
                r.availability is not None
                and not r.lapsed
                and r.withdrawn_at is None
                and r.status not in _NEVER_LAPSE
                and r.availability.lapses_at <= now
            ):
                found.append((r.availability.lapses_at, r.id))
        return [rid for _, rid in sorted(found)[:limit]]

    async def due_for_reminder(self, now: dt.datetime, limit: int) -> list[str]:
        """Active registrations past their reminder moment, not yet lapsed, not reminded
        for their current confirmation."""
        found = []
        for record in self._stored():
            r = record.registration
            a = r.availability
            if (
                r.status is Status.ACTIVE
                and a is not None
                and a.reminder_at <= now < a.lapses_at
                and record.reminded_for != a.confirmed_at
            ):
                found.append((a.reminder_at, r.id))
        return [rid for _, rid in sorted(found)[:limit]]

    async def mark_reminded(self, registration_id: str, confirmed_at: dt.datetime) -> None:
        record = self._record(registration_id)
        if record is not None:
            self._txn.put(
                "registrations", registration_id, evolve(record, reminded_for=confirmed_at)
            )

    async def pending_eligibility(self, limit: int) -> list[str]:
        found = sorted(
            (r.registration.created_at, r.registration.id)
            for r in self._stored()
            if r.registration.withdrawn_at is None
            and any(p.status is PersonStatus.PENDING for p in r.registration.persons)
        )
        return [rid for _, rid in found[:limit]]

    async def due_for_purge(self, before: dt.datetime, limit: int) -> list[str]:
        found = sorted(
            (r.registration.changed_at, r.registration.id)
            for r in self._stored()
            if not r.erased
            and r.registration.status in ERASED_AFTER_RETENTION
            and r.registration.changed_at is not None
            and r.registration.changed_at < before
        )
        return [rid for _, rid in found[:limit]]

    async def purge(self, registration_id: str) -> None:
        record = self._record(registration_id)
        if record is None:
            return
        totals: Counter[str] = Counter(self._txn.get("report_totals", "all") or {})
        for rp in record.registration.persons:
            postcode = rp.person.postcode
            totals.update(
                ("persons", f"region:{postcode.region.value}", f"postcode:{postcode.code}")
            )
        self._txn.put("report_totals", "all", dict(totals))
        await self.erase(registration_id)

    async def set_insz_digest(self, person_id: str, insz_digest: str) -> None:
        for record in self._stored():
            if person_id in record.insz_digests:
                digests = {**record.insz_digests, person_id: insz_digest}
                self._txn.put(
                    "registrations",
                    record.registration.id,
                    evolve(record, insz_digests=digests),
                )
                return

    async def erase(self, registration_id: str) -> None:
        """Drops persons, availability, contact and INSZ digests (as the SQL store does)."""
        record = self._record(registration_id)
        if record is None:
            return
        registration = copy.deepcopy(record.registration)
        registration.persons = []
        registration.contact = None
        registration.availability = None
        registration.companion_of = None
        self._txn.put(
            "registrations",
            registration_id,
            _StoredRegistration(
                registration, record.manage_digest, {}, reminded_for=None, erased=True
            ),
        )


# -- sessions and invitations ------------------------------------------------------------


class InMemorySessionRepository(_Repository, SessionRepository):
    async def add(self, session: Session) -> None:
        self._txn.put("sessions", session.id, session)

    async def get(self, session_id: str, *, for_update: bool = False) -> Session | None:
        found: Session | None = self._txn.get("sessions", session_id)
        return copy.deepcopy(found)

    async def save(self, session: Session) -> None:
        if self._txn.get("sessions", session.id) is None:
            raise LookupError(f"no session {session.id!r} to save")
        self._txn.put("sessions", session.id, session)


def _invitation_order(stored: _StoredInvitation) -> tuple[dt.datetime, int, str]:
    return (stored.invitation.created_at, stored.seq, stored.invitation.id)


class InMemoryInvitationRepository(_Repository, InvitationRepository):
    def _select(self, keep: Callable[[Invitation], bool]) -> list[Invitation]:
        found = [s for s in self._txn.values("invitations") if keep(s.invitation)]
        return [copy.deepcopy(s.invitation) for s in sorted(found, key=_invitation_order)]

    async def add(self, invitation: Invitation) -> None:
        self._txn.put("invitations", invitation.id, _StoredInvitation(self._seq(), invitation))

    async def add_many(self, invitations: Sequence[Invitation]) -> None:
        for invitation in invitations:
            await self.add(invitation)

    async def save(self, invitation: Invitation) -> None:
        stored: _StoredInvitation | None = self._txn.get("invitations", invitation.id)
        if stored is None:
            raise LookupError(f"no invitation {invitation.id!r} to save")
        self._txn.put("invitations", invitation.id, _StoredInvitation(stored.seq, invitation))

    async def save_many(self, invitations: Sequence[Invitation]) -> None:
        missing = [i.id for i in invitations if self._txn.get("invitations", i.id) is None]
        if missing:
            raise LookupError(f"no invitation {missing[0]!r} to save")
        for invitation in invitations:
            await self.save(invitation)

    async def get(self, invitation_id: str, *, for_update: bool = False) -> Invitation | None:
        stored: _StoredInvitation | None = self._txn.get("invitations", invitation_id)
        return copy.deepcopy(stored.invitation) if stored else None

    async def get_many(
        self, invitation_ids: Sequence[str], *, for_update: bool = False
    ) -> list[Invitation]:
        wanted = set(invitation_ids)
        return self._select(lambda i: i.id in wanted)

    async def for_session(self, session_id: str) -> list[Invitation]:
        return self._select(lambda i: i.session_id == session_id)

    async def seats_for_session(self, session_id: str) -> dict[InvitationStatus, int]:
        seats = dict.fromkeys(InvitationStatus, 0)
        for invitation in self._select(lambda i: i.session_id == session_id):
            seats[invitation.status] += invitation.seats
        return seats

    async def for_registration(self, registration_id: str) -> list[Invitation]:
        return self._select(lambda i: i.registration_id == registration_id)

    async def due(self, now: dt.datetime, grace: dt.timedelta, limit: int) -> list[Invitation]:
        return self._select(lambda i: i.is_due(now, grace))[:limit]

    async def open_for_person(self, registration_id: str, person_id: str) -> Invitation | None:
        found = self._select(
            lambda i: (
                i.registration_id == registration_id and i.is_open and person_id in i.person_ids
            )
        )
        return found[-1] if found else None

    async def latest_for_person(self, registration_id: str, person_id: str) -> Invitation | None:
        found = self._select(
            lambda i: i.registration_id == registration_id and person_id in i.person_ids
        )
        return found[-1] if found else None


# -- outbox, staff, events, audit, reports ---------------------------------------------


class InMemoryOutboxRepository(_Repository, OutboxRepository):
    def _stored(self) -> Iterator[_StoredMessage]:
        return self._txn.values("outbox")

    def _erased(self, registration_id: str | None) -> bool:
        if registration_id is None:
            return False
        record: _StoredRegistration | None = self._txn.get("registrations", registration_id)
        return record is not None and record.erased

    async def add(self, message: OutboxMessage) -> None:
        stored = evolve(message, payload=_json(message.payload))
        self._txn.put("outbox", message.id, _StoredMessage(stored))

    async def add_many(self, messages: Sequence[OutboxMessage]) -> None:
        for message in messages:
            await self.add(message)

    async def save(self, message: OutboxMessage) -> None:
        """Writes the message back and ends its lease.

        A message of an erased registration loses its payload once it is no longer
        pending (e.g. the withdrawal confirmation, after delivery).
        """
        if self._txn.get("outbox", message.id) is None:
            raise LookupError(f"no message {message.id!r} to save")
        payload = _json(message.payload)
        if message.status is not OutboxStatus.PENDING and self._erased(message.registration_id):
            payload = {}
        self._txn.put("outbox", message.id, _StoredMessage(evolve(message, payload=payload)))

    async def claim_due(
        self, now: dt.datetime, limit: int, lease: dt.timedelta
    ) -> list[OutboxMessage]:
        due = sorted(
            (
                s
                for s in self._stored()
                if s.message.status is OutboxStatus.PENDING
                and s.message.next_attempt_at <= now
                and (s.lease_until is None or s.lease_until <= now)
            ),
            key=lambda s: (s.message.next_attempt_at, s.message.created_at, s.message.id),
        )[:limit]
        for stored in due:
            self._txn.put("outbox", stored.message.id, evolve(stored, lease_until=now + lease))
        return [copy.deepcopy(s.message) for s in due]

    async def for_invitation(self, invitation_id: str) -> list[OutboxMessage]:
        found = [s.message for s in self._stored() if s.message.invitation_id == invitation_id]
        return copy.deepcopy(sorted(found, key=lambda m: (m.created_at, m.id)))

    async def forget_registration(self, registration_id: str, at: dt.datetime) -> None:
        for stored in list(self._stored()):
            if stored.message.registration_id != registration_id:
                continue
            message = evolve(stored.message, payload={})
            if message.status is OutboxStatus.PENDING:
                message.skipped(at, FORGOTTEN)
            self._txn.put("outbox", message.id, _StoredMessage(message))

    async def counts(self) -> dict[str, int]:
        result = {status.value: 0 for status in OutboxStatus}
        for stored in self._stored():
            result[stored.message.status.value] += 1
        return result


class InMemoryStaffTokenRepository(_Repository, StaffTokenRepository):
    async def add(self, token: StaffToken) -> None:
        self._txn.put("staff_tokens", token.id, token)

    async def by_digest(self, digest: str) -> StaffToken | None:
        found = [t for t in self._txn.values("staff_tokens") if t.digest == digest]
        return copy.deepcopy(_first(found))

    async def revoke(self, token_id: str, at: dt.datetime) -> StaffToken | None:
        token: StaffToken | None = self._txn.get("staff_tokens", token_id)
        if token is None:
            return None
        if token.revoked_at is None:
            token = evolve(token, revoked_at=at)
            self._txn.put("staff_tokens", token_id, token)
        return copy.deepcopy(token)


class InMemoryBookingEventRepository(_Repository, BookingEventRepository):
    async def add_if_new(self, event: BookingEventRecord) -> bool:
        if self._txn.get("booking_events", event.key) is not None:
            return False
        self._txn.put("booking_events", event.key, event)
        return True


class InMemoryAuditLog(_Repository, AuditLog):
    async def append(self, entry: AuditEntry) -> None:
        stored = evolve(entry, detail=_json(dict(entry.detail)))
        self._txn.put("audit", entry.id, _StoredAudit(self._seq(), stored))

    async def list(self, *, limit: int = 100) -> builtins.list[AuditEntry]:
        """The newest entries first."""
        found: builtins.list[_StoredAudit] = sorted(
            self._txn.values("audit"), key=lambda s: (s.entry.at, s.seq), reverse=True
        )
        return [copy.deepcopy(s.entry) for s in found[:limit]]


class InMemoryReportQueries(_Repository, ReportQueries):
    """Counts of persons include those erased after their retention (``report_totals``)."""

    def _totals(self, prefix: str) -> Counter[str]:
        totals: dict[str, int] = self._txn.get("report_totals", "all") or {}
        return Counter(
            {n.removeprefix(prefix): c for n, c in totals.items() if n.startswith(prefix)}
        )

    async def summary(self) -> Summary:
        registrations: dict[str, Registration] = {
            r.registration.id: r.registration for r in self._txn.values("registrations")
        }
        listed = [r for r in registrations.values() if r.status is not Status.WITHDRAWN]
        by_region = Counter({region.value: 0 for region in Region})
        by_region.update(rp.person.postcode.region.value for r in listed for rp in r.persons)
        by_region.update(self._totals("region:"))
        by_status = Counter({status.value: 0 for status in Status})
        by_status.update(r.status.value for r in registrations.values())
        invitations: list[Invitation] = [s.invitation for s in self._txn.values("invitations")]
        return Summary(
            registered=sum(len(r.persons) for r in listed) + self._totals("persons")[""],
            invited=sum(i.seats for i in invitations),
            groups=sum(1 for r in listed if r.kind is Kind.GROUP),
            third_party_invitations=sum(
                1
                for i in invitations
                if i.registration_id in registrations
                and registrations[i.registration_id].kind is Kind.THIRD_PARTY
            ),
            by_region=dict(by_region),
            by_centre=dict(Counter(c for r in listed for c in r.centre_ids)),
            by_status=dict(by_status),
            invitations=_invitation_counts(invitations),
        )

    async def breakdown(self) -> Breakdown:
        registrations: list[Registration] = [
            r.registration for r in self._txn.values("registrations")
        ]
        listed = [r for r in registrations if r.status is not Status.WITHDRAWN]
        invitations: list[Invitation] = [s.invitation for s in self._txn.values("invitations")]
        sessions: dict[str, Session] = {s.id: s for s in self._txn.values("sessions")}
        slots: dict[str, OpenSlot] = {s.id: s for s in self._txn.values("open_slots")}
        by_centre: dict[str, Counter[str]] = {}
        for invitation in invitations:
            centre_id = _centre_of(invitation, sessions, slots)
            if centre_id is not None:
                counts = by_centre.setdefault(
                    centre_id, Counter({status.value: 0 for status in InvitationStatus})
                )
                counts[invitation.status.value] += 1
        by_kind = Counter({kind.value: 0 for kind in Kind})
        by_kind.update(r.kind.value for r in listed)
        by_province = Counter(rp.person.postcode.province for r in listed for rp in r.persons)
        for code, count in self._totals("postcode:").items():
            by_province[Postcode(code).province] += count
        return Breakdown(
            by_kind=dict(by_kind),
            by_province=dict(by_province),
            invitations_by_centre={c: dict(counts) for c, counts in by_centre.items()},
            registrations_per_day=dict(
                Counter(local_today(r.created_at).isoformat() for r in registrations)
            ),
            invitations_per_day=dict(
                Counter(local_today(i.created_at).isoformat() for i in invitations)
            ),
        )


def _centre_of(
    invitation: Invitation, sessions: dict[str, Session], slots: dict[str, OpenSlot]
) -> str | None:
    if invitation.session_id is not None and invitation.session_id in sessions:
        return sessions[invitation.session_id].centre_id
    if invitation.open_slot_id is not None and invitation.open_slot_id in slots:
        return slots[invitation.open_slot_id].centre_id
    return None


def _invitation_counts(invitations: Sequence[Invitation]) -> dict[str, int]:
    counts = Counter({status.value: 0 for status in InvitationStatus})
    counts.update(i.status.value for i in invitations)
    counts["late"] = sum(1 for i in invitations if i.late_booked_at is not None)
    return dict(counts)


# -- the unit of work and its factory -------------------------------------------------------


@define
class _Shared:
    state: dict[str, dict[str, Any]] = field(factory=lambda: {t: {} for t in _TABLES})
    lock: asyncio.Lock = field(factory=asyncio.Lock)
    holder: asyncio.Task[Any] | None = None
    counter: Iterator[int] = field(factory=lambda: itertools.count(1))


class InMemoryUnitOfWork(UnitOfWork):
    """One transaction on an InMemoryStore: changes apply on ``commit`` only.

    Holds the store's lock from entry to exit, so units of work run one at a time;
    entering a second one in the task that holds the lock raises instead of hanging.
    """

    def __init__(self, shared: _Shared) -> None:
        self._shared = shared
        self._txn = _Transaction(shared.state)
        self._entered = False
        seq = self._next_seq
        self.centres = InMemoryCentreRepository(self._txn, seq)
        self.open_slots = InMemoryOpenSlotRepository(self._txn, seq)
        self.registrations = InMemoryRegistrationRepository(self._txn, seq)
        self.sessions = InMemorySessionRepository(self._txn, seq)
        self.invitations = InMemoryInvitationRepository(self._txn, seq)
        self.outbox = InMemoryOutboxRepository(self._txn, seq)
        self.staff_tokens = InMemoryStaffTokenRepository(self._txn, seq)
        self.booking_events = InMemoryBookingEventRepository(self._txn, seq)
        self.audit = InMemoryAuditLog(self._txn, seq)
        self.reports = InMemoryReportQueries(self._txn, seq)

    def _next_seq(self) -> int:
        return next(self._shared.counter)

    async def __aenter__(self) -> InMemoryUnitOfWork:
        if self._entered:
            raise RuntimeError("a unit of work is entered once")
        task = asyncio.current_task()
        if task is not None and self._shared.holder is task:
            raise RuntimeError("this task already holds a unit of work on this store")
        await self._shared.lock.acquire()
        self._shared.holder = task
        self._entered = True
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._txn.rollback()
        self._shared.holder = None
        self._shared.lock.release()

    async def commit(self) -> None:
        self._txn.commit()

    async def rollback(self) -> None:
        self._txn.rollback()


class InMemoryStore(UnitOfWorkFactory):
    """The shared state; calling it makes a new unit of work on that state."""

    def __init__(self) -> None:
        self._shared = _Shared()

    def __call__(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self._shared)


#: The role name, for composition roots that pick factories by role.
InMemoryUnitOfWorkFactory = InMemoryStore
