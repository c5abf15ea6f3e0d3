"""Hypothesis strategies for every lmb domain object.

Each strategy builds its object through the domain's own named constructor, so what
it yields is valid by the domain's rules (and a strategy that stopped agreeing with
the domain would fail loudly). Strategies that depend on the calendar take ``today``
(and ``now``) as plain values: the domain never reads the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import phonenumbers
from hypothesis import reject
from hypothesis import strategies as st

from lmb.domain.availability import (
    HORIZON_DAYS,
    Availability,
    HalfDay,
    HalfDaySlot,
    half_days_between,
)
from lmb.domain.centre import OPEN_SLOT_HORIZON_DAYS, Centre, OpenSlot
from lmb.domain.contact import Email, Mobile
from lmb.domain.geography import Postcode, Region, all_postcodes
from lmb.domain.insz import UNKNOWN_BIRTH_KEY, Insz
from lmb.domain.invitation import DEFAULT_TTL, Invitation
from lmb.domain.person import Contact, Person, VaccinationCode, VcdbStatus
from lmb.domain.ranking import Candidate
from lmb.domain.registration import MAX_GROUP, MIN_GROUP, Kind, Language, Recipient, Registration
from lmb.domain.session import Session
from lmb.testing.builders import birth_key_of, insz_digits, sequential_ids

#: The earliest birth date a national register number can encode.
EARLIEST_BIRTH = dt.date(1900, 1, 1)
#: python-stdnum accepts a 20xx birth year only up to the current year, so generated
#: numbers stop at the end of last year (the one place a clock matters, and not ours).
LATEST_BIRTH = dt.date(dt.date.today().year - 1, 12, 31)

#: The kinds that are ranked and invited from the list (R-REG-B..F).
LISTED_KINDS = (Kind.SELF, Kind.GROUP, Kind.COMPANION, Kind.THIRD_PARTY, Kind.PATIENT)

_LAST_NAMES = (
    "Peeters",
    "Janssens",
    "Maes",
    "Jacobs",
    "Mertens",
    "Willems",
    "Dubois",
    "Lambert",
    "Dupont",
    "Van den Broeck",
    "D'Hondt",
    "Vandevelde-Claes",
    "Müller",
    "Çelik",
    "Nguyễn",
    "El Amrani",
)
_FIRST_NAMES = (
    "Jan",
    "Mia",
    "Marie",
    "Luc",
    "Els",
    "Noah",
    "Léa",
    "José",
    "Günther",
    "Fatima",
    "Anne-Sophie",
    "Zoë",
    "Mehmet",
    "Chloé",
)
_DOMAINS = ("example.be", "telenet.be", "skynet.be", "proximus.be", "gmail.com", "uza.be")
_LOCAL_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_UTC_MOMENTS = dt.datetime(2021, 1, 1, tzinfo=dt.UTC), dt.datetime(2030, 12, 31, tzinfo=dt.UTC)


# -- INSZ -----------------------------------------------------------------------------


def birth_dates(
    min_value: dt.date = EARLIEST_BIRTH, max_value: dt.date = LATEST_BIRTH
) -> st.SearchStrategy[dt.date]:
    """Birth dates an INSZ can encode, with 1 Jan 2000 and 29 Feb as likely edges."""
    edges = [
        d
        for d in (dt.date(2000, 1, 1), dt.date(1999, 12, 31), dt.date(1944, 2, 29))
        if min_value <= d <= max_value
    ]
    dates = st.dates(min_value=min_value, max_value=max_value)
    return st.one_of(st.sampled_from(edges), dates) if edges else dates


def serials() -> st.SearchStrategy[int]:
    """The day counter of an INSZ (odd for men, even for women)."""
    return st.integers(min_value=1, max_value=997)


@st.composite
def national_numbers(draw: st.DrawFn, born: st.SearchStrategy[dt.date] | None = None) -> Insz:
    """National register numbers with a known birth date (post-2000 checksum included)."""
    day = draw(born if born is not None else birth_dates())
    return Insz.parse(insz_digits(day.year, day.month, day.day, draw(serials())))


@st.composite
def bis_numbers(draw: st.DrawFn, born: st.SearchStrategy[dt.date] | None = None) -> Insz:
    """BIS numbers: the month raised by 20 (sex unknown) or 40 (sex known)."""
    day = draw(born if born is not None else birth_dates())
    offset = draw(st.sampled_from((20, 40)))
    return Insz.parse(insz_digits(day.year, day.month, day.day, draw(serials()), bis=offset))


@st.composite
def insz_with_unknown_birth_date(draw: st.DrawFn) -> Insz:
    """INSZ whose birth date is partly (day, or month and day) or wholly unknown."""
    offset = draw(st.sampled_from((0, 20, 40)))
    serial = draw(serials())
    which = draw(st.sampled_from(("day", "month", "all")))
    if which == "all":
        return Insz.parse(insz_digits(None, None, None, serial, bis=offset))
    # 1900 with month and day unknown would spell the fictitious "wholly unknown" date.
    year = draw(st.integers(min_value=1901, max_value=LATEST_BIRTH.year))
    month = draw(st.integers(min_value=1, max_value=12)) if which == "day" else None
    return Insz.parse(insz_digits(year, month, None, serial, bis=offset))


def insz_numbers(
    *, born: st.SearchStrategy[dt.date] | None = None, bis: bool = True, unknown: bool = True
) -> st.SearchStrategy[Insz]:
    """Any valid INSZ: national register numbers, and optionally BIS numbers and
    numbers with an unknown birth date."""
    options: list[st.SearchStrategy[Insz]] = [national_numbers(born)]
    if bis:
        options.append(bis_numbers(born))
    if unknown and born is None:
        options.append(insz_with_unknown_birth_date())
    return st.one_of(options)


@st.composite
def insz_spellings(draw: st.DrawFn, insz: st.SearchStrategy[Insz] | None = None) -> str:
    """Ways people write a valid INSZ: compact, official, with spaces or dashes."""
    number = draw(insz if insz is not None else insz_numbers())
    d = number.digits
    return draw(
        st.sampled_from(
            (
                d,
                number.formatted(),
                f"{d[0:2]} {d[2:4]} {d[4:6]} {d[6:9]} {d[9:11]}",
                f"{d[0:6]}-{d[6:9]}-{d[9:11]}",
                f"  {number.formatted()} ",
            )
        )
    )


@st.composite
def insz_with_bad_checksum(draw: st.DrawFn) -> str:
    """A valid number's digits with the check digits wrong (and not the other century's)."""
    number = draw(insz_numbers()).digits
    body = int(number[:9])
    valid_checks = {97 - body % 97, 97 - (2_000_000_000 + body) % 97}
    check = draw(st.integers(min_value=0, max_value=99).filter(lambda c: c not in valid_checks))
    return f"{number[:9]}{check:02d}"


def invalid_insz_texts() -> st.SearchStrategy[str]:
    """Texts that are no INSZ: bad checksum, wrong length, letters, empty."""
    valid = insz_numbers().map(lambda i: i.digits)
    return st.one_of(
        insz_with_bad_checksum(),
        valid.flatmap(lambda d: st.integers(1, 10).map(lambda n: d[:n])),
        valid.map(lambda d: d + "0"),
        st.text(alphabet="0123456789", min_size=12, max_size=20),
        valid.flatmap(
            lambda d: st.tuples(st.integers(0, 10), st.characters(categories=["L"])).map(
                lambda t: d[: t[0]] + t[1] + d[t[0] + 1 :]
            )
        ),
        st.just(""),
    )


# -- contact, geography ---------------------------------------------------------------


def postcodes(region: Region | None = None) -> st.SearchStrategy[Postcode]:
    """Belgian postcodes from bpost's list, optionally in one region."""
    known = [p for p in all_postcodes() if region is None or p.region is region]
    return st.sampled_from(known)


