"""Contract of RegistrationRepository, the same for memory, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Callable

import pytest

from lmb.application.model import Message, MessageKind, OutboxMessage, Topic
from lmb.application.ports import CandidateQuery, NewRegistration
from lmb.domain.availability import HalfDay
from lmb.domain.person import VaccinationCode, VcdbStatus
from lmb.domain.ranking import DEFAULT_POLICY, Candidate, candidates_for
from lmb.domain.registration import Registration, Status
from tests.integration.storage.support import (
    BRUGGE,
    DAY,
    EVENING,
    GENT,
    MORNING,
    NOW,
    TODAY,
    Store,
    a_companion,
    a_group,
    a_patient,
    a_self,
    an_invitation,
    an_open_slot_claim,
    digest,
    digests_of,
    free_on,
    listed,
    third_parties,
)

OLDEST = dt.date(1931, 2, 3)
OLD = dt.date(1940, 5, 6)
MIDDLE = dt.date(1958, 7, 8)
YOUNG = dt.date(1985, 7, 30)
YOUNGEST = dt.date(2001, 3, 4)
HOUR = dt.timedelta(hours=1)
DAYS = dt.timedelta(days=1)
ALL_SIZES = ((1, 50), (2, 50), (3, 50), (4, 50))


async def given(store: Store, *registrations: Registration) -> None:
    async with store.uow() as uow:
        for registration in registrations:
            await uow.registrations.add(registration, **digests_of(registration))
        await uow.commit()


async def candidates(
    store: Store,
    *,
    centre: str = GENT,
    date: dt.date = DAY,
    half_days: frozenset[HalfDay] = frozenset({EVENING}),
    now: dt.datetime = NOW + HOUR,
    session: str = "session-1",
    limits: tuple[tuple[int, int], ...] = ALL_SIZES,
) -> list[Candidate]:
    async with store.uow() as uow:
        return await uow.registrations.candidates(
            CandidateQuery(centre, date, half_days, now, session, limits)
        )


def regs_of(found: list[Candidate]) -> list[str]:
    return [c.registration_id for c in found]


KINDS: dict[str, Callable[[], Registration]] = {
    "self": lambda: a_self("r-self", YOUNG),
    "group": lambda: a_group("r-group", [MIDDLE, OLD, YOUNGEST]),
    "companion": lambda: a_companion("r-companion", YOUNG),
    "third_party": lambda: third_parties("r-third", [OLD, YOUNG]),
    "patient": lambda: a_patient("r-patient", OLDEST),
    "open_slot": lambda: an_open_slot_claim("r-claim", MIDDLE),
}


class TestRoundTrips:
    @pytest.mark.parametrize("kind", list(KINDS))
    async def test_every_kind_comes_back_as_it_was_added(self, store: Store, kind: str) -> None:
        registration = KINDS[kind]()
        await given(store, registration)
        async with store.uow() as uow:
            loaded = await uow.registrations.get(registration.id)
        assert loaded == registration

    @pytest.mark.parametrize("kind", list(KINDS))
    async def test_every_kind_comes_back_as_it_was_saved(self, store: Store, kind: str) -> None:
        registration = KINDS[kind]()
        await given(store, registration)
        listed(registration, NOW + HOUR)
        async with store.uow() as uow:
            await uow.registrations.save(registration)
            await uow.commit()
        async with store.uow() as uow:
            loaded = await uow.registrations.get(registration.id, for_update=True)
        assert loaded == registration
        assert loaded is not None
        assert [p.vaccination_code for p in loaded.persons] == [
            p.vaccination_code for p in registration.persons
        ]

    async def test_datetimes_come_back_timezone_aware_utc(self, store: Store) -> None:
        registration = listed(a_self("r1", YOUNG), NOW + HOUR)
        await given(store, registration)
        async with store.uow() as uow:
            loaded = await uow.registrations.get("r1")
        assert loaded is not None and loaded.availability is not None
        for moment in (
            loaded.created_at,
            loaded.confirmed_at,
            loaded.listed_at,
            loaded.availability.confirmed_at,
        ):
            assert moment is not None
            assert moment.utcoffset() == dt.timedelta(0)
        assert loaded.listed_at == NOW + HOUR

    async def test_changes_are_saved(self, store: Store) -> None:
        registration = a_group("r1", [MIDDLE, OLD])
        await given(store, registration)
        listed(registration)
        registration.record_eligibility(
            registration.persons[1].id, VcdbStatus.NOT_ELIGIBLE, None, NOW
        )
        registration.replace_availability(free_on((DAY, MORNING), confirmed_at=NOW + HOUR), NOW)
        async with store.uow() as uow:
            await uow.registrations.save(registration)
            await uow.commit()
        async with store.uow() as uow:
            loaded = await uow.registrations.get("r1")
        assert loaded == registration

    async def test_many_are_added_at_once_as_one_by_one(self, store: Store) -> None:
        """N-SCALE: the intake's batch; what comes back is what ``add`` stores."""
        kinds = [
            listed(a_self("r-self", YOUNG)),
            listed(a_group("r-group", [MIDDLE, OLD, YOUNG])),
            listed(a_companion("r-companion", OLD)),
            third_parties("r-third", [OLD, YOUNG]),
        ]
        async with store.uow() as uow:
            await uow.registrations.add_many([NewRegistration(r, **digests_of(r)) for r in kinds])
            await uow.registrations.add_many([])
            await uow.commit()
        async with store.uow() as uow:
            for registration in kinds:
                assert await uow.registrations.get(registration.id) == registration
                found = await uow.registrations.by_manage_digest(
                    digest(f"manage:{registration.id}")
                )
                assert found == registration
            found_units = await uow.registrations.candidates(
                CandidateQuery(GENT, DAY, frozenset({HalfDay.EVENING}), NOW, "s", ((1, 9), (3, 9)))
            )
        assert sorted(c.registration_id for c in found_units) == [
            "r-companion",
            "r-group",
            "r-self",
        ]

    async def test_a_batch_with_a_digest_missing_adds_none(self, store: Store) -> None:
        good, bad = a_self("r-good", YOUNG), a_self("r-bad", OLD)
        async with store.uow() as uow:
            with pytest.raises(ValueError, match="digest"):
                await uow.registrations.add_many(
                    [
                        NewRegistration(good, **digests_of(good)),
                        NewRegistration(bad, digest("manage:r-bad"), []),
                    ]
                )

    async def test_listed_insz_are_looked_up_at_once(self, store: Store) -> None:
        older, newer = a_self("r-older", OLD), third_parties("r-newer", [YOUNG, MIDDLE])
        newer.created_at = older.created_at + HOUR
        newer.persons[0].person = older.persons[0].person  # the same person, listed twice
        await given(store, older, newer)
        gone = a_self("r-gone", MIDDLE, serial=7)
        gone.withdraw(NOW)
        await given(store, gone)
        wanted = [digest(rp.person.insz.digits) for r in (older, newer, gone) for rp in r.persons]
        async with store.uow() as uow:
            found = await uow.registrations.listed_with_insz_many([*wanted, "nope"])
            assert await uow.registrations.listed_with_insz_many([]) == {}
        assert found == {wanted[0]: "r-older", wanted[2]: "r-newer"}

    async def test_unknown_ids_and_digests_find_nothing(self, store: Store) -> None:
        async with store.uow() as uow:
            assert await uow.registrations.get("nope") is None
            assert await uow.registrations.by_manage_digest("nope") is None
            assert await uow.registrations.listed_with_insz("nope") is None
            assert (
                await uow.registrations.by_vaccination_code(VaccinationCode.parse("NOPE-123")) == []
            )

    async def test_found_by_manage_digest(self, store: Store) -> None:
        registration = a_self("r1", YOUNG)
        await given(store, registration, a_self("r2", OLD))
        async with store.uow() as uow:
            found = await uow.registrations.by_manage_digest(digest("manage:r1"), for_update=True)
        assert found == registration

    async def test_an_insz_already_listed_is_found_until_withdrawn(self, store: Store) -> None:
        registration = third_parties("r1", [OLD, YOUNG])
        await given(store, registration)
        insz = registration.persons[1].person.insz.digits
        async with store.uow() as uow:
            assert await uow.registrations.listed_with_insz(digest(insz)) == "r1"
            registration.withdraw(NOW)
            await uow.registrations.save(registration)
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.registrations.listed_with_insz(digest(insz)) is None

    async def test_found_by_vaccination_code(self, store: Store) -> None:
        a, b = listed(third_parties("r1", [OLD, YOUNG])), listed(a_self("r2", MIDDLE))
        await given(store, a, b)
        code = a.persons[1].vaccination_code
        assert code is not None
        async with store.uow() as uow:
            assert await uow.registrations.by_vaccination_code(code) == [a]

    async def test_one_insz_digest_per_person_is_required(self, store: Store) -> None:
        async with store.uow() as uow:
            with pytest.raises(ValueError, match="digest"):
                await uow.registrations.add(
                    a_group("r1", [OLD, YOUNG]), manage_digest="m", insz_digests=["one"]
                )

    async def test_saving_what_was_never_added_fails(self, store: Store) -> None:
        async with store.uow() as uow:
            with pytest.raises(LookupError):
                await uow.registrations.save(a_self("ghost", OLD))

    async def test_many_are_read_and_saved_together(self, store: Store) -> None:
        """N-SCALE: a session's fill reads and writes its registrations in one batch."""
        group = listed(a_group("r-group", [MIDDLE, OLD]))
        single = listed(a_self("r-single", YOUNG))
        other = listed(a_self("r-other", OLDEST))
        await given(store, single, group, other)
        async with store.uow() as uow:
            loaded = await uow.registrations.get_many(
                ["r-single", "nope", "r-group", "r-single"], for_update=True
            )
            assert loaded == [group, single]  # in id order, unknown ids left out
            assert await uow.registrations.get_many([]) == []
        group.mark_invited([group.persons[0].id, group.persons[1].id], NOW + HOUR)
        single.mark_invited([single.persons[0].id], NOW + HOUR)
        group.replace_availability(free_on((DAY, MORNING), confirmed_at=NOW + HOUR), NOW + HOUR)
        async with store.uow() as uow:
            await uow.registrations.save_many([single, group])
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.registrations.get_many(["r-other", "r-group", "r-single"]) == [
                group,
                other,
                single,
            ]
        assert await candidates(store) == [
            Candidate.for_unit(other, unit) for unit in other.units()
        ]

    async def test_saving_many_with_one_never_added_saves_none(self, store: Store) -> None:
        single = listed(a_self("r-single", YOUNG))
        await given(store, single)
        single.withdraw(NOW + HOUR)
        async with store.uow() as uow:
            with pytest.raises(LookupError):
                await uow.registrations.save_many([single, a_self("ghost", OLD)])
            await uow.commit()
        async with store.uow() as uow:
            loaded = await uow.registrations.get("r-single")
        assert loaded is not None and loaded.withdrawn_at is None


