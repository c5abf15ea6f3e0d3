"""Registrations of every kind and their life on the list (R-REG-A..F, R-ELIG, R-AVAIL)."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lmb.domain.availability import Availability, HalfDay, HalfDaySlot
from lmb.domain.errors import (
    CompanionRulesBroken,
    ContactMissing,
    DuplicatePerson,
    GroupsDisabled,
    GroupSizeInvalid,
    InvalidRegistration,
    RegistrationClosed,
)
from lmb.domain.person import Contact, Person, PersonStatus, VcdbStatus
from lmb.domain.ranking import Candidate
from lmb.domain.registration import (
    MAX_CENTRES,
    Kind,
    Language,
    Recipient,
    Registration,
    Status,
    derive_status,
)
from lmb.testing import (
    BOOKED_PERSONS_CODE,
    LISTED_KINDS,
    NOW,
    TODAY,
    a_contact,
    a_person,
    a_registration,
    a_vaccination_code,
    an_availability,
    persons,
    registrations,
    sequential_ids,
    unique_persons,
)

relaxed = settings(deadline=None)

JAN = a_person(born=dt.date(1941, 3, 2), first_name="Jan")
MIA = a_person(born=dt.date(1943, 5, 17), first_name="Mia", email=None, mobile=None)
LUC = a_person(born=dt.date(1950, 8, 1), first_name="Luc", email=None, mobile=None)
ELS = a_person(born=dt.date(1938, 1, 9), first_name="Els", email=None, mobile=None)
NOBODY_TO_REACH = a_person(born=dt.date(1939, 6, 6), email=None, mobile=None)
TOMORROW = NOW + dt.timedelta(days=1)


def status_of(registration: Registration) -> Status:
    # A call, so that mypy does not keep a narrowed status across state changes.
    return registration.status


def _group(
    *persons: Person, enabled: bool = True, availability_days: tuple[int, ...] = (0,)
) -> Registration:
    return Registration.for_group(
        id="reg-group",
        new_id=sequential_ids("g"),
        persons=list(persons),
        language=Language.NL,
        centre_ids=["centre-gent"],
        availability=an_availability(
            *(HalfDaySlot(TODAY + dt.timedelta(days=d), HalfDay.EVENING) for d in availability_days)
        ),
        now=NOW,
        groups_enabled=enabled,
    )


class TestSelf:
    def test_a_person_listed_for_themselves_is_active_once_confirmed_and_eligible(
        self,
    ) -> None:
        """R-REG-B / R-ELIG: confirmed address and a VCDB 'eligible' put them on the list."""
        registration = a_registration(Kind.SELF, eligible=False, confirmed=False)
        assert status_of(registration) is Status.PENDING
        registration.confirm_contact(NOW)
        assert status_of(registration) is Status.PENDING
        assert registration.units() == []
        registration.record_eligibility(
            registration.leader.id, VcdbStatus.ELIGIBLE, a_vaccination_code(), TOMORROW
        )
        assert status_of(registration) is Status.ACTIVE
        assert registration.listed_at == TOMORROW
        assert registration.units() == [(registration.leader.id,)]

    def test_the_person_must_be_reachable(self) -> None:
        """R-DATA: an invitation needs an e-mail address and a mobile number."""
        with pytest.raises(ContactMissing) as caught:
            a_registration(Kind.SELF, persons=[a_person(mobile=None)])
        assert caught.value.field == "persons[0].mobile"
        with pytest.raises(ContactMissing) as caught:
            a_registration(Kind.SELF, persons=[a_person(email=None)])
        assert caught.value.field == "persons[0].email"

    @pytest.mark.parametrize("centres", [[], [f"c{i}" for i in range(MAX_CENTRES + 1)]])
    def test_one_to_ten_centres(self, centres: list[str]) -> None:
        """R-REG-B: at one or more centres (and not all of Belgium)."""
        with pytest.raises(InvalidRegistration) as caught:
            a_registration(Kind.SELF, centre_ids=centres)
        assert caught.value.field == "centre_ids"

    def test_a_centre_chosen_twice_counts_once(self) -> None:
        """R-REG-B: the chosen centres are a set."""
        registration = a_registration(centre_ids=["centre-gent", "centre-gent", "centre-aalst"])
        assert registration.centre_ids == {"centre-gent", "centre-aalst"}


class TestGroup:
    @pytest.mark.parametrize("size", [0, 1, 5, 6])
    def test_a_group_has_two_to_four_persons(self, size: int) -> None:
        """R-REG-C: a group of at most 4 (and a group of one is no group)."""
        persons = [JAN, MIA, LUC, ELS, a_person(born=dt.date(1960, 1, 1)), a_person()][:size]
        with pytest.raises(GroupSizeInvalid) as caught:
            _group(*persons)
        assert caught.value.field == "persons"
        assert caught.value.params == {"min": 2, "max": 4}

    @relaxed
    @given(leader=persons(), others=unique_persons(min_size=1, max_size=3, reachable=None))
    def test_groups_of_two_to_four_are_accepted(self, leader: Person, others: list[Person]) -> None:
        """R-REG-C: the first person leads and must be reachable; the others need not be."""
        members = [leader, *(p for p in others if p.insz != leader.insz)]
        assume(len(members) >= 2)
        registration = _group(*members)
        assert registration.kind is Kind.GROUP
        assert [p.person for p in registration.persons] == members
        assert registration.leader.person == leader
        assert len({p.id for p in registration.persons}) == len(members)

    def test_groups_can_be_switched_off(self) -> None:
        """R-REG-C: (groups may be switched off)."""
        with pytest.raises(GroupsDisabled) as caught:
            _group(JAN, MIA, enabled=False)
        assert caught.value.field == "kind"
        assert caught.value.code == "group.disabled"

    def test_the_same_person_twice_is_refused_at_the_second(self) -> None:
        """R-REG-C: a group has distinct persons; the field names the repeat."""
        with pytest.raises(DuplicatePerson) as caught:
            _group(JAN, MIA, a_person(insz=MIA.insz, first_name="Mia again"))
        assert caught.value.field == "persons[2].insz"

    def test_the_leader_must_be_reachable(self) -> None:
        """R-REG-C: the invitation goes to the group's responsible person."""
        with pytest.raises(ContactMissing) as caught:
            _group(NOBODY_TO_REACH, JAN)
        assert caught.value.field == "persons[0].email"

    def test_the_invitation_goes_to_the_leader(self) -> None:
        """R-REG-C: whoever is in the unit, the leader receives the invitation."""
        registration = a_registration(Kind.GROUP, persons=[JAN, MIA])
        address = registration.address_for(registration.units()[0])
        assert address.email == "jan.peeters@example.be"
        assert address.name == "Jan Peeters"

    def test_an_ineligible_member_drops_out_and_the_rest_stay(self) -> None:
        """R-ELIG: in a group, a person who may no longer be invited is taken out."""
        registration = a_registration(
            Kind.GROUP,
            persons=[JAN, ELS, MIA],
            eligible=[VcdbStatus.ELIGIBLE, VcdbStatus.VACCINATED, VcdbStatus.ELIGIBLE],
        )
        jan, els, mia = registration.persons
        assert els.status is PersonStatus.INELIGIBLE
        assert status_of(registration) is Status.ACTIVE
        assert registration.is_listable
        assert registration.units() == [(jan.id, mia.id)]

    def test_a_group_without_its_oldest_ranks_by_the_oldest_left(self) -> None:
        """R-RANK: the group is ranked by its oldest member who may still be invited."""
        registration = a_registration(
            Kind.GROUP,
            persons=[JAN, ELS, MIA],
            eligible=[VcdbStatus.ELIGIBLE, VcdbStatus.NOT_ELIGIBLE, VcdbStatus.ELIGIBLE],
        )
        (unit,) = registration.units()
        assert Candidate.for_unit(registration, unit).birth_key == JAN.birth_key

    def test_all_members_ineligible_makes_the_registration_ineligible(self) -> None:
        """R-ELIG: nobody left to invite."""
        registration = a_registration(
            Kind.GROUP,
            persons=[JAN, MIA],
            eligible=[VcdbStatus.BOOKED, VcdbStatus.NOT_ELIGIBLE],
        )
        assert status_of(registration) is Status.INELIGIBLE
        assert registration.units() == []

    def test_a_group_waits_for_every_members_answer(self) -> None:
        """R-ELIG: checked before listed; a group is not offered with a member pending."""
        registration = a_registration(
            Kind.GROUP, persons=[JAN, MIA, ELS], eligible=[VcdbStatus.ELIGIBLE] * 2
        )
        assert registration.persons[2].status is PersonStatus.PENDING
        assert status_of(registration) is Status.PENDING
        assert registration.units() == []
        registration.record_eligibility(
            registration.persons[2].id, VcdbStatus.ELIGIBLE, a_vaccination_code(), NOW
        )
        assert registration.units() == [tuple(p.id for p in registration.persons)]

    def test_a_group_is_offered_once_and_never_split(self) -> None:
        """R-REG-C / R-RANK: once invited or booked, no leftover member is offered alone."""
        registration = a_registration(
            Kind.GROUP,
            persons=[JAN, MIA, ELS],
            eligible=[VcdbStatus.ELIGIBLE, VcdbStatus.ELIGIBLE, VcdbStatus.NOT_ELIGIBLE],
        )
        (unit,) = registration.units()
        registration.mark_invited(unit, NOW)
        assert status_of(registration) is Status.INVITED
        assert registration.units() == []
        registration.mark_booked(unit, NOW)
        late = registration.persons[2]
        registration.record_eligibility(late.id, VcdbStatus.ELIGIBLE, a_vaccination_code(), NOW)
        assert registration.units() == []

    def test_an_expired_invitation_puts_the_whole_group_back(self) -> None:
        """R-NOTIFY: the slot lapses and goes to the next; the group waits again, whole."""
        registration = a_registration(Kind.GROUP, persons=[JAN, MIA])
        (unit,) = registration.units()
        registration.mark_invited(unit, NOW)
        registration.release(unit, NOW)
        assert status_of(registration) is Status.ACTIVE
        assert registration.units() == [unit]

    @relaxed
    @given(data=st.data())
    def test_whatever_the_vcdb_says_a_group_is_at_most_one_unit(self, data: st.DataObject) -> None:
        """R-REG-C / R-ELIG: one unit of exactly the eligible members, or none."""
        registration = data.draw(registrations(TODAY, NOW, kinds=[Kind.GROUP], eligibility="mixed"))
        units = registration.units()
        eligible = tuple(p.id for p in registration.persons if p.status is PersonStatus.ELIGIBLE)
        pending = any(p.status is PersonStatus.PENDING for p in registration.persons)
        assert units == ([] if not eligible or pending else [eligible])
        everyone_out = all(p.status is PersonStatus.INELIGIBLE for p in registration.persons)
        assert (registration.status is Status.INELIGIBLE) is everyone_out


