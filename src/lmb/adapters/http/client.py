"""A resilient JSON-over-HTTP client: timeouts, retries with backoff and a circuit breaker.

Shared by every HTTP adapter (VCDB, booking system, SMS gateway). It never logs a URL
as sent: callers give a ``log_path`` with personal data masked, and only that is
logged or put in error messages.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

import httpx
from attrs import frozen

from lmb.application.ports import ServiceRejected, ServiceUnavailable

log = logging.getLogger("lmb.adapters.http")

#: Statuses that say "not now" without the remote being down: no retry in the call, no
#: circuit failure, but ServiceUnavailable so that the outbox tries again later.
_TRY_LATER = frozenset({408, 425, 429})


@frozen
class HttpSettings:
    """Timeouts (seconds), retries and circuit-breaker thresholds of one HTTP adapter.

    Args:
        connect_timeout: to open a connection (and to wait for a pooled one).
        read_timeout: to wait for the answer (and to send the request).
        attempts: tries per call, the first included; only 5xx and transport errors
            are tried again.
        backoff: delay before the first retry; doubles per retry up to ``max_backoff``,
            plus up to 10% jitter.
        failure_threshold: consecutive failed attempts that open the circuit.
        cool_down: how long an open circuit fails fast before one probe is let through.
        max_connections: size of the connection pool.
    """

    connect_timeout: float = 2.0
    read_timeout: float = 5.0
    attempts: int = 3
    backoff: float = 0.2
    max_backoff: float = 2.0
    failure_threshold: int = 5
    cool_down: float = 30.0
    max_connections: int = 20

    def __attrs_post_init__(self) -> None:
        if self.attempts < 1 or self.failure_threshold < 1:
            raise ValueError("attempts and failure_threshold must be at least 1")


class CircuitState(enum.StrEnum):
    """Closed: calls go through. Open: calls fail fast. Half-open: one probe may try."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"

    @property
    def level(self) -> int:
        """0 closed, 1 half-open, 2 open: handy as a metrics gauge."""
        return {"closed": 0, "half_open": 1, "open": 2}[self.value]


class CircuitBreaker:
    """Counts consecutive failures of one remote service and stops calling it when dead.

    - ``failure_threshold`` consecutive failures open the circuit.
    - While open, ``allow`` says no until ``cool_down`` seconds have passed.
    - Then the circuit is half-open: one probe call is allowed; its success closes
      the circuit, its failure opens it for another ``cool_down``.

    Args:
        clock: monotonic seconds; injectable so tests need not wait.
    """

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        cool_down: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.failure_threshold = failure_threshold
        self.cool_down = cool_down
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> CircuitState:
        if self._opened_at is None:
            return CircuitState.CLOSED
        if self._clock() - self._opened_at >= self.cool_down:
            return CircuitState.HALF_OPEN
        return CircuitState.OPEN

    def allow(self) -> bool:
        """Whether a call may go out now; in half-open state, only the first caller."""
        state = self.state
        if state is CircuitState.CLOSED:
            return True
        if state is CircuitState.OPEN or self._probing:
            return False
        self._probing = True
        return True

    def record_success(self) -> None:
        if self._opened_at is not None:
            log.warning("%s: circuit closed, the service answers again", self.name)
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def record_failure(self) -> None:
        state = self.state
        if state is CircuitState.CLOSED:
            self._failures += 1
            if self._failures >= self.failure_threshold:
                self._open()
        elif state is CircuitState.HALF_OPEN:
            self._open()
        # Already open: an attempt that started before it opened changes nothing.

    def release(self) -> None:
        """A probe ended without a verdict (e.g. cancelled): let the next caller probe."""
        self._probing = False

    def _open(self) -> None:
        self._opened_at = self._clock()
        self._probing = False
        log.warning(
            "%s: circuit open after %d failures; failing fast for %.0f s",
            self.name,
            self._failures,
            self.cool_down,
        )


