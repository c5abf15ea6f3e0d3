"""Half-days and availability: horizon, merging, lapse and re-confirmation (R-AVAIL)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmb.domain.availability import (
    CONFIRMATION_VALID_FOR,
    HORIZON_DAYS,
    REMINDER_BEFORE_LAPSE,
    Availability,
    HalfDay,
    HalfDaySlot,
    half_days_between,
)
from lmb.domain.errors import AvailabilityEmpty, AvailabilityOutOfHorizon, DomainError
from lmb.testing import NOW, TODAY, an_availability, availabilities, moments, time_ranges

relaxed = settings(deadline=None)

MORNING, AFTERNOON, EVENING = HalfDay.MORNING, HalfDay.AFTERNOON, HalfDay.EVENING


def _day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


class TestHalfDays:
    @pytest.mark.parametrize(
        ("start", "end", "expected"),
        [
            (dt.time(15), dt.time(19), {AFTERNOON, EVENING}),
            (dt.time(13), dt.time(17), {AFTERNOON}),
            (dt.time(8), dt.time(22), {MORNING, AFTERNOON, EVENING}),
            (dt.time(12, 45), dt.time(13), {MORNING}),
            (dt.time(17), dt.time(17, 15), {EVENING}),
            (dt.time(6), dt.time(8), set()),
            (dt.time(22), dt.time(23), set()),
        ],
    )
    def test_a_period_covers_the_half_days_it_overlaps(
        self, start: dt.time, end: dt.time, expected: set[HalfDay]
    ) -> None:
        """R-SESSION: a session 15:00-19:00 is for the afternoon and evening lists."""
        assert half_days_between(start, end) == expected

    @given(period=time_ranges(within_half_days=False))
    def test_overlap_agrees_with_minute_by_minute_counting(
        self, period: tuple[dt.time, dt.time]
    ) -> None:
        """R-SESSION: a half-day counts when the period shares at least one minute with it."""
        start, end = period

        def minutes(t: dt.time) -> int:
            return t.hour * 60 + t.minute

        expected = {
            half
            for half in HalfDay
            if any(
                minutes(half.start) <= m < minutes(half.end)
                for m in range(minutes(start), minutes(end))
            )
        }
        assert half_days_between(start, end) == expected

    def test_slots_sort_in_the_order_of_the_day(self) -> None:
        """R-AVAIL: morning, afternoon, evening; not alphabetically."""
        slots = [
            HalfDaySlot(_day(1), MORNING),
            HalfDaySlot(_day(0), EVENING),
            HalfDaySlot(_day(0), MORNING),
            HalfDaySlot(_day(0), AFTERNOON),
        ]
        assert sorted(slots) == [
            HalfDaySlot(_day(0), MORNING),
            HalfDaySlot(_day(0), AFTERNOON),
            HalfDaySlot(_day(0), EVENING),
            HalfDaySlot(_day(1), MORNING),
        ]
        assert str(slots[1]) == "2021-04-11 evening"


class TestDeclare:
    @relaxed
    @given(
        offsets=st.lists(st.integers(min_value=-30, max_value=30), min_size=1, max_size=8),
        halves=st.lists(st.sampled_from(list(HalfDay)), min_size=8, max_size=8),
    )
    def test_dates_from_today_to_14_days_ahead_are_accepted_and_no_others(
        self, offsets: list[int], halves: list[HalfDay]
    ) -> None:
        """R-REG-B / R-AVAIL: at most 14 days ahead, never in the past."""
        slots = [HalfDaySlot(_day(o), h) for o, h in zip(offsets, halves, strict=False)]
        outside = [i for i, o in enumerate(offsets) if not 0 <= o <= HORIZON_DAYS]
        if outside:
            with pytest.raises(AvailabilityOutOfHorizon) as caught:
                Availability.declare(slots, today=TODAY, now=NOW)
            assert caught.value.field == f"[{outside[0]}].date"
            assert caught.value.params["last"] == _day(HORIZON_DAYS)
        else:
            availability = Availability.declare(slots, today=TODAY, now=NOW)
            assert availability.slots == frozenset(slots)

    def test_both_ends_of_the_horizon_are_inclusive(self) -> None:
        """R-REG-B: today and today + 14 are both allowed; yesterday and +15 are not."""
        an_availability(HalfDaySlot(_day(0), MORNING), HalfDaySlot(_day(14), EVENING))
        for offset in (-1, 15):
            with pytest.raises(AvailabilityOutOfHorizon):
                an_availability(HalfDaySlot(_day(offset), MORNING))

    def test_the_field_points_at_the_entry_as_given(self) -> None:
        """R-AVAIL: the first entry is wrong, so the error says [0], not its sorted place."""
        with pytest.raises(AvailabilityOutOfHorizon) as caught:
            an_availability(
                HalfDaySlot(_day(20), MORNING),
                HalfDaySlot(_day(3), EVENING),
                HalfDaySlot(_day(3), EVENING),
            )
        assert caught.value.field == "[0].date"
        assert caught.value.at("availability").field == "availability[0].date"

    def test_duplicates_merge(self) -> None:
        """C-REGISTRY: the same half-day given twice is one half-day."""
        availability = an_availability(
            HalfDaySlot(_day(2), MORNING),
            HalfDaySlot(_day(2), MORNING),
            HalfDaySlot(_day(2), EVENING),
        )
        assert availability.slots == {
            HalfDaySlot(_day(2), MORNING),
            HalfDaySlot(_day(2), EVENING),
        }

    @relaxed
    @given(data=st.data())
    def test_declaring_twice_the_same_slots_changes_nothing(self, data: st.DataObject) -> None:
        """C-REGISTRY: overlapping declarations merge into one."""
        availability = data.draw(availabilities(TODAY, NOW))
        doubled = [*availability.slots, *availability.slots]
        assert Availability.declare(doubled, today=TODAY, now=NOW) == availability

    def test_at_least_one_half_day(self) -> None:
        """R-AVAIL: an empty calendar is no availability."""
        with pytest.raises(AvailabilityEmpty) as caught:
            Availability.declare([], today=TODAY, now=NOW)
        assert caught.value.code == "availability.empty"

    def test_accepts_any_iterable_once(self) -> None:
        """R-AVAIL: a generator is read once, not twice."""
        slots = (HalfDaySlot(_day(d), MORNING) for d in (0, 1))
        assert len(Availability.declare(slots, today=TODAY, now=NOW).slots) == 2


class TestLapse:
    def test_lapses_exactly_14_days_after_confirmation(self) -> None:
        """R-AVAIL: re-confirm every two weeks or the availability lapses."""
        availability = an_availability(now=NOW)
        assert availability.lapses_at == NOW + dt.timedelta(days=14)
        assert not availability.is_lapsed(NOW + dt.timedelta(days=14) - dt.timedelta(seconds=1))
        assert availability.is_lapsed(NOW + dt.timedelta(days=14))

    def test_the_reminder_goes_out_two_days_before_the_lapse(self) -> None:
        """R-AVAIL: the citizen is reminded in time to re-confirm."""
        assert an_availability(now=NOW).reminder_at == NOW + dt.timedelta(days=12)

    @relaxed
    @given(
        data=st.data(),
        confirmed=moments(),
        later=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=60)),
    )
    def test_reconfirming_resets_the_clock_and_keeps_the_slots(
        self, data: st.DataObject, confirmed: dt.datetime, later: dt.timedelta
    ) -> None:
        """R-AVAIL: confirming again gives another 14 days from that moment."""
        today = confirmed.date()
        availability = data.draw(availabilities(today, confirmed))
        assert availability.is_lapsed(confirmed + later) is (later >= CONFIRMATION_VALID_FOR)
        again = availability.reconfirmed(confirmed + later)
        assert again.slots == availability.slots
        assert again.lapses_at == confirmed + later + CONFIRMATION_VALID_FOR
        assert again.reminder_at == again.lapses_at - REMINDER_BEFORE_LAPSE
        assert not again.is_lapsed(confirmed + later)


class TestQueries:
    def test_covers_a_session_on_any_overlapping_half_day(self) -> None:
        """R-RANK: free on the afternoon means a candidate for a 15:00-19:00 session."""
        availability = an_availability(HalfDaySlot(_day(0), AFTERNOON))
        assert availability.covers(_day(0), frozenset({AFTERNOON, EVENING}))
        assert not availability.covers(_day(0), frozenset({MORNING, EVENING}))
        assert not availability.covers(_day(1), frozenset({AFTERNOON}))

    def test_upcoming_drops_past_days_and_keeps_the_order_of_the_day(self) -> None:
        """R-AVAIL: the calendar shown to the citizen runs forward in time."""
        availability = an_availability(
            HalfDaySlot(_day(2), EVENING),
            HalfDaySlot(_day(0), MORNING),
            HalfDaySlot(_day(2), MORNING),
            HalfDaySlot(_day(1), AFTERNOON),
        )
        assert availability.upcoming(_day(1)) == [
            HalfDaySlot(_day(1), AFTERNOON),
            HalfDaySlot(_day(2), MORNING),
            HalfDaySlot(_day(2), EVENING),
        ]

    @relaxed
    @given(data=st.data())
    def test_upcoming_is_sorted_and_complete(self, data: st.DataObject) -> None:
        """R-AVAIL: nothing from today on is lost, nothing before it is shown."""
        availability = data.draw(availabilities(TODAY, NOW))
        cut = data.draw(st.integers(0, HORIZON_DAYS))
        upcoming = availability.upcoming(_day(cut))
        assert upcoming == sorted(upcoming)
        assert set(upcoming) == {s for s in availability.slots if s.date >= _day(cut)}


class TestErrorPlacement:
    def test_at_prefixes_nested_fields(self) -> None:
        """R-DATA: errors are placed where the client sent the value."""
        assert DomainError("x", field="[2].date").at("availability").field == (
            "availability[2].date"
        )
        assert DomainError("x", field="insz").at("persons[1]").field == "persons[1].insz"
        assert DomainError("x").at("persons[0]").field == "persons[0]"
