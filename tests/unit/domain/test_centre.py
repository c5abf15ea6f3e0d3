"""Centres, announced free slots and sessions (R-CENTRES, R-REG-A, R-SESSION, C-ONBOARD)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmb.domain.availability import HalfDay
from lmb.domain.centre import MAX_SLOTS, OPEN_SLOT_HORIZON_DAYS, Centre, OpenSlot
from lmb.domain.errors import (
    DateOutOfRange,
    DomainError,
    InvalidCentre,
    InvalidPhone,
    InvalidShortCode,
    InvalidSlotCount,
    InvalidTimeRange,
    NoSlotLeft,
    UnknownPostcode,
)
from lmb.domain.geography import Postcode, Region
from lmb.domain.session import Session
from lmb.testing import NOW, TODAY, a_centre, a_session, an_open_slot, centres, sessions

relaxed = settings(deadline=None)


class TestCentre:
    def test_a_centre_is_onboarded_with_its_postcodes(self) -> None:
        """R-CENTRES / C-ONBOARD: name, short code, region and the postcodes served."""
        centre = a_centre(name="  Vaccinatiecentrum   Gent ", short_code=" gent ")
        assert centre.name == "Vaccinatiecentrum Gent"
        assert centre.short_code == "GENT"
        assert centre.region is Region.VLG
        assert centre.serves(Postcode("9000"))
        assert not centre.serves(Postcode("1000"))
        assert centre.phone is not None and centre.phone.e164 == "+3292101010"

    @relaxed
    @given(centre=centres())
    def test_generated_centres_keep_the_onboarding_rules(self, centre: Centre) -> None:
        """C-ONBOARD: short code of 1-4 letters, a known region, unique postcodes."""
        assert 1 <= len(centre.short_code) <= 4 and centre.short_code.isalpha()
        assert centre.region in set(Region)
        assert centre.postcodes
        assert all(p.region is centre.region for p in centre.postcodes)

    @given(code=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123 -", min_size=0, max_size=7))
    def test_a_short_code_is_one_to_four_letters(self, code: str) -> None:
        """C-ONBOARD: a short code of at most 4 letters."""
        letters_only = code.strip().isalpha() and code.strip().isascii()
        if letters_only and 1 <= len(code.strip()) <= 4:
            assert a_centre(short_code=code).short_code == code.strip()
        else:
            with pytest.raises(InvalidShortCode) as caught:
                a_centre(short_code=code)
            assert caught.value.field == "short_code"

    @pytest.mark.parametrize("region", ["VLG", "BRU", "WAL", "OOS", Region.OOS])
    def test_the_four_regions_are_accepted(self, region: str) -> None:
        """C-ONBOARD: VLG, BRU, WAL or OOS."""
        assert a_centre(region=region).region is Region(str(region))

    @pytest.mark.parametrize("region", ["vlg", "FLA", "", None])
    def test_any_other_region_is_rejected(self, region: object) -> None:
        """C-ONBOARD: regions are the four codes, spelled exactly."""
        with pytest.raises(InvalidCentre) as caught:
            a_centre(region=region)  # type: ignore[arg-type]
        assert caught.value.field == "region"

    def test_an_unknown_postcode_is_named_by_its_position(self) -> None:
        """R-CENTRES: the third postcode in the list is wrong, so the field is postcodes[2]."""
        with pytest.raises(UnknownPostcode) as caught:
            a_centre(postcodes=["9000", "9030", "9999", "0000"])
        assert caught.value.field == "postcodes[2]"
        assert caught.value.code == "postcode.unknown"

    def test_repeated_postcodes_are_served_once(self) -> None:
        """C-ONBOARD: the list of postcodes is a list of unique postcodes."""
        assert a_centre(postcodes=["9000", "9000", 9000]).postcodes == {Postcode("9000")}

    def test_a_centre_serves_at_least_one_postcode(self) -> None:
        """R-CENTRES: a centre with no postcodes reaches no one."""
        with pytest.raises(InvalidCentre) as caught:
            a_centre(postcodes=[])
        assert caught.value.field == "postcodes"

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"name": ""}, "name"),
            ({"name": "x" * 201}, "name"),
            ({"address": "x" * 301}, "address"),
        ],
    )
    def test_name_and_address_have_limits(self, overrides: dict[str, str], field: str) -> None:
        """C-ONBOARD: a name up to 200 characters, an address up to 300."""
        with pytest.raises(InvalidCentre) as caught:
            a_centre(**overrides)
        assert caught.value.field == field

    def test_a_bad_phone_is_named(self) -> None:
        """C-ONBOARD: one number from which citizens are called."""
        with pytest.raises(InvalidPhone) as caught:
            a_centre(phone="12")
        assert caught.value.field == "phone"
        assert a_centre(phone="").phone is None


class TestOpenSlot:
    @given(offset=st.integers(min_value=-10, max_value=10))
    def test_free_slots_are_announced_for_at_most_5_days_ahead(self, offset: int) -> None:
        """R-REG-A: free slots for the next 5 days, today included."""
        date = TODAY + dt.timedelta(days=offset)
        if 0 <= offset <= OPEN_SLOT_HORIZON_DAYS:
            assert an_open_slot(date=date).date == date
        else:
            with pytest.raises(DateOutOfRange) as caught:
                an_open_slot(date=date)
            assert caught.value.field == "date"

    @given(slots=st.integers(1, 30), claims=st.integers(0, 40))
    def test_claims_never_exceed_the_slots(self, slots: int, claims: int) -> None:
        """R-REG-A: each citizen claims one slot; the last one is the last."""
        open_slot = an_open_slot(slots=slots)
        refused = 0
        for _ in range(claims):
            try:
                open_slot.claim()
            except NoSlotLeft:
                refused += 1
        assert open_slot.claimed == min(slots, claims)
        assert open_slot.available == slots - open_slot.claimed >= 0
        assert refused == max(0, claims - slots)

    @pytest.mark.parametrize("slots", [0, -1, MAX_SLOTS + 1, 2.5, "3", True, None])
    def test_the_number_of_slots_is_a_whole_number_from_1(self, slots: object) -> None:
        """R-SESSION: a number of available slots."""
        with pytest.raises(InvalidSlotCount) as caught:
            OpenSlot.announce(
                id="s",
                centre_id="c",
                date=TODAY,
                start=dt.time(15),
                end=dt.time(16),
                slots=slots,
                today=TODAY,
            )
        assert caught.value.field == "slots"

    def test_the_end_comes_after_the_start(self) -> None:
        """R-REG-A: a moment with hours that make sense."""
        with pytest.raises(InvalidTimeRange) as caught:
            an_open_slot(start=dt.time(16), end=dt.time(16))
        assert caught.value.field == "end"

    def test_a_slot_is_past_once_its_end_has_passed(self) -> None:
        """R-REG-A: nobody claims a slot that is over (local wall-clock time)."""
        open_slot = an_open_slot(start=dt.time(15), end=dt.time(16))
        assert not open_slot.is_past(dt.datetime(2021, 4, 11, 15, 59))
        assert open_slot.is_past(dt.datetime(2021, 4, 11, 16, 0))


class TestSession:
    def test_the_spec_example_session(self) -> None:
        """R-SESSION: 11/04/2021 from 15:00 to 19:00 with its slots."""
        session = a_session()
        assert session.half_days == {HalfDay.AFTERNOON, HalfDay.EVENING}
        assert session.starts_at() == dt.datetime(2021, 4, 11, 15)
        assert session.ends_at() == dt.datetime(2021, 4, 11, 19)
        assert session.opened_at == NOW

    @given(offset=st.integers(min_value=-5, max_value=20))
    def test_a_session_is_for_today_up_to_14_days_ahead(self, offset: int) -> None:
        """R-SESSION: the list reaches 14 days ahead, so do sessions."""
        date = TODAY + dt.timedelta(days=offset)
        if 0 <= offset <= 14:
            assert a_session(date=date).date == date
        else:
            with pytest.raises(DateOutOfRange) as caught:
                a_session(date=date)
            assert caught.value.field == "date"

    @pytest.mark.parametrize(
        ("start", "end", "field"),
        [
            (dt.time(19), dt.time(15), "end"),
            (dt.time(6), dt.time(8), "start"),
            (dt.time(22), dt.time(23, 30), "start"),
        ],
    )
    def test_hours_overlap_at_least_one_half_day(
        self, start: dt.time, end: dt.time, field: str
    ) -> None:
        """R-SESSION: nobody on the list is free outside 08:00-22:00."""
        with pytest.raises(InvalidTimeRange) as caught:
            a_session(start=start, end=end)
        assert caught.value.field == field

    @relaxed
    @given(data=st.data())
    def test_every_session_reaches_some_half_day(self, data: st.DataObject) -> None:
        """R-SESSION: a session always has half-days to draw candidates from."""
        session: Session = data.draw(sessions(TODAY, NOW))
        assert session.half_days
        assert session.start < session.end
        assert TODAY <= session.date <= TODAY + dt.timedelta(days=14)

    def test_the_centre_can_invite_more(self) -> None:
        """R-NOTIFY: if needed, the centre invites more people through the system."""
        session = a_session(slots=10)
        session.add_slots(5)
        assert session.slots == 15

    @pytest.mark.parametrize(("start", "extra", "field"), [(10, 0, "slots"), (9_999, 2, "count")])
    def test_added_slots_are_checked(self, start: int, extra: int, field: str) -> None:
        """R-SESSION: a positive number, and not beyond the sanity limit."""
        session = a_session(slots=start)
        with pytest.raises(InvalidSlotCount) as caught:
            session.add_slots(extra)
        assert caught.value.field == field
        assert session.slots == start


class TestErrorCodes:
    def test_codes_are_stable(self) -> None:
        """R-DATA / N-I18N: the codes are the keys of translated messages; never rename."""
        from lmb.domain import errors

        expected = {
            "DomainError": "domain.error",
            "ValidationFailed": "validation.failed",
            "InvalidFields": "validation.fields",
            "InvalidInsz": "insz.invalid",
            "InvalidName": "name.invalid",
            "UnknownPostcode": "postcode.unknown",
            "InvalidEmail": "email.invalid",
            "InvalidMobile": "mobile.invalid",
            "InvalidPhone": "phone.invalid",
            "InvalidVaccinationCode": "vaccination_code.invalid",
            "AvailabilityOutOfHorizon": "availability.out_of_horizon",
            "AvailabilityEmpty": "availability.empty",
            "InvalidTimeRange": "time_range.invalid",
            "DateOutOfRange": "date.out_of_range",
            "InvalidSlotCount": "slots.invalid",
            "InvalidCentre": "centre.invalid",
            "InvalidShortCode": "short_code.invalid",
            "InvalidRegistration": "registration.invalid",
            "GroupSizeInvalid": "group.size",
            "GroupsDisabled": "group.disabled",
            "DuplicatePerson": "registration.duplicate_person",
            "CompanionRulesBroken": "companion.invalid",
            "ContactMissing": "contact.missing",
            "CentreNotServing": "centre.not_serving",
            "StateConflict": "state.conflict",
            "NoSlotLeft": "slot.none_left",
            "InvitationClosed": "invitation.closed",
            "RegistrationClosed": "registration.closed",
        }
        actual = {
            name: cls.code
            for name, cls in vars(errors).items()
            if isinstance(cls, type) and issubclass(cls, DomainError)
        }
        assert actual == expected
        assert len(set(actual.values())) == len(actual)

    def test_validation_and_state_errors_are_told_apart(self) -> None:
        """R-DATA: bad input (422) and a conflicting state (409) map differently."""
        from lmb.domain import errors

        assert issubclass(errors.GroupSizeInvalid, errors.ValidationFailed)
        assert issubclass(errors.NoSlotLeft, errors.StateConflict)
        assert not issubclass(errors.StateConflict, errors.ValidationFailed)
