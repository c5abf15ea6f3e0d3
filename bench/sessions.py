"""Session benchmarks on PostgreSQL: open one session, 150 at once, the expiry cascade.

Everything goes through the real runtime (``build_runtime``: the SQL unit of work, the
outbox, the audit log) with a ``FixedClock``; the bare top-N query is the exact SQL the
repository sends, captured from the engine and replayed on a plain asyncpg connection.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import event

from lmb.adapters.sql.cipher import FieldCipher, PlainCipher
from lmb.adapters.sql.engine import SERVER_SETTINGS
from lmb.adapters.system import FixedClock
from lmb.application.model import Role, StaffToken
from lmb.application.ports import CandidateQuery
from lmb.application.sessions import ExpireInvitations, OpenSessionCommand
from lmb.domain.availability import HalfDay
from lmb.entrypoints import process
from lmb.entrypoints.config import Config
from lmb.entrypoints.container import Container, Runtime, build_runtime

#: What lmb's engine sets on its PostgreSQL sessions: the bare query runs under the
#: same settings.
LMB_SESSION = SERVER_SETTINGS
SECRET = "benchmark-secret-key-0123456789abcdef"  # noqa: S105 - a throwaway database
START, END = "17:00", "20:00"


def admin() -> StaffToken:
    return StaffToken(
        id="bench", digest="", role=Role.ADMIN, name="bench", created_at=dt.datetime.now(dt.UTC)
    )


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Timing:
    name: str
    samples: list[float]  # seconds
    note: str = ""

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.samples, 0.99) * 1000


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def runtime_for(url: str, clock: FixedClock, pool_size: int = 10) -> Runtime:
    return await build_runtime(
        Config(database_url=url, secret_key=SECRET), clock=clock, migrate=False
    )


def store_cipher(url: str) -> FieldCipher:
    """The cipher the runtime's store uses for ``url`` (the loader writes through it)."""
    container = Container(config=Config(database_url=url, secret_key=SECRET))
    provider = getattr(container, "cipher", None)
    cipher: FieldCipher = provider() if provider is not None else PlainCipher()
    return cipher


def command(centre_id: str, date: dt.date, slots: int) -> OpenSessionCommand:
    return OpenSessionCommand(centre_id, date.isoformat(), START, END, slots)


async def open_sessions(
    runtime: Runtime, centres: Sequence[str], date: dt.date, slots: int
) -> Timing:
    """One session after the other, each at its own centre: the single-session latency."""
    actor = admin()
    samples = []
    for centre in centres:
        started = time.perf_counter()
        await runtime.services.open_session(command(centre, date, slots), actor)
        samples.append(time.perf_counter() - started)
    return Timing("open a session (select + invitations + outbox)", samples, f"{slots} slots")


async def capture_top_n(
    runtime: Runtime, centre: str, date: dt.date, now: dt.datetime, slots: int
) -> tuple[str, tuple[Any, ...]]:
    """The SQL and parameters of the single-person top-N query ``candidates()`` sends."""
    captured: list[tuple[str, Any]] = []
    engine = runtime.container.engine()

    def listen(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if "candidate_units" in statement and "SKIP LOCKED" in statement:
            captured.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", listen)
    try:
        async with runtime.services.ctx.uow() as uow:
            await uow.registrations.candidates(
                CandidateQuery(
                    centre_id=centre,
                    date=date,
                    half_days=frozenset({HalfDay.EVENING}),
                    now=now,
                    session_id="bench-probe",
                    limits=((1, slots),),
                )
            )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", listen)
    statement, parameters = captured[0]
    return statement, tuple(parameters)


def _for_centre(parameters: tuple[Any, ...], old: str, new: str) -> tuple[Any, ...]:
    return tuple(new if p == old else p for p in parameters)


async def bare_top_n(
    dsn: str, statement: str, parameters: tuple[Any, ...], probe_centre: str, centres: Sequence[str]
) -> Timing:
    """The same query on a plain connection, one transaction each (rolled back)."""
    conn = await asyncpg.connect(dsn, server_settings=LMB_SESSION)
    samples = []
    try:
        for centre in centres:
            args = _for_centre(parameters, probe_centre, centre)
            started = time.perf_counter()
            tx = conn.transaction()
            await tx.start()
            await conn.fetch(statement, *args)
            await tx.rollback()
            samples.append(time.perf_counter() - started)
    finally:
        await conn.close()
    return Timing("bare top-N SQL (same query, asyncpg)", samples)


async def explain(dsn: str, statement: str, parameters: tuple[Any, ...]) -> str:
    conn = await asyncpg.connect(dsn, server_settings=LMB_SESSION)
    try:
        tx = conn.transaction()
        await tx.start()
        rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement, *parameters)
        await tx.rollback()
        return "\n".join(r[0] for r in rows)
    finally:
        await conn.close()


