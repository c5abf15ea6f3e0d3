"""Several processes open sessions and run workers against one PostgreSQL at once.

R-RANK, R-SESSION and the scale-out story: 20 sessions on overlapping candidate pools,
opened from 2 processes while 2 worker processes run, never invite one person twice
and never exceed a session's slots.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from lmb.application.centres import CentreInput
from lmb.application.clock import local_today
from lmb.application.registrations import AvailabilityInput, PersonInput, Register
from lmb.domain.invitation import InvitationStatus
from lmb.domain.ranking import seats_taken
from lmb.entrypoints.config import Config
from lmb.entrypoints.container import build_runtime
from lmb.testing.builders import an_insz
from tests.integration.concurrency.driver import SECRET, _admin

ROOT = Path(__file__).resolve().parents[3]


def _postgres_url() -> str:
    url = os.environ.get("LMB_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("LMB_REQUIRE_POSTGRES") == "1":
            pytest.fail("LMB_TEST_POSTGRES_URL is required in CI")
        pytest.skip("set LMB_TEST_POSTGRES_URL to run the PostgreSQL concurrency test")
    return url


async def _fresh_database(url: str, name: str) -> str:
    import asyncpg

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = url.rsplit("/", 1)[0]
    return f"{base}/{name}"


def _run(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.concurrency.driver", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.postgres
async def test_parallel_sessions_never_invite_anyone_twice() -> None:
    url = await _fresh_database(_postgres_url(), "lmb_concurrency")
    runtime = await build_runtime(Config(database_url=url, secret_key=SECRET), migrate=True)
    admin = _admin(runtime)
    services = runtime.services
    today = local_today(services.ctx.clock.now())
    try:
        centres = []
        for i, code in enumerate(["GENA", "GENB", "GENC", "GEND"]):
            centre = await services.centres.create(
                CentreInput(f"Centrum {code}", code, "VLG", f"Straat {i}, 9000 Gent", ["9000"]),
                admin,
            )
            centres.append(centre.id)
        for n in range(120):
            born = dt.date(1930 + n % 60, 1 + n % 12, 1 + n % 28)
            insz = an_insz(born, 100 + n)
            receipt = await services.register(
                Register(
                    kind="self",
                    language="nl",
                    persons=[
                        PersonInput(
                            insz.digits,
                            "Peeters",
                            f"P{n}",
                            "9000",
                            f"p{n}@example.be",
                            "0470123456",
                        )
                    ],
                    centre_ids=centres[n % 2 : n % 2 + 3],
                    availability=[AvailabilityInput(today.isoformat(), "evening")],
                )
            )
            await services.manage.confirm(services.ctx.secrets.manage_token(receipt.id))
        for _ in range(6):
            await services.worker.run_once()

        specs = [
            {
                "centre_id": centres[i % 4],
                "date": today.isoformat(),
                "start": "17:00",
                "end": "20:00",
                "slots": 3 + i % 4,
            }
            for i in range(20)
        ]
        openers = [_run("sessions", url, json.dumps(specs[k::2])) for k in range(2)]
        workers = [_run("worker", url, "5") for _ in range(2)]
        session_ids: list[str] = []
        for proc in openers + workers:
            out, err = proc.communicate(timeout=180)
            assert proc.returncode == 0, err[-2000:]
            if proc in openers:
                session_ids += json.loads(out.strip().splitlines()[-1])
        assert len(session_ids) == 20

        async with services.ctx.uow() as uow:
            open_persons: Counter[str] = Counter()
            total = 0
            for session_id in session_ids:
                session = await uow.sessions.get(session_id)
                invitations = await uow.invitations.for_session(session_id)
                assert session is not None
                assert seats_taken(invitations) <= session.slots
                total += len(invitations)
                for invitation in invitations:
                    if invitation.status is InvitationStatus.SENT:
                        open_persons.update(invitation.person_ids)
        assert total > 0
        assert open_persons, "sessions invited someone"
        assert max(open_persons.values()) == 1, "one person held two open invitations"
    finally:
        await runtime.aclose()
        await asyncio.sleep(0)