class TestCompanion:
    def test_a_companion_gives_exactly_one_half_day(self) -> None:
        """R-REG-D: a companion gives exactly one day and one half-day."""
        registration = a_registration(Kind.COMPANION)
        assert registration.companion_of == BOOKED_PERSONS_CODE
        assert registration.availability is not None
        assert registration.availability.slots == {HalfDaySlot(TODAY, HalfDay.AFTERNOON)}

    @pytest.mark.parametrize("days", [(0, 1), (0, 0, 2)])
    def test_more_than_one_half_day_is_refused(self, days: tuple[int, ...]) -> None:
        """R-REG-D: one moment, the moment of the booked person."""
        availability = an_availability(
            *(HalfDaySlot(TODAY + dt.timedelta(days=d), HalfDay.MORNING) for d in days)
        )
        with pytest.raises(CompanionRulesBroken) as caught:
            a_registration(Kind.COMPANION, availability=availability)
        assert caught.value.field == "availability"

    def test_a_changed_availability_keeps_the_one_half_day_rule(self) -> None:
        """R-REG-D / R-AVAIL: changing the moment keeps it one moment."""
        registration = a_registration(Kind.COMPANION)
        with pytest.raises(CompanionRulesBroken):
            registration.replace_availability(an_availability(), NOW)
        moved = an_availability(HalfDaySlot(TODAY, HalfDay.MORNING))
        registration.replace_availability(moved, NOW)
        assert registration.availability == moved