class TestCandidates:
    """R-RANK: the selection filter and the order, at most ``limits`` per size."""

    async def test_companions_first_then_oldest_then_first_listed(self, store: Store) -> None:
        await given(
            store,
            listed(a_self("r-young", YOUNG)),
            listed(a_self("r-old-late", OLD, serial=2), NOW + HOUR),
            listed(a_self("r-old", OLD)),
            listed(a_companion("r-companion", YOUNGEST)),
        )
        found = await candidates(store, now=NOW + 2 * HOUR)
        assert regs_of(found) == ["r-companion", "r-old", "r-old-late", "r-young"]
        assert [c.is_companion for c in found] == [True, False, False, False]
        assert found[1].listed_at == NOW
        assert found[2].listed_at == NOW + HOUR

    async def test_a_group_is_one_unit_ranked_by_its_oldest_member(self, store: Store) -> None:
        group = listed(a_group("r-group", [YOUNG, OLDEST, MIDDLE]))
        await given(store, listed(a_self("r-old", OLD)), group)
        found = await candidates(store)
        assert regs_of(found) == ["r-group", "r-old"]
        assert found[0].person_ids == tuple(p.id for p in group.persons)
        assert found[0].seats == 3
        assert found[0].birth_key == group.persons[1].person.birth_key

    async def test_third_parties_are_invited_one_by_one(self, store: Store) -> None:
        registration = listed(third_parties("r-third", [YOUNG, OLD]))
        await given(store, registration)
        found = await candidates(store)
        assert [c.person_ids for c in found] == [
            (registration.persons[1].id,),
            (registration.persons[0].id,),
        ]

    async def test_lapsed_availability_is_excluded(self, store: Store) -> None:
        stale = listed(a_self("r-stale", OLD, availability=free_on(confirmed_at=NOW - 13 * DAYS)))
        await given(store, stale, listed(a_self("r-fresh", YOUNG)))
        assert regs_of(await candidates(store, now=NOW + DAYS - HOUR)) == ["r-stale", "r-fresh"]
        assert regs_of(await candidates(store, now=NOW + DAYS)) == ["r-fresh"]
        stale.lapse_if_due(NOW + DAYS)
        async with store.uow() as uow:
            await uow.registrations.save(stale)
            await uow.commit()
        assert regs_of(await candidates(store, now=NOW)) == ["r-fresh"]

    async def test_another_centre_date_or_half_day_is_excluded(self, store: Store) -> None:
        await given(
            store,
            listed(a_self("r-brugge", OLDEST, centres=[BRUGGE])),
            listed(a_self("r-morning", OLD, availability=free_on((DAY, MORNING)))),
            listed(a_self("r-today", MIDDLE, availability=free_on((TODAY, EVENING)))),
            listed(a_self("r-match", YOUNG, centres=[BRUGGE, GENT])),
        )
        assert regs_of(await candidates(store)) == ["r-match"]
        both = frozenset({MORNING, EVENING})
        assert regs_of(await candidates(store, half_days=both)) == ["r-morning", "r-match"]
        assert regs_of(await candidates(store, centre=BRUGGE)) == ["r-brugge", "r-match"]
        assert regs_of(await candidates(store, half_days=frozenset())) == []

    async def test_only_listed_registrations_are_candidates(self, store: Store) -> None:
        unconfirmed = a_self("r-unconfirmed", OLDEST)
        pending = a_self("r-pending", OLD)
        pending.confirm_contact(NOW)
        ineligible = a_self("r-ineligible", OLD, serial=3)
        ineligible.confirm_contact(NOW)
        ineligible.record_eligibility(ineligible.persons[0].id, VcdbStatus.NOT_ELIGIBLE, None, NOW)
        withdrawn = listed(a_self("r-withdrawn", OLD, serial=4))
        withdrawn.withdraw(NOW)
        claim = an_open_slot_claim("r-claim", OLD)
        await given(
            store, unconfirmed, pending, ineligible, withdrawn, claim, listed(a_self("r", YOUNG))
        )
        assert regs_of(await candidates(store)) == ["r"]

    async def test_persons_already_offered_this_session_are_excluded(self, store: Store) -> None:
        offered = listed(a_self("r-offered", OLD))
        await given(store, offered, listed(a_self("r-other", YOUNG)))
        invitation = an_invitation("i1", offered, session_id="session-1")
        offered.mark_invited(invitation.person_ids, NOW)
        invitation.expire(NOW + HOUR)
        offered.release(invitation.person_ids, NOW + HOUR)
        async with store.uow() as uow:
            await uow.invitations.add(invitation)
            await uow.registrations.save(offered)
            await uow.commit()
        assert regs_of(await candidates(store, session="session-1")) == ["r-other"]
        assert regs_of(await candidates(store, session="session-2")) == ["r-offered", "r-other"]

    async def test_persons_holding_an_open_invitation_are_excluded(self, store: Store) -> None:
        """Even before the registration records it: the store checks the invitations."""
        single = listed(a_self("r-single", OLDEST))
        family = listed(third_parties("r-family", [OLD, YOUNG]))
        await given(store, single, family)
        async with store.uow() as uow:
            await uow.invitations.add(an_invitation("i1", single, session_id="session-9"))
            await uow.invitations.add(an_invitation("i2", family, session_id=None))
            await uow.commit()
        found = await candidates(store)
        assert [c.person_ids for c in found] == [(family.persons[1].id,)]

    async def test_invited_persons_wait_no_more(self, store: Store) -> None:
        group = listed(a_group("r-group", [OLD, YOUNG]))
        await given(store, group, listed(a_self("r-self", MIDDLE)))
        group.mark_invited([p.id for p in group.persons], NOW)
        async with store.uow() as uow:
            await uow.registrations.save(group)
            await uow.commit()
        assert regs_of(await candidates(store)) == ["r-self"]

    async def test_at_most_the_limit_per_size_are_returned(self, store: Store) -> None:
        await given(
            store,
            listed(a_self("r-a", YOUNG)),
            listed(a_self("r-b", OLDEST)),
            listed(a_self("r-c", MIDDLE)),
            listed(a_self("r-d", OLD)),
            listed(a_group("g-young", [YOUNG, YOUNGEST])),
            listed(a_group("g-old", [OLD, YOUNGEST])),
            listed(a_group("g-three", [OLD, YOUNG, MIDDLE])),
        )
        found = await candidates(store, limits=((1, 2), (2, 1)))
        assert regs_of(found) == ["r-b", "g-old", "r-d"]
        assert regs_of(await candidates(store, limits=((3, 5),))) == ["g-three"]
        assert await candidates(store, limits=((1, 0),)) == []

    async def test_the_order_is_the_domain_policy(self, store: Store) -> None:
        births = [OLD, YOUNG, MIDDLE, OLDEST, YOUNGEST, OLD, MIDDLE, YOUNG]
        registrations = []
        for n, born in enumerate(births):
            listed_at = NOW + (n % 3) * HOUR
            if n % 4 == 0:
                registrations.append(listed(a_group(f"r{n}", [born, YOUNG]), listed_at))
            elif n % 4 == 1:
                registrations.append(listed(third_parties(f"r{n}", [born, OLD]), listed_at))
            elif n % 4 == 2:
                registrations.append(listed(a_companion(f"r{n}", born), listed_at))
            else:
                registrations.append(listed(a_self(f"r{n}", born, serial=n), listed_at))
        await given(store, *registrations)
        limits = ((1, 4), (2, 1))
        everyone = candidates_for(
            registrations,
            centre_id=GENT,
            date=DAY,
            half_days=frozenset({EVENING}),
            now=NOW + 3 * HOUR,
        )
        by_size: dict[int, list[Candidate]] = defaultdict(list)
        for candidate in everyone:
            by_size[candidate.seats].append(candidate)
        expected = DEFAULT_POLICY.rank(
            c for size, n in limits for c in heapq.nsmallest(n, by_size[size], DEFAULT_POLICY.key)
        )
        assert await candidates(store, now=NOW + 3 * HOUR, limits=limits) == expected


