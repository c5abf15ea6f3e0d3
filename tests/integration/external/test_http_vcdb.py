"""The VCDB adapter against a real HTTP server (section 3; R-ELIG, R-INVA-3, C-REGISTRY)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import AsyncIterator

import pytest

from lmb.adapters.http import HttpSettings, HttpVcdb
from lmb.application.ports import EligibilityAnswer, ServiceRejected, ServiceUnavailable
from lmb.domain.person import VaccinationCode, VcdbStatus
from lmb.testing.builders import an_insz
from tests.integration.external.servers import (
    HANG,
    TOKEN,
    FakeClock,
    FakeRemote,
    Reply,
    Sleeps,
    free_port,
)

JAN = an_insz(dt.date(1941, 3, 2), 17)
CODE = VaccinationCode.parse("ABCD-EFGH-JKMN-PQRS")
FAST = HttpSettings(
    connect_timeout=0.5,
    read_timeout=0.3,
    attempts=3,
    backoff=0.01,
    max_backoff=0.02,
    failure_threshold=5,
    cool_down=30,
)


@pytest.fixture
async def vcdb(remote_url: str, clock: FakeClock, sleeps: Sleeps) -> AsyncIterator[HttpVcdb]:
    adapter = HttpVcdb(remote_url, TOKEN, settings=FAST, clock=clock, sleep=sleeps)
    yield adapter
    await adapter.aclose()


class TestCheck:
    async def test_an_eligible_person_comes_with_their_code(
        self, vcdb: HttpVcdb, remote: FakeRemote
    ) -> None:
        """R-ELIG: the status and the vaccination code are what the VCDB says."""
        answer = await vcdb.check(JAN)

        assert answer == remote.vcdb.answer_for(JAN)
        request = remote.requests[0]
        assert request.method == "GET"
        assert request.path == f"/v1/persons/{JAN.digits}/vaccination-code"
        assert request.headers["authorization"] == f"Bearer {TOKEN}"

    async def test_an_unknown_person_is_not_eligible(
        self, vcdb: HttpVcdb, remote: FakeRemote
    ) -> None:
        remote.then(Reply.json(404, {"title": "unknown"}))

        assert await vcdb.check(JAN) == EligibilityAnswer(VcdbStatus.NOT_ELIGIBLE, None)

    async def test_a_replaced_insz_is_reported(self, vcdb: HttpVcdb, remote: FakeRemote) -> None:
        """C-REGISTRY: an INSZ can be replaced by another; the answer names the new one."""
        new = an_insz(dt.date(1941, 3, 2), 19)
        remote.then(
            Reply.json(
                200,
                {
                    "insz": new.digits,
                    "vaccination_code": CODE.value,
                    "status": "eligible",
                    "replaced_by": new.digits,
                },
            )
        )

        answer = await vcdb.check(JAN)

        assert answer == EligibilityAnswer(VcdbStatus.ELIGIBLE, CODE, replaced_by=new)

    async def test_a_base_url_with_a_path_keeps_its_prefix(
        self, remote_url: str, remote: FakeRemote
    ) -> None:
        adapter = HttpVcdb(f"{remote_url}/ehealth/vcdb/", TOKEN, settings=FAST)
        try:
            await adapter.check(JAN)
        finally:
            await adapter.aclose()

        assert remote.requests[0].path == f"/ehealth/vcdb/v1/persons/{JAN.digits}/vaccination-code"

    @pytest.mark.parametrize(
        "reply",
        [
            Reply(200, b"<html>Service maintenance</html>", "text/html"),
            Reply.json(200, ["eligible"]),
            Reply.json(200, {"status": "eligible"}),
            Reply.json(200, {"insz": None, "vaccination_code": "ABCD-EFGH", "status": "maybe"}),
            Reply.json(200, {"vaccination_code": None, "status": "eligible"}),
            Reply.json(200, {"vaccination_code": "!!", "status": "eligible"}),
            Reply.json(200, {"vaccination_code": 42, "status": "eligible"}),
            Reply.json(200, {"insz": "12345", "vaccination_code": None, "status": "vaccinated"}),
            Reply.json(
                200, {"status": "eligible", "vaccination_code": "A-B-C-D", "replaced_by": 7}
            ),
        ],
        ids=[
            "html",
            "array",
            "no-code-field",
            "unknown-status",
            "eligible-without-code",
            "bad-code",
            "code-not-a-string",
            "bad-insz",
            "bad-replaced-by",
        ],
    )
    async def test_garbage_is_rejected_typed_and_not_retried(
        self, vcdb: HttpVcdb, remote: FakeRemote, reply: Reply
    ) -> None:
        remote.then(reply)

        with pytest.raises(ServiceRejected):
            await vcdb.check(JAN)
        assert len(remote.requests) == 1

    async def test_an_answer_about_another_person_is_rejected(
        self, vcdb: HttpVcdb, remote: FakeRemote
    ) -> None:
        """Never store someone else's vaccination code."""
        other = an_insz(dt.date(1950, 1, 1), 5)
        remote.then(
            Reply.json(
                200, {"insz": other.digits, "vaccination_code": CODE.value, "status": "eligible"}
            )
        )

        with pytest.raises(ServiceRejected, match="another person"):
            await vcdb.check(JAN)

    @pytest.mark.parametrize("status", [400, 401, 403, 409, 422])
    async def test_a_client_error_is_rejected_at_once(
        self, vcdb: HttpVcdb, remote: FakeRemote, status: int
    ) -> None:
        remote.then(Reply.json(status, {"title": "no"}))

        with pytest.raises(ServiceRejected):
            await vcdb.check(JAN)
        assert len(remote.requests) == 1

    async def test_a_wrong_token_is_rejected(self, remote_url: str, remote: FakeRemote) -> None:
        adapter = HttpVcdb(remote_url, "not-the-token", settings=FAST)
        try:
            with pytest.raises(ServiceRejected, match="401"):
                await adapter.check(JAN)
        finally:
            await adapter.aclose()

    async def test_too_many_requests_means_try_later_without_retrying(
        self, vcdb: HttpVcdb, remote: FakeRemote
    ) -> None:
        remote.then(Reply.json(429, {"title": "slow down"}))

        with pytest.raises(ServiceUnavailable):
            await vcdb.check(JAN)
        assert len(remote.requests) == 1


