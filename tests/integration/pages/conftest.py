"""Fixtures for the pages: the real app over an in-memory runtime, with one centre."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from lmb.adapters.system import FixedClock
from lmb.application.centres import CentreInput
from lmb.entrypoints.config import Config
from lmb.entrypoints.container import Runtime, build_runtime
from lmb.entrypoints.http import create_app
from tests.integration.api.support import ADMIN_TOKEN, NOW, RELAXED, SECRET_KEY


@pytest.fixture
async def runtime() -> AsyncIterator[Runtime]:
    config = Config(database_url="memory://", secret_key=SECRET_KEY, admin_token=ADMIN_TOKEN)
    built = await build_runtime(config, clock=FixedClock(NOW))
    yield built
    await built.aclose()


@pytest.fixture
async def centre_id(runtime: Runtime) -> str:
    admin = await runtime.services.staff.authenticate(ADMIN_TOKEN)
    assert admin is not None
    centre = await runtime.services.centres.create(
        CentreInput(
            name="Vaccinatiecentrum Gent",
            short_code="GENT",
            region="VLG",
            address="Maaltekouter 1, 9051 Gent",
            postcodes=["9000", "9050"],
            phone="+3292100000",
        ),
        admin,
    )
    return centre.id


@pytest.fixture
async def client(runtime: Runtime, centre_id: str) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(create_app(runtime, RELAXED)) as test_client:
        yield test_client
