"""Ranking benchmark: ``DEFAULT_POLICY.select`` over a national-scale list (R-RANK, N-SCALE).

Run from the repository root::

    python -m bench.bench_ranking            # 1,000,000 candidates, 200 seats
    python bench/bench_ranking.py --small    # 10,000 candidates (smoke test)

The pool mimics the list: about 8% groups of 2-4 persons, about 3% companions, birth
dates spread over a century, listings spread over two weeks. Only ``select`` is timed;
building the pool is not.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import platform
import random
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

from attrs import asdict, frozen

from lmb.domain.ranking import DEFAULT_POLICY, Candidate

FULL = 1_000_000
SMALL = 10_000
SEATS = 200
GROUP_SHARE = 0.08
COMPANION_SHARE = 0.03

_FIRST_LISTED = dt.datetime(2021, 3, 28, 8, 0, tzinfo=dt.UTC)


@frozen
class Result:
    """One benchmark run: the timings in seconds and the memory in bytes."""

    candidates: int
    seats: int
    repeats: int
    times: tuple[float, ...]
    seats_filled: int
    units_chosen: int
    select_peak_bytes: int
    process_peak_rss_bytes: int

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def best(self) -> float:
        return min(self.times)


def build_pool(count: int, *, seed: int = 2021) -> list[Candidate]:
    """``count`` candidate units with random birth keys, groups and companions."""
    rng = random.Random(seed)
    # A few thousand distinct moments are enough for realistic ties in the tie-break.
    moments = [_FIRST_LISTED + dt.timedelta(minutes=5 * i) for i in range(4032)]
    pool: list[Candidate] = []
    append = pool.append
    for index in range(count):
        reg_id = f"r{index:07d}"
        draw = rng.random()
        if draw < COMPANION_SHARE:
            size, companion = 1, True
        elif draw < COMPANION_SHARE + GROUP_SHARE:
            size, companion = rng.randint(2, 4), False
        else:
            size, companion = 1, False
        year = rng.randint(1920, 2008)
        birth_key = year * 10_000 + rng.randint(1, 12) * 100 + rng.randint(1, 28)
        append(
            Candidate(
                registration_id=reg_id,
                person_ids=tuple(f"{reg_id}.{i}" for i in range(size)),
                birth_key=birth_key,
                is_companion=companion,
                listed_at=rng.choice(moments),
            )
        )
    return pool


def measure(count: int, *, seats: int = SEATS, repeats: int = 5, seed: int = 2021) -> Result:
    """Time ``DEFAULT_POLICY.select(pool, seats)`` ``repeats`` times on one pool."""
    pool = build_pool(count, seed=seed)
    times: list[float] = []
    chosen: list[Candidate] = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        chosen = DEFAULT_POLICY.select(pool, seats)
        times.append(time.perf_counter() - start)
    # Memory is measured on a separate run: tracemalloc slows the code it watches.
    gc.collect()
    tracemalloc.start()
    DEFAULT_POLICY.select(pool, seats)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_bytes = rss if sys.platform == "darwin" else rss * 1024
    return Result(
        candidates=count,
        seats=seats,
        repeats=repeats,
        times=tuple(times),
        seats_filled=sum(c.seats for c in chosen),
        units_chosen=len(chosen),
        select_peak_bytes=peak,
        process_peak_rss_bytes=rss_bytes,
    )


def report(result: Result) -> str:
    mib = 1024 * 1024
    return "\n".join(
        [
            f"python {platform.python_version()} on {platform.machine()}",
            f"candidates: {result.candidates:,}  seats: {result.seats}  repeats: {result.repeats}",
            f"select median: {result.median:.3f} s  min: {result.best:.3f} s",
            f"chosen: {result.units_chosen} units filling {result.seats_filled} seats",
            f"peak memory in select (tracemalloc): {result.select_peak_bytes / mib:.1f} MiB",
            f"process peak RSS (pool included): {result.process_peak_rss_bytes / mib:.0f} MiB",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--small", action="store_true", help=f"{SMALL:,} candidates")
    parser.add_argument("--candidates", type=int, default=None, help=f"default {FULL:,}")
    parser.add_argument("--seats", type=int, default=SEATS)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--json", type=Path, default=None, help="also write the result here")
    args = parser.parse_args(argv)
    count = args.candidates or (SMALL if args.small else FULL)
    result = measure(count, seats=args.seats, repeats=args.repeats, seed=args.seed)
    print(report(result))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {**asdict(result), "median": result.median, "min": result.best}
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
