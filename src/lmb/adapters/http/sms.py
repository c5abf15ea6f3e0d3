"""An SMS gateway over HTTP (contract section 3): ``POST /v1/messages`` → 202."""

from __future__ import annotations

from lmb.adapters.http.client import HttpAdapter
from lmb.adapters.notifier import SmsGateway

_LOG_PATH = "/v1/messages"


class HttpSmsGateway(HttpAdapter, SmsGateway):
    """Sends ``{"to", "text"}`` with a bearer token, retries and a circuit breaker.

    Args:
        base_url: ``LMB_SMS_URL``.
        token: ``LMB_SMS_TOKEN``.
        settings: timeouts, retries and breaker thresholds.
    """

    service = "SMS gateway"

    async def send(self, to: str, text: str) -> None:
        """Hand one SMS to the gateway; returns once it accepted it (202).

        Raises:
            ServiceUnavailable: the gateway cannot take it now.
            ServiceRejected: it refused the message for good.
        """
        await self._http.request(
            "POST", "/v1/messages", log_path=_LOG_PATH, json={"to": to, "text": text}
        )