def last_names() -> st.SearchStrategy[str]:
    return st.sampled_from(_LAST_NAMES)


def first_names() -> st.SearchStrategy[str]:
    return st.sampled_from(_FIRST_NAMES)


@st.composite
def emails(draw: st.DrawFn) -> Email:
    """Plain e-mail addresses such as ``jan.peeters7@telenet.be``."""
    parts = draw(
        st.lists(st.text(_LOCAL_ALPHABET, min_size=1, max_size=12), min_size=1, max_size=3)
    )
    return Email.parse(f"{'.'.join(parts)}@{draw(st.sampled_from(_DOMAINS))}")


def _is_belgian_mobile(e164: str) -> bool:
    number = phonenumbers.parse(e164)
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


@st.composite
def mobiles(draw: st.DrawFn) -> Mobile:
    """Belgian mobile numbers +3247x, +3248x and +3249x that phonenumbers deems valid."""
    prefix = draw(st.sampled_from(("47", "48", "49")))
    rest = draw(st.text("0123456789", min_size=7, max_size=7))
    e164 = f"+32{prefix}{rest}"
    if not _is_belgian_mobile(e164):  # pragma: no cover - today every such number is
        reject()
    local = f"0{e164[3:6]} {e164[6:8]} {e164[8:10]} {e164[10:12]}"
    return Mobile.parse(draw(st.sampled_from((e164, local))))