class TestThirdParty:
    def test_each_third_party_is_a_unit_of_their_own(self) -> None:
        """R-REG-E: the invitation goes to the third party."""
        neighbour = a_person(born=dt.date(1936, 2, 2), first_name="Rita", email="rita@example.be")
        registration = a_registration(Kind.THIRD_PARTY, persons=[JAN, neighbour])
        units = registration.units()
        assert units == [(registration.persons[0].id,), (registration.persons[1].id,)]
        assert registration.address_for(units[1]).email == "rita@example.be"
        assert registration.owner_address.email == "an.janssens@example.be"

    def test_every_third_party_must_be_reachable(self) -> None:
        """R-REG-E: each third party receives their own invitation."""
        with pytest.raises(ContactMissing) as caught:
            a_registration(Kind.THIRD_PARTY, persons=[JAN, NOBODY_TO_REACH])
        assert caught.value.field == "persons[1].email"

    @pytest.mark.parametrize("count", [0, 11])
    def test_one_to_ten_third_parties(self, count: int) -> None:
        """R-REG-E: one or more third parties, within reason."""
        persons = [a_person(born=dt.date(1940, 1, 1 + i)) for i in range(count)]
        with pytest.raises(InvalidRegistration) as caught:
            a_registration(Kind.THIRD_PARTY, persons=persons)
        assert caught.value.field == "persons"

    def test_the_same_third_party_twice_is_refused(self) -> None:
        """R-REG-E: a person appears once."""
        with pytest.raises(DuplicatePerson) as caught:
            a_registration(Kind.THIRD_PARTY, persons=[JAN, MIA, a_person(insz=JAN.insz)])
        assert caught.value.field == "persons[2].insz"