class TestRetries:
    async def test_server_errors_are_retried_with_growing_delays(
        self, vcdb: HttpVcdb, remote: FakeRemote, sleeps: Sleeps
    ) -> None:
        remote.then(Reply(500), Reply(503))

        answer = await vcdb.check(JAN)

        assert answer.status is remote.vcdb.answer_for(JAN).status
        assert len(remote.requests) == 3
        assert len(sleeps.delays) == 2
        assert sleeps.delays[0] < sleeps.delays[1]

    async def test_after_the_last_attempt_the_vcdb_is_unavailable(
        self, vcdb: HttpVcdb, remote: FakeRemote
    ) -> None:
        remote.default = Reply(502)

        with pytest.raises(ServiceUnavailable, match="status 502"):
            await vcdb.check(JAN)
        assert len(remote.requests) == FAST.attempts

    async def test_a_hanging_vcdb_times_out_quickly(
        self, vcdb: HttpVcdb, remote: FakeRemote
    ) -> None:
        remote.default = HANG
        started = time.monotonic()

        with pytest.raises(ServiceUnavailable, match="ReadTimeout"):
            await vcdb.check(JAN)

        assert len(remote.requests) == FAST.attempts
        assert time.monotonic() - started < FAST.attempts * FAST.read_timeout + 1

    async def test_a_refused_connection_is_unavailable(self, sleeps: Sleeps) -> None:
        adapter = HttpVcdb(f"http://127.0.0.1:{free_port()}", TOKEN, settings=FAST, sleep=sleeps)
        try:
            with pytest.raises(ServiceUnavailable, match="ConnectError"):
                await adapter.check(JAN)
        finally:
            await adapter.aclose()
        assert len(sleeps.delays) == FAST.attempts - 1


