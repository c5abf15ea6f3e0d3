"""The N-SCALE benchmark suite still runs end to end on tiny data (N-SCALE).

The numbers of a smoke run mean nothing; what is checked is that every scenario runs
against PostgreSQL and that the invariants it reports hold (no double invitation).
"""

from __future__ import annotations

import os

import pytest

from bench import run as bench_run

POSTGRES_URL = "LMB_TEST_POSTGRES_URL"


def _server_url() -> str:
    url = os.environ.get(POSTGRES_URL)
    if not url:
        if os.environ.get("LMB_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{POSTGRES_URL} must be set when LMB_REQUIRE_POSTGRES=1")
        pytest.skip(f"set {POSTGRES_URL} to run the benchmark smoke test")
    return url


@pytest.mark.postgres
class TestBenchmarkSmoke:
    def test_every_scenario_runs_on_tiny_data(self) -> None:
        """N-SCALE: load with COPY, open sessions alone and at once, expire, take intake."""
        args = bench_run.parser().parse_args(
            ["--smoke", "--reload", "--quiet", "--url", _server_url()]
        )
        rows, details = bench_run.run_sync(args)
        by_name = {row.name.strip(): row for row in rows}
        assert by_name["double invitations"].median_ms == 0
        assert by_name["double invitations after cascade"].median_ms == 0
        assert any(name.startswith("open a 20-slot session") for name in by_name)
        assert "candidate_units" in str(details["plan"])
        assert all(row.median_ms >= 0 for row in rows)
