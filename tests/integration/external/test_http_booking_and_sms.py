"""The booking-system and SMS-gateway adapters against a real HTTP server (contract section 3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from lmb.adapters.http import HttpBookingSystem, HttpSettings, HttpSmsGateway
from lmb.application.ports import InvitationReport, ServiceRejected, ServiceUnavailable
from tests.integration.external.servers import HANG, TOKEN, FakeClock, FakeRemote, Reply, Sleeps

FAST = HttpSettings(connect_timeout=0.5, read_timeout=0.3, attempts=3, backoff=0.01)
REPORT = InvitationReport(
    vaccination_code="ABCD-EFGH-JKMN-PQRS",
    date=dt.date(2021, 4, 11),
    invited_at=dt.datetime(2021, 4, 11, 13, 0, tzinfo=dt.UTC),
    centre_id="centre-gent",
    expires_at=dt.datetime(2021, 4, 11, 13, 30, tzinfo=dt.UTC),
)


@pytest.fixture
async def booking(
    remote_url: str, clock: FakeClock, sleeps: Sleeps
) -> AsyncIterator[HttpBookingSystem]:
    adapter = HttpBookingSystem(remote_url, TOKEN, settings=FAST, clock=clock, sleep=sleeps)
    yield adapter
    await adapter.aclose()


@pytest.fixture
async def sms(remote_url: str, sleeps: Sleeps) -> AsyncIterator[HttpSmsGateway]:
    adapter = HttpSmsGateway(remote_url, TOKEN, settings=FAST, sleep=sleeps)
    yield adapter
    await adapter.aclose()


class TestReportInvitation:
    async def test_the_report_is_posted_as_the_contract_says(
        self, booking: HttpBookingSystem, remote: FakeRemote
    ) -> None:
        """R-INVA-2, R-NOTIFY: code, date, time of invitation, centre and expiry."""
        await booking.report_invitation(REPORT, idempotency_key="invitation-1:booking")

        request = remote.requests[0]
        assert (request.method, request.path) == ("POST", "/v1/last-minute-invitations")
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["idempotency-key"] == "invitation-1:booking"
        assert request.headers["content-type"] == "application/json"
        assert request.json() == {
            "vaccination_code": "ABCD-EFGH-JKMN-PQRS",
            "date": "2021-04-11",
            "invited_at": "2021-04-11T13:00:00+00:00",
            "centre_id": "centre-gent",
            "expires_at": "2021-04-11T13:30:00+00:00",
        }

    async def test_a_claimed_open_slot_has_no_expiry(
        self, booking: HttpBookingSystem, remote: FakeRemote
    ) -> None:
        """R-INVA-2: ``expires_at`` is null for claimed open slots."""
        open_slot = InvitationReport(
            REPORT.vaccination_code, REPORT.date, REPORT.invited_at, REPORT.centre_id, None
        )

        await booking.report_invitation(open_slot, idempotency_key="k")

        assert remote.requests[0].json()["expires_at"] is None

    async def test_the_idempotency_key_is_the_same_on_every_retry(
        self, booking: HttpBookingSystem, remote: FakeRemote
    ) -> None:
        remote.then(Reply(500), HANG)

        await booking.report_invitation(REPORT, idempotency_key="invitation-7:booking")

        assert len(remote.requests) == 3
        assert {r.headers["idempotency-key"] for r in remote.requests} == {"invitation-7:booking"}
        assert len({r.body for r in remote.requests}) == 1

    async def test_a_redelivery_is_deduplicated_by_the_booking_system(
        self, booking: HttpBookingSystem, remote: FakeRemote
    ) -> None:
        """At least once: the outbox may deliver twice; the key makes it count once."""
        await booking.report_invitation(REPORT, idempotency_key="invitation-8:booking")
        await booking.report_invitation(REPORT, idempotency_key="invitation-8:booking")

        assert len(remote.requests) == 2
        assert list(remote.bookings) == ["invitation-8:booking"]

    async def test_a_booking_system_that_stays_down_is_unavailable(
        self, booking: HttpBookingSystem, remote: FakeRemote
    ) -> None:
        remote.default = Reply(503)

        with pytest.raises(ServiceUnavailable):
            await booking.report_invitation(REPORT, idempotency_key="k")
        assert booking.circuit_state == "closed"  # 3 failures, threshold 5

    async def test_a_refused_report_is_rejected(
        self, booking: HttpBookingSystem, remote: FakeRemote
    ) -> None:
        remote.then(Reply.json(422, {"title": "unknown centre"}))

        with pytest.raises(ServiceRejected, match="422"):
            await booking.report_invitation(REPORT, idempotency_key="k")


class TestSmsGateway:
    async def test_a_text_is_posted_and_accepted(
        self, sms: HttpSmsGateway, remote: FakeRemote
    ) -> None:
        await sms.send("+32470123456", "Vaccin voor u: ...")

        request = remote.requests[0]
        assert (request.method, request.path) == ("POST", "/v1/messages")
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.json() == {"to": "+32470123456", "text": "Vaccin voor u: ..."}

    async def test_a_gateway_error_is_retried(
        self, sms: HttpSmsGateway, remote: FakeRemote
    ) -> None:
        remote.then(Reply(502))

        await sms.send("+32470123456", "hello")

        assert len(remote.requests) == 2

    async def test_a_refused_number_is_rejected(
        self, sms: HttpSmsGateway, remote: FakeRemote
    ) -> None:
        remote.then(Reply.json(400, {"title": "invalid number"}))

        with pytest.raises(ServiceRejected):
            await sms.send("+32470123456", "hello")
