"""Run in a separate process: open sessions or run the worker against one PostgreSQL.

Usage: python -m tests.integration.concurrency.driver sessions|worker DATABASE_URL ARGS...
"""

from __future__ import annotations

import asyncio
import json
import sys

from lmb.application.sessions import OpenSessionCommand
from lmb.entrypoints.config import Config
from lmb.entrypoints.container import build_runtime

SECRET = "concurrency-test-secret-key-0123456789"


async def open_sessions(url: str, spec: str) -> None:
    runtime = await build_runtime(Config(database_url=url, secret_key=SECRET), migrate=False)
    try:
        admin = await runtime.services.staff.authenticate("x") or _admin(runtime)
        commands = [OpenSessionCommand(**c) for c in json.loads(spec)]
        results = await asyncio.gather(*(runtime.services.open_session(c, admin) for c in commands))
        print(json.dumps([r.id for r in results]))
    finally:
        await runtime.aclose()


def _admin(runtime: object):  # type: ignore[no-untyped-def]
    import datetime as dt

    from lmb.application.model import Role, StaffToken

    return StaffToken(
        id="driver", digest="", role=Role.ADMIN, name="driver", created_at=dt.datetime.now(dt.UTC)
    )


async def work(url: str, rounds: int) -> None:
    runtime = await build_runtime(Config(database_url=url, secret_key=SECRET), migrate=False)
    try:
        for _ in range(rounds):
            await runtime.services.worker.run_once()
    finally:
        await runtime.aclose()


if __name__ == "__main__":
    mode, url = sys.argv[1], sys.argv[2]
    if mode == "sessions":
        asyncio.run(open_sessions(url, sys.argv[3]))
    else:
        asyncio.run(work(url, int(sys.argv[3])))
