"""N-REPORT: the report equals a recount of what happened, on random histories."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections import Counter

from attrs import frozen
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lmb.application.clock import local_today
from lmb.application.registrations import AvailabilityInput, ContactInput, Register
from lmb.application.sessions import OpenSessionCommand
from lmb.domain.geography import Postcode
from lmb.domain.invitation import InvitationStatus
from lmb.domain.registration import Status
from tests.unit.application.support import Lmb, build_lmb, person

#: A few postcodes from every region and several provinces.
POSTCODES = ("9000", "8000", "1000", "1050", "3000", "4000", "4700", "5000", "6000", "2000")


@frozen
class Plan:
    """One registration of the random history."""

    kind: str
    births: tuple[dt.date, ...]
    postcodes: tuple[str, ...]
    hours_later: int
    confirm: bool
    withdraw: bool
    book: bool


plans = st.builds(
    Plan,
    kind=st.sampled_from(["self", "group", "third_party", "companion"]),
    births=st.lists(
        st.dates(dt.date(1930, 1, 1), dt.date(2000, 12, 31)), min_size=1, max_size=4
    ).map(tuple),
    postcodes=st.lists(st.sampled_from(POSTCODES), min_size=4, max_size=4).map(tuple),
    hours_later=st.sampled_from([0, 1, 5, 14, 24]),
    confirm=st.booleans(),
    withdraw=st.booleans(),
    book=st.booleans(),
)


def _size(plan: Plan) -> int:
    if plan.kind in ("self", "companion"):
        return 1
    if plan.kind == "group":
        return max(2, len(plan.births))
    return len(plan.births)


async def _history(
    lmb: Lmb, history: list[Plan], slots: int
) -> tuple[dict[str, Plan], list[dt.datetime]]:
    centre = await lmb.centre()
    staff = await lmb.staff(centre)
    serials = itertools.count(1)
    made: dict[str, Plan] = {}
    moments = []
    session_day = local_today(lmb.clock.now()) + dt.timedelta(days=6)
    for plan in history:
        lmb.advance(hours=plan.hours_later)
        today = local_today(lmb.clock.now())
        births = [plan.births[i % len(plan.births)] for i in range(_size(plan))]
        persons = [
            person(born, next(serials), postcode=plan.postcodes[i % 4])
            for i, born in enumerate(births)
        ]
        days = [today + dt.timedelta(days=n) for n in range((session_day - today).days + 1)]
        availability = [AvailabilityInput(d.isoformat(), "evening") for d in days]
        receipt = await lmb.services.register(
            Register(
                kind=plan.kind,
                language="nl",
                persons=persons,
                centre_ids=[centre],
                availability=availability[-1:] if plan.kind == "companion" else availability,
                contact=ContactInput("Janssens", "Mie", "mie@example.be", "0470987654")
                if plan.kind == "third_party"
                else None,
                companion_of="ABCD-EFGH-JKLM-NPQR" if plan.kind == "companion" else None,
            )
        )
        moments.append(lmb.clock.now())
        made[receipt.id] = plan
        if plan.confirm:
            await lmb.services.manage.confirm(lmb.token_for(receipt.id))
        await lmb.run_worker(1)
    for rid, plan in made.items():
        if plan.withdraw and not plan.confirm:
            await lmb.services.manage.withdraw(lmb.token_for(rid))
    await lmb.services.open_session(
        OpenSessionCommand(centre, session_day.isoformat(), "17:00", "19:00", slots), staff
    )
    await lmb.run_worker(2)
    codes = []
    async with lmb.ctx.uow() as uow:
        for rid, plan in made.items():
            registration = await uow.registrations.get(rid)
            assert registration is not None
            if plan.book and registration.status is Status.INVITED:
                codes += [
                    rp.vaccination_code.value
                    for rp in registration.persons[:1]
                    if rp.vaccination_code is not None
                ]
    for code in codes:
        await lmb.services.bookings(code, "booked", lmb.clock.now().isoformat())
    lmb.advance(hours=1)
    await lmb.run_worker(3)
    return made, moments


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(history=st.lists(plans, min_size=1, max_size=8), slots=st.integers(1, 6))
def test_the_report_equals_a_recount(history: list[Plan], slots: int) -> None:
    """N-REPORT: every number of the report, recounted from the registrations and their
    invitations as the repositories return them."""

    async def scenario() -> None:
        lmb = await build_lmb()
        made, moments = await _history(lmb, history, slots)
        report = await lmb.services.reports.summary(lmb.admin)
        async with lmb.ctx.uow() as uow:
            registrations = {rid: await uow.registrations.get(rid) for rid in made}
            invitations = [i for rid in made for i in await uow.invitations.for_registration(rid)]
        kept = {
            rid: made[rid]
            for rid, r in registrations.items()
            if r is not None and r.status is not Status.WITHDRAWN
        }
        postcodes = [
            Postcode.parse(plan.postcodes[i % 4])
            for plan in kept.values()
            for i in range(_size(plan))
        ]
        summary, more = report.summary, report.breakdown
        assert summary.registered == len(postcodes)
        assert summary.groups == sum(1 for p in kept.values() if p.kind == "group")
        assert dict(Counter(p.province for p in postcodes)) == more.by_province
        regions = Counter({"VLG": 0, "BRU": 0, "WAL": 0, "OOS": 0})
        regions.update(p.region.value for p in postcodes)
        assert summary.by_region == dict(regions)
        kinds = Counter(p.kind for p in kept.values())
        assert {k: n for k, n in more.by_kind.items() if n} == dict(kinds)
        assert report.doctor_registrations == 0
        statuses = Counter(r.status.value for r in registrations.values() if r is not None)
        assert {k: n for k, n in summary.by_status.items() if n} == dict(statuses)
        assert summary.invited == sum(i.seats for i in invitations)
        by_status = Counter({s.value: 0 for s in InvitationStatus})
        by_status.update(i.status.value for i in invitations)
        assert {k: summary.invitations[k] for k in by_status} == dict(by_status)
        assert summary.invitations["late"] == sum(
            1 for i in invitations if i.late_booked_at is not None
        )
        assert report.bookings == by_status["booked"]
        assert report.expiries == by_status["expired"]
        assert summary.third_party_invitations == sum(
            1 for i in invitations if made[i.registration_id].kind == "third_party"
        )
        assert list(more.invitations_by_centre.values()) == (
            [dict(by_status)] if invitations else []
        )
        days = Counter(local_today(at).isoformat() for at in moments)
        assert more.registrations_per_day == dict(days)
        assert more.invitations_per_day == dict(
            Counter(local_today(i.created_at).isoformat() for i in invitations)
        )

    asyncio.run(scenario())