class TestLapsesRemindersAndEligibility:
    async def test_due_for_lapse_finds_unconfirmed_availability(self, store: Store) -> None:
        stale = free_on(confirmed_at=NOW - 13 * DAYS)
        invited = listed(a_self("r-invited", OLD, availability=stale))
        invited.mark_invited([invited.persons[0].id], NOW)
        lapsed = listed(a_self("r-lapsed", OLD, serial=2, availability=stale))
        lapsed.lapse_if_due(NOW + DAYS)
        await given(
            store,
            listed(a_self("r-due-2", YOUNG, availability=stale)),
            listed(a_self("r-due-1", MIDDLE, availability=free_on(confirmed_at=NOW - 14 * DAYS))),
            a_self("r-pending", MIDDLE, serial=5, availability=stale),
            listed(a_self("r-fresh", OLDEST)),
            invited,
            lapsed,
            an_open_slot_claim("r-claim", OLD),
        )
        async with store.uow() as uow:
            assert await uow.registrations.due_for_lapse(NOW + DAYS, 10) == [
                "r-due-1",
                "r-due-2",
                "r-pending",
            ]
            assert await uow.registrations.due_for_lapse(NOW + DAYS, 1) == ["r-due-1"]
            assert await uow.registrations.due_for_lapse(NOW, 10) == ["r-due-1"]

    async def test_a_reminder_is_due_once_per_confirmation(self, store: Store) -> None:
        registration = listed(a_self("r1", OLD, availability=free_on(confirmed_at=NOW - 12 * DAYS)))
        await given(
            store,
            registration,
            listed(a_self("r-fresh", YOUNG)),
            a_self("r-pending", MIDDLE, availability=free_on(confirmed_at=NOW - 12 * DAYS)),
        )
        async with store.uow() as uow:
            assert await uow.registrations.due_for_reminder(NOW - HOUR, 10) == []
            assert await uow.registrations.due_for_reminder(NOW, 10) == ["r1"]
            assert await uow.registrations.due_for_reminder(NOW + 2 * DAYS, 10) == []
            await uow.registrations.mark_reminded("r1", NOW - 12 * DAYS)
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.registrations.due_for_reminder(NOW + HOUR, 10) == []
            registration.replace_availability(free_on(confirmed_at=NOW + HOUR), NOW + HOUR)
            await uow.registrations.save(registration)
            await uow.commit()
        async with store.uow() as uow:
            assert await uow.registrations.due_for_reminder(NOW + 12 * DAYS, 10) == ["r-fresh"]
            later = NOW + HOUR + 12 * DAYS
            assert await uow.registrations.due_for_reminder(later, 10) == ["r-fresh", "r1"]
            assert await uow.registrations.due_for_reminder(later, 1) == ["r-fresh"]

    async def test_pending_eligibility_lists_registrations_awaiting_the_vcdb(
        self, store: Store
    ) -> None:
        half = third_parties("r-half", [OLD, YOUNG])
        half.confirm_contact(NOW)
        half.record_eligibility(half.persons[0].id, VcdbStatus.ELIGIBLE, None, NOW)
        withdrawn = a_self("r-withdrawn", OLD)
        withdrawn.withdraw(NOW)
        await given(
            store,
            a_self("r-new", YOUNG, now=NOW + HOUR),
            a_self("r-first", MIDDLE),
            half,
            listed(a_self("r-done", OLDEST)),
            withdrawn,
        )
        async with store.uow() as uow:
            assert await uow.registrations.pending_eligibility(10) == [
                "r-first",
                "r-half",
                "r-new",
            ]
            assert await uow.registrations.pending_eligibility(1) == ["r-first"]


