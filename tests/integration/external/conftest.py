"""Fixtures: one real HTTP remote for the session, reset for every test; SMTP sinks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.external.servers import FakeClock, FakeRemote, HttpServerThread, Sleeps


@pytest.fixture(scope="session")
def _http_server() -> Iterator[HttpServerThread]:
    server = HttpServerThread(FakeRemote())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def remote(_http_server: HttpServerThread) -> Iterator[FakeRemote]:
    """The HTTP remote, with no script and nothing recorded."""
    _http_server.app.reset()
    yield _http_server.app
    _http_server.app.released = True


@pytest.fixture
def remote_url(_http_server: HttpServerThread, remote: FakeRemote) -> str:
    """The remote's base URL; asking for it resets the remote too."""
    return _http_server.url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()
