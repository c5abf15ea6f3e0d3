"""What every EligibilityService and BookingSystem adapter must do, whatever it talks to.

A new adapter (another VCDB, another booking system) gets its own test module that
subclasses these classes and provides the fixtures ``service`` and ``break_service``
(make the remote unavailable). See docs/integration.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from lmb.application.ports import (
    BookingSystem,
    EligibilityAnswer,
    EligibilityService,
    InvitationReport,
    ServiceUnavailable,
)
from lmb.domain.person import VaccinationCode, VcdbStatus
from lmb.testing.builders import an_insz

INVITED_AT = dt.datetime(2021, 4, 11, 13, 0, tzinfo=dt.UTC)
PEOPLE = [an_insz(dt.date(1930 + i, 1 + i % 12, 1 + i % 28), 10 + i) for i in range(40)]


class EligibilityServiceContract:
    """R-ELIG, R-ASYNC, R-INVA-3, as the application relies on them."""

    async def test_it_implements_the_port(self, service: EligibilityService) -> None:
        assert isinstance(service, EligibilityService)

    async def test_every_answer_has_a_status_and_eligible_ones_a_code(
        self, service: EligibilityService
    ) -> None:
        answers = [await service.check(insz) for insz in PEOPLE]

        assert all(isinstance(a, EligibilityAnswer) for a in answers)
        assert all(isinstance(a.status, VcdbStatus) for a in answers)
        eligible = [a for a in answers if a.status is VcdbStatus.ELIGIBLE]
        assert eligible, "a realistic population has eligible people"
        assert all(isinstance(a.vaccination_code, VaccinationCode) for a in eligible)

    async def test_asking_twice_gives_the_same_answer(self, service: EligibilityService) -> None:
        assert await service.check(PEOPLE[0]) == await service.check(PEOPLE[0])

    async def test_marking_invited_twice_is_harmless(self, service: EligibilityService) -> None:
        code = VaccinationCode.parse("ABCD-EFGH-JKMN-PQRS")
        for _ in range(2):
            await service.mark_invited(
                code, invited_at=INVITED_AT, centre_id="centre-gent", date=dt.date(2021, 4, 11)
            )

    async def test_a_naive_datetime_is_refused(self, service: EligibilityService) -> None:
        with pytest.raises(ValueError, match="timezone"):
            await service.mark_invited(
                VaccinationCode.parse("ABCD-EFGH-JKMN-PQRS"),
                invited_at=INVITED_AT.replace(tzinfo=None),
                centre_id="centre-gent",
                date=dt.date(2021, 4, 11),
            )

    async def test_an_unreachable_vcdb_raises_service_unavailable(
        self, service: EligibilityService, break_service: Callable[[], None]
    ) -> None:
        """R-ASYNC: the application falls back on stored codes when it sees this."""
        break_service()

        with pytest.raises(ServiceUnavailable):
            await service.check(PEOPLE[0])


class BookingSystemContract:
    """R-INVA-2, R-NOTIFY: reports delivered at least once, deduplicated by key."""

    REPORT = InvitationReport(
        vaccination_code="ABCD-EFGH-JKMN-PQRS",
        date=dt.date(2021, 4, 11),
        invited_at=INVITED_AT,
        centre_id="centre-gent",
        expires_at=INVITED_AT + dt.timedelta(minutes=30),
    )

    async def test_it_implements_the_port(self, service: BookingSystem) -> None:
        assert isinstance(service, BookingSystem)

    async def test_a_report_delivered_twice_is_accepted_twice(self, service: BookingSystem) -> None:
        for _ in range(2):
            await service.report_invitation(self.REPORT, idempotency_key="invitation-1:booking")

    async def test_an_open_slot_report_has_no_expiry(self, service: BookingSystem) -> None:
        report = InvitationReport(
            "ABCD-EFGH-JKMN-PQRS", dt.date(2021, 4, 11), INVITED_AT, "centre-gent", None
        )
        await service.report_invitation(report, idempotency_key="open-slot-1")

    async def test_an_unreachable_booking_system_raises_service_unavailable(
        self, service: BookingSystem, break_service: Callable[[], None]
    ) -> None:
        break_service()

        with pytest.raises(ServiceUnavailable):
            await service.report_invitation(self.REPORT, idempotency_key="k")