class TestErasure:
    """N-GDPR: a withdrawn registration leaves no personal data in any raw row."""

    async def test_erase_leaves_no_personal_data(self, store: Store) -> None:
        registrations = [
            listed(third_parties("r-third", [OLD, YOUNG])),
            listed(a_companion("r-companion", MIDDLE)),
            listed(a_group("r-group", [OLDEST, YOUNGEST])),
        ]
        await given(store, *registrations)
        secrets: set[str] = set()
        for r in registrations:
            for rp in r.persons:
                p = rp.person
                secrets |= {p.insz.digits, digest(p.insz.digits), p.first_name, p.last_name}
                secrets.add(str(rp.vaccination_code))
                secrets |= {p.email.address} if p.email else set()
                secrets |= {p.mobile.e164} if p.mobile else set()
            if r.contact:
                secrets |= {r.contact.first_name, r.contact.last_name, r.contact.email.address}
            if r.companion_of:
                secrets.add(r.companion_of)
        third_insz = registrations[0].persons[0].person.insz.digits
        async with store.uow() as uow:
            for r in registrations:
                owner = r.owner_address
                message = Message(MessageKind.INVITATION, "nl", owner.name, owner.email, None)
                await uow.outbox.add(
                    OutboxMessage.new(
                        id=f"m-{r.id}",
                        topic=Topic.EMAIL,
                        payload=message.to_payload(),
                        now=NOW,
                        registration_id=r.id,
                    )
                )
            await uow.commit()
        async with store.uow() as uow:
            for r in registrations:
                r.withdraw(NOW + HOUR)
                await uow.registrations.save(r)
                await uow.registrations.erase(r.id)
                await uow.outbox.forget_registration(r.id, NOW + HOUR)
            farewell = Message(
                MessageKind.WITHDRAWAL_CONFIRMED, "nl", "Mie Janssens", "mie@example.be", None
            )
            await uow.outbox.add(
                OutboxMessage.new(
                    id="m-farewell",
                    topic=Topic.EMAIL,
                    payload=farewell.to_payload(),
                    now=NOW + HOUR,
                    registration_id="r-third",
                )
            )
            await uow.commit()
        assert "mie@example.be" in await store.dump(), "pending until delivered"
        async with store.uow() as uow:
            [claimed] = await uow.outbox.claim_due(NOW + 2 * HOUR, 10, dt.timedelta(minutes=5))
            claimed.succeeded(NOW + 2 * HOUR)
            await uow.outbox.save(claimed)
            await uow.commit()
        dump = await store.dump()
        leaked = sorted(s for s in secrets if s in dump)
        assert leaked == []
        assert "Janssens" not in dump
        async with store.uow() as uow:
            gone = await uow.registrations.get("r-third")
            assert gone is not None
            assert gone.status is Status.WITHDRAWN
            assert gone.persons == [] and gone.contact is None and gone.availability is None
            assert await uow.registrations.listed_with_insz(digest(third_insz)) is None
            assert (await uow.outbox.counts())["skipped"] == 3
