"""Demo data: centres across Belgium built from the real postcode list, and registrations.

``load_demo`` goes through the use cases, as a user would: centres are imported, people
register, confirm their address through their manage link, and the worker asks the
(simulated) VCDB about each of them.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.resources
import math
import random
from collections.abc import Mapping, Sequence

from attrs import frozen

from lmb.application.clock import local_today
from lmb.application.errors import InvalidInput
from lmb.application.model import Role, StaffToken
from lmb.application.registrations import (
    AvailabilityInput,
    ContactInput,
    PersonInput,
    Register,
)
from lmb.domain.errors import DomainError
from lmb.domain.geography import Postcode
from lmb.entrypoints.services import Services

#: The staff member demo data are created by (audit trail).
DEMO_ACTOR = StaffToken(
    id="demo", digest="", role=Role.ADMIN, name="demo loader", created_at=dt.datetime(2021, 1, 1)
)


@frozen
class Anchor:
    """A main municipality that hosts a demo centre."""

    postcode: str
    short_code: str
    city: str
    region: str


#: ~30 centres over the four regions (C-ONBOARD regions VLG, BRU, WAL, OOS).
ANCHORS: tuple[Anchor, ...] = (
    Anchor("9000", "GENT", "Gent", "VLG"),
    Anchor("2000", "ANTW", "Antwerpen", "VLG"),
    Anchor("8000", "BRUG", "Brugge", "VLG"),
    Anchor("3000", "LEUV", "Leuven", "VLG"),
    Anchor("3500", "HASS", "Hasselt", "VLG"),
    Anchor("2800", "MECH", "Mechelen", "VLG"),
    Anchor("8500", "KORT", "Kortrijk", "VLG"),
    Anchor("9300", "AALS", "Aalst", "VLG"),
    Anchor("9100", "SNIK", "Sint-Niklaas", "VLG"),
    Anchor("3600", "GENK", "Genk", "VLG"),
    Anchor("8400", "OOST", "Oostende", "VLG"),
    Anchor("8800", "ROES", "Roeselare", "VLG"),
    Anchor("2300", "TURN", "Turnhout", "VLG"),
    Anchor("1000", "BXL", "Bruxelles / Brussel", "BRU"),
    Anchor("1030", "SCHA", "Schaerbeek / Schaarbeek", "BRU"),
    Anchor("1070", "ANDE", "Anderlecht", "BRU"),
    Anchor("1180", "UCCL", "Uccle / Ukkel", "BRU"),
    Anchor("4000", "LIEG", "Liège", "WAL"),
    Anchor("5000", "NAMU", "Namur", "WAL"),
    Anchor("6000", "CHAR", "Charleroi", "WAL"),
    Anchor("7000", "MONS", "Mons", "WAL"),
    Anchor("7500", "TOUR", "Tournai", "WAL"),
    Anchor("6700", "ARLO", "Arlon", "WAL"),
    Anchor("1300", "WAVR", "Wavre", "WAL"),
    Anchor("4800", "VERV", "Verviers", "WAL"),
    Anchor("7100", "LALO", "La Louvière", "WAL"),
    Anchor("6600", "BAST", "Bastogne", "WAL"),
    Anchor("6900", "MARC", "Marche-en-Famenne", "WAL"),
    Anchor("4700", "EUPE", "Eupen", "OOS"),
    Anchor("4780", "STVI", "Sankt Vith", "OOS"),
)

_CENTRE_NAME = {
    "VLG": "Vaccinatiecentrum {city}",
    "BRU": "Centre de vaccination / Vaccinatiecentrum {city}",
    "WAL": "Centre de vaccination de {city}",
    "OOS": "Impfzentrum {city}",
}
_STREET = {
    "VLG": "Marktplein",
    "BRU": "Place / Plein",
    "WAL": "Place du Marché",
    "OOS": "Marktplatz",
}
_LANGUAGES = {"VLG": ("nl",), "BRU": ("fr", "nl"), "WAL": ("fr",), "OOS": ("de",)}

FIRST_NAMES = {
    "nl": ("Jan", "Mia", "Luc", "Els", "Wim", "An", "Pieter", "Lotte", "Dirk", "Marleen",
           "Koen", "Sofie", "Jef", "Greet", "Bart", "Hilde", "Tom", "Ilse", "Rik", "Nele"),
    "fr": ("Marie", "Pierre", "Anne", "Jacques", "Claire", "Michel", "Sophie", "Luc",
           "Nathalie", "Philippe", "Isabelle", "Jean", "Chantal", "André", "Martine"),
    "de": ("Anna", "Hans", "Maria", "Peter", "Monika", "Karl", "Ursula", "Josef",
           "Brigitte", "Klaus"),
}  # fmt: skip
LAST_NAMES = {
    "nl": ("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
           "Wouters", "De Smet", "Vermeulen", "Van Damme", "Dubois", "Hermans", "Aerts"),
    "fr": ("Dubois", "Lambert", "Dupont", "Martin", "Simon", "Laurent", "Leclercq", "Lejeune",
           "Renard", "Collard", "Gilson", "François", "Lemaire", "Dumont", "Henry"),
    "de": ("Schmitz", "Kessler", "Heinen", "Lentz", "Thomas", "Müller", "Jost", "Reuter",
           "Hilger", "Margraff"),
}  # fmt: skip


@frozen
class PostcodeRow:
    postcode: str
    locality: str
    main: bool
    region: str
    latitude: float
    longitude: float


@frozen
class DemoResult:
    centres_created: int
    centres_updated: int
    registrations: int
    confirmed: int


def read_postcodes() -> list[PostcodeRow]:
    """bpost's postcode list shipped with lmb (``adapters/data/be-postcodes.csv``)."""
    resource = importlib.resources.files("lmb.adapters").joinpath("data/be-postcodes.csv")
    rows: list[PostcodeRow] = []
    with resource.open("r", encoding="utf-8") as handle:
        for raw in csv.DictReader(handle):
            try:
                rows.append(
                    PostcodeRow(
                        postcode=raw["postcode"].strip(),
                        locality=raw["locality"].strip(),
                        main=raw["is_main_municipality"].strip() == "yes",
                        region=raw["region"].strip(),
                        latitude=float(raw["latitude"]),
                        longitude=float(raw["longitude"]),
                    )
                )
            except (KeyError, ValueError):
                continue
    return rows


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    # Equirectangular is precise enough to find the nearest town in Belgium.
    x = (b[1] - a[1]) * math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot(x, b[0] - a[0])


