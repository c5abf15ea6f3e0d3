"""The shipped VCDB and booking-system adapters all pass the shared contract."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from lmb.adapters.http import HttpBookingSystem, HttpSettings, HttpVcdb
from lmb.adapters.simulators import SimulatedBookingSystem, SimulatedVcdb
from tests.integration.external.contracts import BookingSystemContract, EligibilityServiceContract
from tests.integration.external.servers import TOKEN, FakeRemote, Reply, Sleeps

FAST = HttpSettings(read_timeout=0.3, attempts=2, backoff=0.01)


class TestSimulatedVcdb(EligibilityServiceContract):
    @pytest.fixture
    def service(self) -> SimulatedVcdb:
        return SimulatedVcdb()

    @pytest.fixture
    def break_service(self, service: SimulatedVcdb) -> Callable[[], None]:
        return lambda: setattr(service, "down", True)


class TestHttpVcdb(EligibilityServiceContract):
    @pytest.fixture
    async def service(self, remote_url: str, sleeps: Sleeps) -> AsyncIterator[HttpVcdb]:
        adapter = HttpVcdb(remote_url, TOKEN, settings=FAST, sleep=sleeps)
        yield adapter
        await adapter.aclose()

    @pytest.fixture
    def break_service(self, remote: FakeRemote) -> Callable[[], None]:
        return lambda: setattr(remote, "default", Reply(503))


class TestSimulatedBookingSystem(BookingSystemContract):
    @pytest.fixture
    def service(self) -> SimulatedBookingSystem:
        return SimulatedBookingSystem()

    @pytest.fixture
    def break_service(self, service: SimulatedBookingSystem) -> Callable[[], None]:
        return lambda: setattr(service, "down", True)


class TestHttpBookingSystem(BookingSystemContract):
    @pytest.fixture
    async def service(self, remote_url: str, sleeps: Sleeps) -> AsyncIterator[HttpBookingSystem]:
        adapter = HttpBookingSystem(remote_url, TOKEN, settings=FAST, sleep=sleeps)
        yield adapter
        await adapter.aclose()

    @pytest.fixture
    def break_service(self, remote: FakeRemote) -> Callable[[], None]:
        return lambda: setattr(remote, "default", Reply(503))
