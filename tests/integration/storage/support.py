"""Builders and known data for the storage contract tests."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from lmb.adapters.memory import InMemoryStore
from lmb.adapters.sql.tables import metadata
from lmb.application.ports import UnitOfWorkFactory
from lmb.domain.availability import Availability, HalfDay, HalfDaySlot
from lmb.domain.centre import Centre, OpenSlot
from lmb.domain.insz import Insz
from lmb.domain.invitation import Invitation
from lmb.domain.person import Contact, Person, VaccinationCode, VcdbStatus
from lmb.domain.registration import Language, Recipient, Registration
from lmb.domain.session import Session

NOW = dt.datetime(2021, 4, 12, 8, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
DAY = dt.date(2021, 4, 13)
MORNING = HalfDay.MORNING
AFTERNOON = HalfDay.AFTERNOON
EVENING = HalfDay.EVENING
GENT = "centre-gent"
BRUGGE = "centre-brugge"


@attrs.define
class Store:
    """One flavour of storage under test."""

    kind: str
    uow: UnitOfWorkFactory
    engine: AsyncEngine | None = None

    async def dump(self) -> str:
        """Every stored value as text: for looking for personal data in raw rows."""
        if self.engine is None:
            assert isinstance(self.uow, InMemoryStore)
            state = self.uow._shared.state
            rows = [
                attrs.asdict(record) if attrs.has(type(record)) else record
                for table in state.values()
                for record in table.values()
            ]
            return json.dumps(rows, default=str, sort_keys=True)
        texts = []
        async with self.engine.connect() as conn:
            for table in metadata.sorted_tables:
                for row in await conn.execute(sa.select(table)):
                    texts.append(repr(tuple(row)))
        return "\n".join(texts)


def an_insz(born: dt.date, serial: int) -> Insz:
    """A valid national register number for ``born`` (the checksum computed here)."""
    first9 = f"{born.year % 100:02d}{born.month:02d}{born.day:02d}{serial:03d}"
    base = int(("2" if born.year >= 2000 else "") + first9)
    return Insz.parse(f"{first9}{97 - base % 97:02d}")


def digest(value: str) -> str:
    return hashlib.sha256(f"test-key:{value}".encode()).hexdigest()


def a_person(
    born: dt.date,
    serial: int = 1,
    *,
    last_name: str = "Peeters",
    first_name: str = "An",
    postcode: str = "9000",
    reachable: bool = True,
) -> Person:
    return Person.create(
        insz=an_insz(born, serial).digits,
        last_name=last_name,
        first_name=first_name,
        postcode=postcode,
        email=f"{first_name.lower()}.{serial}@example.be" if reachable else None,
        mobile="+32470123456" if reachable else None,
    )


def free_on(*slots: tuple[dt.date, HalfDay], confirmed_at: dt.datetime = NOW) -> Availability:
    chosen = slots or ((DAY, EVENING),)
    return Availability.declare(
        [HalfDaySlot(d, h) for d, h in chosen], today=TODAY, now=confirmed_at
    )


def ids(prefix: str) -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"{prefix}-p{next(counter)}"


def listed(registration: Registration, now: dt.datetime = NOW) -> Registration:
    """Confirmed and found eligible, every person with a vaccination code."""
    registration.confirm_contact(now)
    for index, rp in enumerate(registration.persons):
        code = VaccinationCode.parse(f"VC-{registration.id}-{index}".upper())
        registration.record_eligibility(rp.id, VcdbStatus.ELIGIBLE, code, now)
    return registration


def a_self(
    rid: str,
    born: dt.date,
    *,
    serial: int = 1,
    centres: Sequence[str] = (GENT,),
    availability: Availability | None = None,
    postcode: str = "9000",
    now: dt.datetime = NOW,
) -> Registration:
    return Registration.for_self(
        id=rid,
        new_id=ids(rid),
        person=a_person(born, serial, first_name=f"Self{rid}", postcode=postcode),
        language=Language.NL,
        centre_ids=centres,
        availability=availability or free_on(),
        now=now,
    )


def a_group(
    rid: str,
    births: Sequence[dt.date],
    *,
    centres: Sequence[str] = (GENT,),
    availability: Availability | None = None,
    now: dt.datetime = NOW,
) -> Registration:
    return Registration.for_group(
        id=rid,
        new_id=ids(rid),
        persons=[
            a_person(born, i + 1, first_name=f"Member{i}", reachable=i == 0, postcode="1000")
            for i, born in enumerate(births)
        ],
        language=Language.FR,
        centre_ids=centres,
        availability=availability or free_on(),
        now=now,
    )


def a_companion(
    rid: str, born: dt.date, *, centres: Sequence[str] = (GENT,), now: dt.datetime = NOW
) -> Registration:
    return Registration.as_companion(
        id=rid,
        new_id=ids(rid),
        person=a_person(born, 7, first_name="Companion", postcode="4000"),
        language=Language.DE,
        centre_ids=centres,
        availability=free_on(),
        companion_of="BOOKED-CODE-1",
        now=now,
    )


def a_contact() -> Contact:
    return Contact.create(
        last_name="Janssens", first_name="Mie", email="mie@example.be", mobile="0470987654"
    )


def third_parties(
    rid: str,
    births: Sequence[dt.date],
    *,
    centres: Sequence[str] = (GENT,),
    now: dt.datetime = NOW,
) -> Registration:
    return Registration.for_third_parties(
        id=rid,
        new_id=ids(rid),
        persons=[
            a_person(born, i + 1, first_name=f"Third{i}", postcode="6000")
            for i, born in enumerate(births)
        ],
        contact=a_contact(),
        language=Language.NL,
        centre_ids=centres,
        availability=free_on(),
        now=now,
    )


def a_patient(rid: str, born: dt.date, *, now: dt.datetime = NOW) -> Registration:
    return Registration.for_patient(
        id=rid,
        new_id=ids(rid),
        person=a_person(born, 5, first_name="Patient", reachable=False, postcode="9990"),
        doctor_id="doctor-1",
        recipient=Recipient.DOCTOR,
        contact=a_contact(),
        language=Language.NL,
        centre_ids=[GENT, BRUGGE],
        availability=free_on((DAY, MORNING), (DAY, EVENING)),
        now=now,
    )


def an_open_slot_claim(rid: str, born: dt.date, *, now: dt.datetime = NOW) -> Registration:
    return Registration.for_open_slot(
        id=rid,
        new_id=ids(rid),
        person=a_person(born, 9, first_name="Claimer", postcode="1000"),
        language=Language.FR,
        centre_id=GENT,
        open_slot_id="slot-1",
        now=now,
    )


async def given(store: Store, *registrations: Registration) -> None:
    """The registrations, stored and committed."""
    async with store.uow() as uow:
        for registration in registrations:
            await uow.registrations.add(registration, **digests_of(registration))
        await uow.commit()


def digests_of(registration: Registration) -> dict[str, Any]:
    return {
        "manage_digest": digest(f"manage:{registration.id}"),
        "insz_digests": [digest(rp.person.insz.digits) for rp in registration.persons],
    }


def a_centre(
    cid: str = GENT,
    *,
    name: str = "Gent Expo",
    short: str = "GENT",
    codes: Sequence[str] = ("9000",),
) -> Centre:
    return Centre.create(
        id=cid,
        name=name,
        short_code=short,
        region="VLG",
        address="Maaltekouter 1, 9051 Gent",
        postcodes=codes,
        phone="09 210 10 10",
    )


def an_open_slot(sid: str = "slot-1", *, centre: str = GENT, date: dt.date = DAY) -> OpenSlot:
    return OpenSlot.announce(
        id=sid,
        centre_id=centre,
        date=date,
        start=dt.time(17),
        end=dt.time(18),
        slots=3,
        today=TODAY,
    )


def a_session(sid: str = "session-1", *, centre: str = GENT, slots: int = 5) -> Session:
    return Session.open(
        id=sid,
        centre_id=centre,
        date=DAY,
        start=dt.time(17),
        end=dt.time(20),
        slots=slots,
        now=NOW,
        today=TODAY,
    )


def an_invitation(
    iid: str,
    registration: Registration,
    *,
    persons: Sequence[str] | None = None,
    session_id: str | None = "session-1",
    now: dt.datetime = NOW,
) -> Invitation:
    return Invitation.issue(
        id=iid,
        registration_id=registration.id,
        person_ids=tuple(persons or [registration.persons[0].id]),
        now=now,
        session_id=session_id,
    )
