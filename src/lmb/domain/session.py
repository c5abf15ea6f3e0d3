"""A centre's last-minute session: date, hours and slots to fill (R-SESSION)."""

from __future__ import annotations

import datetime as dt

from attrs import define

from lmb.domain.availability import HORIZON_DAYS, HalfDay, half_days_between
from lmb.domain.centre import MAX_SLOTS, check_slot_count, check_time_range
from lmb.domain.errors import DateOutOfRange, InvalidSlotCount, InvalidTimeRange


@define
class Session:
    """Doses left over at a centre, to be offered to the list.

    - The date lies from today to the availability horizon; the hours overlap at
      least one half-day (08-22).
    - ``slots`` grows when the centre invites more (R-NOTIFY).
    """

    id: str
    centre_id: str
    date: dt.date
    start: dt.time
    end: dt.time
    slots: int
    opened_at: dt.datetime
    opened_by: str | None = None

    @classmethod
    def open(
        cls,
        *,
        id: str,
        centre_id: str,
        date: dt.date,
        start: dt.time,
        end: dt.time,
        slots: object,
        now: dt.datetime,
        today: dt.date,
        opened_by: str | None = None,
    ) -> Session:
        last = today + dt.timedelta(days=HORIZON_DAYS)
        if not today <= date <= last:
            raise DateOutOfRange(
                "a session is for today up to 14 days ahead",
                field="date",
                params={"first": today, "last": last},
            )
        check_time_range(start, end)
        if not half_days_between(start, end):
            raise InvalidTimeRange("a session lies between 08:00 and 22:00", field="start")
        return cls(id, centre_id, date, start, end, check_slot_count(slots), now, opened_by)

    @property
    def half_days(self) -> frozenset[HalfDay]:
        """The half-days the session overlaps, e.g. 15:00-19:00 is afternoon and evening."""
        return half_days_between(self.start, self.end)

    def add_slots(self, count: object) -> None:
        """Invite more: the centre offers ``count`` extra slots."""
        extra = check_slot_count(count)
        if self.slots + extra > MAX_SLOTS:
            raise InvalidSlotCount(
                "too many slots in one session", field="count", params={"max": MAX_SLOTS}
            )
        self.slots += extra

    def starts_at(self) -> dt.datetime:
        """Local wall-clock start (Europe/Brussels, naive)."""
        return dt.datetime.combine(self.date, self.start)

    def ends_at(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.end)
