"""The N-SCALE benchmark suite in one command; prints a table of medians and p99s.

Usage (PostgreSQL on 127.0.0.1:5432, user postgres; see docs/performance.md)::

    .venv/bin/python -m bench.run                   # 1.15 M persons, every scenario (wrk)
    .venv/bin/python -m bench.run --smoke           # tiny data, seconds (CI)
    .venv/bin/python -m bench.run --persons 200000 --no-http --explain

The population is loaded once into ``lmb_bench_seed_<persons>`` (COPY) and every run
works on a fresh copy of it (``CREATE DATABASE ... TEMPLATE``), so runs are repeatable
and a second run does not pay the load again; ``--reload`` loads anew.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench import population, sessions
from lmb.adapters.sql import upgrade
from lmb.adapters.system import FixedClock
from lmb.entrypoints import process

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Plan:
    persons: int
    sequential: int  # sessions opened one after the other (latency samples)
    slots: int
    concurrent: int  # sessions opened at once
    expire: int  # invitations lapsed in one cascade


FULL = Plan(persons=1_150_000, sequential=40, slots=200, concurrent=150, expire=10_000)
SMOKE = Plan(persons=3_000, sequential=5, slots=20, concurrent=20, expire=100)


@dataclass
class Row:
    name: str
    median_ms: float
    p99_ms: float
    target: str
    verdict: str


def _server(url: str) -> str:
    return url.rsplit("/", 1)[0]


async def _admin_exec(url: str, *sql: str) -> None:
    conn = await asyncpg.connect(sessions.asyncpg_dsn(_server(url) + "/postgres"))
    try:
        for statement in sql:
            await conn.execute(statement)
    finally:
        await conn.close()


async def _exists(url: str, name: str) -> bool:
    conn = await asyncpg.connect(sessions.asyncpg_dsn(_server(url) + "/postgres"))
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


async def seed(
    url: str, persons: int, reload: bool, say: Callable[[str], None], prefix: str
) -> str:
    """The seed database for ``persons``, loaded if missing; returns its name."""
    name = f"{prefix}_seed_{persons}"
    if reload or not await _exists(url, name):
        await _admin_exec(
            url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
        )
        target = f"{_server(url)}/{name}"
        await upgrade(target)
        cipher = sessions.store_cipher(target)
        say(f"loading through {type(cipher).__name__}")
        started = time.perf_counter()
        loaded = await population.load(
            sessions.asyncpg_dsn(target),
            persons,
            cipher,
            now=dt.datetime.now(dt.UTC).replace(microsecond=0),
            progress=lambda n: say(f"  loaded {n:,} persons"),
        )
        say(
            f"loaded {loaded.persons:,} persons in {loaded.registrations:,} registrations "
            f"with COPY in {time.perf_counter() - started:.1f} s"
        )
    else:
        await upgrade(f"{_server(url)}/{name}")  # a new revision (an index) reaches the seed
    return name


async def _clone(url: str, seed_name: str, prefix: str, name: str = "run") -> str:
    run = f"{prefix}_{name}"
    await _admin_exec(
        url,
        f'DROP DATABASE IF EXISTS "{run}" WITH (FORCE)',
        f'CREATE DATABASE "{run}" TEMPLATE "{seed_name}"',
    )
    return f"{_server(url)}/{run}"


async def _shape(dsn: str) -> tuple[dt.datetime, list[str]]:
    """When the seed was loaded, and its centres from the most to the least chosen."""
    conn = await asyncpg.connect(dsn)
    try:
        now = await conn.fetchval("SELECT min(confirmed_at) FROM registrations")
        centres = [
            r[0]
            for r in await conn.fetch(
                "SELECT centre_id FROM registration_centres GROUP BY centre_id "
                "ORDER BY count(*) DESC, centre_id"
            )
        ]
        await conn.execute("VACUUM ANALYZE")
        return now, centres
    finally:
        await conn.close()


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


async def run(args: argparse.Namespace) -> tuple[list[Row], dict[str, object]]:
    plan = SMOKE if args.smoke else FULL
    persons = args.persons or plan.persons

    def say(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr, flush=True)

    prefix = "lmb_bench_smoke" if args.smoke else "lmb_bench"
    seed_name = await seed(args.url, persons, args.reload, say, prefix)
    url = await _clone(args.url, seed_name, prefix)
    dsn = sessions.asyncpg_dsn(url)
    now, centres = await _shape(dsn)
    clock = FixedClock(now)
    runtime = await sessions.runtime_for(url, clock)
    rows: list[Row] = []
    details: dict[str, object] = {}
    try:
        day1 = now.date() + dt.timedelta(days=1)
        day2 = now.date() + dt.timedelta(days=2)
        seq_centres = centres[: plan.sequential]
        statement, params = await sessions.capture_top_n(
            runtime, seq_centres[0], day1, now, plan.slots
        )
        details["plan"] = await sessions.explain(dsn, statement, params)
        details["sql"] = statement
        bare = await sessions.bare_top_n(dsn, statement, params, seq_centres[0], seq_centres)
        say(f"bare top-N measured: median {bare.median_ms:.1f} ms, p99 {bare.p99_ms:.1f} ms")
        opened = await sessions.open_sessions(runtime, seq_centres, day1, plan.slots)
        say(f"sequential sessions: median {opened.median_ms:.1f} ms, p99 {opened.p99_ms:.1f} ms")
        ratio = opened.median_ms / bare.median_ms
        rows.append(Row(bare.name, bare.median_ms, bare.p99_ms, "-", "-"))
        rows.append(
            Row(
                f"open a {plan.slots}-slot session (select + invitations + outbox)",
                opened.median_ms,
                opened.p99_ms,
                "median <= 50 ms",
                _verdict(opened.median_ms <= 50),
            )
        )
        rows.append(
            Row("  ratio open / bare top-N (medians)", ratio, ratio, "<= 2x", _verdict(ratio <= 2))
        )
        conc, doubles = await sessions.concurrent_sessions(
            runtime, centres[: plan.concurrent], day2, plan.slots
        )
        say(f"concurrent sessions: {conc.median_ms:.0f} ms wall, {doubles} doubles")
        rows.append(
            Row(
                conc.name,
                conc.median_ms,
                conc.p99_ms,
                "all <= 5 s",
                _verdict(conc.median_ms <= 5000),
            )
        )
        # From the same state as the run above (a fresh copy of the seed), so that the
        # two are comparable: on the same database the second would find the first's
        # 30,000 invited persons held and dig deeper for every seat.
        multi_url = await _clone(args.url, seed_name, prefix, "multi")
        multi = await sessions.concurrent_sessions_in_processes(
            multi_url, now, centres[: plan.concurrent], day2, plan.slots, args.processes
        )
        doubles = await sessions.double_invitations(runtime) + await sessions.doubles_in(
            sessions.asyncpg_dsn(multi_url)
        )
        await _admin_exec(args.url, f'DROP DATABASE IF EXISTS "{prefix}_multi" WITH (FORCE)')
        say(f"concurrent sessions, {args.processes} processes: {multi.median_ms:.0f} ms wall")
        rows.append(
            Row(
                multi.name,
                multi.median_ms,
                multi.p99_ms,
                "all <= 5 s",
                _verdict(multi.median_ms <= 5000),
            )
        )
        rows.append(Row("  double invitations", doubles, doubles, "0", _verdict(doubles == 0)))
        expiry, _done = await sessions.expiry_cascade(runtime, clock, plan.expire)
        say(f"expiry cascade: {expiry.median_ms:.0f} ms")
        rows.append(
            Row(
                expiry.name,
                expiry.median_ms,
                expiry.p99_ms,
                "<= 2 s (10,000)",
                _verdict(expiry.median_ms <= 2000),
            )
        )
        rows.append(
            Row(
                "  double invitations after cascade",
                *(2 * [await sessions.double_invitations(runtime)]),
                "0",
                "-",
            )
        )
    finally:
        await runtime.aclose()
    if args.http:
        from bench import intake

        # A fresh copy of the seed: the opening day's intake, not the evening after the
        # sessions above (whose 60,000 queued e-mails the server's background work
        # would be sending meanwhile).
        url = await _clone(args.url, seed_name, prefix)
        rows.extend(await intake.run(url, smoke=args.smoke, say=say))
    details["rows"] = [r.__dict__ for r in rows]
    details["machine"] = machine()
    details["persons"] = persons
    details["date"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    if not args.smoke:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"last-{persons}.json").write_text(json.dumps(details, indent=2, default=str))
    return rows, details


def run_sync(args: argparse.Namespace) -> tuple[list[Row], dict[str, object]]:
    return asyncio.run(run(args))


def machine() -> str:
    cpus = os.cpu_count()
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) / 2**20:.0f} GiB"
    except OSError:
        pass
    system = f"{platform.system()} {platform.release()}"
    return (
        f"{platform.machine()}, {cpus} cores, {mem}, {system}, Python {platform.python_version()}"
    )


def table(rows: list[Row]) -> str:
    width = max(len(r.name) for r in rows)
    lines = [f"{'scenario':<{width}}  {'median':>10}  {'p99':>10}  {'target':<16} verdict"]
    for r in rows:
        unit = (
            "x"
            if "ratio" in r.name
            else ("" if "double" in r.name or "req/s" in r.name or "MB" in r.name else " ms")
        )
        lines.append(
            f"{r.name:<{width}}  {r.median_ms:>8.1f}{unit:<2}  {r.p99_ms:>8.1f}{unit:<2}  "
            f"{r.target:<16} {r.verdict}"
        )
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument(
        "--persons", type=int, default=0, help="population size (default 1,150,000; smoke 3,000)"
    )
    p.add_argument("--smoke", action="store_true", help="tiny data and few sessions, for CI")
    p.add_argument(
        "--url",
        default=os.environ.get("LMB_BENCH_POSTGRES_URL", DEFAULT_URL),
        help="a PostgreSQL URL (postgresql+asyncpg://...); lmb_bench_* databases go there",
    )
    p.add_argument("--reload", action="store_true", help="load the population anew")
    p.add_argument(
        "--processes",
        type=int,
        default=2,
        help="processes the second concurrent-sessions run deals the centres over (default 2)",
    )
    p.add_argument("--no-http", dest="http", action="store_false", help="skip the wrk intake")
    p.add_argument("--explain", action="store_true", help="print the EXPLAIN (ANALYZE, BUFFERS)")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument("--quiet", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    process.settle()  # the collector set as in a serving process (lmb.entrypoints.process)
    rows, details = run_sync(args)
    if args.explain:
        print(details["plan"])
    print(f"lmb benchmarks, {details['date']}, {details['persons']:,} persons, {machine()}")
    print(markdown(rows) if args.markdown else table(rows))
    return 0


def markdown(rows: list[Row]) -> str:
    lines = ["| scenario | median | p99 | target | verdict |", "|---|---:|---:|---|---|"]
    lines += [
        f"| {r.name.strip()} | {r.median_ms:.1f} | {r.p99_ms:.1f} | {r.target} | {r.verdict} |"
        for r in rows
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
