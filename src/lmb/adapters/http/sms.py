"""An SMS gateway over HTTP (contract section 3): ``POST /v1/messages`` → 202."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx

from lmb.adapters.http.client import CircuitState, HttpSettings, ResilientClient
from lmb.adapters.notifier import SmsGateway

_LOG_PATH = "/v1/messages"


class HttpSmsGateway(SmsGateway):
    """Sends ``{"to", "text"}`` with a bearer token, retries and a circuit breaker.

    Args:
        base_url: ``LMB_SMS_URL``.
        token: ``LMB_SMS_TOKEN``.
        settings: timeouts, retries and breaker thresholds.
    """

    service = "SMS gateway"

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

    async def send(self, to: str, text: str) -> None:
        """Hand one SMS to the gateway; returns once it accepted it (202).

        Raises:
            ServiceUnavailable: the gateway cannot take it now.
            ServiceRejected: it refused the message for good.
        """
        await self._http.request(
            "POST", "/v1/messages", log_path=_LOG_PATH, json={"to": to, "text": text}
        )
