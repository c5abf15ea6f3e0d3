"""The ranking benchmark still runs and still ranks (R-RANK, N-SCALE)."""

from __future__ import annotations

import pytest

from bench import bench_ranking as bench
from lmb.domain.ranking import DEFAULT_POLICY


class TestBenchRanking:
    def test_the_small_run_fills_200_seats(self, capsys: pytest.CaptureFixture[str]) -> None:
        """N-SCALE: the --small smoke run ranks 10,000 candidates for 200 seats."""
        assert bench.main(["--small", "--repeats", "1"]) == 0
        out = capsys.readouterr().out
        assert "candidates: 10,000  seats: 200" in out
        assert "filling 200 seats" in out

    def test_the_pool_looks_like_the_list(self) -> None:
        """N-SCALE: about 8% groups of 2-4 and about 3% companions, all distinct."""
        pool = bench.build_pool(bench.SMALL, seed=7)
        groups = [c for c in pool if c.seats > 1]
        companions = [c for c in pool if c.is_companion]
        assert len(pool) == 10_000
        assert 0.06 < len(groups) / len(pool) < 0.10
        assert 0.02 < len(companions) / len(pool) < 0.04
        assert all(2 <= g.seats <= 4 for g in groups)
        persons = [pid for c in pool for pid in c.person_ids]
        assert len(persons) == len(set(persons))

    def test_the_measured_selection_is_the_ranking_top(self) -> None:
        """R-RANK: what the benchmark times is the real selection, companions first."""
        result = bench.measure(bench.SMALL, repeats=1, seed=7)
        assert result.seats_filled == 200
        assert len(result.times) == 1 and result.best > 0
        pool = bench.build_pool(bench.SMALL, seed=7)
        chosen = DEFAULT_POLICY.select(pool, 200)
        companions = sum(c.is_companion for c in pool)
        assert sum(c.is_companion for c in chosen) == min(companions, 200)
        ranked = DEFAULT_POLICY.rank(pool)
        assert chosen[0] == ranked[0]