def group_postcodes(
    rows: Sequence[PostcodeRow], anchors: Sequence[Anchor] = ANCHORS
) -> dict[str, list[str]]:
    """Each valid postcode goes to the nearest anchor of its own region.

    A postcode's place is its main municipality where it has one. Returns the sorted
    postcodes per anchor short code.
    """
    places: dict[str, tuple[str, tuple[float, float]]] = {}
    for row in rows:
        if row.postcode not in places or row.main:
            places[row.postcode] = (row.region, (row.latitude, row.longitude))
    anchor_places = {a.short_code: places[a.postcode][1] for a in anchors if a.postcode in places}
    groups: dict[str, list[str]] = {a.short_code: [] for a in anchors}
    for code, (region, where) in sorted(places.items()):
        try:
            Postcode.parse(code)
        except DomainError:
            continue
        candidates = [a for a in anchors if a.region == region and a.short_code in anchor_places]
        if not candidates:
            continue
        nearest = min(candidates, key=lambda a: _distance(anchor_places[a.short_code], where))
        groups[nearest.short_code].append(code)
    return groups


def demo_centre_rows(rows: Sequence[PostcodeRow] | None = None) -> list[dict[str, str]]:
    """The demo centres as rows of the CSV import (same columns as ``lmb import-centres``)."""
    groups = group_postcodes(rows if rows is not None else read_postcodes())
    result = []
    for index, anchor in enumerate(ANCHORS):
        postcodes = groups.get(anchor.short_code) or [anchor.postcode]
        result.append(
            {
                "name": _CENTRE_NAME[anchor.region].format(city=anchor.city),
                "short_code": anchor.short_code,
                "region": anchor.region,
                "address": f"{_STREET[anchor.region]} 1, {anchor.postcode} {anchor.city}",
                "postcodes": ";".join(postcodes),
                "phone": f"+3225550{index:03d}",
            }
        )
    return result


def insz_for(born: dt.date, serial: int) -> str:
    """A valid national register number (check digits 97 - n mod 97; ``2`` in front
    of n for people born from 2000 on)."""
    first9 = f"{born:%y%m%d}{serial:03d}"
    number = int(("2" if born.year >= 2000 else "") + first9)
    return f"{first9}{97 - number % 97:02d}"


def _birth_date(rng: random.Random) -> dt.date:
    # Older people are likelier on the list (R-RANK favours them anyway).
    year = int(1930 + 75 * rng.random() ** 1.3)
    return dt.date(year, rng.randint(1, 12), rng.randint(1, 28))


