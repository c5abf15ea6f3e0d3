"""Fixtures: the real app over a runtime on in-memory storage and on SQLite."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lmb.adapters.sql import upgrade
from lmb.adapters.system import FixedClock
from lmb.entrypoints.config import Config
from lmb.entrypoints.container import Runtime, build_runtime
from lmb.entrypoints.http import create_app
from tests.integration.api.support import (
    ADMIN_TOKEN,
    ISSUED_INSZ,
    NOW,
    RELAXED,
    SECRET_KEY,
    Client,
    Staff,
)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for every test (migrating each time is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


def _config(database_url: str, **overrides: Any) -> Config:
    return Config(
        database_url=database_url,
        secret_key=SECRET_KEY,
        admin_token=ADMIN_TOKEN,
        **overrides,
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture(params=["memory", "sqlite"])
async def runtime(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_sqlite: Path, clock: FixedClock
) -> AsyncIterator[Runtime]:
    if request.param == "memory":
        config = _config("memory://")
    else:
        db = tmp_path / "lmb.db"
        shutil.copy(migrated_sqlite, db)
        config = _config(f"sqlite+aiosqlite:///{db}")
    built = await build_runtime(config, clock=clock, migrate=False)
    yield built
    await built.aclose()


@pytest.fixture
async def memory_runtime(clock: FixedClock) -> AsyncIterator[Runtime]:
    """For tests of the HTTP layer itself, where the storage makes no difference."""
    built = await build_runtime(_config("memory://"), clock=clock)
    yield built
    await built.aclose()


def _leak_check(responses: list[httpx.Response]) -> None:
    """No answer may carry a full INSZ, in any spelling."""
    patterns = []
    for digits in ISSUED_INSZ:
        patterns.append(digits)
        patterns.append(f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}-{digits[6:9]}.{digits[9:11]}")
    pattern = re.compile("|".join(re.escape(p) for p in patterns)) if patterns else None
    for response in responses:
        if pattern is not None:
            found = pattern.search(response.text)
            assert found is None, f"{response.request.url.path} leaked an INSZ"


async def _client(app: Litestar) -> AsyncIterator[Client]:
    seen: list[httpx.Response] = []

    async def record(response: httpx.Response) -> None:
        await response.aread()
        seen.append(response)

    async with AsyncTestClient(app) as client:
        client.event_hooks["response"].append(record)
        yield client
    _leak_check(seen)


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[Client]:
    async for c in _client(create_app(runtime, RELAXED)):
        yield c


@pytest.fixture
async def memory_client(memory_runtime: Runtime) -> AsyncIterator[Client]:
    async for c in _client(create_app(memory_runtime, RELAXED)):
        yield c


@pytest.fixture
async def staff(client: Client, runtime: Runtime) -> Staff:
    return await Staff.create(client, runtime)


@pytest.fixture
async def memory_staff(memory_client: Client, memory_runtime: Runtime) -> Staff:
    return await Staff.create(memory_client, memory_runtime)


@pytest.fixture
def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    return port