def vaccination_codes() -> st.SearchStrategy[VaccinationCode]:
    """Codes like ``AB12-CD34-EF56``."""
    block = st.text(_CODE_ALPHABET, min_size=4, max_size=4)
    return st.lists(block, min_size=2, max_size=4).map(
        lambda blocks: VaccinationCode.parse("-".join(blocks))
    )


@st.composite
def persons(
    draw: st.DrawFn,
    *,
    insz: st.SearchStrategy[Insz] | None = None,
    reachable: bool | None = True,
) -> Person:
    """Persons with valid data (R-DATA).

    Args:
        insz: where the INSZ comes from (default: any valid INSZ).
        reachable: True gives e-mail and mobile, False neither, None either at random.
    """
    with_email = draw(st.booleans()) if reachable is None else reachable
    with_mobile = draw(st.booleans()) if reachable is None else reachable
    return Person.create(
        insz=draw(insz if insz is not None else insz_numbers()).digits,
        last_name=draw(last_names()),
        first_name=draw(first_names()),
        postcode=draw(postcodes()).code,
        email=draw(emails()).address if with_email else None,
        mobile=draw(mobiles()).e164 if with_mobile else None,
    )


def unique_persons(
    *, min_size: int = 1, max_size: int = MAX_GROUP, reachable: bool | None = True
) -> st.SearchStrategy[list[Person]]:
    """Persons with distinct INSZ, e.g. the members of a group."""
    return st.lists(
        persons(reachable=reachable),
        min_size=min_size,
        max_size=max_size,
        unique_by=lambda p: p.insz.digits,
    )


@st.composite
def contacts(draw: st.DrawFn) -> Contact:
    """Whoever registers third parties, or a doctor (R-REG-E, R-REG-F)."""
    return Contact.create(
        last_name=draw(last_names()),
        first_name=draw(first_names()),
        email=draw(emails()).address,
        mobile=draw(st.none() | mobiles().map(lambda m: m.e164)),
    )


# -- time: availability, sessions, open slots -----------------------------------------


def moments(
    min_value: dt.datetime = _UTC_MOMENTS[0], max_value: dt.datetime = _UTC_MOMENTS[1]
) -> st.SearchStrategy[dt.datetime]:
    """Aware UTC datetimes, as the Clock port gives them."""
    return st.datetimes(
        min_value=min_value.replace(tzinfo=None),
        max_value=max_value.replace(tzinfo=None),
        timezones=st.just(dt.UTC),
    )


def _default_now(today: dt.date) -> dt.datetime:
    return dt.datetime.combine(today, dt.time(7), tzinfo=dt.UTC)


def half_day_slots(today: dt.date, *, days: int = HORIZON_DAYS) -> st.SearchStrategy[HalfDaySlot]:
    """Half-days from ``today`` to ``days`` ahead (default: the 14-day horizon)."""
    return st.builds(
        HalfDaySlot,
        st.integers(min_value=0, max_value=days).map(lambda n: today + dt.timedelta(days=n)),
        st.sampled_from(list(HalfDay)),
    )


