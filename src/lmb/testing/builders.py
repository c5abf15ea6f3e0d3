"""Builders with memorable defaults, for tests that read like specifications.

Every builder returns a valid domain object made through its named constructor, so a
test only spells out what matters to it::

    jan = a_person(born=dt.date(1941, 3, 2))
    couple = a_registration(Kind.GROUP, persons=[jan, a_person(first_name="Mia")])

The defaults are the spec's own example: a session at the Gent centre on
11 April 2021 from 15:00 to 19:00.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Sequence

from lmb.domain.availability import Availability, HalfDay, HalfDaySlot
from lmb.domain.centre import Centre, OpenSlot
from lmb.domain.insz import Insz
from lmb.domain.invitation import DEFAULT_TTL, Invitation
from lmb.domain.person import Contact, Person, VaccinationCode, VcdbStatus
from lmb.domain.ranking import Candidate
from lmb.domain.registration import Kind, Language, Recipient, Registration
from lmb.domain.session import Session

#: The day of the spec's example session (R-SESSION: 11/04/2021 from 15:00 to 19:00).
TODAY = dt.date(2021, 4, 11)
#: 09:00 in Brussels on that day (aware UTC, as the Clock port gives it).
NOW = dt.datetime(2021, 4, 11, 7, 0, tzinfo=dt.UTC)
#: The centre every builder points at by default.
CENTRE_ID = "centre-gent"
#: A vaccination code of the booked person a companion comes along with (R-REG-D).
BOOKED_PERSONS_CODE = "BOOK-1234-ABCD"

_NATIONAL_SERIAL = 33  # 85.07.30-033.28 is the textbook example number


def insz_digits(
    year: int | None,
    month: int | None,
    day: int | None,
    serial: int,
    *,
    bis: int = 0,
) -> str:
    """The 11 digits of an INSZ, check digits computed (97 - n mod 97).

    Args:
        year: birth year 1900-2099, or None when the birth date is wholly unknown.
        month: 1-12, or None when unknown (encoded 00).
        day: 1-31, or None when unknown (encoded 00).
        serial: the day counter, 1-997.
        bis: 0 for a national register number, 20 or 40 for a BIS number (the month
            is raised by 20 when the sex was unknown, by 40 when it was known).

    Returns:
        The digits; for people born from 2000 on, the checksum is computed over the
        number with a ``2`` in front, as the national register does.
    """
    if bis not in (0, 20, 40):
        raise ValueError("bis is 0, 20 or 40")
    if not 1 <= serial <= 997:
        raise ValueError("the serial runs from 1 to 997")
    if year is None:
        head = f"00{bis:02d}01"  # the register's fictitious 1900/00/01
        century = 1900
    else:
        if not 1900 <= year <= 2099:
            raise ValueError("the year runs from 1900 to 2099")
        century = 1900 if year < 2000 else 2000
        mm = (month or 0) + bis
        dd = day or 0
        head = f"{year - century:02d}{mm:02d}{dd:02d}"
    body = f"{head}{serial:03d}"
    n = int(body) + (2_000_000_000 if century == 2000 else 0)
    return f"{body}{97 - n % 97:02d}"


def an_insz(
    born: dt.date | None = dt.date(1985, 7, 30),
    serial: int = _NATIONAL_SERIAL,
    *,
    bis: int = 0,
) -> Insz:
    """A valid INSZ for ``born`` (None: unknown birth date); default ``85.07.30-033.28``."""
    if born is None:
        digits = insz_digits(None, None, None, serial, bis=bis)
    else:
        digits = insz_digits(born.year, born.month, born.day, serial, bis=bis)
    return Insz.parse(digits)


def a_person(
    *,
    born: dt.date | None = None,
    insz: str | Insz | None = None,
    first_name: str = "Jan",
    last_name: str = "Peeters",
    postcode: str = "9000",
    email: str | None = "jan.peeters@example.be",
    mobile: str | None = "0470 12 34 56",
) -> Person:
    """Jan Peeters of Gent, born 30 July 1985, reachable by e-mail and mobile.

    ``born`` builds a matching INSZ; ``insz`` sets one outright.
    """
    if insz is None:
        insz = an_insz(born) if born is not None else "85.07.30-033.28"
    return Person.create(
        insz=insz.digits if isinstance(insz, Insz) else insz,
        last_name=last_name,
        first_name=first_name,
        postcode=postcode,
        email=email,
        mobile=mobile,
    )


def a_contact(
    *,
    first_name: str = "An",
    last_name: str = "Janssens",
    email: str = "an.janssens@example.be",
    mobile: str | None = "0478 98 76 54",
) -> Contact:
    """An Janssens, who registers others (a neighbour, or a doctor's practice)."""
    return Contact.create(first_name=first_name, last_name=last_name, email=email, mobile=mobile)


def a_vaccination_code(value: str = "VACC-0001-GENT") -> VaccinationCode:
    return VaccinationCode.parse(value)


def sequential_ids(prefix: str = "id") -> Callable[[], str]:
    """A ``new_id`` callable giving ``prefix-1``, ``prefix-2``, ..."""
    counter = itertools.count(1)
    return lambda: f"{prefix}-{next(counter)}"


def an_availability(
    *slots: HalfDaySlot,
    today: dt.date = TODAY,
    now: dt.datetime = NOW,
) -> Availability:
    """Free on the given half-days; by default today's afternoon and evening."""
    chosen = slots or (
        HalfDaySlot(today, HalfDay.AFTERNOON),
        HalfDaySlot(today, HalfDay.EVENING),
    )
    return Availability.declare(chosen, today=today, now=now)


def a_registration(
    kind: Kind = Kind.SELF,
    *,
    id: str = "reg-1",
    persons: Sequence[Person] | None = None,
    availability: Availability | None = None,
    centre_ids: Sequence[str] = (CENTRE_ID,),
    contact: Contact | None = None,
    recipient: Recipient = Recipient.PATIENT,
    language: Language = Language.NL,
    eligible: bool | Iterable[VcdbStatus] = True,
    confirmed: bool = True,
    now: dt.datetime = NOW,
) -> Registration:
    """A registration of ``kind`` through its named constructor.

    Defaults per kind: a group is Jan (1941) and Mia (1943) Peeters; a companion keeps
    only today's afternoon free; third parties and a doctor's patient come with
    An Janssens as contact; an open slot is ``slot-1``.

    Args:
        eligible: True records every person ``eligible`` with a vaccination code;
            False leaves them pending; an iterable gives each person's VCDB status.
        confirmed: the owner confirmed their address (listed once someone is eligible).
    """
    new_id = sequential_ids(f"{id}-p")
    if persons is None:
        persons = (
            [
                a_person(born=dt.date(1941, 3, 2)),
                a_person(born=dt.date(1943, 5, 17), first_name="Mia", mobile=None, email=None),
            ]
            if kind is Kind.GROUP
            else [a_person()]
        )
    if availability is None:
        availability = (
            an_availability(HalfDaySlot(TODAY, HalfDay.AFTERNOON), now=now)
            if kind is Kind.COMPANION
            else an_availability(now=now)
        )
    registration = _build(
        kind,
        id=id,
        new_id=new_id,
        persons=persons,
        availability=availability,
        centre_ids=centre_ids,
        contact=contact,
        recipient=recipient,
        language=language,
        now=now,
    )
    if eligible is True:
        statuses: list[VcdbStatus] = [VcdbStatus.ELIGIBLE] * len(registration.persons)
    elif eligible is False:
        statuses = []
    else:
        statuses = list(eligible)
    for index, (registered, status) in enumerate(zip(registration.persons, statuses, strict=False)):
        code = (
            VaccinationCode.parse(f"VACC-{index + 1:04d}-GENT")
            if status is VcdbStatus.ELIGIBLE
            else None
        )
        registration.record_eligibility(registered.id, status, code, now)
    if confirmed:
        registration.confirm_contact(now)
    return registration


def _build(
    kind: Kind,
    *,
    id: str,
    new_id: Callable[[], str],
    persons: Sequence[Person],
    availability: Availability,
    centre_ids: Sequence[str],
    contact: Contact | None,
    recipient: Recipient,
    language: Language,
    now: dt.datetime,
) -> Registration:
    match kind:
        case Kind.SELF:
            return Registration.for_self(
                id=id,
                new_id=new_id,
                person=persons[0],
                language=language,
                centre_ids=centre_ids,
                availability=availability,
                now=now,
            )
        case Kind.GROUP:
            return Registration.for_group(
                id=id,
                new_id=new_id,
                persons=persons,
                language=language,
                centre_ids=centre_ids,
                availability=availability,
                now=now,
            )
        case Kind.COMPANION:
            return Registration.as_companion(
                id=id,
                new_id=new_id,
                person=persons[0],
                language=language,
                centre_ids=centre_ids,
                availability=availability,
                companion_of=BOOKED_PERSONS_CODE,
                now=now,
            )
        case Kind.THIRD_PARTY:
            return Registration.for_third_parties(
                id=id,
                new_id=new_id,
                persons=persons,
                contact=contact or a_contact(),
                language=language,
                centre_ids=centre_ids,
                availability=availability,
                now=now,
            )
        case Kind.PATIENT:
            return Registration.for_patient(
                id=id,
                new_id=new_id,
                person=persons[0],
                doctor_id="doctor-1",
                recipient=recipient,
                contact=contact or a_contact(first_name="Dr. Els", last_name="Wouters"),
                language=language,
                centre_ids=centre_ids,
                availability=availability,
                now=now,
            )
        case Kind.OPEN_SLOT:
            return Registration.for_open_slot(
                id=id,
                new_id=new_id,
                person=persons[0],
                language=language,
                centre_id=centre_ids[0],
                open_slot_id="slot-1",
                now=now,
            )
    raise AssertionError(kind)  # pragma: no cover - the match is exhaustive


def a_centre(
    *,
    id: str = CENTRE_ID,
    name: str = "Vaccinatiecentrum Gent",
    short_code: str = "GENT",
    region: str = "VLG",
    address: str = "Van Rysselberghedreef 2, 9000 Gent",
    postcodes: Iterable[object] = ("9000", "9030", "9040", "9050"),
    phone: str | None = "09 210 10 10",
) -> Centre:
    """The Gent centre (ICC), serving Gent and three of its postcodes."""
    return Centre.create(
        id=id,
        name=name,
        short_code=short_code,
        region=region,
        address=address,
        postcodes=postcodes,
        phone=phone,
    )


def a_session(
    *,
    id: str = "session-1",
    centre_id: str = CENTRE_ID,
    date: dt.date = TODAY,
    start: dt.time = dt.time(15),
    end: dt.time = dt.time(19),
    slots: int = 10,
    today: dt.date = TODAY,
    now: dt.datetime = NOW,
) -> Session:
    """The spec's example: 11 April 2021, 15:00-19:00, ten doses left."""
    return Session.open(
        id=id,
        centre_id=centre_id,
        date=date,
        start=start,
        end=end,
        slots=slots,
        now=now,
        today=today,
    )


def an_open_slot(
    *,
    id: str = "slot-1",
    centre_id: str = CENTRE_ID,
    date: dt.date = TODAY,
    start: dt.time = dt.time(15),
    end: dt.time = dt.time(16),
    slots: int = 3,
    today: dt.date = TODAY,
) -> OpenSlot:
    """Three free slots at Gent, today 15:00-16:00 (R-REG-A)."""
    return OpenSlot.announce(
        id=id,
        centre_id=centre_id,
        date=date,
        start=start,
        end=end,
        slots=slots,
        today=today,
    )


def an_invitation(
    *,
    id: str = "inv-1",
    registration_id: str = "reg-1",
    person_ids: tuple[str, ...] = ("reg-1-p-1",),
    session_id: str | None = "session-1",
    now: dt.datetime = NOW,
    delivered_at: dt.datetime | None = None,
    ttl: dt.timedelta | None = DEFAULT_TTL,
) -> Invitation:
    """An invitation to the default session, delivered at ``delivered_at`` if given."""
    invitation = Invitation.issue(
        id=id,
        registration_id=registration_id,
        person_ids=person_ids,
        now=now,
        session_id=session_id,
    )
    if delivered_at is not None:
        invitation.delivered(delivered_at, ttl)
    return invitation


def birth_key_of(born: dt.date) -> int:
    """The ranking key ``YYYYMMDD`` of a known birth date (as ``Insz.birth_key``)."""
    return born.year * 10_000 + born.month * 100 + born.day


def a_candidate(
    *,
    registration_id: str = "reg-1",
    person_ids: tuple[str, ...] | None = None,
    born: dt.date = dt.date(1941, 3, 2),
    birth_key: int | None = None,
    is_companion: bool = False,
    listed_at: dt.datetime = NOW,
) -> Candidate:
    """A single person born 2 March 1941, listed at 09:00, not a companion."""
    return Candidate(
        registration_id=registration_id,
        person_ids=person_ids if person_ids is not None else (f"{registration_id}-p-1",),
        birth_key=birth_key if birth_key is not None else birth_key_of(born),
        is_companion=is_companion,
        listed_at=listed_at,
    )
