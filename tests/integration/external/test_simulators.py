"""The simulated VCDB, booking system and SMS gateway used in embedded mode and demos."""

from __future__ import annotations

import collections
import datetime as dt
import re
import time

import pytest

from lmb.adapters.simulators import (
    CODE_ALPHABET,
    SimulatedBookingSystem,
    SimulatedSmsGateway,
    SimulatedVcdb,
    simulated_code,
)
from lmb.application.ports import EligibilityAnswer, InvitationReport, ServiceUnavailable
from lmb.domain.person import VaccinationCode, VcdbStatus
from lmb.testing.builders import an_insz

POPULATION = [
    an_insz(dt.date(1920 + i % 85, 1 + i % 12, 1 + i % 28), 1 + i % 997) for i in range(2000)
]
CODE_SHAPE = re.compile(rf"^[{CODE_ALPHABET}]{{4}}(-[{CODE_ALPHABET}]{{4}}){{3}}$")
AT = dt.datetime(2021, 4, 11, 13, 0, tzinfo=dt.UTC)


class TestSimulatedVcdb:
    def test_most_people_are_eligible_and_a_few_are_not(self) -> None:
        vcdb = SimulatedVcdb()
        statuses = collections.Counter(vcdb.answer_for(insz).status for insz in POPULATION)

        assert 0.85 < statuses[VcdbStatus.ELIGIBLE] / len(POPULATION) < 0.95
        for other in (VcdbStatus.NOT_ELIGIBLE, VcdbStatus.VACCINATED, VcdbStatus.BOOKED):
            assert 0 < statuses[other] < 0.08 * len(POPULATION)

    def test_people_born_after_2010_are_not_eligible(self) -> None:
        vcdb = SimulatedVcdb()
        children = [an_insz(dt.date(2011 + i % 10, 3, 4), 1 + i) for i in range(50)]

        assert {vcdb.answer_for(c) for c in children} == {
            EligibilityAnswer(VcdbStatus.NOT_ELIGIBLE, None)
        }

    def test_codes_look_real_and_are_stable_per_insz(self) -> None:
        codes = {simulated_code(insz) for insz in POPULATION}

        assert len(codes) == len(set(POPULATION))
        assert all(CODE_SHAPE.match(code.value) for code in codes)
        assert all(VaccinationCode.parse(code.value) == code for code in codes)
        assert simulated_code(POPULATION[0]) == simulated_code(POPULATION[0])
        assert simulated_code(POPULATION[0], key=b"other") != simulated_code(POPULATION[0])

    async def test_an_answer_can_be_set_for_a_demo(self) -> None:
        vcdb = SimulatedVcdb()
        vcdb.answers[POPULATION[0].digits] = EligibilityAnswer(VcdbStatus.VACCINATED, None)

        assert (await vcdb.check(POPULATION[0])).status is VcdbStatus.VACCINATED

    async def test_mark_invited_is_recorded(self) -> None:
        vcdb = SimulatedVcdb()
        code = simulated_code(POPULATION[0])

        await vcdb.mark_invited(code, invited_at=AT, centre_id="c1", date=dt.date(2021, 4, 11))

        assert [(m.code, m.centre_id) for m in vcdb.invitations] == [(code, "c1")]

    async def test_failures_follow_the_seed(self) -> None:
        async def outcomes(seed: int) -> list[bool]:
            vcdb = SimulatedVcdb(failure_rate=0.3, seed=seed)
            result = []
            for insz in POPULATION[:50]:
                try:
                    await vcdb.check(insz)
                    result.append(True)
                except ServiceUnavailable:
                    result.append(False)
            return result

        first = await outcomes(7)

        assert first == await outcomes(7)
        assert 5 < first.count(False) < 25

    async def test_latency_is_simulated(self) -> None:
        vcdb = SimulatedVcdb(latency=0.05)
        started = time.monotonic()

        await vcdb.check(POPULATION[0])

        assert time.monotonic() - started >= 0.05

    def test_a_failure_rate_is_a_probability(self) -> None:
        with pytest.raises(ValueError, match="probability"):
            SimulatedVcdb(failure_rate=1.5)


class TestSimulatedBookingSystem:
    async def test_reports_are_kept_once_per_idempotency_key(self) -> None:
        booking = SimulatedBookingSystem()
        report = InvitationReport("ABCD-EFGH-JKMN-PQRS", dt.date(2021, 4, 11), AT, "c1", None)

        await booking.report_invitation(report, idempotency_key="k1")
        await booking.report_invitation(report, idempotency_key="k1")
        await booking.report_invitation(report, idempotency_key="k2")

        assert list(booking.reports) == ["k1", "k2"]
        assert booking.deliveries == 3

    async def test_a_down_booking_system_is_unavailable(self) -> None:
        booking = SimulatedBookingSystem()
        booking.down = True
        report = InvitationReport("ABCD-EFGH-JKMN-PQRS", dt.date(2021, 4, 11), AT, "c1", None)

        with pytest.raises(ServiceUnavailable):
            await booking.report_invitation(report, idempotency_key="k1")
        assert booking.reports == {}


class TestSimulatedSmsGateway:
    async def test_keeps_what_it_was_given_without_showing_it(self) -> None:
        gateway = SimulatedSmsGateway(keep=1)

        await gateway.send("+32470123456", "one")
        await gateway.send("+32470123457", "two")

        assert [(s.to, s.text) for s in gateway.sent] == [("+32470123457", "two")]
        assert "+32" not in repr(gateway.sent[0])