@st.composite
def availabilities(
    draw: st.DrawFn,
    today: dt.date,
    now: dt.datetime | None = None,
    *,
    min_size: int = 1,
    max_size: int = 3 * (HORIZON_DAYS + 1),
) -> Availability:
    """Availability within the horizon, confirmed at ``now`` (R-AVAIL, R-REG-B)."""
    slots = draw(st.lists(half_day_slots(today), min_size=min_size, max_size=max_size))
    return Availability.declare(slots, today=today, now=now or _default_now(today))


_QUARTERS = st.integers(min_value=6 * 4, max_value=23 * 4)


@st.composite
def time_ranges(draw: st.DrawFn, *, within_half_days: bool = True) -> tuple[dt.time, dt.time]:
    """``(start, end)`` on quarter hours with start < end, overlapping 08:00-22:00 if asked."""
    a = draw(_QUARTERS)
    b = draw(_QUARTERS.filter(lambda q: q != a))
    start, end = (dt.time(q // 4, q % 4 * 15) for q in sorted((a, b)))
    if within_half_days and not half_days_between(start, end):
        reject()
    return start, end


@st.composite
def sessions(
    draw: st.DrawFn,
    today: dt.date,
    now: dt.datetime | None = None,
    *,
    centre_id: str = "centre-gent",
    slots: st.SearchStrategy[int] | None = None,
) -> Session:
    """Sessions a centre opens for today up to 14 days ahead (R-SESSION)."""
    start, end = draw(time_ranges())
    return Session.open(
        id=f"session-{draw(st.integers(1, 10_000))}",
        centre_id=centre_id,
        date=today + dt.timedelta(days=draw(st.integers(0, HORIZON_DAYS))),
        start=start,
        end=end,
        slots=draw(slots if slots is not None else st.integers(1, 60)),
        now=now or _default_now(today),
        today=today,
    )


@st.composite
def open_slots(
    draw: st.DrawFn,
    today: dt.date,
    *,
    centre_id: str = "centre-gent",
    slots: st.SearchStrategy[int] | None = None,
) -> OpenSlot:
    """Free slots announced for today up to 5 days ahead (R-REG-A)."""
    start, end = draw(time_ranges())
    return OpenSlot.announce(
        id=f"slot-{draw(st.integers(1, 10_000))}",
        centre_id=centre_id,
        date=today + dt.timedelta(days=draw(st.integers(0, OPEN_SLOT_HORIZON_DAYS))),
        start=start,
        end=end,
        slots=draw(slots if slots is not None else st.integers(1, 20)),
        today=today,
    )


@st.composite
def centres(draw: st.DrawFn) -> Centre:
    """Centres with a 1-4 letter short code, a region and the postcodes they serve."""
    region = draw(st.sampled_from(list(Region)))
    served = draw(st.lists(postcodes(region), min_size=1, max_size=12, unique=True))
    return Centre.create(
        id=f"centre-{draw(st.integers(1, 10_000))}",
        name=f"Vaccinatiecentrum {draw(last_names())}",
        short_code=draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=4)),
        region=region.value,
        address=f"Kerkstraat {draw(st.integers(1, 200))}, {served[0].code}",
        postcodes=[p.code for p in served],
        phone=draw(st.sampled_from((None, "09 210 10 10", "02 279 11 11", "0470 12 34 56"))),
    )


@st.composite
def invitations(
    draw: st.DrawFn,
    now: dt.datetime,
    *,
    session_id: str = "session-1",
    delivered: bool | None = None,
) -> Invitation:
    """Open invitations for 1-4 seats; ``delivered`` None decides at random."""
    seats = draw(st.integers(1, MAX_GROUP))
    registration_id = f"reg-{draw(st.integers(1, 10_000))}"
    invitation = Invitation.issue(
        id=f"inv-{draw(st.integers(1, 10_000))}",
        registration_id=registration_id,
        person_ids=tuple(f"{registration_id}-p-{i}" for i in range(1, seats + 1)),
        now=now,
        session_id=session_id,
    )
    if delivered if delivered is not None else draw(st.booleans()):
        delay = dt.timedelta(seconds=draw(st.integers(0, 600)))
        invitation.delivered(now + delay, DEFAULT_TTL)
    return invitation