class TestCircuitBreaker:
    @pytest.fixture
    async def fragile(
        self, remote_url: str, clock: FakeClock, sleeps: Sleeps
    ) -> AsyncIterator[HttpVcdb]:
        settings = HttpSettings(
            read_timeout=0.3, attempts=2, backoff=0.01, failure_threshold=4, cool_down=30
        )
        adapter = HttpVcdb(remote_url, TOKEN, settings=settings, clock=clock, sleep=sleeps)
        yield adapter
        await adapter.aclose()

    async def test_a_dead_vcdb_fails_fast_once_the_circuit_is_open(
        self, fragile: HttpVcdb, remote: FakeRemote
    ) -> None:
        remote.default = Reply(500)
        for _ in range(2):
            with pytest.raises(ServiceUnavailable):
                await fragile.check(JAN)
        assert fragile.circuit_state == "open"
        calls = len(remote.requests)

        with pytest.raises(ServiceUnavailable, match="circuit open"):
            await fragile.check(JAN)

        assert len(remote.requests) == calls == 4

    async def test_after_the_cool_down_one_probe_closes_it_again(
        self, fragile: HttpVcdb, remote: FakeRemote, clock: FakeClock
    ) -> None:
        remote.then(*[Reply(500)] * 4)
        for _ in range(2):
            with pytest.raises(ServiceUnavailable):
                await fragile.check(JAN)

        clock.advance(30)
        assert fragile.circuit_state == "half_open"
        answer = await fragile.check(JAN)

        assert answer.status is remote.vcdb.answer_for(JAN).status
        assert fragile.circuit_state == "closed"

    async def test_a_failed_probe_opens_it_for_another_cool_down(
        self, fragile: HttpVcdb, remote: FakeRemote, clock: FakeClock
    ) -> None:
        remote.default = Reply(500)
        for _ in range(2):
            with pytest.raises(ServiceUnavailable):
                await fragile.check(JAN)
        clock.advance(31)

        with pytest.raises(ServiceUnavailable):
            await fragile.check(JAN)

        assert fragile.circuit_state == "open"
        assert len(remote.requests) == 5  # the probe, and no retry through an open circuit

    async def test_client_errors_do_not_open_the_circuit(
        self, fragile: HttpVcdb, remote: FakeRemote
    ) -> None:
        remote.default = Reply.json(403, {"title": "no"})
        for _ in range(6):
            with pytest.raises(ServiceRejected):
                await fragile.check(JAN)

        assert fragile.circuit_state == "closed"


class TestMarkInvited:
    async def test_the_invitation_is_posted_with_an_offset_datetime(
        self, vcdb: HttpVcdb, remote: FakeRemote
    ) -> None:
        """R-INVA-3."""
        brussels = dt.timezone(dt.timedelta(hours=2))
        await vcdb.mark_invited(
            CODE,
            invited_at=dt.datetime(2021, 4, 11, 15, 5, 7, 123, tzinfo=brussels),
            centre_id="centre-gent",
            date=dt.date(2021, 4, 11),
        )

        request = remote.requests[0]
        assert request.method == "POST"
        assert request.path == f"/v1/vaccination-codes/{CODE.value}/invitations"
        assert request.json() == {
            "invited_at": "2021-04-11T13:05:07+00:00",
            "centre_id": "centre-gent",
            "date": "2021-04-11",
        }

    async def test_a_naive_datetime_is_a_programming_error(self, vcdb: HttpVcdb) -> None:
        with pytest.raises(ValueError, match="timezone"):
            await vcdb.mark_invited(
                CODE,
                invited_at=dt.datetime(2021, 4, 11, 15, 5),
                centre_id="centre-gent",
                date=dt.date(2021, 4, 11),
            )

    async def test_an_unknown_code_is_rejected(self, vcdb: HttpVcdb, remote: FakeRemote) -> None:
        remote.then(Reply.json(404, {"title": "unknown code"}))

        with pytest.raises(ServiceRejected):
            await vcdb.mark_invited(
                CODE,
                invited_at=dt.datetime(2021, 4, 11, 13, 5, tzinfo=dt.UTC),
                centre_id="centre-gent",
                date=dt.date(2021, 4, 11),
            )


class TestNoPersonalDataInLogs:
    async def test_neither_insz_nor_code_nor_token_is_logged(
        self, vcdb: HttpVcdb, remote: FakeRemote, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        remote.then(Reply(500), Reply(500))
        await vcdb.check(JAN)  # succeeds on the third attempt

        remote.default = Reply(500)
        with pytest.raises(ServiceUnavailable) as failure:
            await vcdb.mark_invited(
                CODE,
                invited_at=dt.datetime(2021, 4, 11, 13, 5, tzinfo=dt.UTC),
                centre_id="centre-gent",
                date=dt.date(2021, 4, 11),
            )

        logged = caplog.text + str(failure.value)
        assert "/v1/persons/***/vaccination-code" in logged
        for secret in (JAN.digits, JAN.formatted(), CODE.value, TOKEN):
            assert secret not in logged
