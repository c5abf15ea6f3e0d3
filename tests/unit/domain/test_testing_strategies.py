"""The public strategies and builders of ``lmb.testing`` keep their promises.

Integrators build their own property tests on these; a strategy that drifted from the
domain would make their tests pass for the wrong reason (STYLE 11-12).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmb.domain.availability import HORIZON_DAYS, Availability
from lmb.domain.errors import InvalidInsz
from lmb.domain.insz import Insz
from lmb.domain.invitation import Invitation, InvitationStatus
from lmb.domain.person import PersonStatus
from lmb.domain.ranking import Candidate
from lmb.domain.registration import Kind, Registration, Status
from lmb.testing import (
    LATEST_BIRTH,
    NOW,
    TODAY,
    a_candidate,
    a_person,
    an_insz,
    availabilities,
    bis_numbers,
    candidate_pools,
    candidates,
    insz_digits,
    insz_with_bad_checksum,
    invitations,
    national_numbers,
    registrations,
)

relaxed = settings(deadline=None)


class TestInszDigits:
    def test_the_textbook_example(self) -> None:
        """R-DATA: 85.07.30-033.28, as python-stdnum documents it."""
        assert insz_digits(1985, 7, 30, 33) == "85073003328"
        assert an_insz().formatted() == "85.07.30-033.28"

    @pytest.mark.parametrize(
        ("args", "bis"),
        [
            ((1985, 7, 30, 0), 0),
            ((1985, 7, 30, 998), 0),
            ((1899, 1, 1, 1), 0),
            ((1985, 7, 30, 1), 30),
        ],
    )
    def test_impossible_numbers_are_refused(
        self, args: tuple[int, int, int, int], bis: int
    ) -> None:
        """R-DATA: the builder never produces a number the register could not issue."""
        with pytest.raises(ValueError, match=r"serial|year|bis"):
            insz_digits(*args, bis=bis)

    @relaxed
    @given(insz=national_numbers())
    def test_national_numbers_are_national(self, insz: Insz) -> None:
        """C-REGISTRY: no BIS number among national register numbers."""
        assert not insz.is_bis
        assert insz.birth_date is not None and insz.birth_date <= LATEST_BIRTH

    @relaxed
    @given(insz=bis_numbers())
    def test_bis_numbers_are_bis(self, insz: Insz) -> None:
        """C-REGISTRY: BIS numbers raise the month by 20 or 40."""
        assert insz.is_bis

    @relaxed
    @given(text=insz_with_bad_checksum())
    def test_bad_checksums_are_really_bad(self, text: str) -> None:
        """C-REGISTRY: a wrong check number is never a valid number of either century."""
        with pytest.raises(InvalidInsz):
            Insz.parse(text)


class TestTimeStrategies:
    @relaxed
    @given(data=st.data(), today=st.dates(dt.date(2021, 1, 1), dt.date(2030, 1, 1)))
    def test_availabilities_stay_within_the_horizon(
        self, data: st.DataObject, today: dt.date
    ) -> None:
        """R-AVAIL: generated availability is declarable on ``today``."""
        availability: Availability = data.draw(availabilities(today))
        last = today + dt.timedelta(days=HORIZON_DAYS)
        assert all(today <= slot.date <= last for slot in availability.slots)

    @relaxed
    @given(data=st.data())
    def test_invitations_are_open_and_consistent(self, data: st.DataObject) -> None:
        """R-NOTIFY: generated invitations are open, with a deadline once delivered."""
        invitation: Invitation = data.draw(invitations(NOW))
        assert invitation.status is InvitationStatus.SENT
        assert 1 <= invitation.seats <= 4
        assert (invitation.sent_at is None) is (invitation.expires_at is None)


class TestRegistrationStrategies:
    @relaxed
    @given(data=st.data(), kind=st.sampled_from(list(Kind)))
    def test_every_kind_can_be_generated(self, data: st.DataObject, kind: Kind) -> None:
        """R-REG-A..F: one strategy for all six situations."""
        registration: Registration = data.draw(registrations(TODAY, NOW, kinds=[kind]))
        assert registration.kind is kind
        assert registration.status is Status.ACTIVE
        assert all(p.status is PersonStatus.ELIGIBLE for p in registration.persons)
        assert all(p.vaccination_code is not None for p in registration.persons)
        if kind is Kind.GROUP:
            assert 2 <= len(registration.persons) <= 4
        if kind is Kind.COMPANION:
            assert registration.availability is not None
            assert len(registration.availability.slots) == 1

    @relaxed
    @given(data=st.data())
    def test_pending_registrations_wait_for_the_vcdb(self, data: st.DataObject) -> None:
        """R-ELIG: ``eligibility='pending'`` leaves the VCDB's answer out."""
        registration = data.draw(registrations(TODAY, NOW, eligibility="pending"))
        assert registration.status is Status.PENDING
        assert registration.units() == []


class TestCandidateStrategies:
    @relaxed
    @given(pool=candidate_pools())
    def test_pools_have_unique_ids(self, pool: list[Candidate]) -> None:
        """R-RANK: as candidates_for builds them: one unit per registration, one person once."""
        assert len({c.registration_id for c in pool}) == len(pool)
        persons = [pid for c in pool for pid in c.person_ids]
        assert len(persons) == len(set(persons))
        assert all(c.seats == 1 for c in pool if c.is_companion)
        assert all(1 <= c.seats <= 4 for c in pool)

    @relaxed
    @given(candidate=candidates(is_companion=True))
    def test_a_companion_is_one_person(self, candidate: Candidate) -> None:
        """R-REG-D: a companion comes alone."""
        assert candidate.seats == 1 and candidate.is_companion


class TestBuilders:
    def test_memorable_defaults(self) -> None:
        """The builders' defaults are the spec's example day at the Gent centre."""
        jan = a_person()
        assert (jan.first_name, jan.last_name, jan.postcode.code) == ("Jan", "Peeters", "9000")
        assert jan.insz.formatted() == "85.07.30-033.28"
        assert dt.date(2021, 4, 11) == TODAY
        assert a_candidate().birth_key == 19410302

    def test_born_builds_a_matching_insz(self) -> None:
        """R-RANK: ``a_person(born=...)`` gives a person of that age."""
        assert a_person(born=dt.date(1938, 1, 9)).insz.birth_date == dt.date(1938, 1, 9)