class TestPatient:
    def test_the_doctor_may_receive_the_invitation(self) -> None:
        """R-REG-F: the doctor chooses who receives the invitation."""
        registration = a_registration(
            Kind.PATIENT, persons=[NOBODY_TO_REACH], recipient=Recipient.DOCTOR
        )
        (unit,) = registration.units()
        assert registration.address_for(unit).email == "an.janssens@example.be"
        assert registration.doctor_id == "doctor-1"

    def test_the_patient_receiving_it_must_be_reachable(self) -> None:
        """R-REG-F: an invitation to the patient needs the patient's contact data."""
        with pytest.raises(ContactMissing) as caught:
            a_registration(Kind.PATIENT, persons=[NOBODY_TO_REACH], recipient=Recipient.PATIENT)
        assert caught.value.field == "persons[0].email"

    def test_a_doctor_receiving_it_must_give_a_contact(self) -> None:
        """R-REG-F: with the doctor as recipient, the doctor's contact is required."""
        with pytest.raises(ContactMissing) as caught:
            Registration.for_patient(
                id="reg-1",
                new_id=sequential_ids(),
                person=NOBODY_TO_REACH,
                doctor_id="doctor-1",
                recipient=Recipient.DOCTOR,
                contact=None,
                language=Language.FR,
                centre_ids=["centre-gent"],
                availability=an_availability(),
                now=NOW,
            )
        assert caught.value.field == "contact"

    def test_the_doctors_word_confirms_the_registration(self) -> None:
        """R-REG-F: no confirmation link for a patient listed by a doctor."""
        registration = a_registration(Kind.PATIENT, confirmed=False)
        assert registration.confirmed_at == NOW
        assert status_of(registration) is Status.ACTIVE


