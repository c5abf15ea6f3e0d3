"""The use-case suite again, on SQLite and PostgreSQL instead of the in-memory store."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from lmb.adapters.sql import SqlUnitOfWorkFactory, create_engine
from tests.integration.conftest import PostgresSchema, _empty
from tests.unit.application.support import Lmb, build_lmb


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def lmb(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Lmb]:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "lmb.db"
        shutil.copyfile(template, path)
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
    else:
        schema: PostgresSchema = request.getfixturevalue("postgres_schema")
        engine = schema.engine()
        await _empty(engine)
    try:
        yield await build_lmb(SqlUnitOfWorkFactory(engine))
    finally:
        await engine.dispose()
