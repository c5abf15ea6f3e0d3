"""The invitation lifecycle: sent, then booked, expired or cancelled (R-NOTIFY)."""

from __future__ import annotations

import datetime as dt
import enum

from attrs import define

from lmb.domain.errors import InvitationClosed

#: The default time a citizen has to book once the message reached them.
DEFAULT_TTL = dt.timedelta(minutes=30)
#: A slot whose invitation was not handed to a mail server or SMS gateway within this
#: time passes to the next person.
DELIVERY_GRACE = dt.timedelta(minutes=5)


class InvitationStatus(enum.StrEnum):
    SENT = "sent"
    BOOKED = "booked"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


#: Invitations in these states hold their seats: open ones, and booked ones.
HOLDS_SEATS = frozenset({InvitationStatus.SENT, InvitationStatus.BOOKED})


@define
class Invitation:
    """An offer of seats in a session (or a claimed free slot) to one candidate unit.

    - The deadline runs from delivery (``sent_at``), not from queueing.
    - An open invitation holds its seats; expiry or cancellation frees them.
    - A booking after expiry is kept as ``late_booked_at`` and never takes the seats back.
    """

    id: str
    registration_id: str
    person_ids: tuple[str, ...]
    created_at: dt.datetime
    session_id: str | None = None
    open_slot_id: str | None = None
    status: InvitationStatus = InvitationStatus.SENT
    sent_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    late_booked_at: dt.datetime | None = None

    @classmethod
    def issue(
        cls,
        *,
        id: str,
        registration_id: str,
        person_ids: tuple[str, ...],
        now: dt.datetime,
        session_id: str | None = None,
        open_slot_id: str | None = None,
    ) -> Invitation:
        return cls(
            id=id,
            registration_id=registration_id,
            person_ids=person_ids,
            created_at=now,
            session_id=session_id,
            open_slot_id=open_slot_id,
        )

    @property
    def seats(self) -> int:
        return len(self.person_ids)

    @property
    def is_open(self) -> bool:
        return self.status is InvitationStatus.SENT

    @property
    def holds_seats(self) -> bool:
        return self.status in HOLDS_SEATS

    def delivered(self, at: dt.datetime, ttl: dt.timedelta | None) -> None:
        """The first channel handed the message over: the deadline starts now.

        ``ttl`` None means no deadline (a claimed free slot is already the person's).
        """
        if self.sent_at is not None or not self.is_open:
            return
        self.sent_at = at
        self.expires_at = None if ttl is None else at + ttl

    def is_due(self, now: dt.datetime, grace: dt.timedelta = DELIVERY_GRACE) -> bool:
        """Open and past its deadline, or never delivered within ``grace``."""
        if not self.is_open:
            return False
        if self.expires_at is not None:
            return now >= self.expires_at
        return self.sent_at is None and now >= self.created_at + grace

    def expire(self, now: dt.datetime) -> None:
        if not self.is_open:
            raise InvitationClosed("only an open invitation can expire")
        self.status = InvitationStatus.EXPIRED
        self.closed_at = now

    def book(self, at: dt.datetime) -> bool:
        """Record a booking; True if it took the seats, False if late or repeated."""
        if self.status is InvitationStatus.SENT:
            self.status = InvitationStatus.BOOKED
            self.closed_at = at
            return True
        if self.status is InvitationStatus.EXPIRED and self.late_booked_at is None:
            self.late_booked_at = at
        return False

    def cancel(self, at: dt.datetime) -> bool:
        """The booking or invitation was cancelled: the seats go back. True if it changed."""
        if self.status in (InvitationStatus.SENT, InvitationStatus.BOOKED):
            self.status = InvitationStatus.CANCELLED
            self.closed_at = at
            return True
        return False
