"""Storage fixtures: the same tests run on memory, SQLite and PostgreSQL.

PostgreSQL comes from ``LMB_TEST_POSTGRES_URL``; without it those tests are skipped,
unless ``LMB_REQUIRE_POSTGRES=1`` (CI), where they fail. Each test run migrates a fresh
schema once and empties its tables before every test.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import attrs
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from lmb.adapters.memory import InMemoryStore
from lmb.adapters.sql import SqlUnitOfWorkFactory, create_engine, upgrade, upgrade_engine
from lmb.adapters.sql.tables import metadata
from tests.integration.storage.support import Store

POSTGRES_URL = "LMB_TEST_POSTGRES_URL"
REQUIRE_POSTGRES = "LMB_REQUIRE_POSTGRES"

T = TypeVar("T")


def run_in_own_loop(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to the end in a fresh event loop (session fixtures are sync)."""

    async def main() -> T:
        return await make()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()


def postgres_url() -> str:
    url = os.environ.get(POSTGRES_URL)
    if not url:
        if os.environ.get(REQUIRE_POSTGRES) == "1":
            pytest.fail(f"{POSTGRES_URL} must be set when {REQUIRE_POSTGRES}=1")
        pytest.skip(f"set {POSTGRES_URL} to run the PostgreSQL tests")
    return url


@attrs.frozen
class PostgresSchema:
    url: str
    name: str

    def engine(self, **options: object) -> AsyncEngine:
        return create_engine(
            self.url,
            connect_args={"server_settings": {"search_path": self.name}},
            pool_size=5,
            **options,
        )


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[PostgresSchema]:
    """A fresh schema, migrated with the shipped Alembic revisions, dropped at the end."""
    schema = PostgresSchema(postgres_url(), f"lmb_test_{secrets.token_hex(4)}")

    async def execute(sql: str) -> None:
        engine = create_engine(schema.url)
        try:
            async with engine.begin() as conn:
                await conn.exec_driver_sql(sql)
        finally:
            await engine.dispose()

    async def migrate() -> None:
        engine = schema.engine()
        try:
            await upgrade_engine(engine)
        finally:
            await engine.dispose()

    run_in_own_loop(lambda: execute(f'CREATE SCHEMA "{schema.name}"'))
    try:
        run_in_own_loop(migrate)
        yield schema
    finally:
        run_in_own_loop(lambda: execute(f'DROP SCHEMA "{schema.name}" CASCADE'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once with ``upgrade``; each test works on a copy."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    run_in_own_loop(lambda: upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


async def _empty(engine: AsyncEngine) -> None:
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A storage flavour with no data in it."""
    kind: str = request.param
    if kind == "memory":
        yield Store(kind, InMemoryStore())
        return
    if kind == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "lmb.db"
        shutil.copyfile(template, path)
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
    else:
        schema: PostgresSchema = request.getfixturevalue("postgres_schema")
        engine = schema.engine()
        await _empty(engine)
    try:
        yield Store(kind, SqlUnitOfWorkFactory(engine), engine)
    finally:
        await engine.dispose()