class TestOpenSlotClaim:
    def test_a_claimed_slot_is_never_ranked(self) -> None:
        """R-REG-A: the claim is the invitation; it is not on the list."""
        registration = a_registration(Kind.OPEN_SLOT)
        assert registration.open_slot_id == "slot-1"
        assert registration.availability is None
        assert not registration.is_listable
        assert registration.units() == []
        with pytest.raises(RegistrationClosed):
            registration.replace_availability(an_availability(), NOW)


class TestLapseAndWithdraw:
    def test_availability_lapses_after_14_days_and_comes_back_when_renewed(self) -> None:
        """R-AVAIL: confirm again every two weeks, or the registration lapses."""
        registration = a_registration()
        assert not registration.lapse_if_due(NOW + dt.timedelta(days=13, hours=23))
        assert registration.lapse_if_due(NOW + dt.timedelta(days=14))
        assert status_of(registration) is Status.LAPSED
        assert registration.units() == []
        assert not registration.lapse_if_due(NOW + dt.timedelta(days=15))
        later = NOW + dt.timedelta(days=15)
        registration.replace_availability(an_availability(today=later.date(), now=later), later)
        assert status_of(registration) is Status.ACTIVE
        assert registration.units() == [(registration.leader.id,)]

    def test_an_invited_registration_does_not_lapse(self) -> None:
        """R-AVAIL / R-NOTIFY: the lapse never interrupts an invitation under way."""
        registration = a_registration()
        registration.mark_invited([registration.leader.id], NOW)
        assert not registration.lapse_if_due(NOW + dt.timedelta(days=20))
        assert status_of(registration) is Status.INVITED

    @relaxed
    @given(data=st.data())
    def test_withdrawing_erases_every_piece_of_personal_data(self, data: st.DataObject) -> None:
        """N-GDPR / C-REGISTRY: lines can be removed; nothing personal stays."""
        registration = data.draw(registrations(TODAY, NOW, kinds=list(Kind)))
        registration.withdraw(TOMORROW)
        assert registration.persons == []
        assert registration.contact is None
        assert registration.availability is None
        assert registration.companion_of is None
        assert status_of(registration) is Status.WITHDRAWN
        assert not registration.is_listable
        assert registration.units() == []
        for field in attrs.fields(Registration):
            value = getattr(registration, field.name)
            assert not isinstance(value, Person | Contact | Availability)

    def test_a_withdrawn_registration_cannot_be_changed(self) -> None:
        """N-GDPR: withdrawn is final."""
        registration = a_registration()
        registration.withdraw(NOW)
        with pytest.raises(RegistrationClosed):
            registration.confirm_contact(NOW)
        with pytest.raises(RegistrationClosed):
            registration.replace_availability(an_availability(), NOW)
        assert status_of(registration) is Status.WITHDRAWN


