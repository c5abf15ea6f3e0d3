"""Sessions, invitations, expiry cascade and booking events (R-SESSION, R-RANK, R-NOTIFY)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from lmb.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from lmb.application import sessions as sessions_module
from lmb.application.errors import Forbidden, InvalidInput, NotFound
from lmb.application.model import OutboxStatus
from lmb.application.registrations import Register
from lmb.application.sessions import ExpireInvitations, OpenSessionCommand
from lmb.domain.invitation import Invitation
from lmb.domain.session import Session
from lmb.testing.builders import an_insz
from tests.unit.application.support import (
    TODAY,
    Lmb,
    build_lmb,
    code_for,
    free,
    person,
    register_self,
)


async def listed(lmb: Lmb, centre: str, born: dt.date, serial: int, **kw: object) -> str:
    """Register, confirm and let the VCDB check run: the person is on the list."""
    receipt = await lmb.services.register(register_self(person(born, serial), centre, **kw))
    await lmb.services.manage.confirm(lmb.token_for(receipt.id))
    await lmb.run_worker(1)
    return receipt.id


def session(centre: str, slots: int = 2) -> OpenSessionCommand:
    return OpenSessionCommand(centre, TODAY.isoformat(), "15:00", "19:00", slots)


def invited_emails(lmb: Lmb) -> list[str]:
    return lmb.mails("invitation")


class TestOpenSession:
    async def test_the_oldest_are_invited_first(self, lmb: Lmb) -> None:
        """R-RANK 2: oldest first; R-SESSION: no more than the slots."""
        centre = await lmb.centre()
        staff = await lmb.staff(centre)
        for serial, born in enumerate(
            [dt.date(1960, 1, 1), dt.date(1935, 1, 1), dt.date(1950, 1, 1)], 1
        ):
            await listed(lmb, centre, born, serial)
        stats = await lmb.services.open_session(session(centre, 2), staff)
        assert (stats.slots, stats.invited, stats.open) == (2, 2, 0)
        await lmb.run_worker(1)
        assert set(invited_emails(lmb)) == {"jan.2@example.be", "jan.3@example.be"}
        lines = await lmb.services.sessions.invitations(stats.id, staff)
        assert [line.persons[0][-16:-1] for line in lines] == ["35.01.01-***.**", "50.01.01-***.**"]

    async def test_companions_come_first(self, lmb: Lmb) -> None:
        """R-RANK 1: who accompanies a booked person precedes even the oldest."""
        centre = await lmb.centre()
        staff = await lmb.staff(centre)
        await listed(lmb, centre, dt.date(1930, 1, 1), 1)
        await listed(
            lmb,
            centre,
            dt.date(1990, 1, 1),
            2,
            kind="companion",
            companion_of="ABCD-EFGH-JKLM-NPQR",
            availability=free("evening"),
        )
        await lmb.services.open_session(session(centre, 1), staff)
        await lmb.run_worker(1)
        assert invited_emails(lmb) == ["jan.2@example.be"]

    async def test_a_group_is_invited_whole_or_passed_over(self, lmb: Lmb) -> None:
        """R-RANK: a group is one unit ranked by its oldest; too big for the seats left
        it is passed over for the next that fits."""
        centre = await lmb.centre()
        staff = await lmb.staff(centre)
        receipt = await lmb.services.register(
            Register(
                kind="group",
                language="nl",
                persons=[person(dt.date(1970, 1, 1), 1), person(dt.date(1920, 1, 1), 2)],
                centre_ids=[centre],
                availability=free("afternoon"),
            )
        )
        await lmb.services.manage.confirm(lmb.token_for(receipt.id))
        await listed(lmb, centre, dt.date(1940, 1, 1), 3)
        await lmb.run_worker(1)
        stats = await lmb.services.open_session(session(centre, 1), staff)
        assert stats.invited == 1
        await lmb.run_worker(1)
        assert invited_emails(lmb) == ["jan.3@example.be"]
        more = await lmb.services.invite_more(stats.id, 2, staff)
        assert (more.slots, more.invited, more.open) == (3, 3, 0)
        await lmb.run_worker(1)
        # The group's invitation goes to its leader and names both codes.
        assert invited_emails(lmb) == ["jan.3@example.be", "jan.1@example.be"]
        group_mail = lmb.mailer.sent[-1]
        assert code_for(an_insz(dt.date(1920, 1, 1), 2)) in group_mail.text

    async def test_invitation_messages_are_composed_at_delivery(self, lmb: Lmb) -> None:
        """N-SCALE, N-GDPR: the outbox row names the invitation, not the person; the
        worker composes the message from the registration when it hands it over."""
        centre = await lmb.centre()
        staff = await lmb.staff(centre)
        await listed(lmb, centre, dt.date(1940, 1, 1), 1)
        stats = await lmb.services.open_session(session(centre, 1), staff)
        async with lmb.ctx.uow() as uow:
            [invitation] = await uow.invitations.for_session(stats.id)
            [queued] = await uow.outbox.for_invitation(invitation.id)
        assert queued.payload == {"render": "invitation", "invitation_id": invitation.id}
        await lmb.run_worker(1)
        [mail] = [m for m in lmb.mailer.sent if m.kind == "invitation"]
        assert mail.to == "jan.1@example.be"
        assert "Jan Peeters" in mail.text
        assert code_for(an_insz(dt.date(1940, 1, 1), 1)) in mail.text

    async def test_only_the_centres_staff_may_open_its_sessions(self, lmb: Lmb) -> None:
        gent = await lmb.centre("GENT")
        brugge = await lmb.centre("BRUG", ("8000",))
        staff = await lmb.staff(gent)
        with pytest.raises(Forbidden):
            await lmb.services.open_session(session(brugge), staff)
        stats = await lmb.services.open_session(session(gent), staff)
        other = await lmb.staff(brugge)
        with pytest.raises(NotFound):
            await lmb.services.sessions.stats(stats.id, other)

    async def test_slots_must_be_positive(self, lmb: Lmb) -> None:
        centre = await lmb.centre()
        staff = await lmb.staff(centre)
        with pytest.raises(InvalidInput) as caught:
            await lmb.services.open_session(session(centre, 0), staff)
        assert [(e.code, e.field) for e in caught.value.errors] == [("slots.invalid", "slots")]


class TestInvitationLifecycle:
    async def test_the_deadline_runs_from_delivery_and_the_booking_system_is_told(
        self, lmb: Lmb
    ) -> None:
        """R-NOTIFY, R-INVA-2: deadline from hand-over; the report carries it."""
        centre = await lmb.centre()
        staff = await lmb.staff(centre)
        await listed(lmb, centre, dt.date(1940, 1, 1), 1)
        stats = await lmb.services.open_session(session(centre, 1), staff)
        lmb.advance(minutes=2)
        await lmb.run_worker(2)
        [line] = await lmb.services.sessions.invitations(stats.id, staff)
        assert line.sent_at == lmb.clock.now()
        assert line.expires_at == lmb.clock.now() + dt.timedelta(minutes=30)
        [report] = lmb.booking.reports.values()
        assert report.expires_at == line.expires_at
        assert report.vaccination_code == code_for(an_insz(dt.date(1940, 1, 1), 1))
        assert "Jan Peeters (40.01.01-***.**)" in line.persons[0]

    async def test_an_expired_invitation_passes_its_seat_to_the_next(self, lmb: Lmb) -> None:
        centre = await lmb.centre()
        staff = await lmb.staff(centre)
        await listed(lmb, centre, dt.date(1930, 1, 1), 1)
        await listed(lmb, centre, dt.date(1940, 1, 1), 2)
        stats = await lmb.services.open_session(session(centre, 1), staff)
        await lmb.run_worker(1)
        assert invited_emails(lmb) == ["jan.1@example.be"]
        lmb.advance(minutes=31)
        await lmb.run_worker(2)
        assert invited_emails(lmb) == ["jan.1@example.be", "jan.2@example.be"]
        assert lmb.mails("invitation_expired") == ["jan.1@example.be"]
        now = await lmb.services.sessions.stats(stats.id, staff)
        assert (now.invited, now.expired, now.open) == (2, 1, 0)

    async def test_an_undelivered_invitation_passes_on_and_is_never_sent(self, lmb: Lmb) -> None:
        """Contract: a slot whose invitation could not be delivered in time passes on."""
        centre = await lmb.centre()
        staff = await lmb.staff(centre)
        await listed(lmb, centre, dt.date(1930, 1, 1), 1)
        await listed(lmb, centre, dt.date(1940, 1, 1), 2)
        lmb.mailer.sent.clear()
        broken = lmb.services.worker.notifier

        async def refuse(message: object) -> None:
            from lmb.application.ports import ServiceUnavailable

            raise ServiceUnavailable("mail server down")

        original = broken.send_email
        broken.send_email = refuse  # type: ignore[method-assign]
        await lmb.services.open_session(session(centre, 1), staff)
        await lmb.run_worker(1)
        lmb.advance(minutes=6)
        broken.send_email = original  # type: ignore[method-assign]
        await lmb.services.worker.run_once()  # expires and invites the next
        await lmb.run_worker(2)
        assert invited_emails(lmb) == ["jan.2@example.be"]

    async def test_a_booking_fills_the_seat_and_is_idempotent(self, lmb: Lmb) -> None:
        centre = await lmb.centre()
        staff = await lmb.staff(centre)
        await listed(lmb, centre, dt.date(1930, 1, 1), 1)
        stats = await lmb.services.open_session(session(centre, 1), staff)
        await lmb.run_worker(1)
        code = code_for(an_insz(dt.date(1930, 1, 1), 1))
        at = lmb.clock.now().isoformat()
        await lmb.services.bookings(code, "booked", at)
        await lmb.services.bookings(code, "booked", at)
        now = await lmb.services.sessions.stats(stats.id, staff)
        assert (now.booked, now.open) == (1, 0)
        lmb.advance(hours=1)
        await lmb.run_worker(1)
        assert (await lmb.services.sessions.stats(stats.id, staff)).expired == 0

    async def test_a_late_booking_never_takes_the_seat_back(self, lmb: Lmb) -> None:
        centre = await lmb.centre()
        staff = await lmb.staff(centre)
        await listed(lmb, centre, dt.date(1930, 1, 1), 1)
        await listed(lmb, centre, dt.date(1940, 1, 1), 2)
        stats = await lmb.services.open_session(session(centre, 1), staff)
        await lmb.run_worker(1)
        lmb.advance(minutes=31)
        await lmb.run_worker(1)
        late = code_for(an_insz(dt.date(1930, 1, 1), 1))
        await lmb.services.bookings(late, "booked", lmb.clock.now().isoformat())
        lines = await lmb.services.sessions.invitations(stats.id, staff)
        assert [line.status for line in lines] == ["expired", "sent"]
        assert lines[0].late_booked_at is not None

    async def test_a_cancelled_booking_passes_the_seat_on(self, lmb: Lmb) -> None:
        centre = await lmb.centre()
        staff = await lmb.staff(centre)
        await listed(lmb, centre, dt.date(1930, 1, 1), 1)
        await listed(lmb, centre, dt.date(1940, 1, 1), 2)
        stats = await lmb.services.open_session(session(centre, 1), staff)
        await lmb.run_worker(1)
        code = code_for(an_insz(dt.date(1930, 1, 1), 1))
        await lmb.services.bookings(code, "booked", lmb.clock.now().isoformat())
        lmb.advance(minutes=5)
        await lmb.services.bookings(code, "cancelled", lmb.clock.now().isoformat())
        now = await lmb.services.sessions.stats(stats.id, staff)
        assert (now.booked, now.invited, now.open) == (0, 2, 0)

    async def test_withdrawing_an_invited_person_passes_the_seat_on(self, lmb: Lmb) -> None:
        centre = await lmb.centre()
        staff = await lmb.staff(centre)
        first = await listed(lmb, centre, dt.date(1930, 1, 1), 1)
        await listed(lmb, centre, dt.date(1940, 1, 1), 2)
        stats = await lmb.services.open_session(session(centre, 1), staff)
        lmb.advance(minutes=1)
        await lmb.services.manage.withdraw(lmb.token_for(first))
        lines = await lmb.services.sessions.invitations(stats.id, staff)
        assert [line.status for line in lines] == ["cancelled", "sent"]


class TestOutbox:
    async def test_a_failing_booking_system_is_retried_until_it_answers(self, lmb: Lmb) -> None:
        """Nothing is lost when a system is down; one idempotency key throughout."""
        centre = await lmb.centre()
        staff = await lmb.staff(centre)
        await listed(lmb, centre, dt.date(1930, 1, 1), 1)
        lmb.booking.failures = 3
        await lmb.services.open_session(session(centre, 1), staff)
        for _ in range(8):
            await lmb.services.worker.run_once()
            lmb.advance(seconds=61)
        assert lmb.booking.calls == 4
        assert len(lmb.booking.reports) == 1
        counts = await lmb.outbox_counts()
        assert counts.get(OutboxStatus.DEAD.value, 0) == 0

    async def test_the_vcdb_down_at_registration_is_retried(self, lmb: Lmb) -> None:
        """R-ASYNC: registration never waits for the VCDB."""
        centre = await lmb.centre()
        lmb.vcdb.down = True
        receipt = await lmb.services.register(register_self(person(dt.date(1950, 1, 1)), centre))
        await lmb.services.manage.confirm(lmb.token_for(receipt.id))
        await lmb.run_worker(2)
        assert (await lmb.services.manage.view(lmb.token_for(receipt.id))).status == "pending"
        lmb.vcdb.down = False
        lmb.advance(minutes=5)
        await lmb.run_worker(2)
        assert (await lmb.services.manage.view(lmb.token_for(receipt.id))).status == "active"

    async def test_a_worker_killed_mid_delivery_is_made_good_by_another(self, lmb: Lmb) -> None:
        """A leased message whose worker died is delivered once the lease runs out."""
        from lmb.application.worker import LEASE

        centre = await lmb.centre()
        staff = await lmb.staff(centre)
        await listed(lmb, centre, dt.date(1930, 1, 1), 1)
        await lmb.services.open_session(session(centre, 1), staff)
        async with lmb.ctx.uow() as uow:
            # This worker leases the invitation mail, then dies before sending it.
            leased = await uow.outbox.claim_due(lmb.clock.now(), 100, LEASE)
            await uow.commit()
        assert any(m.invitation_id for m in leased)
        await lmb.services.worker.run_once()
        assert invited_emails(lmb) == []
        lmb.advance(seconds=LEASE.total_seconds() + 1)
        await lmb.run_worker(2)
        assert invited_emails(lmb) == ["jan.1@example.be"]
        assert len(lmb.booking.reports) == 1

    async def test_redelivery_keeps_the_idempotency_key(self, lmb: Lmb) -> None:
        """At least once towards the booking system, deduplicated by a stable key."""
        centre = await lmb.centre()
        staff = await lmb.staff(centre)
        await listed(lmb, centre, dt.date(1930, 1, 1), 1)
        await lmb.services.open_session(session(centre, 1), staff)
        await lmb.run_worker(1)
        lmb.booking.failures = 1
        await lmb.run_worker(1)
        lmb.advance(seconds=10)
        await lmb.run_worker(1)
        assert lmb.booking.calls == 2
        assert len(lmb.booking.reports) == 1

    async def test_the_vcdb_down_at_invitation_time_uses_stored_codes(self, lmb: Lmb) -> None:
        """R-ASYNC: invitations rest on the codes and statuses stored at registration."""
        centre = await lmb.centre()
        staff = await lmb.staff(centre)
        await listed(lmb, centre, dt.date(1930, 1, 1), 1)
        lmb.vcdb.down = True
        await lmb.services.open_session(session(centre, 1), staff)
        await lmb.run_worker(1)
        assert invited_emails(lmb) == ["jan.1@example.be"]
        [mail] = [m for m in lmb.mailer.sent if m.kind == "invitation"]
        assert code_for(an_insz(dt.date(1930, 1, 1), 1)) in mail.text


class TestClaimOpenSlot:
    async def test_claims_stop_when_the_slots_are_gone(self, lmb: Lmb) -> None:
        """R-REG-A, R-INVA-1..3: claimed at once, confirmed with the code; 409 when none left."""
        from lmb.domain.errors import NoSlotLeft

        centre = await lmb.centre()
        staff = await lmb.staff(centre)
        slot = await lmb.services.open_slots.announce(
            centre, TODAY.isoformat(), "18:00", "19:00", 1, staff
        )
        claimed = await lmb.services.open_slots.claim(slot.id, person(dt.date(1950, 1, 1), 1), "fr")
        assert (claimed.status, claimed.start.isoformat()) == ("invited", "18:00:00")
        with pytest.raises(NoSlotLeft):
            await lmb.services.open_slots.claim(slot.id, person(dt.date(1951, 1, 1), 2), "fr")
        await lmb.run_worker(2)
        code = code_for(an_insz(dt.date(1950, 1, 1), 1))
        [mail] = [m for m in lmb.mailer.sent if m.kind == "open_slot_confirmation"]
        assert code in mail.text
        assert lmb.vcdb.marked == [code]
        [report] = lmb.booking.reports.values()
        assert report.expires_at is None
        assert await lmb.services.open_slots.list("9000") == []

    async def test_a_claim_with_the_vcdb_down_and_nothing_stored_is_unavailable(
        self, lmb: Lmb
    ) -> None:
        from lmb.application.errors import Unavailable

        centre = await lmb.centre()
        staff = await lmb.staff(centre)
        slot = await lmb.services.open_slots.announce(
            centre, TODAY.isoformat(), "18:00", "19:00", 3, staff
        )
        lmb.vcdb.down = True
        with pytest.raises(Unavailable):
            await lmb.services.open_slots.claim(slot.id, person(dt.date(1950, 1, 1), 1), "nl")
        assert (await lmb.services.open_slots.list())[0].available == 3

    async def test_someone_already_on_the_list_cannot_take_a_second_place(self, lmb: Lmb) -> None:
        """Nobody is invited twice: a listed person's claim is refused like an ineligible one."""
        from lmb.domain.errors import StateConflict

        centre = await lmb.centre()
        staff = await lmb.staff(centre)
        await listed(lmb, centre, dt.date(1950, 1, 1), 1)
        slot = await lmb.services.open_slots.announce(
            centre, TODAY.isoformat(), "18:00", "19:00", 2, staff
        )
        with pytest.raises(StateConflict) as caught:
            await lmb.services.open_slots.claim(slot.id, person(dt.date(1950, 1, 1), 1), "nl")
        assert str(caught.value) == "this person cannot be invited now"