async def load_demo(
    services: Services, *, registrations: int = 300, seed: int = 2021, settle: bool = True
) -> DemoResult:
    """Load demo centres and registrations through the use cases.

    Args:
        services: the use cases of a built runtime.
        registrations: how many registrations to make (each with 1-3 persons).
        seed: the same seed gives the same people.
        settle: run the worker until the VCDB checks and mails are done, so that the
            registrations are listed when this returns.
    """
    rng = random.Random(seed)
    imported = await services.centres.import_rows(demo_centre_rows(), DEMO_ACTOR)
    centres = {c.short_code: c for c in await services.centres.list()}
    doctor = await services.staff.issue(
        role="doctor", name="Demo doctor", nihdi_number="1-23456-78-901", actor=DEMO_ACTOR.id
    )
    today = local_today(services.ctx.clock.now())
    used: set[str] = set()

    def person(language: str, postcode: str, reachable: bool) -> PersonInput:
        while True:
            insz = insz_for(_birth_date(rng), rng.randint(1, 997))
            if insz not in used:
                used.add(insz)
                break
        first = rng.choice(FIRST_NAMES[language])
        last = rng.choice(LAST_NAMES[language])
        handle = f"{first}.{last}".lower().replace(" ", "").replace("é", "e").replace("ü", "u")
        return PersonInput(
            insz=insz,
            last_name=last,
            first_name=first,
            postcode=postcode,
            email=f"{handle}.{len(used)}@example.org" if reachable else None,
            mobile=f"+32470{rng.randint(0, 999_999):06d}" if reachable else None,
        )

    made = confirmed = 0
    anchors = list(ANCHORS)
    for _ in range(registrations):
        anchor = rng.choice(anchors)
        centre = centres.get(anchor.short_code)
        if centre is None:
            continue
        language = rng.choice(_LANGUAGES[anchor.region])
        postcode = rng.choice(sorted(p.code for p in centre.postcodes))
        days = rng.sample(range(1, 15), k=rng.randint(2, 6))
        availability = [
            AvailabilityInput(
                date=today + dt.timedelta(days=d),
                half_day=rng.choice(("morning", "afternoon", "evening")),
            )
            for d in sorted(days)
        ]
        if rng.random() < 0.7:
            # Most demo citizens are free later today, so a session opened during a
            # demo finds people to invite at once.
            availability[:0] = [
                AvailabilityInput(date=today, half_day="afternoon"),
                AvailabilityInput(date=today, half_day="evening"),
            ]
        draw = rng.random()
        contact = None
        companion_of = None
        invite = None
        by_doctor = False
        if draw < 0.70:
            kind, persons = "self", [person(language, postcode, True)]
        elif draw < 0.80:
            kind = "group"
            persons = [person(language, postcode, i == 0) for i in range(rng.randint(2, 3))]
        elif draw < 0.88:
            kind = "third_party"
            persons = [person(language, postcode, True) for _ in range(rng.randint(1, 2))]
            contact = ContactInput(
                last_name=rng.choice(LAST_NAMES[language]),
                first_name=rng.choice(FIRST_NAMES[language]),
                email=f"helper.{len(used)}@example.org",
            )
        elif draw < 0.95:
            kind, persons = "companion", [person(language, postcode, True)]
            availability = availability[:1]
            companion_of = f"DEMO-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
        else:
            kind, persons, invite, by_doctor = (
                "patient",
                [person(language, postcode, True)],
                "patient",
                True,
            )
        command = Register(
            kind=kind,
            language=language,
            persons=persons,
            centre_ids=[centre.id],
            availability=availability,
            contact=contact,
            companion_of=companion_of,
            invite=invite,
        )
        try:
            receipt = await services.register(command, doctor=doctor.staff if by_doctor else None)
        except InvalidInput:
            continue
        made += 1
        if not by_doctor:
            await services.manage.confirm(services.ctx.secrets.manage_token(receipt.id))
            confirmed += 1
    if settle:
        await settle_worker(services)
    return DemoResult(imported.created, imported.updated, made, confirmed)


async def settle_worker(services: Services, *, max_passes: int = 200) -> int:
    """Run the worker until a pass finds nothing to deliver; returns the passes made."""
    for passes in range(1, max_passes + 1):
        tick = await services.worker.run_once()
        if tick.delivered == 0 and tick.failed == 0:
            return passes
    return max_passes


def summarize(result: DemoResult) -> Mapping[str, int]:
    return {
        "centres_created": result.centres_created,
        "centres_updated": result.centres_updated,
        "registrations": result.registrations,
        "confirmed": result.confirmed,
    }
