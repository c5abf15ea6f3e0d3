"""The regular booking system over HTTP (contract section 3; R-INVA-2, R-NOTIFY)."""

from __future__ import annotations

from lmb.adapters.http._json import iso_datetime
from lmb.adapters.http.client import HttpAdapter
from lmb.application.ports import BookingSystem, InvitationReport

_LOG_PATH = "/v1/last-minute-invitations"


class HttpBookingSystem(HttpAdapter, BookingSystem):
    """Reports invitations to ``POST /v1/last-minute-invitations`` (201).

    Every report carries an ``Idempotency-Key`` header, the same on every retry and on
    every redelivery by the outbox, so the booking system can deduplicate.

    Args:
        base_url: ``LMB_BOOKING_URL``.
        token: ``LMB_BOOKING_TOKEN``.
        settings: timeouts, retries and breaker thresholds.
        clock: monotonic seconds for the breaker (tests).
        sleep: waiting between retries (tests).
    """

    service = "booking system"

    async def report_invitation(self, report: InvitationReport, *, idempotency_key: str) -> None:
        """Report one invitation; ``expires_at`` None for a claimed open slot.

        Raises:
            ServiceUnavailable: the booking system cannot take it now.
            ServiceRejected: it refused the report for good.
        """
        await self._http.request(
            "POST",
            "/v1/last-minute-invitations",
            log_path=_LOG_PATH,
            headers={"Idempotency-Key": idempotency_key},
            json={
                "vaccination_code": report.vaccination_code,
                "date": report.date.isoformat(),
                "invited_at": iso_datetime(report.invited_at),
                "centre_id": report.centre_id,
                "expires_at": (
                    None if report.expires_at is None else iso_datetime(report.expires_at)
                ),
            },
        )