# -- registrations --------------------------------------------------------------------


@st.composite
def registrations(
    draw: st.DrawFn,
    today: dt.date,
    now: dt.datetime | None = None,
    *,
    kinds: Sequence[Kind] = LISTED_KINDS,
    centre_ids: Sequence[str] = ("centre-gent",),
    eligibility: Literal["eligible", "pending", "mixed"] = "eligible",
    confirmed: bool = True,
    groups_enabled: bool = True,
) -> Registration:
    """Registrations of the given kinds, through their named constructors.

    Args:
        eligibility: ``eligible`` records every person eligible with a code,
            ``pending`` leaves the VCDB's answer out, ``mixed`` draws each answer.
        confirmed: the owner confirmed their address.
    """
    moment = now or _default_now(today)
    kind = draw(st.sampled_from(list(kinds)))
    reg_id = f"reg-{draw(st.integers(1, 10**6))}"
    new_id = sequential_ids(f"{reg_id}-p")
    language = draw(st.sampled_from(list(Language)))
    chosen_centres = draw(st.lists(st.sampled_from(list(centre_ids)), min_size=1, unique=True))
    if kind is Kind.COMPANION:
        availability = draw(availabilities(today, moment, max_size=1))
    else:
        availability = draw(availabilities(today, moment, max_size=6))
    registration: Registration
    match kind:
        case Kind.SELF:
            registration = Registration.for_self(
                id=reg_id,
                new_id=new_id,
                person=draw(persons()),
                language=language,
                centre_ids=chosen_centres,
                availability=availability,
                now=moment,
            )
        case Kind.GROUP:
            leader = draw(persons())
            others = draw(
                unique_persons(min_size=MIN_GROUP - 1, max_size=MAX_GROUP - 1, reachable=None)
            )
            members = [leader, *(p for p in others if p.insz != leader.insz)]
            if len(members) < MIN_GROUP:
                reject()
            registration = Registration.for_group(
                id=reg_id,
                new_id=new_id,
                persons=members,
                language=language,
                centre_ids=chosen_centres,
                availability=availability,
                now=moment,
                groups_enabled=groups_enabled,
            )
        case Kind.COMPANION:
            registration = Registration.as_companion(
                id=reg_id,
                new_id=new_id,
                person=draw(persons()),
                language=language,
                centre_ids=chosen_centres,
                availability=availability,
                companion_of=draw(vaccination_codes()).value,
                now=moment,
            )
        case Kind.THIRD_PARTY:
            registration = Registration.for_third_parties(
                id=reg_id,
                new_id=new_id,
                persons=draw(unique_persons(min_size=1, max_size=4)),
                contact=draw(contacts()),
                language=language,
                centre_ids=chosen_centres,
                availability=availability,
                now=moment,
            )
        case Kind.PATIENT:
            recipient = draw(st.sampled_from(list(Recipient)))
            registration = Registration.for_patient(
                id=reg_id,
                new_id=new_id,
                person=draw(persons(reachable=True if recipient is Recipient.PATIENT else None)),
                doctor_id=f"doctor-{draw(st.integers(1, 100))}",
                recipient=recipient,
                contact=draw(contacts()),
                language=language,
                centre_ids=chosen_centres,
                availability=availability,
                now=moment,
            )
        case Kind.OPEN_SLOT:
            registration = Registration.for_open_slot(
                id=reg_id,
                new_id=new_id,
                person=draw(persons()),
                language=language,
                centre_id=chosen_centres[0],
                open_slot_id=f"slot-{draw(st.integers(1, 10_000))}",
                now=moment,
            )
    if eligibility != "pending":
        for registered in registration.persons:
            status = (
                VcdbStatus.ELIGIBLE
                if eligibility == "eligible"
                else draw(st.sampled_from(list(VcdbStatus)))
            )
            code = draw(vaccination_codes()) if status is VcdbStatus.ELIGIBLE else None
            registration.record_eligibility(registered.id, status, code, moment)
    if confirmed:
        registration.confirm_contact(moment)
    return registration