class _HideHttpxRequestLines(logging.Filter):
    """httpx logs every full URL at INFO; ours may hold an INSZ or a vaccination code."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("HTTP Request:")


_HTTPX_FILTER = _HideHttpxRequestLines()


def _silence_httpx_url_logging() -> None:
    logger = logging.getLogger("httpx")
    if _HTTPX_FILTER not in logger.filters:
        logger.addFilter(_HTTPX_FILTER)


class ResilientClient:
    """One pooled ``httpx.AsyncClient`` for one remote service, with retries and a breaker.

    Args:
        service: a short name for logs and errors (``"VCDB"``).
        base_url: the service's base URL; a path prefix is kept.
        token: bearer token sent as ``Authorization``; None or empty sends none.
        settings: timeouts, retries, breaker thresholds.
        clock: monotonic seconds for the breaker.
        sleep: how to wait between retries (tests pass a no-op).
        transport: an httpx transport, for unusual deployments (e.g. a proxy mount).
    """

    def __init__(
        self,
        *,
        service: str,
        base_url: str,
        token: str | None,
        settings: HttpSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.service = service
        self.settings = settings or HttpSettings()
        self.breaker = CircuitBreaker(
            service,
            failure_threshold=self.settings.failure_threshold,
            cool_down=self.settings.cool_down,
            clock=clock,
        )
        self._sleep = sleep
        self._jitter = random.Random()
        headers = {"Accept": "application/json", "User-Agent": "lmb"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        s = self.settings
        _silence_httpx_url_logging()
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=httpx.Timeout(
                connect=s.connect_timeout,
                read=s.read_timeout,
                write=s.read_timeout,
                pool=s.connect_timeout,
            ),
            limits=httpx.Limits(
                max_connections=s.max_connections,
                max_keepalive_connections=s.max_connections,
            ),
            follow_redirects=False,
            transport=transport,
        )

    @property
    def circuit_state(self) -> CircuitState:
        return self.breaker.state

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        log_path: str,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        also_ok: Collection[int] = (),
    ) -> httpx.Response:
        """Send the request, trying again on 5xx and transport errors.

        Args:
            path: relative to the base URL; may hold personal data.
            log_path: the same path with personal data masked; the only one logged.
            also_ok: non-2xx statuses the caller handles itself (e.g. 404).

        Returns:
            A response with a 2xx status or one of ``also_ok``.

        Raises:
            ServiceUnavailable: the circuit is open, the attempts ran out, or the
                service said to try later (408, 425, 429).
            ServiceRejected: any other 4xx (or 3xx): the request will never succeed.
        """
        what = f"{method} {log_path}"
        attempts = self.settings.attempts
        reason = "no attempt made"
        for attempt in range(1, attempts + 1):
            if not self.breaker.allow():
                raise ServiceUnavailable(f"{self.service}: circuit open, not calling {what}")
            started = time.perf_counter()
            verdict = False
            try:
                response = await self._client.request(method, path, json=json, headers=headers)
            except httpx.TransportError as exc:
                # The exception text may hold the full URL: only its type is kept.
                reason = type(exc).__name__
            except httpx.RequestError as exc:
                self.breaker.record_success()
                verdict = True
                raise ServiceRejected(
                    f"{self.service}: unreadable answer to {what} ({type(exc).__name__})"
                ) from None
            else:
                elapsed = (time.perf_counter() - started) * 1000
                status = response.status_code
                if status < 500:
                    self.breaker.record_success()
                    verdict = True
                    log.debug("%s: %s -> %d in %.0f ms", self.service, what, status, elapsed)
                    if 200 <= status < 300 or status in also_ok:
                        return response
                    if status in _TRY_LATER:
                        raise ServiceUnavailable(f"{self.service}: {what} answered {status}")
                    raise ServiceRejected(f"{self.service}: {what} answered {status}")
                reason = f"status {status}"
            finally:
                if not verdict and self.breaker.state is CircuitState.HALF_OPEN:
                    # Cancelled or failed probe: the failure below decides; a cancelled
                    # one must not keep the circuit waiting for a verdict forever.
                    self.breaker.release()
            self.breaker.record_failure()
            if attempt < attempts:
                delay = min(self.settings.backoff * 2 ** (attempt - 1), self.settings.max_backoff)
                delay *= 1 + 0.1 * self._jitter.random()
                log.warning(
                    "%s: %s failed (%s), attempt %d of %d; retrying in %.2f s",
                    self.service,
                    what,
                    reason,
                    attempt,
                    attempts,
                    delay,
                )
                await self._sleep(delay)
        log.warning("%s: %s failed (%s) after %d attempts", self.service, what, reason, attempts)
        raise ServiceUnavailable(f"{self.service}: {what} failed ({reason})")


class HttpAdapter:
    """What every HTTP adapter shares: one resilient client, its breaker, its closing.

    Args:
        base_url: the service's base URL (``LMB_*_URL``).
        token: its bearer token (``LMB_*_TOKEN``).
        settings: timeouts, retries and breaker thresholds.
        clock: monotonic seconds for the breaker (tests).
        sleep: waiting between retries (tests).
        transport: an httpx transport to use instead of the network (tests).
    """

    service = "remote service"

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        settings: HttpSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = ResilientClient(
            service=self.service,
            base_url=base_url,
            token=token,
            settings=settings,
            clock=clock,
            sleep=sleep,
            transport=transport,
        )

    @property
    def circuit_state(self) -> CircuitState:
        return self._http.circuit_state

    async def aclose(self) -> None:
        await self._http.aclose()
