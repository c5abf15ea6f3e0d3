"""Contract of the set-based invitation ports, the same for memory, SQLite and PostgreSQL.

``invite_units`` and ``release_expired`` must leave every registration exactly as the
domain's ``mark_invited`` and ``release`` would (N-SCALE, R-RANK, R-NOTIFY).
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from collections.abc import Callable

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, assume, settings
from hypothesis import given as for_all
from hypothesis import strategies as st

from lmb.adapters.sql import mappers
from lmb.adapters.sql import tables as t
from lmb.application.ports import CandidateQuery
from lmb.domain.availability import HalfDay
from lmb.domain.invitation import Invitation, InvitationStatus
from lmb.domain.person import PersonStatus, VcdbStatus
from lmb.domain.ranking import Candidate
from lmb.domain.registration import Registration, Status
from lmb.testing import registrations
from tests.integration.storage.support import (
    DAY,
    GENT,
    NOW,
    Store,
    a_companion,
    a_group,
    a_patient,
    a_self,
    an_invitation,
    given,
    listed,
    third_parties,
)

OLD = dt.date(1940, 5, 6)
MIDDLE = dt.date(1958, 7, 8)
YOUNG = dt.date(1985, 7, 30)
HOUR = dt.timedelta(hours=1)
LATER = NOW + HOUR
ALL_SIZES = ((1, 50), (2, 50), (3, 50), (4, 50))
SQL = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
SERIAL = itertools.count(1)
TODAY = NOW.date()

KINDS: dict[str, Callable[[], Registration]] = {
    "self": lambda: listed(a_self("r-self", YOUNG)),
    "group": lambda: listed(a_group("r-group", [MIDDLE, OLD, YOUNG])),
    "companion": lambda: listed(a_companion("r-companion", YOUNG)),
    "third_party": lambda: listed(third_parties("r-third", [OLD, YOUNG])),
    "patient": lambda: listed(a_patient("r-patient", OLD)),
}


async def candidates(store: Store, session: str = "session-1") -> list[Candidate]:
    async with store.uow() as uow:
        return await uow.registrations.candidates(
            CandidateQuery(GENT, DAY, frozenset({HalfDay.EVENING}), LATER, session, ALL_SIZES)
        )


async def invite(store: Store, units: list[Candidate], now: dt.datetime = NOW) -> list[Candidate]:
    """As a session does: the units still waiting are marked, their invitations added."""
    async with store.uow() as uow:
        invited = await uow.registrations.invite_units(units, now)
        await uow.invitations.add_many([invitation_for(u) for u in invited])
        await uow.commit()
    return invited


async def release(store: Store, units: list[Candidate], now: dt.datetime) -> None:
    """As an expiry pass does: the invitations lapse and their persons are released."""
    async with store.uow() as uow:
        invitations = [await uow.invitations.get(invitation_for(u).id) for u in units]
        lapsed = [i for i in invitations if i is not None]
        for invitation in lapsed:
            invitation.expire(now)
        await uow.invitations.save_many(lapsed)
        await uow.registrations.release_expired(lapsed, now)
        await uow.commit()


async def stored(store: Store, registration_id: str) -> Registration:
    async with store.uow() as uow:
        found = await uow.registrations.get(registration_id)
    assert found is not None
    return found


def invitation_for(unit: Candidate) -> Invitation:
    return Invitation.issue(
        id=f"i-{unit.person_ids[0]}",
        registration_id=unit.registration_id,
        person_ids=tuple(unit.person_ids),
        now=NOW,
        session_id="session-1",
    )


class TestInviteUnits:
    @pytest.mark.parametrize("kind", list(KINDS))
    async def test_inviting_a_unit_does_what_the_domain_does(self, store: Store, kind: str) -> None:
        registration = KINDS[kind]()
        await given(store, registration)
        unit = (await candidates(store))[0]
        assert await invite(store, [unit]) == [unit]
        expected = copy.deepcopy(registration)
        expected.mark_invited(unit.person_ids, NOW)
        assert await stored(store, registration.id) == expected
        assert expected.status is Status.INVITED

    async def test_an_invited_unit_is_no_candidate_any_more(self, store: Store) -> None:
        family = listed(third_parties("r-family", [OLD, YOUNG]))
        await given(store, family, listed(a_self("r-self", MIDDLE)))
        first = (await candidates(store))[0]
        assert first.person_ids == (family.persons[0].id,)
        await invite(store, [first])
        left = await candidates(store, session="session-2")
        assert sorted(c.person_ids for c in left) == sorted(
            [(family.persons[1].id,), ("r-self-p1",)]
        )

    async def test_a_unit_is_invited_once(self, store: Store) -> None:
        await given(store, listed(a_self("r-a", OLD)), listed(a_self("r-b", YOUNG)))
        units = await candidates(store)
        assert await invite(store, units[:1]) == units[:1]
        assert await invite(store, units) == units[1:]

    async def test_a_unit_that_is_not_stored_is_passed_over(self, store: Store) -> None:
        await given(store, listed(a_self("r-a", OLD)))
        ghost = Candidate(
            registration_id="r-ghost",
            person_ids=("r-ghost-p1",),
            birth_key=1,
            is_companion=False,
            listed_at=NOW,
        )
        assert await invite(store, [ghost]) == []

    async def test_a_person_without_a_vaccination_code_is_passed_over(self, store: Store) -> None:
        """R-ASYNC: eligible, but the code is not stored: they could not book."""
        uncoded = a_self("r-uncoded", OLD)
        uncoded.confirm_contact(NOW)
        uncoded.record_eligibility(uncoded.persons[0].id, VcdbStatus.ELIGIBLE, None, NOW)
        await given(store, uncoded, listed(a_self("r-coded", YOUNG)))
        units = await candidates(store)
        assert [u.registration_id for u in units] == ["r-uncoded", "r-coded"]
        assert [u.registration_id for u in await invite(store, units)] == ["r-coded"]
        assert (await stored(store, "r-uncoded")).status is Status.ACTIVE

    async def test_many_units_of_many_registrations_at_once(self, store: Store) -> None:
        registrations = [KINDS[kind]() for kind in KINDS]
        await given(store, *registrations)
        units = await candidates(store)
        assert await invite(store, units) == units
        for registration in registrations:
            expected = copy.deepcopy(registration)
            for unit in units:
                if unit.registration_id == registration.id:
                    expected.mark_invited(unit.person_ids, NOW)
            assert await stored(store, registration.id) == expected
        assert await candidates(store, session="session-2") == []


class TestReleaseExpired:
    @pytest.mark.parametrize("kind", list(KINDS))
    async def test_releasing_does_what_the_domain_does(self, store: Store, kind: str) -> None:
        registration = KINDS[kind]()
        await given(store, registration)
        unit = (await candidates(store))[0]
        await invite(store, [unit])
        await release(store, [unit], LATER)
        expected = copy.deepcopy(registration)
        expected.mark_invited(unit.person_ids, NOW)
        expected.release(unit.person_ids, LATER)
        assert await stored(store, registration.id) == expected

    async def test_a_released_unit_is_offered_again_by_another_session(self, store: Store) -> None:
        group = listed(a_group("r-group", [OLD, YOUNG]))
        await given(store, group)
        unit = (await candidates(store))[0]
        await invite(store, [unit])
        assert await candidates(store, session="session-2") == []
        await release(store, [unit], LATER)
        assert await candidates(store, session="session-2") == [unit]

    async def test_a_person_still_invited_keeps_the_registration_invited(
        self, store: Store
    ) -> None:
        family = listed(third_parties("r-family", [OLD, YOUNG]))
        await given(store, family)
        first, second = await candidates(store)
        await invite(store, [first, second])
        await release(store, [first], LATER)
        found = await stored(store, family.id)
        assert found.status is Status.INVITED
        assert [p.status for p in found.persons] == [PersonStatus.ELIGIBLE, PersonStatus.INVITED]
        assert await candidates(store, session="session-2") == [first]

    async def test_a_withdrawn_registration_is_left_alone(self, store: Store) -> None:
        registration = listed(a_self("r-gone", OLD))
        await given(store, registration)
        unit = (await candidates(store))[0]
        await invite(store, [unit])
        gone = await stored(store, registration.id)
        gone.withdraw(LATER)
        async with store.uow() as uow:
            await uow.registrations.save(gone)
            await uow.commit()
        await release(store, [unit], LATER + HOUR)
        assert await stored(store, registration.id) == gone

    async def test_nothing_to_release_changes_nothing(self, store: Store) -> None:
        registration = listed(a_self("r-a", OLD))
        await given(store, registration)
        async with store.uow() as uow:
            await uow.registrations.release_expired([an_invitation("i-1", registration)], LATER)
            await uow.registrations.release_expired([], LATER)
            await uow.commit()
        assert await stored(store, registration.id) == registration


class TestSeatsForSession:
    async def test_seats_are_counted_per_status(self, store: Store) -> None:
        group = listed(a_group("r-group", [OLD, YOUNG]))
        single = listed(a_self("r-single", MIDDLE))
        other = listed(a_self("r-other", YOUNG))
        await given(store, group, single, other)
        pair = an_invitation("i-pair", group, persons=[p.id for p in group.persons])
        lone = an_invitation("i-lone", single)
        elsewhere = an_invitation("i-else", other, session_id="session-2")
        lone.expire(LATER)
        async with store.uow() as uow:
            await uow.invitations.add_many([pair, lone, elsewhere])
            await uow.commit()
        async with store.uow() as uow:
            seats = await uow.invitations.seats_for_session("session-1")
            nothing = await uow.invitations.seats_for_session("session-9")
        assert seats == {
            InvitationStatus.SENT: 2,
            InvitationStatus.BOOKED: 0,
            InvitationStatus.EXPIRED: 1,
            InvitationStatus.CANCELLED: 0,
        }
        assert set(nothing.values()) == {0}


async def stored_units(store: Store, registration_id: str) -> dict[str, dict[str, object]]:
    """SQL only: the ``candidate_units`` rows of a registration (slot keys aside)."""
    assert store.engine is not None
    cu = t.candidate_units.c
    async with store.engine.connect() as conn:
        rows = (
            (
                await conn.execute(
                    sa.select(t.candidate_units).where(cu.registration_id == registration_id)
                )
            )
            .mappings()
            .all()
        )
    return {row["unit_key"]: {k: v for k, v in row.items() if k != "slot_keys"} for row in rows}


def derived_units(registration: Registration) -> dict[str, dict[str, object]]:
    """What the mapper derives for ``candidate_units`` from a registration."""
    return {
        key: {k: v for k, v in row.items() if k != "slot_keys"}
        for key, row in mappers.candidate_unit_rows(registration).items()
    }


class TestStoredUnitsFollowTheDomain:
    """SQL only: after bulk changes the stored units (their ``held`` flag included) are
    what the mapper derives."""

    @pytest.mark.parametrize("store", SQL, indirect=True)
    async def test_held_and_released_units_match_the_mapper(self, store: Store) -> None:
        family = listed(third_parties("r-family", [OLD, YOUNG]))
        await given(store, family)
        first, second = await candidates(store)
        await invite(store, [first, second])
        assert derived_units(await stored(store, family.id)) == await stored_units(store, family.id)
        await release(store, [first], LATER)
        assert derived_units(await stored(store, family.id)) == await stored_units(store, family.id)
        assert len(await stored_units(store, family.id)) == 2  # one waiting, one held

    @pytest.mark.parametrize("store", SQL, indirect=True)
    async def test_a_unit_missing_from_the_store_is_rebuilt_on_release(self, store: Store) -> None:
        """Units invited before units were held were deleted: release rebuilds them."""
        assert store.engine is not None
        registration = listed(a_self("r-old", OLD))
        await given(store, registration)
        unit = (await candidates(store))[0]
        await invite(store, [unit])
        async with store.engine.begin() as conn:
            await conn.execute(
                sa.delete(t.candidate_units).where(t.candidate_units.c.registration_id == "r-old")
            )
        await release(store, [unit], LATER)
        assert await candidates(store, session="session-2") == [unit]
        assert len(await stored_units(store, "r-old")) == 1


class TestAgainstTheDomain:
    """Any registration, any of its waiting units: invited, then released, the store
    holds what the domain computes (property-based, on every flavour)."""

    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @for_all(data=st.data())
    async def test_invite_then_release_equals_the_domain(
        self, store: Store, data: st.DataObject
    ) -> None:
        registration = data.draw(registrations(TODAY, NOW, eligibility="mixed"))
        # The store outlives the examples: every example stores ids of its own.
        prefix = f"x{next(SERIAL)}"
        registration = attrs.evolve(
            registration,
            id=f"{prefix}-{registration.id}",
            persons=[attrs.evolve(rp, id=f"{prefix}-{rp.id}") for rp in registration.persons],
        )
        assume(registration.units())
        await given(store, registration)
        units = [Candidate.for_unit(registration, u) for u in registration.units()]
        chosen = data.draw(st.lists(st.sampled_from(units), min_size=1, unique=True))
        invited = await invite(store, chosen)
        assert invited == chosen
        expected = copy.deepcopy(registration)
        for unit in chosen:
            expected.mark_invited(unit.person_ids, NOW)
        assert await stored(store, registration.id) == expected
        if store.engine is not None:
            assert await stored_units(store, registration.id) == derived_units(expected)
        released = data.draw(st.lists(st.sampled_from(chosen), unique=True))
        await release(store, released, LATER)
        for unit in released:
            expected.release(unit.person_ids, LATER)
        assert await stored(store, registration.id) == expected
        if store.engine is not None:
            assert await stored_units(store, registration.id) == derived_units(expected)
