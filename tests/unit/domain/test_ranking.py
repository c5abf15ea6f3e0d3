"""Who is invited first: priority rules and top-N selection (R-RANK)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmb.domain.availability import HalfDay, HalfDaySlot
from lmb.domain.person import VcdbStatus
from lmb.domain.ranking import (
    DEFAULT_POLICY,
    Candidate,
    CompanionsFirst,
    EarliestListedFirst,
    OldestFirst,
    RankingPolicy,
    candidates_for,
    is_candidate_for,
)
from lmb.domain.registration import Kind, Registration
from lmb.testing import (
    NOW,
    TODAY,
    a_candidate,
    a_person,
    a_registration,
    an_availability,
    an_insz,
    candidate_pools,
    registrations,
)

relaxed = settings(deadline=None)
seat_counts = st.integers(min_value=0, max_value=25)

SESSION_HALVES = frozenset({HalfDay.AFTERNOON, HalfDay.EVENING})


def naive_select(
    policy: RankingPolicy, candidates: Iterable[Candidate], seats: int
) -> list[Candidate]:
    """The reference: sort everything, walk greedily, take what fits and is not taken."""
    chosen: list[Candidate] = []
    taken: set[str] = set()
    left = seats
    for candidate in sorted(candidates, key=policy.key):
        if 0 < candidate.seats <= left and not taken & set(candidate.person_ids):
            chosen.append(candidate)
            taken |= set(candidate.person_ids)
            left -= candidate.seats
    return chosen


def _ids(candidates: Iterable[Candidate]) -> list[str]:
    return [c.registration_id for c in candidates]


class TestRank:
    @relaxed
    @given(data=st.data(), pool=candidate_pools(), seats=seat_counts)
    def test_the_order_of_arrival_does_not_matter(
        self, data: st.DataObject, pool: list[Candidate], seats: int
    ) -> None:
        """R-RANK: the list is the same however the candidates were read."""
        shuffled = data.draw(st.permutations(pool))
        assert DEFAULT_POLICY.rank(shuffled) == DEFAULT_POLICY.rank(pool)
        assert DEFAULT_POLICY.select(shuffled, seats) == DEFAULT_POLICY.select(pool, seats)

    @relaxed
    @given(pool=candidate_pools())
    def test_companions_always_precede_the_others(self, pool: list[Candidate]) -> None:
        """R-RANK 1: who accompanies a booked person comes first."""
        flags = [c.is_companion for c in DEFAULT_POLICY.rank(pool)]
        assert flags == sorted(flags, reverse=True)

    @relaxed
    @given(pool=candidate_pools())
    def test_among_equals_the_older_precedes_the_younger(self, pool: list[Candidate]) -> None:
        """R-RANK 2: then by age, oldest first; then who was listed first."""
        ranked = DEFAULT_POLICY.rank(pool)
        for before, after in itertools.pairwise(ranked):
            if before.is_companion == after.is_companion:
                assert before.birth_key <= after.birth_key
                if before.birth_key == after.birth_key:
                    assert before.listed_at <= after.listed_at

    def test_an_older_person_is_invited_before_a_younger_one(self) -> None:
        """R-RANK 2: Els (1938) before Jan (1941) before Noah (2001)."""
        els = a_candidate(registration_id="els", born=dt.date(1938, 1, 9))
        jan = a_candidate(registration_id="jan", born=dt.date(1941, 3, 2))
        noah = a_candidate(registration_id="noah", born=dt.date(2001, 6, 30))
        assert _ids(DEFAULT_POLICY.rank([noah, jan, els])) == ["els", "jan", "noah"]

    def test_a_young_companion_precedes_an_old_person(self) -> None:
        """R-RANK 1: the companion of a booked person comes before age."""
        companion = a_candidate(registration_id="zoe", born=dt.date(2003, 1, 1), is_companion=True)
        oldest = a_candidate(registration_id="els", born=dt.date(1925, 1, 1))
        assert _ids(DEFAULT_POLICY.rank([oldest, companion])) == ["zoe", "els"]

    def test_an_unknown_birth_date_ranks_after_known_ones(self) -> None:
        """R-RANK: an INSZ without birth date gives no priority."""
        unknown = a_candidate(registration_id="unknown", birth_key=an_insz(None).birth_key)
        young = a_candidate(
            registration_id="young", birth_key=an_insz(dt.date(2008, 12, 31)).birth_key
        )
        assert _ids(DEFAULT_POLICY.rank([unknown, young])) == ["young", "unknown"]

    def test_bis_and_national_numbers_rank_on_the_same_scale(self) -> None:
        """R-RANK: a BIS number holder born in 1950 precedes a 1960 national number."""
        bis = a_candidate(
            registration_id="bis", birth_key=an_insz(dt.date(1950, 5, 5), bis=40).birth_key
        )
        nn = a_candidate(registration_id="nn", birth_key=an_insz(dt.date(1960, 5, 5)).birth_key)
        assert _ids(DEFAULT_POLICY.rank([nn, bis])) == ["bis", "nn"]

    def test_equals_are_served_in_the_order_they_were_listed(self) -> None:
        """R-RANK: same age, then first come first served, then by id (a total order)."""
        later = a_candidate(registration_id="a-later", listed_at=NOW + dt.timedelta(hours=1))
        earlier = a_candidate(registration_id="b-earlier", listed_at=NOW)
        twin = a_candidate(registration_id="c-twin", listed_at=NOW)
        assert _ids(DEFAULT_POLICY.rank([twin, later, earlier])) == [
            "b-earlier",
            "c-twin",
            "a-later",
        ]

    def test_the_default_policy_is_the_requirement_as_written(self) -> None:
        """R-RANK: companions first, then oldest first, then first listed."""
        assert DEFAULT_POLICY.rules == (CompanionsFirst(), OldestFirst(), EarliestListedFirst())


class TestSelect:
    @relaxed
    @given(pool=candidate_pools(max_size=60), seats=seat_counts)
    def test_select_equals_the_naive_reference(self, pool: list[Candidate], seats: int) -> None:
        """R-RANK: the fast top-N selection invites exactly whom the full ranking would."""
        assert DEFAULT_POLICY.select(pool, seats) == naive_select(DEFAULT_POLICY, pool, seats)

    @relaxed
    @given(pool=candidate_pools(max_size=60, shared_persons=True), seats=seat_counts)
    def test_select_equals_the_naive_reference_when_persons_repeat(
        self, pool: list[Candidate], seats: int
    ) -> None:
        """R-RANK: a unit passed over for a person already taken leaves room for the next."""
        assert DEFAULT_POLICY.select(pool, seats) == naive_select(DEFAULT_POLICY, pool, seats)

    @relaxed
    @given(pool=candidate_pools(shared_persons=True), seats=seat_counts)
    def test_never_more_seats_than_free_and_nobody_twice(
        self, pool: list[Candidate], seats: int
    ) -> None:
        """R-RANK / R-NOTIFY: no dose promised twice, no person invited twice."""
        chosen = DEFAULT_POLICY.select(pool, seats)
        assert sum(c.seats for c in chosen) <= seats
        persons = [pid for c in chosen for pid in c.person_ids]
        assert len(persons) == len(set(persons))
        assert chosen == sorted(chosen, key=DEFAULT_POLICY.key)

    @relaxed
    @given(pool=candidate_pools(), seats=seat_counts)
    def test_a_group_is_taken_whole_or_not_at_all(self, pool: list[Candidate], seats: int) -> None:
        """R-RANK: groups count as one unit; a group is never split."""
        by_registration = {c.registration_id: c for c in pool}
        for chosen in DEFAULT_POLICY.select(pool, seats):
            assert chosen == by_registration[chosen.registration_id]

    @relaxed
    @given(pool=candidate_pools(), seats=seat_counts)
    def test_seats_are_filled_while_anyone_fits(self, pool: list[Candidate], seats: int) -> None:
        """R-RANK: no dose is wasted: a free seat stays free only if no unit fits it."""
        chosen = DEFAULT_POLICY.select(pool, seats)
        left = seats - sum(c.seats for c in chosen)
        for candidate in pool:
            if candidate not in chosen:
                assert candidate.seats > left

    @relaxed
    @given(pool=candidate_pools(), seats=seat_counts)
    def test_companions_get_the_first_seats(self, pool: list[Candidate], seats: int) -> None:
        """R-RANK 1: as many companions as there are seats are invited before anyone else."""
        companions = [c for c in pool if c.is_companion]
        chosen = DEFAULT_POLICY.select(pool, seats)
        assert sum(c.is_companion for c in chosen) == min(len(companions), seats)

    def test_a_group_too_large_for_the_seats_left_is_passed_over(self) -> None:
        """R-RANK: with 3 seats, the oldest group of 4 waits; the next units that fit go."""
        group = a_candidate(
            registration_id="group",
            person_ids=("g1", "g2", "g3", "g4"),
            born=dt.date(1930, 1, 1),
        )
        couple = a_candidate(
            registration_id="couple", person_ids=("c1", "c2"), born=dt.date(1940, 1, 1)
        )
        single = a_candidate(registration_id="single", born=dt.date(1945, 1, 1))
        younger = a_candidate(registration_id="younger", born=dt.date(1950, 1, 1))
        assert _ids(DEFAULT_POLICY.select([younger, single, couple, group], 3)) == [
            "couple",
            "single",
        ]
        assert _ids(DEFAULT_POLICY.select([younger, single, couple, group], 4)) == ["group"]

    def test_a_person_in_two_units_is_taken_once_and_the_seat_goes_on(self) -> None:
        """R-RANK: regression: the seat freed by a repeated person goes to the next in line."""
        first = a_candidate(registration_id="r1", person_ids=("p1",), born=dt.date(1940, 1, 1))
        repeat = a_candidate(registration_id="r2", person_ids=("p1",), born=dt.date(1940, 1, 2))
        next_ = a_candidate(registration_id="r3", person_ids=("p2",), born=dt.date(1950, 1, 1))
        assert _ids(DEFAULT_POLICY.select([first, repeat, next_], 2)) == ["r1", "r3"]

    @pytest.mark.parametrize("seats", [0, -3])
    def test_no_seats_no_invitations(self, seats: int) -> None:
        """R-RANK: a full session invites nobody."""
        assert DEFAULT_POLICY.select([a_candidate()], seats) == []


class TestCandidateForUnit:
    @relaxed
    @given(data=st.data())
    def test_a_unit_ranks_by_its_oldest_member(self, data: st.DataObject) -> None:
        """R-RANK: a group is ranked by its oldest member (GroupRankedByOldestMember)."""
        registration = data.draw(registrations(TODAY, NOW, eligibility="mixed"))
        for unit in registration.units():
            candidate = Candidate.for_unit(registration, unit)
            keys = [registration.person(pid).person.birth_key for pid in unit]
            assert candidate.birth_key == min(keys)
            assert candidate.seats == len(unit)
            assert candidate.is_companion is (registration.kind is Kind.COMPANION)
            assert candidate.listed_at == registration.listed_at

    def test_a_group_with_a_young_leader_ranks_by_the_grandmother(self) -> None:
        """R-RANK: Zoë (2002) registers herself with her grandmother Els (1938)."""
        zoe = a_person(born=dt.date(2002, 4, 4), first_name="Zoë")
        els = a_person(born=dt.date(1938, 1, 9), first_name="Els", email=None, mobile=None)
        alone = a_registration(id="reg-luc", persons=[a_person(born=dt.date(1950, 1, 1))])
        group = a_registration(Kind.GROUP, id="reg-zoe", persons=[zoe, els])
        pool = [Candidate.for_unit(r, unit) for r in (alone, group) for unit in r.units()]
        assert _ids(DEFAULT_POLICY.rank(pool)) == ["reg-zoe", "reg-luc"]
        assert pool[1].birth_key == 19380109


class TestCandidatesFor:
    def _candidates(self, *registrations: Registration, **overrides: object) -> list[str]:
        query: dict[str, object] = {
            "centre_id": "centre-gent",
            "date": TODAY,
            "half_days": SESSION_HALVES,
            "now": NOW,
        }
        query.update(overrides)
        return _ids(candidates_for(registrations, **query))  # type: ignore[arg-type]

    def test_only_who_chose_the_centre_and_is_free_then(self) -> None:
        """R-RANK / R-REG-B: the list for a session: that centre, that half-day."""
        free = a_registration(id="free")
        elsewhere = a_registration(id="elsewhere", centre_ids=["centre-aalst"])
        mornings = a_registration(
            id="mornings", availability=an_availability(HalfDaySlot(TODAY, HalfDay.MORNING))
        )
        assert self._candidates(free, elsewhere, mornings) == ["free"]

    def test_lapsed_pending_and_withdrawn_registrations_are_left_out(self) -> None:
        """R-AVAIL / R-ELIG: only confirmed, eligible and current availability counts."""
        pending = a_registration(id="pending", eligible=False)
        unconfirmed = a_registration(id="unconfirmed", confirmed=False)
        ineligible = a_registration(id="ineligible", eligible=[VcdbStatus.VACCINATED])
        withdrawn = a_registration(id="withdrawn")
        withdrawn.withdraw(NOW)
        listed = a_registration(id="listed")
        assert self._candidates(pending, unconfirmed, ineligible, withdrawn, listed) == ["listed"]
        later = NOW + dt.timedelta(days=14)
        assert self._candidates(listed, now=later, date=later.date()) == []

    def test_who_was_offered_this_session_is_not_offered_it_again(self) -> None:
        """R-NOTIFY: the slot goes to the next person, not back to the same one."""
        registration = a_registration(
            Kind.THIRD_PARTY,
            id="tp",
            persons=[
                a_person(born=dt.date(1940, 1, 1)),
                a_person(born=dt.date(1941, 1, 1), email="b@example.be"),
            ],
        )
        first, second = registration.persons
        pool = candidates_for(
            [registration],
            centre_id="centre-gent",
            date=TODAY,
            half_days=SESSION_HALVES,
            now=NOW,
            already_offered=frozenset({first.id}),
        )
        assert [c.person_ids for c in pool] == [(second.id,)]
        assert not is_candidate_for(
            registration,
            centre_id="centre-gent",
            date=TODAY,
            half_days=SESSION_HALVES,
            now=NOW,
            already_offered=frozenset({first.id, second.id}),
        )

    @relaxed
    @given(data=st.data())
    def test_every_candidate_comes_from_a_listed_unit(self, data: st.DataObject) -> None:
        """R-RANK: candidates are exactly the units of listed registrations free then."""
        pool = data.draw(
            st.lists(
                registrations(
                    TODAY, NOW, centre_ids=("centre-gent", "centre-aalst"), eligibility="mixed"
                ),
                max_size=6,
                unique_by=lambda r: r.id,
            )
        )
        found = candidates_for(
            pool, centre_id="centre-gent", date=TODAY, half_days=SESSION_HALVES, now=NOW
        )
        expected = [
            (r.id, unit)
            for r in pool
            if "centre-gent" in r.centre_ids
            and r.availability is not None
            and r.availability.covers(TODAY, SESSION_HALVES)
            for unit in r.units()
        ]
        assert [(c.registration_id, c.person_ids) for c in found] == expected
