"""A realistic N-SCALE population, loaded into PostgreSQL with COPY.

Every registration is built through the domain's named constructors and turned into
rows by ``lmb.adapters.sql.mappers`` (so the derived ``candidate_units`` are exactly
what the application would store); only the writing bypasses the repositories, with
asyncpg's binary COPY. Personal columns go through the ``FieldCipher`` given (the
benchmarks pass the store's own cipher, so the use cases can read what was loaded).

Shape (issue 7):
- persons spread over the real Belgian postcodes of ``be-postcodes.csv``; the file has
  no population column, so a main municipality weighs 4 and a sub-locality 1;
- birth years from an age pyramid (Belgium 2025, 10-year bands);
- ~8 % of persons in groups of 2-4, ~3 % companions (one half-day), the rest alone;
- 1-3 centres each, among the centres serving their postcode's province;
- availability on 3-15 half-days in the 14-day horizon (a companion: exactly one);
- ~150 centres, each serving the postcodes of one province.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import random
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import asyncpg

from lmb.adapters.sql import mappers
from lmb.adapters.sql import tables as t
from lmb.adapters.sql.cipher import FieldCipher
from lmb.domain.availability import HORIZON_DAYS, Availability, HalfDay, HalfDaySlot
from lmb.domain.person import Person, VaccinationCode, VcdbStatus
from lmb.domain.registration import Language, Registration
from lmb.testing.builders import insz_digits

#: Share of the population per 10-year age band (0-9 ... 90+), Belgium 2025 (Statbel),
#: rounded; under-18s register through their parents' group registrations.
AGE_PYRAMID = (0.105, 0.113, 0.118, 0.128, 0.131, 0.137, 0.131, 0.105, 0.066, 0.022)
GROUP_SHARE = 0.08
COMPANION_SHARE = 0.03
CENTRES = 150

_FIRST = ("Jan", "Marie", "Luc", "Anne", "Pieter", "Sofie", "Mohamed", "Nathalie", "Karel")
_LAST = ("Peeters", "Janssens", "Maes", "Dubois", "Lambert", "Martin", "Claes", "Willems")
_LANGUAGE = {"VLG": Language.NL, "WAL": Language.FR, "BRU": Language.FR}


@dataclass(frozen=True)
class PostcodeRow:
    code: str
    province: str
    region: str
    main: bool


def postcodes() -> list[PostcodeRow]:
    text = resources.files("lmb.adapters.data").joinpath("be-postcodes.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    seen: dict[str, PostcodeRow] = {}
    for r in rows:
        if r["region"] not in _LANGUAGE:  # a few special codes (e.g. abroad) are no home
            continue
        seen.setdefault(
            r["postcode"],
            PostcodeRow(
                r["postcode"], r["province"], r["region"], r["is_main_municipality"] == "yes"
            ),
        )
    return list(seen.values())


@dataclass
class Population:
    """What was loaded: enough for the benchmarks to aim their sessions."""

    centres: list[str]
    centre_persons: dict[str, int] = field(default_factory=dict)
    persons: int = 0
    registrations: int = 0
    today: dt.date = dt.date(2026, 11, 23)


def centre_rows(
    codes: Sequence[PostcodeRow], count: int, rng: random.Random
) -> tuple[list[dict[str, Any]], list[tuple[str, str]], dict[str, list[str]]]:
    """``count`` centres, spread over the provinces by their number of postcodes."""
    by_province: dict[str, list[PostcodeRow]] = defaultdict(list)
    for pc in codes:
        by_province[pc.province].append(pc)
    provinces = sorted(by_province)
    weights = [len(by_province[p]) for p in provinces]
    centres: list[dict[str, Any]] = []
    served: list[tuple[str, str]] = []
    per_province: dict[str, list[str]] = defaultdict(list)
    for n in range(count):
        province = provinces[n] if n < len(provinces) else rng.choices(provinces, weights)[0]
        first = by_province[province][0]
        cid = f"centre-{n:03d}"
        centres.append(
            {
                "id": cid,
                "name": f"Vaccinatiecentrum {n:03d} {province}",
                "short_code": f"C{n:03d}",
                "region": first.region,
                "address": f"Centrumstraat {n + 1}, {first.code}",
                "phone": None,
            }
        )
        per_province[province].append(cid)
        served.extend((cid, pc.code) for pc in by_province[province])
    return centres, served, per_province


def _born(rng: random.Random, today: dt.date) -> dt.date:
    band = rng.choices(range(len(AGE_PYRAMID)), AGE_PYRAMID)[0]
    age = min(band * 10 + rng.randrange(10), 105)
    year = max(today.year - age, 1921)
    return dt.date(year, rng.randrange(1, 13), rng.randrange(1, 29))


class Generator:
    """Builds registrations in the domain and yields them as table rows."""

    def __init__(
        self, seed: int, now: dt.datetime, centres_per_province: dict[str, list[str]]
    ) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.today = now.date()
        self.codes = postcodes()
        self.weights = [4 if pc.main else 1 for pc in self.codes]
        self.centres = centres_per_province
        self.serial = itertools.count(1)
        self.slots = [
            HalfDaySlot(self.today + dt.timedelta(days=d), h)
            for d in range(HORIZON_DAYS + 1)
            for h in HalfDay
        ]

    def _person(self, pc: PostcodeRow, mobile: bool = True) -> Person:
        n = next(self.serial)
        born = _born(self.rng, self.today)
        return Person.create(
            insz=insz_digits(born.year, born.month, born.day, 1 + n % 997),
            last_name=_LAST[n % len(_LAST)],
            first_name=_FIRST[n % len(_FIRST)],
            postcode=pc.code,
            email=f"p{n}@example.be",
            mobile=f"0470{n % 1_000_000:06d}" if mobile else None,
        )

    def registrations(self, persons: int) -> Iterator[Registration]:
        rng = self.rng
        made = 0
        rid = itertools.count(1)
        while made < persons:
            pc = rng.choices(self.codes, self.weights)[0]
            centres = self.centres[pc.province]
            centre_ids = rng.sample(centres, min(len(centres), rng.randint(1, 3)))
            ident = f"r{next(rid):08d}"
            pids = (f"{ident}-{i}" for i in range(4))
            draw = rng.random()
            lang = _LANGUAGE[pc.region]
            if draw < GROUP_SHARE / 2.5:  # groups average ~2.5 persons: 8 % of persons
                size = rng.choice((2, 2, 3, 4))
                avail = self._availability(rng.randint(3, 15))
                reg = Registration.for_group(
                    id=ident,
                    new_id=lambda it=pids: next(it),
                    persons=[self._person(pc, i == 0) for i in range(size)],
                    language=lang,
                    centre_ids=centre_ids,
                    availability=avail,
                    now=self.now,
                )
            elif draw < GROUP_SHARE / 2.5 + COMPANION_SHARE:
                reg = Registration.as_companion(
                    id=ident,
                    new_id=lambda it=pids: next(it),
                    person=self._person(pc),
                    language=lang,
                    centre_ids=centre_ids,
                    availability=self._availability(1),
                    companion_of=f"VACC-{rng.randrange(10**6):06d}-BOOK",
                    now=self.now,
                )
            else:
                reg = Registration.for_self(
                    id=ident,
                    new_id=lambda it=pids: next(it),
                    person=self._person(pc),
                    language=lang,
                    centre_ids=centre_ids,
                    availability=self._availability(rng.randint(3, 15)),
                    now=self.now,
                )
            for rp in reg.persons:
                code = VaccinationCode.parse(f"VACC-{rp.id.upper()}")
                reg.record_eligibility(rp.id, VcdbStatus.ELIGIBLE, code, self.now)
            reg.confirm_contact(self.now)
            made += len(reg.persons)
            yield reg

    def _availability(self, count: int) -> Availability:
        chosen = self.rng.sample(self.slots, count)
        return Availability.declare(chosen, today=self.today, now=self.now)


def _records(table: Any, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    names = [c.name for c in table.columns]
    return [tuple(row.get(n) for n in names) for row in rows]


class Batch:
    """Rows of several registrations, per table, ready for COPY."""

    TABLES = (
        t.registrations,
        t.persons,
        t.registration_centres,
        t.availability,
        t.candidate_units,
        t.candidate_unit_members,
    )

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {tb.name: [] for tb in self.TABLES}

    def add(self, reg: Registration, cipher: FieldCipher) -> None:
        row = mappers.registration_row(reg, cipher)
        row.update(manage_digest=f"manage-{reg.id}", erased=False, reminded_for=None)
        self.rows["registrations"].append(row)
        for i, rp in enumerate(reg.persons):
            person = mappers.person_row(rp, registration_id=reg.id, position=i, cipher=cipher)
            person["insz_digest"] = f"insz-{rp.id}"
            self.rows["persons"].append(person)
        self.rows["registration_centres"].extend(
            {"registration_id": reg.id, "centre_id": c} for c in sorted(reg.centre_ids)
        )
        self.rows["availability"].extend(
            {"registration_id": reg.id, "date": d, "half_day": h}
            for d, h in mappers.availability_rows(reg)
        )
        for key, unit in mappers.candidate_unit_rows(reg).items():
            self.rows["candidate_units"].append(unit)
            self.rows["candidate_unit_members"].extend(
                {"unit_key": key, "person_id": pid}
                for pid in mappers.candidate_from(unit).person_ids
            )

    async def copy(self, conn: asyncpg.Connection) -> None:
        for table in self.TABLES:
            rows = self.rows[table.name]
            if rows:
                await conn.copy_records_to_table(
                    table.name,
                    records=_records(table, rows),
                    columns=[c.name for c in table.columns],
                )


async def load(
    dsn: str,
    persons: int,
    cipher: FieldCipher,
    *,
    now: dt.datetime,
    seed: int = 7,
    batch_persons: int = 20_000,
    progress: Callable[[int], None] | None = None,
) -> Population:
    """Empty the lmb tables of ``dsn`` and load ``persons`` persons and the centres."""
    rng = random.Random(seed)
    codes = postcodes()
    centres, served, per_province = centre_rows(codes, CENTRES, rng)
    conn = await asyncpg.connect(dsn)
    try:
        present = {r[0] for r in await conn.fetch("SELECT tablename FROM pg_tables")}
        names = ", ".join(tb.name for tb in t.ALL_TABLES if tb.name in present)
        await conn.execute(f"TRUNCATE {names}")
        await conn.copy_records_to_table(
            "centres", records=_records(t.centres, centres), columns=[c.name for c in t.centres.c]
        )
        await conn.copy_records_to_table(
            "centre_postcodes", records=served, columns=["centre_id", "postcode"]
        )
        gen = Generator(seed, now, per_province)
        population = Population(centres=[c["id"] for c in centres], today=now.date())
        per_centre: dict[str, int] = defaultdict(int)
        batch = Batch()
        in_batch = 0
        for reg in gen.registrations(persons):
            batch.add(reg, cipher)
            population.registrations += 1
            population.persons += len(reg.persons)
            for c in reg.centre_ids:
                per_centre[c] += len(reg.persons)
            in_batch += len(reg.persons)
            if in_batch >= batch_persons:
                await batch.copy(conn)
                batch, in_batch = Batch(), 0
                if progress:
                    progress(population.persons)
        await batch.copy(conn)
        await conn.execute("ANALYZE")
        population.centre_persons = dict(per_centre)
        return population
    finally:
        await conn.close()