async def concurrent_sessions(
    runtime: Runtime, centres: Sequence[str], date: dt.date, slots: int
) -> tuple[Timing, int]:
    """All centres open a session at the same moment; returns the wall time."""
    actor = admin()
    started = time.perf_counter()
    await asyncio.gather(
        *(runtime.services.open_session(command(c, date, slots), actor) for c in centres)
    )
    wall = time.perf_counter() - started
    return Timing(
        f"{len(centres)} sessions opened concurrently (wall)", [wall]
    ), await double_invitations(runtime)


async def concurrent_sessions_in_processes(
    url: str,
    now: dt.datetime,
    centres: Sequence[str],
    date: dt.date,
    slots: int,
    processes: int,
) -> Timing:
    """The same, the centres dealt over ``processes`` processes (as ``lmb serve
    --workers N`` deals requests): each process builds its runtime first, then all are
    released at once; the wall time runs from the release to the last one done."""
    args = [sys.executable, "-m", "bench.sessions", url, now.isoformat(), date.isoformat()]
    share = [list(centres[n::processes]) for n in range(processes)]
    children = [
        await asyncio.create_subprocess_exec(
            *args,
            str(slots),
            ",".join(part),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for part in share
        if part
    ]
    for child in children:  # each says "ready" once its runtime is built
        assert child.stdout is not None
        await child.stdout.readline()
    started = time.perf_counter()
    for child in children:
        assert child.stdin is not None
        child.stdin.write(b"go\n")
        await child.stdin.drain()
    codes = [await child.wait() for child in children]
    wall = time.perf_counter() - started
    if any(codes):
        raise RuntimeError(f"a session process failed: exit codes {codes}")
    return Timing(
        f"{len(centres)} sessions opened concurrently, {processes} processes (wall)", [wall]
    )


async def _child(url: str, now: str, date: str, slots: int, centres: list[str]) -> None:
    """One process of ``concurrent_sessions_in_processes``."""
    runtime = await runtime_for(url, FixedClock(dt.datetime.fromisoformat(now)))
    process.settle()  # as a serving process does
    try:
        actor = admin()
        day = dt.date.fromisoformat(date)
        # A warm process, as a serving one is: one 1-seat session a week later compiles
        # the statements and fills the pool before the clock starts.
        warm = command(centres[0], day + dt.timedelta(days=7), 1)
        await runtime.services.open_session(warm, actor)
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        await asyncio.gather(
            *(runtime.services.open_session(command(c, day, slots), actor) for c in centres)
        )
    finally:
        await runtime.aclose()


#: Persons holding more than one open invitation (must be 0).
DOUBLES = (
    "SELECT count(*) FROM (SELECT person_id FROM invitations i, "
    "unnest(i.person_ids) AS person_id WHERE i.status = 'sent' "
    "GROUP BY person_id HAVING count(*) > 1) d"
)


async def double_invitations(runtime: Runtime) -> int:
    """Persons holding more than one open invitation (must be 0)."""
    engine = runtime.container.engine()
    async with engine.connect() as conn:
        return int((await conn.exec_driver_sql(DOUBLES)).scalar_one())


async def doubles_in(dsn: str) -> int:
    """``double_invitations`` in the database at ``dsn``."""
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval(DOUBLES))
    finally:
        await conn.close()


async def expiry_cascade(runtime: Runtime, clock: FixedClock, count: int) -> tuple[Timing, int]:
    """Every open invitation lapses at once; one ExpireInvitations pass handles ``count``."""
    ttl = runtime.services.ctx.settings.invitation_ttl
    clock.advance(ttl + dt.timedelta(minutes=1))
    expire = ExpireInvitations(runtime.services.ctx)
    started = time.perf_counter()
    done = await expire(limit=count)
    wall = time.perf_counter() - started
    return Timing(f"expiry cascade ({done} lapsed invitations, refill included)", [wall]), done


if __name__ == "__main__":
    url, now, date, slots, centres = sys.argv[1:6]
    asyncio.run(_child(url, now, date, int(slots), centres.split(",")))
