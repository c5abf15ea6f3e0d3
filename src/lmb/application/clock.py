"""Local time for Belgium: dates and hours of sessions are Europe/Brussels wall-clock time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")


def local_today(now: dt.datetime) -> dt.date:
    return now.astimezone(BRUSSELS).date()


def local_now(now: dt.datetime) -> dt.datetime:
    """Naive Brussels wall-clock time, comparable with session dates and hours."""
    return now.astimezone(BRUSSELS).replace(tzinfo=None)


def to_utc(date: dt.date, time: dt.time) -> dt.datetime:
    """A Brussels wall-clock moment as an aware UTC datetime."""
    return dt.datetime.combine(date, time, tzinfo=BRUSSELS).astimezone(dt.UTC)
