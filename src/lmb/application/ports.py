"""The ports the use cases need; adapters implement them, the composition root picks them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from attrs import field, frozen

from lmb.application.model import (
    AuditEntry,
    BookingEventRecord,
    Message,
    OutboxMessage,
    StaffToken,
)
from lmb.domain.availability import HalfDay
from lmb.domain.centre import Centre, OpenSlot
from lmb.domain.insz import Insz
from lmb.domain.invitation import Invitation, InvitationStatus
from lmb.domain.person import VaccinationCode, VcdbStatus
from lmb.domain.ranking import Candidate
from lmb.domain.registration import Registration
from lmb.domain.session import Session

# -- external systems --------------------------------------------------------------------


class ExternalServiceError(Exception):
    """Base of the errors an external-system adapter raises towards the application."""


class ServiceUnavailable(ExternalServiceError):
    """Down, timing out, answering 5xx, or the circuit is open: try again later."""


class ServiceRejected(ExternalServiceError):
    """The remote refused the request for good (4xx other than 404, or garbage)."""


@frozen
class EligibilityAnswer:
    """What the VCDB says of one INSZ."""

    status: VcdbStatus
    vaccination_code: VaccinationCode | None
    replaced_by: Insz | None = None


@runtime_checkable
class EligibilityService(Protocol):
    """The vaccination code database (VCDB), R-ELIG, R-ASYNC, R-INVA-3.

    - ``check``: an unknown person is ``not_eligible``; raises ServiceUnavailable when
      the VCDB cannot answer now.
    - ``mark_invited``: idempotent on the VCDB side.
    """

    async def check(self, insz: Insz) -> EligibilityAnswer: ...

    async def mark_invited(
        self, code: VaccinationCode, *, invited_at: dt.datetime, centre_id: str, date: dt.date
    ) -> None: ...


@frozen
class InvitationReport:
    """What the regular booking system is told of an invitation (R-INVA-2, R-NOTIFY)."""

    vaccination_code: str
    date: dt.date
    invited_at: dt.datetime
    centre_id: str
    expires_at: dt.datetime | None


@runtime_checkable
class BookingSystem(Protocol):
    """The regular booking system: delivered at least once, deduplicated by the key."""

    async def report_invitation(
        self, report: InvitationReport, *, idempotency_key: str
    ) -> None: ...


@runtime_checkable
class Notifier(Protocol):
    """E-mail and SMS to citizens, rendered in their language (R-NOTIFY, N-I18N).

    - ``send_email``/``send_sms`` return once the mail server or SMS gateway accepted
      the message; that moment starts an invitation's deadline.
    - ``sms_enabled`` is False when no gateway is configured: no SMS is queued then.
    """

    @property
    def sms_enabled(self) -> bool: ...

    async def send_email(self, message: Message) -> None: ...

    async def send_sms(self, message: Message) -> None: ...


# -- time and secrets ---------------------------------------------------------------------


@runtime_checkable
class Clock(Protocol):
    """The current time, timezone-aware UTC."""

    def now(self) -> dt.datetime: ...


@runtime_checkable
class Secrets(Protocol):
    """Identifiers, unguessable tokens and keyed hashes.

    - ``new_token``: at least 128 bits of randomness, URL-safe.
    - ``digest``: keyed hash (HMAC) of a secret or an INSZ, stable for one key; what is
      stored instead of the value itself for look-ups.
    - ``manage_token``: the citizen's manage secret for a registration, derived from the
      key so that it is never stored (only its digest is).
    """

    def new_id(self) -> str: ...

    def new_token(self) -> str: ...

    def digest(self, value: str) -> str: ...

    def manage_token(self, registration_id: str) -> str: ...


# -- storage ------------------------------------------------------------------------------


class CentreRepository(Protocol):
    async def add(self, centre: Centre) -> None: ...

    async def save(self, centre: Centre) -> None: ...

    async def get(self, centre_id: str) -> Centre | None: ...

    async def existing(self, centre_ids: Sequence[str]) -> set[str]:
        """Which of ``centre_ids`` are known, in one look-up (a registration's choice)."""
        ...

    async def by_short_code(self, short_code: str) -> Centre | None: ...

    async def list(self, *, postcode: str | None = None) -> list[Centre]: ...


class OpenSlotRepository(Protocol):
    async def add(self, slot: OpenSlot) -> None: ...

    async def get_for_update(self, slot_id: str) -> OpenSlot | None:
        """The slot, locked until the unit of work ends."""
        ...

    async def save(self, slot: OpenSlot) -> None: ...

    async def list_open(
        self, *, from_date: dt.date, centre_ids: Sequence[str] | None
    ) -> list[OpenSlot]: ...


@frozen
class CandidateQuery:
    """Which units may be offered a session's seats (R-RANK selection filter)."""

    centre_id: str
    date: dt.date
    half_days: frozenset[HalfDay]
    now: dt.datetime
    session_id: str
    #: per unit size, how many of the best units of that size to return at most
    limits: tuple[tuple[int, int], ...]


@frozen
class NewRegistration:
    """A registration to add, with its keyed hashes (``RegistrationRepository.add_many``)."""

    registration: Registration
    manage_digest: str
    #: one per person, in order
    insz_digests: Sequence[str]


class RegistrationRepository(Protocol):
    """Registrations with their persons, availability and centres.

    ``manage_digest`` and ``insz_digest`` are keyed hashes (see Secrets.digest).
    """

    async def add(
        self, registration: Registration, *, manage_digest: str, insz_digests: Sequence[str]
    ) -> None: ...

    async def add_many(self, registrations: Sequence[NewRegistration]) -> None:
        """``add`` for each, in as few statements as the store can (the intake's batch)."""
        ...

    async def save(self, registration: Registration) -> None: ...

    async def save_many(self, registrations: Sequence[Registration]) -> None:
        """``save`` for each, in as few statements as the store can (a session's fill)."""
        ...

    async def get(
        self, registration_id: str, *, for_update: bool = False
    ) -> Registration | None: ...

    async def get_many(
        self, registration_ids: Sequence[str], *, for_update: bool = False
    ) -> list[Registration]:
        """The registrations found among ``registration_ids``, in id order (the lock order)."""
        ...

    async def by_manage_digest(
        self, digest: str, *, for_update: bool = False
    ) -> Registration | None: ...

    async def listed_with_insz(self, insz_digest: str) -> str | None:
        """The id of a registration (not withdrawn) that already lists this INSZ."""
        ...

    async def listed_with_insz_many(self, insz_digests: Sequence[str]) -> dict[str, str]:
        """``listed_with_insz`` for each digest, in one look-up: digest to registration
        id, for the digests listed."""
        ...

    async def by_vaccination_code(self, code: VaccinationCode) -> list[Registration]: ...

    async def for_doctor(self, doctor_id: str, *, limit: int) -> list[Registration]:
        """The patients a doctor registered, newest first (R-REG-F)."""
        ...

    async def candidates(self, query: CandidateQuery) -> list[Candidate]:
        """The best candidate units by DEFAULT_POLICY order, at most ``limits`` per size.

        Only listed registrations that chose the centre, are free on ``date`` on one of
        ``half_days``, are not lapsed at ``now`` and hold no invitation of this session.
        Where the store can, the rows are locked until the unit of work ends and rows
        locked by another unit of work are skipped, so that parallel sessions never
        offer one person twice.
        """
        ...

    async def invite_units(self, units: Sequence[Candidate], now: dt.datetime) -> list[Candidate]:
        """``Registration.mark_invited`` for each unit that is still waiting and whose
        persons all have a vaccination code; returns those units, in the order given.

        The units come from ``candidates`` in this unit of work, which locked their
        registrations. The store writes only what an invitation changes (the persons'
        and registrations' states, the unit held), in a few statements for all units:
        a 200-seat session does not load and rewrite 200 registrations (N-SCALE).
        """
        ...

    async def release_expired(self, invitations: Sequence[Invitation], now: dt.datetime) -> None:
        """``Registration.release`` of each lapsed invitation's persons, in a few
        statements for all (an expiry pass); withdrawn registrations are left alone."""
        ...

    async def due_for_lapse(self, now: dt.datetime, limit: int) -> list[str]: ...

    async def due_for_reminder(self, now: dt.datetime, limit: int) -> list[str]:
        """Listed registrations whose reminder moment passed and who got no reminder yet."""
        ...

    async def mark_reminded(self, registration_id: str, confirmed_at: dt.datetime) -> None: ...

    async def pending_eligibility(self, limit: int) -> list[str]: ...

    async def erase(self, registration_id: str) -> None:
        """Remove every piece of personal data of a withdrawn registration (N-GDPR)."""
        ...

    async def due_for_purge(self, before: dt.datetime, limit: int) -> list[str]:
        """N-GDPR: lapsed, ineligible and booked registrations, not erased yet, whose
        last change (``Registration.changed_at``) is older than ``before``; index-backed."""
        ...

    async def purge(self, registration_id: str) -> None:
        """Erase a registration whose retention ended, first adding its persons to the
        report totals (``persons``, per region and per postcode) so reports stay right."""
        ...

    async def set_insz_digest(self, person_id: str, insz_digest: str) -> None:
        """C-REGISTRY: a person's INSZ was replaced; look-ups follow the new number."""
        ...


class SessionRepository(Protocol):
    async def add(self, session: Session) -> None: ...

    async def get(self, session_id: str, *, for_update: bool = False) -> Session | None: ...

    async def save(self, session: Session) -> None: ...


class InvitationRepository(Protocol):
    async def add(self, invitation: Invitation) -> None: ...

    async def add_many(self, invitations: Sequence[Invitation]) -> None:
        """``add`` for each, in order, in as few statements as the store can."""
        ...

    async def save(self, invitation: Invitation) -> None: ...

    async def save_many(self, invitations: Sequence[Invitation]) -> None:
        """``save`` for each, in as few statements as the store can (an expiry pass)."""
        ...

    async def get(self, invitation_id: str, *, for_update: bool = False) -> Invitation | None: ...

    async def get_many(
        self, invitation_ids: Sequence[str], *, for_update: bool = False
    ) -> list[Invitation]:
        """Those of ``invitation_ids`` that are stored, in the order of ``due``."""
        ...

    async def for_session(self, session_id: str) -> list[Invitation]: ...

    async def seats_for_session(self, session_id: str) -> dict[InvitationStatus, int]:
        """Seats of the session's invitations per status (every status, 0 if none)."""
        ...

    async def for_registration(self, registration_id: str) -> list[Invitation]: ...

    async def due(self, now: dt.datetime, grace: dt.timedelta, limit: int) -> list[Invitation]:
        """Open invitations past their deadline, or never delivered within ``grace``; locked."""
        ...

    async def open_for_person(self, registration_id: str, person_id: str) -> Invitation | None:
        """The person's open invitation (of their registration), if any."""
        ...

    async def latest_for_person(self, registration_id: str, person_id: str) -> Invitation | None:
        """The person's newest invitation (of their registration), whatever its status."""
        ...


class OutboxRepository(Protocol):
    """Side effects on other systems, written in the same transaction as the change."""

    async def add(self, message: OutboxMessage) -> None: ...

    async def add_many(self, messages: Sequence[OutboxMessage]) -> None:
        """``add`` for each, in as few statements as the store can."""
        ...

    async def save(self, message: OutboxMessage) -> None: ...

    async def claim_due(
        self, now: dt.datetime, limit: int, lease: dt.timedelta
    ) -> list[OutboxMessage]:
        """Pending messages whose time has come, leased to the caller until ``now + lease``.

        Rows leased by another worker are skipped; a lease that ran out (a worker died)
        makes the message due again.
        """
        ...

    async def for_invitation(self, invitation_id: str) -> list[OutboxMessage]: ...

    async def forget_registration(self, registration_id: str, at: dt.datetime) -> None:
        """Skip the registration's pending messages and blank every payload (N-GDPR)."""
        ...

    async def counts(self) -> dict[str, int]:
        """Messages per status (``pending``, ``delivered``, ``dead``)."""
        ...


class StaffTokenRepository(Protocol):
    async def add(self, token: StaffToken) -> None: ...

    async def by_digest(self, digest: str) -> StaffToken | None: ...

    async def revoke(self, token_id: str, at: dt.datetime) -> StaffToken | None:
        """Mark the token revoked at ``at`` (kept if already revoked); None if unknown."""
        ...


class BookingEventRepository(Protocol):
    async def add_if_new(self, event: BookingEventRecord) -> bool:
        """Record the event; False if the same event was recorded before (idempotency)."""
        ...


class AuditLog(Protocol):
    async def append(self, entry: AuditEntry) -> None: ...

    async def list(self, *, limit: int = 100) -> list[AuditEntry]: ...


@frozen
class Summary:
    """N-REPORT counts."""

    registered: int
    invited: int
    groups: int
    third_party_invitations: int
    by_region: dict[str, int]
    by_centre: dict[str, int]
    by_status: dict[str, int]
    #: invitations by status (sent, booked, expired, cancelled), plus ``late`` bookings
    invitations: dict[str, int] = field(factory=dict)


@frozen
class Breakdown:
    """N-REPORT detail beyond Summary: how, where and when people registered and were invited.

    Days are Brussels calendar days (ISO ``YYYY-MM-DD``); provinces are ISO 3166-2:BE
    codes from the persons' postcodes (``BRU`` for Brussels).
    """

    #: registrations not withdrawn, per kind (``patient`` = a doctor's registration)
    by_kind: dict[str, int]
    #: persons of registrations not withdrawn, per province
    by_province: dict[str, int]
    #: per centre (of the session or claimed free slot), invitations by status
    invitations_by_centre: dict[str, dict[str, int]]
    #: registrations per day they were made (withdrawn ones too: they were made)
    registrations_per_day: dict[str, int]
    #: invitations per day they were issued
    invitations_per_day: dict[str, int]


class ReportQueries(Protocol):
    """Counts for N-REPORT and the metrics: aggregates in the store, never a full load."""

    async def summary(self) -> Summary: ...

    async def breakdown(self) -> Breakdown: ...


class UnitOfWork(Protocol):
    """One transaction: rolls back unless ``commit`` was called (STYLE rule 7)."""

    centres: CentreRepository
    open_slots: OpenSlotRepository
    registrations: RegistrationRepository
    sessions: SessionRepository
    invitations: InvitationRepository
    outbox: OutboxRepository
    staff_tokens: StaffTokenRepository
    booking_events: BookingEventRepository
    audit: AuditLog
    reports: ReportQueries

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


@runtime_checkable
class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work per use-case call."""

    def __call__(self) -> UnitOfWork: ...
