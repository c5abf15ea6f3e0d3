"""The invitation lifecycle: sent, booked, expired, cancelled (R-NOTIFY)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from lmb.domain.errors import InvitationClosed
from lmb.domain.invitation import DEFAULT_TTL, DELIVERY_GRACE, Invitation, InvitationStatus
from lmb.domain.ranking import seats_taken
from lmb.testing import NOW, an_invitation

HALF_AN_HOUR = dt.timedelta(minutes=30)


class TestInvitation:
    def test_the_deadline_runs_from_delivery_not_from_queueing(self) -> None:
        """R-NOTIFY: half an hour from when the message reached the mail or SMS gateway."""
        invitation = an_invitation(now=NOW)
        delivered = NOW + dt.timedelta(minutes=3)
        invitation.delivered(delivered, DEFAULT_TTL)
        assert DEFAULT_TTL == HALF_AN_HOUR
        assert invitation.expires_at == delivered + HALF_AN_HOUR
        assert not invitation.is_due(delivered + HALF_AN_HOUR - dt.timedelta(seconds=1))
        assert invitation.is_due(delivered + HALF_AN_HOUR)

    def test_a_second_delivery_does_not_move_the_deadline(self) -> None:
        """R-NOTIFY: the SMS after the e-mail does not buy extra time."""
        invitation = an_invitation(delivered_at=NOW)
        invitation.delivered(NOW + dt.timedelta(minutes=10), DEFAULT_TTL)
        assert invitation.sent_at == NOW
        assert invitation.expires_at == NOW + HALF_AN_HOUR

    def test_an_undelivered_invitation_is_due_after_the_grace(self) -> None:
        """R-NOTIFY: a slot whose message never left passes to the next person."""
        invitation = an_invitation(now=NOW)
        assert not invitation.is_due(NOW + DELIVERY_GRACE - dt.timedelta(seconds=1))
        assert invitation.is_due(NOW + DELIVERY_GRACE)

    def test_a_claimed_free_slot_has_no_deadline(self) -> None:
        """R-REG-A: a claimed slot is already the person's; it never expires."""
        invitation = an_invitation(delivered_at=NOW, ttl=None)
        assert invitation.expires_at is None
        assert not invitation.is_due(NOW + dt.timedelta(days=3))

    def test_booking_in_time_takes_the_seats_once(self) -> None:
        """R-NOTIFY: the booking is recorded once; a repeat is harmless."""
        invitation = an_invitation(person_ids=("p-1", "p-2"), delivered_at=NOW)
        assert invitation.book(NOW + dt.timedelta(minutes=12)) is True
        assert invitation.book(NOW + dt.timedelta(minutes=13)) is False
        assert invitation.status is InvitationStatus.BOOKED
        assert invitation.closed_at == NOW + dt.timedelta(minutes=12)
        assert invitation.holds_seats and invitation.seats == 2

    def test_a_late_booking_is_kept_but_never_takes_the_seats_back(self) -> None:
        """R-NOTIFY: after half an hour the slot went to the next person."""
        invitation = an_invitation(delivered_at=NOW)
        invitation.expire(NOW + HALF_AN_HOUR)
        assert not invitation.holds_seats
        assert invitation.book(NOW + dt.timedelta(minutes=40)) is False
        assert invitation.book(NOW + dt.timedelta(minutes=50)) is False
        assert invitation.status is InvitationStatus.EXPIRED
        assert invitation.late_booked_at == NOW + dt.timedelta(minutes=40)
        assert not invitation.holds_seats

    def test_only_an_open_invitation_expires(self) -> None:
        """R-NOTIFY: a booked invitation cannot lapse afterwards."""
        invitation = an_invitation(delivered_at=NOW)
        invitation.book(NOW)
        with pytest.raises(InvitationClosed) as caught:
            invitation.expire(NOW + HALF_AN_HOUR)
        assert caught.value.code == "invitation.closed"
        assert not invitation.is_due(NOW + dt.timedelta(hours=2))

    @pytest.mark.parametrize("booked", [False, True])
    def test_cancelling_frees_the_seats(self, booked: bool) -> None:
        """R-NOTIFY: a cancelled invitation or booking gives its seats back."""
        invitation = an_invitation(delivered_at=NOW)
        if booked:
            invitation.book(NOW)
        assert invitation.cancel(NOW + dt.timedelta(minutes=5)) is True
        assert invitation.status is InvitationStatus.CANCELLED
        assert not invitation.holds_seats
        assert invitation.cancel(NOW + dt.timedelta(minutes=6)) is False
        assert invitation.book(NOW + dt.timedelta(minutes=7)) is False

    def test_seats_taken_counts_open_and_booked_invitations(self) -> None:
        """R-NOTIFY: expired and cancelled invitations hold no seats."""
        open_ = an_invitation(id="a", person_ids=("p-1", "p-2"))
        booked = an_invitation(id="b", person_ids=("p-3",))
        booked.book(NOW)
        expired = an_invitation(id="c", person_ids=("p-4",))
        expired.expire(NOW)
        cancelled = an_invitation(id="d", person_ids=("p-5", "p-6", "p-7"))
        cancelled.cancel(NOW)
        assert seats_taken([open_, booked, expired, cancelled]) == 3


