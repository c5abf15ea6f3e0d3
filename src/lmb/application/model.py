"""Application records that are not domain concepts: messages, outbox, staff, audit."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from attrs import define, field, frozen

#: Delivery attempts before a message goes to the dead letters.
MAX_ATTEMPTS = 12
#: First retry delay; doubles with each attempt up to MAX_BACKOFF.
BASE_BACKOFF = dt.timedelta(seconds=5)
MAX_BACKOFF = dt.timedelta(hours=1)


class MessageKind(enum.StrEnum):
    """Every message lmb sends to a citizen (R-INVA-1, R-NOTIFY, R-AVAIL, N-GDPR).

    The ``data`` each kind carries, besides ``manage_url`` (always):
    - ``contact_confirmation``: ``confirm_url``.
    - ``registration_listed``: ``availability_until`` (ISO datetime).
    - ``registration_ineligible``: nothing more.
    - ``open_slot_confirmation``: ``centre_name``, ``centre_address``, ``centre_phone``,
      ``date``, ``start``, ``end``, ``vaccination_codes`` (list).
    - ``invitation``: ``centre_name``, ``centre_address``, ``centre_phone``, ``date``,
      ``start``, ``end``, ``vaccination_codes`` (list), ``persons`` (list of names),
      ``booking_url``, ``ttl_minutes``; ``deadline`` (ISO datetime) is filled in at delivery.
    - ``invitation_expired``: ``centre_name``, ``date``.
    - ``availability_reminder``: ``lapses_at`` (ISO datetime).
    - ``withdrawal_confirmed``: nothing more.
    - ``duplicate_notice``: nothing more (someone tried to list a person already listed).
    """

    CONTACT_CONFIRMATION = "contact_confirmation"
    REGISTRATION_LISTED = "registration_listed"
    REGISTRATION_INELIGIBLE = "registration_ineligible"
    OPEN_SLOT_CONFIRMATION = "open_slot_confirmation"
    INVITATION = "invitation"
    INVITATION_EXPIRED = "invitation_expired"
    AVAILABILITY_REMINDER = "availability_reminder"
    WITHDRAWAL_CONFIRMED = "withdrawal_confirmed"
    DUPLICATE_NOTICE = "duplicate_notice"


@frozen
class Message:
    """A message to one citizen, rendered by the notifier in ``language``.

    ``data`` holds only JSON values (str, int, list of str, None).
    """

    kind: MessageKind
    language: str
    name: str
    email: str | None
    mobile: str | None
    data: dict[str, Any] = field(factory=dict)

    def to_payload(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "language": self.language,
            "name": self.name,
            "email": self.email,
            "mobile": self.mobile,
            "data": dict(self.data),
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Message:
        return cls(
            kind=MessageKind(payload["kind"]),
            language=str(payload["language"]),
            name=str(payload["name"]),
            email=payload.get("email"),
            mobile=payload.get("mobile"),
            data=dict(payload.get("data") or {}),
        )

    def with_data(self, **extra: Any) -> Message:
        return Message(
            self.kind, self.language, self.name, self.email, self.mobile, {**self.data, **extra}
        )


class Topic(enum.StrEnum):
    """What an outbox message asks of another system."""

    EMAIL = "email"
    SMS = "sms"
    VCDB_CHECK = "vcdb_check"
    VCDB_MARK_INVITED = "vcdb_mark_invited"
    BOOKING_REPORT = "booking_report"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"
    SKIPPED = "skipped"


@define
class OutboxMessage:
    """A side effect, stored with the change that caused it, delivered at least once.

    - Retries back off exponentially from BASE_BACKOFF to MAX_BACKOFF.
    - After MAX_ATTEMPTS failures the message is dead: kept, counted, shown in metrics.
    - ``last_error`` never holds personal data (adapters raise typed errors).
    """

    id: str
    topic: Topic
    payload: dict[str, Any]
    idempotency_key: str
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    registration_id: str | None = None
    invitation_id: str | None = None
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    delivered_at: dt.datetime | None = None

    @classmethod
    def new(
        cls,
        *,
        id: str,
        topic: Topic,
        payload: dict[str, Any],
        now: dt.datetime,
        idempotency_key: str | None = None,
        registration_id: str | None = None,
        invitation_id: str | None = None,
    ) -> OutboxMessage:
        return cls(
            id=id,
            topic=topic,
            payload=payload,
            idempotency_key=idempotency_key or id,
            created_at=now,
            next_attempt_at=now,
            registration_id=registration_id,
            invitation_id=invitation_id,
        )

    def succeeded(self, at: dt.datetime) -> None:
        self.status = OutboxStatus.DELIVERED
        self.delivered_at = at
        self.attempts += 1
        self.last_error = None

    def skipped(self, at: dt.datetime, reason: str) -> None:
        """No longer to be delivered (e.g. the invitation closed before delivery)."""
        self.status = OutboxStatus.SKIPPED
        self.delivered_at = at
        self.last_error = reason

    def failed(self, at: dt.datetime, error: str, *, permanent: bool = False) -> None:
        self.attempts += 1
        self.last_error = error[:200]
        if permanent or self.attempts >= MAX_ATTEMPTS:
            self.status = OutboxStatus.DEAD
            return
        delay = min(BASE_BACKOFF * (2 ** (self.attempts - 1)), MAX_BACKOFF)
        self.next_attempt_at = at + delay


class Role(enum.StrEnum):
    ADMIN = "admin"
    CENTRE = "centre"
    DOCTOR = "doctor"
    BOOKING_SYSTEM = "booking_system"
    REPORTING = "reporting"


@define
class StaffToken:
    """A staff member's bearer token, stored only as its keyed digest."""

    id: str
    digest: str
    role: Role
    name: str
    created_at: dt.datetime
    centre_ids: frozenset[str] = frozenset()
    nihdi_number: str | None = None
    revoked_at: dt.datetime | None = None

    def may_act_for(self, centre_id: str) -> bool:
        """An admin acts for every centre; centre staff only for their own."""
        return self.role is Role.ADMIN or (
            self.role is Role.CENTRE and centre_id in self.centre_ids
        )


@frozen
class BookingEventRecord:
    """A booking event as received, for idempotency (no personal data: a code digest)."""

    key: str
    code_digest: str
    status: str
    at: dt.datetime
    received_at: dt.datetime


@frozen
class AuditEntry:
    """A staff action (who, what, when); never a citizen's personal data."""

    id: str
    at: dt.datetime
    actor: str
    action: str
    target: str | None = None
    detail: dict[str, Any] = field(factory=dict)