class BrokenSession(InMemoryStore):
    """A store on which one session cannot be read for update (a database fault)."""

    def __init__(self) -> None:
        super().__init__()
        self.broken: str | None = None
        self.attempts = 0

    def __call__(self) -> InMemoryUnitOfWork:
        uow = super().__call__()
        read = uow.sessions.get

        async def get(session_id: str, *, for_update: bool = False) -> Session | None:
            if for_update and session_id == self.broken:
                self.attempts += 1
                raise ConnectionError("the database went away")
            return await read(session_id, for_update=for_update)

        uow.sessions.get = get  # type: ignore[method-assign]
        return uow


class BrokenRelease(InMemoryStore):
    """A store that cannot release the persons of one registration (a database fault)."""

    def __init__(self) -> None:
        super().__init__()
        self.broken: str | None = None

    def __call__(self) -> InMemoryUnitOfWork:
        uow = super().__call__()
        release = uow.registrations.release_expired

        async def release_expired(invitations: Sequence[Invitation], now: dt.datetime) -> None:
            if any(i.registration_id == self.broken for i in invitations):
                raise ConnectionError("the database went away")
            await release(invitations, now)

        uow.registrations.release_expired = release_expired  # type: ignore[method-assign]
        return uow


class TestCascadeRefills:
    async def test_a_refill_that_fails_holds_up_no_other_session(self) -> None:
        """R-NOTIFY: each session is refilled on its own; one that cannot be is tried
        twice, the others get their next candidates, and the pass reports the error."""
        store = BrokenSession()
        lmb = await build_lmb(store)
        gent = await lmb.centre("GENT")
        brugge = await lmb.centre("BRUG", ("9000",))
        staff = await lmb.staff(gent)
        for serial, centre in enumerate([gent, gent, brugge, brugge], 1):
            await listed(lmb, centre, dt.date(1930 + serial, 1, 1), serial)
        first = await lmb.services.open_session(session(gent, 1), lmb.admin)
        second = await lmb.services.open_session(session(brugge, 1), lmb.admin)
        lmb.advance(minutes=31)
        store.broken = first.id
        with pytest.raises(ConnectionError):
            await ExpireInvitations(lmb.ctx)()
        assert store.attempts == 2
        stats = {s.id: await lmb.services.sessions.stats(s.id, lmb.admin) for s in (first, second)}
        assert (stats[second.id].expired, stats[second.id].open) == (1, 0)  # refilled
        assert (stats[first.id].expired, stats[first.id].open) == (1, 1)  # not yet
        store.broken = None
        # The centre's "invite more" fills it again: the one candidate left is invited
        # (the first was offered this session already).
        more = await lmb.services.invite_more(first.id, 1, staff)
        assert (more.slots, more.invited, more.open) == (2, 2, 1)

    async def test_an_expiry_part_that_fails_holds_up_no_other(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """R-NOTIFY: an expiry pass deals its invitations over units of work by
        registration; one that fails leaves its invitations due for the next pass,
        while the others expire and their sessions are refilled."""
        store = BrokenRelease()
        lmb = await build_lmb(store)
        gent = await lmb.centre("GENT")
        brugge = await lmb.centre("BRUG", ("9000",))
        for serial, centre in enumerate([gent, gent, brugge, brugge], 1):
            await listed(lmb, centre, dt.date(1930 + serial, 1, 1), serial)
        first = await lmb.services.open_session(session(gent, 1), lmb.admin)
        second = await lmb.services.open_session(session(brugge, 1), lmb.admin)
        async with store() as uow:
            (held,) = await uow.invitations.for_session(first.id)
        monkeypatch.setattr(
            sessions_module, "_part", lambda rid: 0 if rid == held.registration_id else 1
        )
        lmb.advance(minutes=31)
        store.broken = held.registration_id
        with pytest.raises(ConnectionError):
            await ExpireInvitations(lmb.ctx)()
        stats = {s.id: await lmb.services.sessions.stats(s.id, lmb.admin) for s in (first, second)}
        assert (stats[second.id].expired, stats[second.id].open) == (1, 0)  # refilled
        assert (stats[first.id].expired, stats[first.id].invited) == (0, 1)  # still out
        store.broken = None
        assert await ExpireInvitations(lmb.ctx)() == 1
        stats[first.id] = await lmb.services.sessions.stats(first.id, lmb.admin)
        assert (stats[first.id].expired, stats[first.id].open) == (1, 0)
