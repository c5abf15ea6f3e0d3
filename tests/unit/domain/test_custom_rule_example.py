"""The worked example of docs/testing-strategies.md, kept runnable (R-RANK).

An integrator adds a rule of their own: only companions of the target group (here:
born before a cutoff) jump the queue. The code below is the documentation's, verbatim.
"""

from __future__ import annotations

import datetime as dt

from attrs import frozen
from hypothesis import given, settings
from hypothesis import strategies as st

from lmb.domain.ranking import Candidate, EarliestListedFirst, OldestFirst, RankingPolicy
from lmb.testing import a_candidate, candidate_pools


@frozen
class TargetGroupCompanionsFirst:
    """R-RANK 1, strictly: companions of the target group (born before ``cutoff``) first."""

    cutoff: int  # a birth key, YYYYMMDD

    def key(self, candidate: Candidate) -> int:
        return 0 if candidate.is_companion and candidate.birth_key < self.cutoff else 1


POLICY = RankingPolicy(
    (TargetGroupCompanionsFirst(cutoff=19610101), OldestFirst(), EarliestListedFirst())
)


def naive_select(policy: RankingPolicy, pool: list[Candidate], seats: int) -> list[Candidate]:
    chosen: list[Candidate] = []
    taken: set[str] = set()
    for candidate in sorted(pool, key=policy.key):
        fits = candidate.seats <= seats - sum(c.seats for c in chosen)
        if fits and not taken.intersection(candidate.person_ids):
            chosen.append(candidate)
            taken.update(candidate.person_ids)
    return chosen


class TestTargetGroupCompanionsFirst:
    @settings(deadline=None)
    @given(pool=candidate_pools(), seats=st.integers(0, 20))
    def test_select_agrees_with_the_full_ranking(self, pool: list[Candidate], seats: int) -> None:
        """R-RANK: the fast selection is still the ranking's greedy walk."""
        assert POLICY.select(pool, seats) == naive_select(POLICY, pool, seats)

    @settings(deadline=None)
    @given(data=st.data(), pool=candidate_pools())
    def test_order_of_arrival_does_not_matter(
        self, data: st.DataObject, pool: list[Candidate]
    ) -> None:
        """R-RANK: a total order, whatever rule was added."""
        assert POLICY.rank(data.draw(st.permutations(pool))) == POLICY.rank(pool)

    @settings(deadline=None)
    @given(pool=candidate_pools())
    def test_only_target_group_companions_jump_the_queue(self, pool: list[Candidate]) -> None:
        """R-RANK 1: a young companion waits for their turn by age."""
        ranked = POLICY.rank(pool)
        jumps = [c.is_companion and c.birth_key < 19610101 for c in ranked]
        assert jumps == sorted(jumps, reverse=True)
        rest = [c.birth_key for c in ranked if not (c.is_companion and c.birth_key < 19610101)]
        assert rest == sorted(rest)

    def test_a_young_companion_is_ranked_by_age(self) -> None:
        """R-RANK: Zoë (2003) accompanies her father but is not of the target group."""
        zoe = a_candidate(registration_id="zoe", born=dt.date(2003, 1, 1), is_companion=True)
        els = a_candidate(registration_id="els", born=dt.date(1938, 1, 9))
        rita = a_candidate(registration_id="rita", born=dt.date(1950, 2, 2), is_companion=True)
        ranked = [c.registration_id for c in POLICY.rank([zoe, els, rita])]
        assert ranked == ["rita", "els", "zoe"]
