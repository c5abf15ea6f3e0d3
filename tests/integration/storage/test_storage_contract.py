"""Contract of every other storage port and of the unit of work, on every flavour."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

import pytest

from lmb.application.model import (
    BASE_BACKOFF,
    MAX_ATTEMPTS,
    AuditEntry,
    BookingEventRecord,
    OutboxMessage,
    OutboxStatus,
    Role,
    StaffToken,
    Topic,
)
from lmb.domain.geography import Postcode
from lmb.domain.invitation import DELIVERY_GRACE, Invitation, InvitationStatus
from lmb.domain.registration import Registration, Status
from tests.integration.storage.support import (
    BRUGGE,
    DAY,
    GENT,
    NOW,
    TODAY,
    Store,
    a_centre,
    a_companion,
    a_group,
    a_patient,
    a_self,
    a_session,
    an_invitation,
    an_open_slot,
    an_open_slot_claim,
    digests_of,
    listed,
    third_parties,
)

OLD = dt.date(1940, 5, 6)
YOUNG = dt.date(1985, 7, 30)
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
LEASE = dt.timedelta(minutes=5)
TTL = dt.timedelta(minutes=30)


async def given(store: Store, *registrations: Registration) -> None:
    async with store.uow() as uow:
        for registration in registrations:
            await uow.registrations.add(registration, **digests_of(registration))
        await uow.commit()


def a_message(
    mid: str,
    *,
    at: dt.datetime = NOW,
    invitation_id: str | None = None,
    registration_id: str | None = None,
) -> OutboxMessage:
    return OutboxMessage.new(
        id=mid,
        topic=Topic.BOOKING_REPORT,
        payload={"vaccination_code": "VC-1", "date": "2021-04-13", "codes": ["a", "b"], "n": 3},
        now=at,
        idempotency_key=f"key-{mid}",
        invitation_id=invitation_id,
        registration_id=registration_id,
    )


class TestUnitOfWork:
    """STYLE rule 7: one transaction, rolled back unless committed."""

    async def test_nothing_is_kept_without_a_commit(self, store: Store) -> None:
        async with store.uow() as uow:
            await uow.centres.add(a_centre())
            await uow.registrations.add(a_self("r1", OLD), **digests_of(a_self("r1", OLD)))
            assert await uow.centres.get(GENT) is not None, "visible inside the transaction"
        async with store.uow() as uow:
            assert await uow.centres.get(GENT) is None
            assert await uow.registrations.get("r1") is None

    async def test_an_error_rolls_back(self, store: Store) -> None:
        async def fail_halfway() -> None:
            async with store.uow() as uow:
                await uow.centres.add(a_centre())
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            await fail_halfway()
        async with store.uow() as uow:
            assert await uow.centres.list() == []

    async def test_rollback_discards_and_work_goes_on(self, store: Store) -> None:
        async with store.uow() as uow:
            await uow.centres.add(a_centre())
            await uow.rollback()
            await uow.centres.add(a_centre(BRUGGE, name="Brugge", short="BRU"))
            await uow.commit()
        async with store.uow() as uow:
            assert [c.id for c in await uow.centres.list()] == [BRUGGE]

    async def test_work_after_a_commit_needs_its_own_commit(self, store: Store) -> None:
        async with store.uow() as uow:
            await uow.centres.add(a_centre())
            await uow.commit()
            await uow.centres.add(a_centre(BRUGGE, name="Brugge", short="BRU"))
        async with store.uow() as uow:
            assert [c.id for c in await uow.centres.list()] == [GENT]

    async def test_changing_a_loaded_object_changes_nothing_until_saved(self, store: Store) -> None:
        async with store.uow() as uow:
            await uow.sessions.add(a_session(slots=5))
            await uow.commit()
        async with store.uow() as uow:
            session = await uow.sessions.get("session-1", for_update=True)
            assert session is not None
            session.add_slots(3)
            await uow.commit()
        async with store.uow() as uow:
            again = await uow.sessions.get("session-1")
            assert again is not None and again.slots == 5

    @pytest.mark.parametrize("store", ["memory", "sqlite"], indirect=True)
    async def test_units_of_work_take_turns(self, store: Store) -> None:
        """Memory holds a lock, SQLite begins IMMEDIATE: the second waits for the first."""
        events: list[str] = []

        async def second() -> None:
            async with store.uow() as uow:
                events.append("second in")
                assert await uow.centres.get(GENT) is not None
                await uow.commit()

        async with store.uow() as uow:
            events.append("first in")
            task = asyncio.create_task(second())
            await asyncio.sleep(0.2)
            await uow.centres.add(a_centre())
            await uow.commit()
            events.append("first done")
        await asyncio.wait_for(task, 10)
        assert events == ["first in", "first done", "second in"]


class TestCentresAndOpenSlots:
    async def test_a_centre_comes_back_as_it_was(self, store: Store) -> None:
        centre = a_centre(codes=["9000", "9050", "9051"])
        async with store.uow() as uow:
            await uow.centres.add(centre)
            await uow.centres.add(a_centre(BRUGGE, name="AZ Brugge", short="BRU", codes=["8000"]))
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.centres.get(GENT) == centre
            assert await uow.centres.by_short_code("GENT") == centre
            assert await uow.centres.by_short_code("XYZ") is None
            assert await uow.centres.get("nope") is None
            assert await uow.centres.existing([BRUGGE, "nope", GENT, GENT]) == {BRUGGE, GENT}
            assert await uow.centres.existing([]) == set()

    async def test_a_saved_centre_keeps_its_new_postcodes(self, store: Store) -> None:
        centre = a_centre(codes=["9000", "9050"])
        async with store.uow() as uow:
            await uow.centres.add(centre)
            await uow.commit()
        centre.postcodes = frozenset({Postcode("9050"), Postcode("9051")})
        centre.name = "Gent ICC"
        centre.phone = None
        async with store.uow() as uow:
            await uow.centres.save(centre)
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.centres.get(GENT) == centre
            assert await uow.centres.list(postcode="9000") == []

    async def test_centres_are_listed_by_name_and_by_postcode(self, store: Store) -> None:
        async with store.uow() as uow:
            await uow.centres.add(a_centre("c-z", name="Zottegem", short="ZOT", codes=["9620"]))
            await uow.centres.add(a_centre("c-a", name="Aalst", short="AAL", codes=["9300"]))
            await uow.centres.add(a_centre("c-g", name="Gent", short="GEN", codes=["9000", "9300"]))
            await uow.commit()
        async with store.uow() as uow:
            assert [c.id for c in await uow.centres.list()] == ["c-a", "c-g", "c-z"]
            assert [c.id for c in await uow.centres.list(postcode="9300")] == ["c-a", "c-g"]
            assert await uow.centres.list(postcode="1000") == []

    async def test_open_slots_are_claimed_and_listed_while_any_is_left(self, store: Store) -> None:
        slot = an_open_slot("s-1")
        async with store.uow() as uow:
            await uow.open_slots.add(slot)
            await uow.open_slots.add(an_open_slot("s-today", date=TODAY))
            await uow.open_slots.add(an_open_slot("s-brugge", centre=BRUGGE))
            await uow.commit()
        async with store.uow() as uow:
            locked = await uow.open_slots.get_for_update("s-1")
            assert locked == slot
            assert locked is not None
            for _ in range(3):
                locked.claim()
            await uow.open_slots.save(locked)
            await uow.commit()
        async with store.uow() as uow:
            again = await uow.open_slots.get_for_update("s-1")
            assert again is not None and again.available == 0
            everything = await uow.open_slots.list_open(from_date=TODAY, centre_ids=None)
            assert [s.id for s in everything] == ["s-today", "s-brugge"]
            tomorrow = await uow.open_slots.list_open(from_date=DAY, centre_ids=None)
            assert [s.id for s in tomorrow] == ["s-brugge"]
            gent = await uow.open_slots.list_open(from_date=TODAY, centre_ids=[GENT])
            assert [s.id for s in gent] == ["s-today"]
            assert await uow.open_slots.list_open(from_date=TODAY, centre_ids=[]) == []
            assert await uow.open_slots.get_for_update("nope") is None


class TestSessionsAndInvitations:
    async def test_a_session_comes_back_as_it_was_saved(self, store: Store) -> None:
        session = a_session()
        async with store.uow() as uow:
            await uow.sessions.add(session)
            await uow.commit()
        session.add_slots(2)
        async with store.uow() as uow:
            await uow.sessions.save(session)
            await uow.commit()
        async with store.uow() as uow:
            loaded = await uow.sessions.get("session-1")
            assert loaded == session
            assert loaded is not None and loaded.opened_at.utcoffset() == dt.timedelta(0)
            assert await uow.sessions.get("nope") is None

    async def test_invitations_come_back_in_invitation_order(self, store: Store) -> None:
        group = listed(a_group("r-group", [OLD, YOUNG]))
        single = listed(a_self("r-single", YOUNG))
        first = an_invitation("i-b", group, persons=[p.id for p in group.persons])
        second = an_invitation("i-a", single)
        third = an_invitation("i-0", single, session_id="session-2", now=NOW + HOUR)
        async with store.uow() as uow:
            await uow.invitations.add(first)
            await uow.invitations.add_many([second, third])
            await uow.invitations.add_many([])
            await uow.commit()
        first.delivered(NOW + MINUTE, TTL)
        first.book(NOW + 2 * MINUTE)
        async with store.uow() as uow:
            await uow.invitations.save(first)
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.invitations.for_session("session-1") == [first, second]
            assert await uow.invitations.for_registration("r-single") == [second, third]
            assert await uow.invitations.get("i-b", for_update=True) == first
            assert await uow.invitations.get("nope") is None
            loaded = await uow.invitations.get("i-b")
            assert loaded is not None and loaded.person_ids == first.person_ids
            assert loaded.expires_at == NOW + MINUTE + TTL
            assert loaded.expires_at is not None
            assert loaded.expires_at.utcoffset() == dt.timedelta(0)

    async def test_due_invitations_are_expired_or_never_delivered(self, store: Store) -> None:
        registration = listed(third_parties("r1", [OLD, YOUNG, OLD]))
        p1, p2, p3 = (p.id for p in registration.persons)
        expired = an_invitation("i-expired", registration, persons=[p1])
        expired.delivered(NOW, TTL)
        undelivered = an_invitation("i-undelivered", registration, persons=[p2])
        running = an_invitation("i-running", registration, persons=[p3], now=NOW + 20 * MINUTE)
        running.delivered(NOW + 20 * MINUTE, TTL)
        claimed = an_invitation("i-claimed", registration, persons=[p3], session_id=None)
        claimed.delivered(NOW, None)
        booked = an_invitation("i-booked", registration, persons=[p1])
        booked.delivered(NOW, TTL)
        booked.book(NOW + MINUTE)
        async with store.uow() as uow:
            for invitation in (expired, undelivered, running, claimed, booked):
                await uow.invitations.add(invitation)
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.invitations.due(NOW + 4 * MINUTE, DELIVERY_GRACE, 10) == []
            assert [
                i.id for i in await uow.invitations.due(NOW + 5 * MINUTE, DELIVERY_GRACE, 10)
            ] == ["i-undelivered"]
            due = await uow.invitations.due(NOW + TTL, DELIVERY_GRACE, 10)
            assert [i.id for i in due] == ["i-expired", "i-undelivered"]
            assert len(await uow.invitations.due(NOW + TTL, DELIVERY_GRACE, 1)) == 1
            later = await uow.invitations.due(NOW + 50 * MINUTE, DELIVERY_GRACE, 10)
            assert [i.id for i in later] == ["i-expired", "i-undelivered", "i-running"]

    async def test_many_invitations_are_read_at_once_in_order(self, store: Store) -> None:
        registration = listed(a_self("r1", OLD))
        late = an_invitation("i-late", registration, now=NOW + HOUR)
        early = an_invitation("i-early", registration)
        async with store.uow() as uow:
            await uow.invitations.add_many([late, early])
            await uow.commit()
        async with store.uow() as uow:
            found = await uow.invitations.get_many(["i-late", "nobody", "i-early"], for_update=True)
            assert found == [early, late]
            assert await uow.invitations.get_many([]) == []

    async def test_open_and_latest_invitation_of_a_person(self, store: Store) -> None:
        registration = listed(a_self("r1", OLD))
        pid = registration.persons[0].id
        old = an_invitation("i-old", registration)
        old.expire(NOW + HOUR)
        new = an_invitation("i-new", registration, session_id="session-2", now=NOW + 2 * HOUR)
        async with store.uow() as uow:
            await uow.invitations.add(old)
            await uow.invitations.add(new)
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.invitations.open_for_person(registration.id, pid) == new
            assert await uow.invitations.latest_for_person(registration.id, pid) == new
            assert await uow.invitations.open_for_person(registration.id, "nobody") is None
            assert await uow.invitations.latest_for_person("another", pid) is None
            new.cancel(NOW + 3 * HOUR)
            await uow.invitations.save(new)
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.invitations.open_for_person(registration.id, pid) is None
            latest = await uow.invitations.latest_for_person(registration.id, pid)
            assert latest is not None and latest.status is InvitationStatus.CANCELLED


class TestOutbox:
    async def test_a_message_comes_back_with_its_payload(self, store: Store) -> None:
        message = a_message("m1", invitation_id="i1", registration_id="r1")
        async with store.uow() as uow:
            await uow.outbox.add(message)
            await uow.outbox.add_many(
                [
                    a_message("m0", invitation_id="i1", at=NOW - MINUTE),
                    a_message("m2", invitation_id="i2"),
                ]
            )
            await uow.outbox.add_many([])
            await uow.commit()
        async with store.uow() as uow:
            found = await uow.outbox.for_invitation("i1")
            assert [m.id for m in await uow.outbox.for_invitation("i2")] == ["m2"]
        assert [m.id for m in found] == ["m0", "m1"]
        assert found[1] == message
        assert found[1].payload["codes"] == ["a", "b"]

    async def test_due_messages_are_leased_to_one_worker(self, store: Store) -> None:
        async with store.uow() as uow:
            await uow.outbox.add(a_message("m-late", at=NOW + HOUR))
            for n in range(3):
                await uow.outbox.add(a_message(f"m{n}", at=NOW + n * MINUTE))
            await uow.commit()
        async with store.uow() as uow:
            first = await uow.outbox.claim_due(NOW + 10 * MINUTE, 2, LEASE)
            await uow.commit()
        assert [m.id for m in first] == ["m0", "m1"]
        async with store.uow() as uow:
            second = await uow.outbox.claim_due(NOW + 11 * MINUTE, 10, LEASE)
            await uow.commit()
        assert [m.id for m in second] == ["m2"], "leased messages are skipped"
        async with store.uow() as uow:
            assert await uow.outbox.claim_due(NOW + 14 * MINUTE, 10, LEASE) == []
            # the worker holding m0 and m1 died: their lease runs out
            again = await uow.outbox.claim_due(NOW + 15 * MINUTE, 10, LEASE)
            await uow.commit()
        assert [m.id for m in again] == ["m0", "m1"]

    async def test_a_lease_is_not_kept_without_a_commit(self, store: Store) -> None:
        async with store.uow() as uow:
            await uow.outbox.add(a_message("m1"))
            await uow.commit()
        async with store.uow() as uow:
            assert len(await uow.outbox.claim_due(NOW, 10, LEASE)) == 1
        async with store.uow() as uow:
            assert len(await uow.outbox.claim_due(NOW, 10, LEASE)) == 1

    async def test_failures_back_off_and_end_dead(self, store: Store) -> None:
        async with store.uow() as uow:
            await uow.outbox.add(a_message("m1", invitation_id="i"))
            await uow.outbox.add(a_message("m2", invitation_id="i"))
            await uow.commit()
        async with store.uow() as uow:
            m1, m2 = await uow.outbox.claim_due(NOW, 10, LEASE)
            await uow.commit()
        m1.failed(NOW, "ServiceUnavailable")
        m2.succeeded(NOW)
        async with store.uow() as uow:
            await uow.outbox.save(m1)
            await uow.outbox.save(m2)
            await uow.commit()
        async with store.uow() as uow:
            early = NOW + BASE_BACKOFF - dt.timedelta(microseconds=1)
            assert await uow.outbox.claim_due(early, 10, LEASE) == [], "saving ends the lease"
            [retry] = await uow.outbox.claim_due(NOW + BASE_BACKOFF, 10, LEASE)
            assert retry.attempts == 1 and retry.last_error == "ServiceUnavailable"
            for attempt in range(2, MAX_ATTEMPTS + 1):
                retry.failed(NOW + attempt * HOUR, "ServiceUnavailable")
            await uow.outbox.save(retry)
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.outbox.claim_due(NOW + 100 * HOUR, 10, LEASE) == []
            assert await uow.outbox.counts() == {
                "pending": 0,
                "delivered": 1,
                "dead": 1,
                "skipped": 0,
            }
            dead, delivered = await uow.outbox.for_invitation("i")
        assert dead == retry and dead.status is OutboxStatus.DEAD
        assert dead.attempts == MAX_ATTEMPTS
        assert delivered == m2 and delivered.delivered_at == NOW

    async def test_counts_name_every_status(self, store: Store) -> None:
        async with store.uow() as uow:
            assert await uow.outbox.counts() == {
                "pending": 0,
                "delivered": 0,
                "dead": 0,
                "skipped": 0,
            }
            await uow.outbox.add(a_message("m1"))
            await uow.outbox.add(a_message("m2"))
            assert (await uow.outbox.counts())["pending"] == 2

    async def test_forgetting_a_registration_skips_and_blanks_its_messages(
        self, store: Store
    ) -> None:
        async with store.uow() as uow:
            await uow.outbox.add(a_message("m-pending", registration_id="r1", invitation_id="i"))
            await uow.outbox.add(a_message("m-sent", registration_id="r1", invitation_id="i"))
            await uow.outbox.add(a_message("m-other", registration_id="r2", invitation_id="i"))
            await uow.commit()
        async with store.uow() as uow:
            claimed = {m.id: m for m in await uow.outbox.claim_due(NOW, 10, LEASE)}
            sent = claimed["m-sent"]
            sent.succeeded(NOW)
            await uow.outbox.save(sent)
            await uow.outbox.forget_registration("r1", NOW + HOUR)
            await uow.commit()
        async with store.uow() as uow:
            found = {m.id: m for m in await uow.outbox.for_invitation("i")}
            assert await uow.outbox.claim_due(NOW + 2 * HOUR, 10, LEASE) == [found["m-other"]]
        assert found["m-pending"].status is OutboxStatus.SKIPPED
        assert found["m-pending"].delivered_at == NOW + HOUR
        assert found["m-sent"].status is OutboxStatus.DELIVERED
        assert found["m-pending"].payload == {} and found["m-sent"].payload == {}
        assert found["m-other"].payload != {}


class TestStaffEventsAndAudit:
    async def test_a_staff_token_is_found_by_its_digest(self, store: Store) -> None:
        token = StaffToken(
            id="t1",
            digest="digest-1",
            role=Role.CENTRE,
            name="Gent desk",
            created_at=NOW,
            centre_ids=frozenset({GENT, BRUGGE}),
        )
        doctor = StaffToken(
            id="t2",
            digest="digest-2",
            role=Role.DOCTOR,
            name="Dr. Claes",
            created_at=NOW,
            nihdi_number="12345678901",
            revoked_at=NOW + HOUR,
        )
        async with store.uow() as uow:
            await uow.staff_tokens.add(token)
            await uow.staff_tokens.add(doctor)
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.staff_tokens.by_digest("digest-1") == token
            assert await uow.staff_tokens.by_digest("digest-2") == doctor
            assert await uow.staff_tokens.by_digest("nope") is None

    async def test_a_staff_token_is_revoked_once(self, store: Store) -> None:
        token = StaffToken(id="t1", digest="d1", role=Role.REPORTING, name="x", created_at=NOW)
        async with store.uow() as uow:
            await uow.staff_tokens.add(token)
            await uow.commit()
        async with store.uow() as uow:
            first = await uow.staff_tokens.revoke("t1", NOW + HOUR)
            again = await uow.staff_tokens.revoke("t1", NOW + 2 * HOUR)
            assert await uow.staff_tokens.revoke("nope", NOW) is None
            await uow.commit()
        assert first is not None and first.revoked_at == NOW + HOUR
        assert again is not None and again.revoked_at == NOW + HOUR
        async with store.uow() as uow:
            found = await uow.staff_tokens.by_digest("d1")
        assert found is not None and found.revoked_at == NOW + HOUR

    async def test_a_booking_event_is_recorded_once(self, store: Store) -> None:
        event = BookingEventRecord("k1", "code-digest", "booked", NOW, NOW + MINUTE)
        async with store.uow() as uow:
            assert await uow.booking_events.add_if_new(event) is True
        async with store.uow() as uow:
            assert await uow.booking_events.add_if_new(event) is True, "the first was rolled back"
            assert await uow.booking_events.add_if_new(event) is False
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.booking_events.add_if_new(event) is False
            other = BookingEventRecord("k2", "code-digest", "cancelled", NOW, NOW)
            assert await uow.booking_events.add_if_new(other) is True

    async def test_the_audit_log_lists_the_newest_first(self, store: Store) -> None:
        entries = [
            AuditEntry(f"a{n}", NOW + n * MINUTE, "t1", "session.open", f"s{n}", {"slots": n})
            for n in range(4)
        ]
        async with store.uow() as uow:
            for entry in entries:
                await uow.audit.append(entry)
            await uow.audit.append(AuditEntry("a-same", NOW + 3 * MINUTE, "t2", "report.read"))
            await uow.commit()
        async with store.uow() as uow:
            listed_ = await uow.audit.list(limit=3)
            assert [e.id for e in listed_] == ["a-same", "a3", "a2"]
            assert listed_[1] == entries[3]
            assert len(await uow.audit.list()) == 5


class TestSummary:
    """N-REPORT: the summary equals a recount of what was stored."""

    async def test_the_summary_equals_a_recount(self, store: Store) -> None:
        eupen = a_self("r-eupen", OLD, serial=3, postcode="4700", centres=[BRUGGE])
        withdrawn = listed(a_self("r-withdrawn", YOUNG, serial=4))
        withdrawn.withdraw(NOW)
        family = listed(third_parties("r-third", [OLD, YOUNG]))
        group = listed(a_group("r-group", [OLD, YOUNG, YOUNG]))
        single = listed(a_self("r-self", YOUNG))
        registrations = [
            single,
            group,
            family,
            listed(a_patient("r-patient", OLD)),
            listed(a_companion("r-companion", YOUNG)),
            an_open_slot_claim("r-claim", OLD),
            eupen,
            withdrawn,
        ]
        await given(store, *registrations)
        invitations = [
            an_invitation("i1", family, persons=[family.persons[0].id]),
            an_invitation("i2", family, persons=[family.persons[1].id]),
            an_invitation("i3", group, persons=[p.id for p in group.persons]),
            an_invitation("i4", single),
        ]
        invitations[2].book(NOW)
        invitations[3].expire(NOW)
        invitations[3].book(NOW)  # late: kept, never takes the seat back
        async with store.uow() as uow:
            for invitation in invitations:
                await uow.invitations.add(invitation)
            await uow.registrations.erase("r-withdrawn")
            await uow.commit()
        async with store.uow() as uow:
            summary = await uow.reports.summary()

        active = [r for r in registrations if r.status is not Status.WITHDRAWN]
        assert summary.registered == sum(len(r.persons) for r in active) == 10
        assert summary.invited == sum(i.seats for i in invitations) == 6
        assert summary.groups == 1
        assert summary.third_party_invitations == 2
        regions = Counter({"VLG": 0, "BRU": 0, "WAL": 0, "OOS": 0})
        regions.update(p.person.postcode.region.value for r in active for p in r.persons)
        assert summary.by_region == dict(regions)
        assert summary.by_region["OOS"] == 1
        assert summary.by_centre == dict(Counter(c for r in active for c in r.centre_ids))
        statuses = Counter({s.value: 0 for s in Status})
        statuses.update(r.status.value for r in registrations)
        assert summary.by_status == dict(statuses)
        assert summary.by_status["withdrawn"] == 1
        assert summary.invitations == {
            "sent": 2,
            "booked": 1,
            "expired": 1,
            "cancelled": 0,
            "late": 1,
        }

    async def test_the_breakdown_equals_a_recount(self, store: Store) -> None:
        """N-REPORT: kinds, provinces, invitations per centre and per Brussels day."""
        late_evening = NOW + 15 * HOUR  # 23:00 UTC is 01:00 the next day in Brussels
        night = NOW - 9 * HOUR  # 23:00 UTC the day before is 01:00 today in Brussels
        eupen = listed(a_self("r-eupen", OLD, serial=3, postcode="4700", now=night))
        withdrawn = listed(a_self("r-withdrawn", YOUNG, serial=4, postcode="8000"))
        withdrawn.withdraw(NOW)
        group = listed(a_group("r-group", [OLD, YOUNG]))
        single = listed(a_self("r-self", YOUNG, postcode="3000", now=late_evening))
        patient = listed(a_patient("r-patient", OLD))
        claim = an_open_slot_claim("r-claim", OLD)
        registrations = [eupen, withdrawn, group, single, patient, claim]
        await given(store, *registrations)
        invitations = [
            an_invitation("i1", group, persons=[p.id for p in group.persons]),
            an_invitation("i2", single, session_id="session-brugge", now=late_evening),
            an_invitation("i3", patient, session_id="session-unknown"),
            Invitation.issue(
                id="i4",
                registration_id=claim.id,
                person_ids=(claim.persons[0].id,),
                now=NOW,
                open_slot_id="slot-1",
            ),
        ]
        invitations[0].book(NOW)
        invitations[1].expire(late_evening + HOUR)
        async with store.uow() as uow:
            await uow.centres.add(a_centre())
            await uow.centres.add(a_centre(BRUGGE, name="Brugge", short="BRUG", codes=["8000"]))
            await uow.sessions.add(a_session())
            await uow.sessions.add(a_session("session-brugge", centre=BRUGGE))
            await uow.open_slots.add(an_open_slot())
            for invitation in invitations:
                await uow.invitations.add(invitation)
            await uow.registrations.erase("r-withdrawn")
            await uow.commit()
        async with store.uow() as uow:
            breakdown = await uow.reports.breakdown()

        assert breakdown.by_kind == {
            "open_slot": 1,
            "self": 2,
            "group": 1,
            "companion": 0,
            "third_party": 0,
            "patient": 1,
        }
        active = [r for r in registrations if r.status is not Status.WITHDRAWN]
        provinces = Counter(p.person.postcode.province for r in active for p in r.persons)
        assert breakdown.by_province == dict(provinces)
        assert breakdown.by_province == {"BRU": 3, "WLG": 1, "VBR": 1, "VOV": 1}
        zero = {"sent": 0, "booked": 0, "expired": 0, "cancelled": 0}
        assert breakdown.invitations_by_centre == {
            GENT: {**zero, "booked": 1, "sent": 1},
            BRUGGE: {**zero, "expired": 1},
        }
        assert breakdown.registrations_per_day == {"2021-04-12": 5, "2021-04-13": 1}
        assert breakdown.invitations_per_day == {"2021-04-12": 3, "2021-04-13": 1}

    async def test_an_empty_store_reports_zeros(self, store: Store) -> None:
        async with store.uow() as uow:
            summary = await uow.reports.summary()
        assert (summary.registered, summary.invited, summary.groups) == (0, 0, 0)
        assert summary.by_region == {"VLG": 0, "BRU": 0, "WAL": 0, "OOS": 0}
        assert summary.by_centre == {}
        assert set(summary.by_status.values()) == {0}
        async with store.uow() as uow:
            breakdown = await uow.reports.breakdown()
        assert set(breakdown.by_kind.values()) == {0}
        assert breakdown.by_province == {}
        assert breakdown.invitations_by_centre == {}
        assert breakdown.registrations_per_day == breakdown.invitations_per_day == {}


class TestDoctorsPatients:
    async def test_a_doctor_sees_their_own_patients_newest_first(self, store: Store) -> None:
        """R-REG-F: the doctor follows their patients; nobody else's."""
        import datetime as dt

        from tests.integration.storage.support import a_patient, a_self

        older = a_patient("r-older", dt.date(1940, 1, 1))
        newer = a_patient("r-newer", dt.date(1941, 1, 1), now=NOW + dt.timedelta(hours=1))
        await given(store, older, newer, a_self("r-self", dt.date(1950, 1, 1), serial=9))
        async with store.uow() as uow:
            mine = await uow.registrations.for_doctor("doctor-1", limit=10)
            first = await uow.registrations.for_doctor("doctor-1", limit=1)
            nobody = await uow.registrations.for_doctor("doctor-2", limit=10)
        assert [r.id for r in mine] == ["r-newer", "r-older"]
        assert [r.id for r in first] == ["r-newer"]
        assert nobody == []