class TestListing:
    @relaxed
    @given(data=st.data())
    def test_a_listed_registration_offers_only_eligible_persons(self, data: st.DataObject) -> None:
        """R-ELIG / R-RANK: only persons the VCDB called eligible become candidates."""
        registration = data.draw(registrations(TODAY, NOW, eligibility="mixed"))
        offered = [pid for unit in registration.units() for pid in unit]
        assert len(offered) == len(set(offered))
        for pid in offered:
            assert registration.person(pid).status is PersonStatus.ELIGIBLE
        if registration.kind is not Kind.GROUP:
            assert all(len(unit) == 1 for unit in registration.units())

    @relaxed
    @given(data=st.data(), kind=st.sampled_from(LISTED_KINDS))
    def test_unconfirmed_registrations_are_not_listed(
        self, data: st.DataObject, kind: Kind
    ) -> None:
        """R-REG-B..E: the owner confirms their address before anyone is invited."""
        registration = data.draw(registrations(TODAY, NOW, kinds=[kind], confirmed=False))
        if kind is Kind.PATIENT:
            assert registration.is_listable  # the doctor's word is the confirmation
        else:
            assert status_of(registration) is Status.PENDING
            assert registration.units() == []
            registration.confirm_contact(NOW)
            assert status_of(registration) is Status.ACTIVE
            assert registration.units()

    def test_unknown_persons_raise_key_error(self) -> None:
        """R-REG: a unit refers to persons of this registration only."""
        with pytest.raises(KeyError):
            a_registration().person("someone-else")

    def test_the_registration_is_created_in_the_chosen_language(self) -> None:
        """N-I18N: every message goes out in the citizen's language."""
        assert a_registration(language=Language.DE).language is Language.DE
        contact = a_contact()
        assert a_registration(Kind.THIRD_PARTY, contact=contact).contact == contact


class TestHeldUnits:
    """N-SCALE: stores keep a unit held by an open invitation and give it back on expiry,
    instead of rebuilding the registration; these rules make that exact."""

    @relaxed
    @given(data=st.data())
    def test_waiting_units_are_the_units_not_held(self, data: st.DataObject) -> None:
        registration = data.draw(registrations(TODAY, NOW, eligibility="mixed"))
        if registration.units():
            registration.mark_invited(data.draw(st.sampled_from(registration.units())), NOW)
        held = registration.units_and_holds()
        assert registration.units() == [unit for unit, is_held in held if not is_held]
        for unit, is_held in held:
            statuses = {registration.person(pid).status for pid in unit}
            assert is_held == (PersonStatus.INVITED in statuses)

    @relaxed
    @given(data=st.data())
    def test_an_invited_unit_is_held_and_comes_back_on_release(self, data: st.DataObject) -> None:
        registration = data.draw(registrations(TODAY, NOW, eligibility="mixed"))
        assume(registration.units())
        before = registration.units_and_holds()
        unit = data.draw(st.sampled_from(registration.units()))
        registration.mark_invited(unit, NOW)
        assert status_of(registration) is Status.INVITED
        assert unit not in registration.units()
        assert (unit, True) in registration.units_and_holds()
        # the other units stay as they were
        assert [u for u in registration.units_and_holds() if u[0] != unit] == [
            u for u in before if u[0] != unit
        ]
        registration.release(unit, TOMORROW)
        assert registration.units_and_holds() == before

    @relaxed
    @given(
        statuses=st.lists(st.sampled_from(list(PersonStatus)), max_size=5),
        withdrawn=st.booleans(),
        confirmed=st.booleans(),
        lapsed=st.booleans(),
    )
    def test_an_invited_person_makes_an_open_registration_invited(
        self, statuses: list[PersonStatus], withdrawn: bool, confirmed: bool, lapsed: bool
    ) -> None:
        """What a store relies on when it invites in bulk."""
        status = derive_status(
            [*statuses, PersonStatus.INVITED],
            withdrawn=withdrawn,
            confirmed=confirmed,
            lapsed=lapsed,
        )
        assert status is (Status.WITHDRAWN if withdrawn else Status.INVITED)

    @relaxed
    @given(data=st.data())
    def test_refresh_derives_the_status_by_the_one_rule(self, data: st.DataObject) -> None:
        registration = data.draw(registrations(TODAY, NOW, eligibility="mixed"))
        if registration.units():
            registration.mark_invited(registration.units()[0], NOW)
        assert status_of(registration) is derive_status(
            [p.status for p in registration.persons],
            withdrawn=registration.withdrawn_at is not None,
            confirmed=registration.confirmed_at is not None,
            lapsed=registration.lapsed,
        )
