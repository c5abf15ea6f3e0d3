"""Vaccination centres and the free slots they announce (R-CENTRES, R-REG-A, C-ONBOARD)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from attrs import define

from lmb.domain.contact import Phone
from lmb.domain.errors import (
    DateOutOfRange,
    DomainError,
    InvalidCentre,
    InvalidShortCode,
    InvalidSlotCount,
    InvalidTimeRange,
    NoSlotLeft,
)
from lmb.domain.geography import Postcode, Region

#: How far ahead a centre may announce free slots (R-REG-A).
OPEN_SLOT_HORIZON_DAYS = 5
#: An upper bound on slots in one announcement or session; more is a typing error.
MAX_SLOTS = 10_000

_SHORT_CODE = re.compile(r"^[A-Z]{1,4}$")


def parse_short_code(text: object) -> str:
    value = text.strip().upper() if isinstance(text, str) else ""
    if not _SHORT_CODE.match(value):
        raise InvalidShortCode("a short code is 1 to 4 letters", field="short_code")
    return value


def check_slot_count(slots: object) -> int:
    if not isinstance(slots, int) or isinstance(slots, bool) or not 1 <= slots <= MAX_SLOTS:
        raise InvalidSlotCount(
            "slots must be a whole number from 1", field="slots", params={"max": MAX_SLOTS}
        )
    return slots


def check_time_range(start: dt.time, end: dt.time) -> None:
    if not start < end:
        raise InvalidTimeRange("the end comes after the start", field="end")


@define
class Centre:
    """A vaccination centre and the postcodes it serves.

    - Short code: 1-4 letters; region one of VLG, BRU, WAL, OOS (C-ONBOARD).
    - Postcodes are unique Belgian postcodes; at least one.
    """

    id: str
    name: str
    short_code: str
    region: Region
    address: str
    postcodes: frozenset[Postcode]
    phone: Phone | None = None

    @classmethod
    def create(
        cls,
        *,
        id: str,
        name: object,
        short_code: object,
        region: object,
        address: object,
        postcodes: Iterable[object],
        phone: object = None,
    ) -> Centre:
        """Build a centre from raw values, naming the field at fault."""
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise InvalidCentre("a centre has a name of at most 200 characters", field="name")
        if not isinstance(address, str) or len(address) > 300:
            raise InvalidCentre("the address is at most 300 characters", field="address")
        try:
            the_region = Region(str(region))
        except ValueError:
            raise InvalidCentre("region is VLG, BRU, WAL or OOS", field="region") from None
        codes: set[Postcode] = set()
        for index, raw in enumerate(postcodes):
            try:
                codes.add(Postcode.parse(raw))
            except DomainError as exc:
                raise exc.at(f"postcodes[{index}]") from None
        if not codes:
            raise InvalidCentre("a centre serves at least one postcode", field="postcodes")
        the_phone = None
        if phone not in (None, ""):
            try:
                the_phone = Phone.parse(phone)
            except DomainError as exc:
                raise exc.at("phone") from None
        return cls(
            id=id,
            name=" ".join(name.split()),
            short_code=parse_short_code(short_code),
            region=the_region,
            address=" ".join(address.split()),
            postcodes=frozenset(codes),
            phone=the_phone,
        )

    def serves(self, postcode: Postcode) -> bool:
        return postcode in self.postcodes


@define
class OpenSlot:
    """Free slots a centre announces for one moment; citizens claim them one by one (R-REG-A).

    - The date lies from today to ``OPEN_SLOT_HORIZON_DAYS`` ahead.
    - Claims never exceed the slots announced.
    """

    id: str
    centre_id: str
    date: dt.date
    start: dt.time
    end: dt.time
    slots: int
    claimed: int = 0

    @classmethod
    def announce(
        cls,
        *,
        id: str,
        centre_id: str,
        date: dt.date,
        start: dt.time,
        end: dt.time,
        slots: object,
        today: dt.date,
    ) -> OpenSlot:
        last = today + dt.timedelta(days=OPEN_SLOT_HORIZON_DAYS)
        if not today <= date <= last:
            raise DateOutOfRange(
                "free slots are announced for today up to 5 days ahead",
                field="date",
                params={"first": today, "last": last},
            )
        check_time_range(start, end)
        return cls(id, centre_id, date, start, end, check_slot_count(slots))

    @property
    def available(self) -> int:
        return self.slots - self.claimed

    def claim(self) -> None:
        """Take one slot. Raises NoSlotLeft when all are taken."""
        if self.available <= 0:
            raise NoSlotLeft("no free slot is left")
        self.claimed += 1

    def is_past(self, now_local: dt.datetime) -> bool:
        return dt.datetime.combine(self.date, self.end) <= now_local
