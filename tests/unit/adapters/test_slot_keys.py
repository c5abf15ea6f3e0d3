"""The rank tiers of the slot keys keep the default ranking's order (R-RANK, N-SCALE).

The session query reads tier windows one after the other and stops once it has enough
units; that returns the policy's best units only if every unit is in exactly one tier
of exactly one window, and the windows follow the ranking.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from lmb.adapters.sql.mappers import rank_tier, tier_windows
from lmb.domain.insz import UNKNOWN_BIRTH_KEY
from lmb.domain.ranking import DEFAULT_POLICY, Candidate
from lmb.testing import candidates

DATES = st.dates(min_value=dt.date(2021, 1, 1), max_value=dt.date(2080, 12, 31))


def window_of(candidate: Candidate, windows: list[list[str]]) -> int:
    tier = rank_tier(candidate)
    found = [n for n, window in enumerate(windows) if tier in window]
    assert len(found) == 1, f"tier {tier} is in {len(found)} windows"
    return found[0]


@settings(deadline=None)
@given(pool=st.lists(candidates(), min_size=2, max_size=30), date=DATES)
def test_windows_follow_the_ranking(pool: list[Candidate], date: dt.date) -> None:
    windows = tier_windows(date)
    ranked = sorted(pool, key=DEFAULT_POLICY.key)
    order = [window_of(c, windows) for c in ranked]
    assert order == sorted(order)


@given(date=DATES)
def test_every_birth_decade_up_to_the_date_and_the_unknown_has_a_window(date: dt.date) -> None:
    tiers = [tier for window in tier_windows(date) for tier in window]
    assert len(tiers) == len(set(tiers))
    decades = {str(d) for d in range(190, date.year // 10 + 1)}
    assert decades | {"c", str(UNKNOWN_BIRTH_KEY // 100_000)} <= set(tiers)


def test_companions_come_first_whatever_their_age() -> None:
    companion = Candidate("r1", ("p1",), birth_key=20010101, is_companion=True, listed_at=NOW)
    oldest = Candidate("r2", ("p2",), birth_key=19010101, is_companion=False, listed_at=NOW)
    windows = tier_windows(dt.date(2026, 12, 1))
    assert rank_tier(companion) == "c" == windows[0][0]
    assert rank_tier(oldest) == "190"


NOW = dt.datetime(2026, 11, 30, 8, tzinfo=dt.UTC)
