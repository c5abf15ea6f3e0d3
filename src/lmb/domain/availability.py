"""Half-days and the availability a citizen keeps free (R-AVAIL, R-REG-B..D)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable

from attrs import field, frozen

from lmb.domain.errors import AvailabilityEmpty, AvailabilityOutOfHorizon

#: How far ahead a citizen may declare availability (R-REG-B).
HORIZON_DAYS = 14
#: How long a confirmation holds before the availability lapses (R-AVAIL).
CONFIRMATION_VALID_FOR = dt.timedelta(days=14)
#: When the reminder to re-confirm goes out, before the lapse.
REMINDER_BEFORE_LAPSE = dt.timedelta(days=2)


class HalfDay(enum.StrEnum):
    """``morning`` 08-13, ``afternoon`` 13-17, ``evening`` 17-22."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"

    @property
    def start(self) -> dt.time:
        return _BOUNDS[self][0]

    @property
    def end(self) -> dt.time:
        return _BOUNDS[self][1]

    def overlaps(self, start: dt.time, end: dt.time) -> bool:
        """True if the half-open interval [start, end) shares time with this half-day."""
        return start < self.end and self.start < end


_BOUNDS = {
    HalfDay.MORNING: (dt.time(8), dt.time(13)),
    HalfDay.AFTERNOON: (dt.time(13), dt.time(17)),
    HalfDay.EVENING: (dt.time(17), dt.time(22)),
}


def _chronological(half_day: HalfDay) -> dt.time:
    return half_day.start


@frozen(order=True)
class HalfDaySlot:
    """One half-day on one date; slots sort by date, then morning, afternoon, evening."""

    date: dt.date
    # A StrEnum would otherwise sort alphabetically: afternoon, evening, morning.
    half_day: HalfDay = field(order=_chronological)

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.half_day.value}"


def half_days_between(start: dt.time, end: dt.time) -> frozenset[HalfDay]:
    """The half-days that a period [start, end) overlaps."""
    return frozenset(h for h in HalfDay if h.overlaps(start, end))


@frozen
class Availability:
    """The half-days a citizen keeps free, and when they last confirmed them.

    - Dates run from today to ``HORIZON_DAYS`` ahead (R-REG-B).
    - Duplicates merge: the slots are a set (C-REGISTRY).
    - The availability lapses ``CONFIRMATION_VALID_FOR`` after its last confirmation
      unless confirmed again (R-AVAIL).
    """

    slots: frozenset[HalfDaySlot]
    confirmed_at: dt.datetime

    @classmethod
    def declare(
        cls, slots: Iterable[HalfDaySlot], *, today: dt.date, now: dt.datetime
    ) -> Availability:
        """Raises:
        AvailabilityEmpty: no half-day given.
        AvailabilityOutOfHorizon: a date in the past or beyond the horizon.
        """
        given = list(slots)
        if not given:
            raise AvailabilityEmpty("give at least one half-day")
        last = today + dt.timedelta(days=HORIZON_DAYS)
        # The index is the slot's position as given, so the field points at the entry.
        for index, slot in enumerate(given):
            if not today <= slot.date <= last:
                raise AvailabilityOutOfHorizon(
                    "availability runs from today to 14 days ahead",
                    field=f"[{index}].date",
                    params={"days": HORIZON_DAYS, "first": today, "last": last},
                )
        return cls(frozenset(given), now)

    @property
    def lapses_at(self) -> dt.datetime:
        return self.confirmed_at + CONFIRMATION_VALID_FOR

    @property
    def reminder_at(self) -> dt.datetime:
        return self.lapses_at - REMINDER_BEFORE_LAPSE

    def is_lapsed(self, now: dt.datetime) -> bool:
        return now >= self.lapses_at

    def reconfirmed(self, now: dt.datetime) -> Availability:
        return Availability(self.slots, now)

    def covers(self, date: dt.date, half_days: frozenset[HalfDay]) -> bool:
        """True if free on ``date`` during one of ``half_days``."""
        return any(HalfDaySlot(date, h) in self.slots for h in half_days)

    def upcoming(self, today: dt.date) -> list[HalfDaySlot]:
        """The slots from today on, in order."""
        return sorted(s for s in self.slots if s.date >= today)