# -- ranking --------------------------------------------------------------------------


def birth_keys() -> st.SearchStrategy[int]:
    """Ranking keys (``YYYYMMDD``, smaller is older), ties likely, unknowns included.

    A year-only key (``YYYY1231``) stands for an INSZ whose month is unknown; the
    largest key is a wholly unknown birth date.
    """
    span = (LATEST_BIRTH - EARLIEST_BIRTH).days
    return st.one_of(
        st.sampled_from((19300101, 19410302, 19560615, 20000101)),
        st.integers(min_value=0, max_value=span).map(
            lambda n: birth_key_of(EARLIEST_BIRTH + dt.timedelta(days=n))
        ),
        st.integers(min_value=1900, max_value=LATEST_BIRTH.year).map(lambda y: y * 10_000 + 1231),
        st.just(UNKNOWN_BIRTH_KEY),
    )


def listed_moments() -> st.SearchStrategy[dt.datetime]:
    """When a registration was listed, from a few moments so that ties happen."""
    first = dt.datetime(2021, 4, 1, 8, 0, tzinfo=dt.UTC)
    return st.integers(min_value=0, max_value=5).map(lambda h: first + dt.timedelta(hours=h))


@st.composite
def candidates(
    draw: st.DrawFn,
    *,
    registration_id: str | None = None,
    size: st.SearchStrategy[int] | None = None,
    is_companion: bool | None = None,
) -> Candidate:
    """One candidate unit (a companion is always a single person)."""
    reg_id = registration_id or f"reg-{draw(st.integers(1, 10**6))}"
    companion = draw(st.booleans()) if is_companion is None else is_companion
    seats = 1 if companion else draw(size if size is not None else st.integers(1, MAX_GROUP))
    return Candidate(
        registration_id=reg_id,
        person_ids=tuple(f"{reg_id}-p-{i}" for i in range(1, seats + 1)),
        birth_key=draw(birth_keys()),
        is_companion=companion,
        listed_at=draw(listed_moments()),
    )


_FIRST_LISTED = dt.datetime(2021, 4, 1, 8, 0, tzinfo=dt.UTC)


def candidate_pools(
    *,
    min_size: int = 0,
    max_size: int = 40,
    shared_persons: bool = False,
) -> st.SearchStrategy[list[Candidate]]:
    """A pool of candidate units: singles, groups of 2-4 and about 10% companions.

    Registration and person ids are unique, as ``candidates_for`` makes them, unless
    ``shared_persons``: then units draw their persons from a small set, so the same
    person may turn up in several units (to test that nobody is taken twice).
    """
    # One flat tuple per unit keeps generation fast; it shrinks towards a single,
    # non-companion, very old person listed first.
    unit = st.tuples(
        st.integers(min_value=0, max_value=9),  # 0: a companion
        st.lists(st.integers(min_value=0, max_value=11), min_size=1, max_size=4, unique=True),
        birth_keys(),
        st.integers(min_value=0, max_value=5),  # hours after the first listing
    )

    def build(units: list[tuple[int, list[int], int, int]]) -> list[Candidate]:
        pool = []
        for index, (kind, people, birth_key, hours) in enumerate(units):
            reg_id = f"reg-{index:04d}"
            companion = kind == 0
            members = people[:1] if companion else people
            if shared_persons:
                person_ids = tuple(f"person-{n}" for n in members)
            else:
                person_ids = tuple(f"{reg_id}-p-{i}" for i in range(1, len(members) + 1))
            pool.append(
                Candidate(
                    registration_id=reg_id,
                    person_ids=person_ids,
                    birth_key=birth_key,
                    is_companion=companion,
                    listed_at=_FIRST_LISTED + dt.timedelta(hours=hours),
                )
            )
        return pool

    return st.lists(unit, min_size=min_size, max_size=max_size).map(build)