class InvitationLifecycle(RuleBasedStateMachine):
    """R-NOTIFY as a state machine: a session's seats are never overbooked.

    The model keeps, per invitation, the status it should have; the domain must agree.
    """

    invitations = Bundle("invitations")

    def __init__(self) -> None:
        super().__init__()
        self.now = NOW
        self.slots = 0
        self.all: list[Invitation] = []
        self.expected: dict[str, InvitationStatus] = {}
        self.late: set[str] = set()

    @initialize(slots=st.integers(min_value=1, max_value=8))
    def open_session(self, slots: int) -> None:
        self.slots = slots

    def free(self) -> int:
        return self.slots - seats_taken(self.all)

    @precondition(lambda self: self.free() > 0)
    @rule(target=invitations, size=st.integers(min_value=1, max_value=4))
    def invite(self, size: int) -> Invitation:
        size = min(size, self.free())
        invitation = Invitation.issue(
            id=f"inv-{len(self.all)}",
            registration_id=f"reg-{len(self.all)}",
            person_ids=tuple(f"p-{len(self.all)}-{i}" for i in range(size)),
            now=self.now,
            session_id="session-1",
        )
        self.all.append(invitation)
        self.expected[invitation.id] = InvitationStatus.SENT
        return invitation

    @rule(minutes=st.integers(min_value=1, max_value=45))
    def time_passes(self, minutes: int) -> None:
        self.now += dt.timedelta(minutes=minutes)

    @rule(invitation=invitations)
    def deliver(self, invitation: Invitation) -> None:
        before = invitation.expires_at
        invitation.delivered(self.now, DEFAULT_TTL)
        if self.expected[invitation.id] is InvitationStatus.SENT and before is None:
            assert invitation.expires_at == self.now + DEFAULT_TTL
        else:
            assert invitation.expires_at == before

    @rule()
    def expire_what_is_due(self) -> None:
        for invitation in self.all:
            if invitation.is_due(self.now):
                assert self.expected[invitation.id] is InvitationStatus.SENT
                invitation.expire(self.now)
                self.expected[invitation.id] = InvitationStatus.EXPIRED

    @rule(invitation=invitations)
    def book(self, invitation: Invitation) -> None:
        free_before = self.free()
        took = invitation.book(self.now)
        was = self.expected[invitation.id]
        assert took is (was is InvitationStatus.SENT)
        if was is InvitationStatus.SENT:
            self.expected[invitation.id] = InvitationStatus.BOOKED
        if was is InvitationStatus.EXPIRED:
            self.late.add(invitation.id)
        assert self.free() == free_before  # booking never changes the seats held

    @rule(invitation=invitations)
    def cancel(self, invitation: Invitation) -> None:
        was = self.expected[invitation.id]
        changed = invitation.cancel(self.now)
        holds = was in (InvitationStatus.SENT, InvitationStatus.BOOKED)
        assert changed is holds
        if holds:
            self.expected[invitation.id] = InvitationStatus.CANCELLED

    @invariant()
    def seats_are_never_overbooked(self) -> None:
        assert 0 <= seats_taken(self.all) <= self.slots

    @invariant()
    def statuses_follow_the_model(self) -> None:
        for invitation in self.all:
            assert invitation.status is self.expected[invitation.id]
            assert invitation.holds_seats is (
                invitation.status in (InvitationStatus.SENT, InvitationStatus.BOOKED)
            )

    @invariant()
    def late_bookings_are_kept_and_hold_nothing(self) -> None:
        for invitation in self.all:
            late = invitation.late_booked_at is not None
            assert late is (invitation.id in self.late)
            if late:
                assert invitation.status is InvitationStatus.EXPIRED

    @invariant()
    def closed_invitations_have_a_closing_time(self) -> None:
        for invitation in self.all:
            assert (invitation.closed_at is None) is invitation.is_open


InvitationLifecycle.TestCase.settings = settings(
    deadline=None, max_examples=100, stateful_step_count=30
)
TestInvitationLifecycle = InvitationLifecycle.TestCase
TestInvitationLifecycle.__doc__ = "R-NOTIFY: the lifecycle never overbooks nor loses a booking."
