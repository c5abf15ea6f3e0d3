"""Persons, their contact data and postcodes (R-DATA, R-ELIG, R-CENTRES)."""

from __future__ import annotations

import unicodedata

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmb.domain.contact import MAX_NAME_LENGTH, Email, Mobile, Phone, parse_name
from lmb.domain.errors import (
    DomainError,
    InvalidEmail,
    InvalidInsz,
    InvalidMobile,
    InvalidName,
    InvalidPhone,
    UnknownPostcode,
)
from lmb.domain.geography import Postcode, Region, all_postcodes
from lmb.domain.person import (
    Person,
    PersonStatus,
    RegisteredPerson,
    VaccinationCode,
    VcdbStatus,
)
from lmb.testing import a_person, a_vaccination_code, mobiles, persons, postcodes

relaxed = settings(deadline=None)


class TestNames:
    def test_whitespace_is_collapsed_and_trimmed(self) -> None:
        """R-DATA: names are stored as people mean them, not as they typed the spaces."""
        assert parse_name("  Van   den\tBroeck ") == "Van den Broeck"

    def test_names_are_normalised_to_nfc(self) -> None:
        """R-DATA: 'Léa' typed with a combining accent is the same name."""
        decomposed = unicodedata.normalize("NFD", "Léa")
        assert decomposed != "Léa"
        assert parse_name(decomposed) == "Léa"

    @pytest.mark.parametrize("bad", ["", "   ", None, 42, "Jan\x00", "Jan\u200bPeeters"])
    def test_empty_missing_or_control_characters_are_rejected(self, bad: object) -> None:
        """R-DATA: a name is 1-100 printable characters."""
        with pytest.raises(InvalidName):
            parse_name(bad)

    def test_a_name_of_exactly_the_maximum_length_is_accepted(self) -> None:
        """R-DATA: 100 characters is the limit, inclusive."""
        assert len(parse_name("a" * MAX_NAME_LENGTH)) == MAX_NAME_LENGTH
        with pytest.raises(InvalidName) as caught:
            parse_name("a" * (MAX_NAME_LENGTH + 1))
        assert caught.value.params == {"max": MAX_NAME_LENGTH}


class TestEmail:
    def test_the_domain_is_normalised(self) -> None:
        """R-DATA: the domain part is case-insensitive and stored lower case."""
        assert Email.parse(" Jan.Peeters@Example.BE ").address == "Jan.Peeters@example.be"

    @pytest.mark.parametrize("bad", ["", "jan", "jan@", "@example.be", "jan@@example.be", None])
    def test_what_is_no_address_is_rejected(self, bad: object) -> None:
        """R-DATA: an e-mail address is required to invite someone."""
        with pytest.raises(InvalidEmail):
            Email.parse(bad)

    def test_repr_hides_the_address(self) -> None:
        """N-GDPR: addresses stay out of logs."""
        assert "peeters" not in repr(Email.parse("jan.peeters@example.be"))


class TestMobile:
    @relaxed
    @given(mobile=mobiles())
    def test_belgian_mobiles_are_kept_in_e164(self, mobile: Mobile) -> None:
        """R-DATA: +3247x, +3248x and +3249x are mobile numbers."""
        assert mobile.e164[:5] in ("+3247", "+3248", "+3249")
        assert len(mobile.e164) == 12
        number = phonenumbers.parse(mobile.e164)
        assert phonenumbers.is_valid_number(number)
        assert Mobile.parse(mobile.e164) == mobile

    def test_a_local_spelling_gives_the_same_number(self) -> None:
        """R-DATA: 0470 12 34 56 is +32470123456."""
        assert Mobile.parse("0470 12 34 56").e164 == "+32470123456"
        assert Mobile.parse("+32 470 12 34 56").e164 == "+32470123456"
        assert Mobile.parse("0032470123456").e164 == "+32470123456"

    @pytest.mark.parametrize(
        "bad", ["09 210 10 10", "0470 12 34", "+32470123456789", "", None, "0" * 40]
    )
    def test_landlines_and_malformed_numbers_are_no_mobile(self, bad: object) -> None:
        """R-DATA / R-NOTIFY: an SMS needs a mobile number."""
        with pytest.raises(InvalidMobile):
            Mobile.parse(bad)

    def test_a_landline_is_a_valid_phone(self) -> None:
        """C-ONBOARD: a centre calls citizens from a landline."""
        phone = Phone.parse("09 210 10 10")
        assert phone.e164 == "+3292101010"
        assert phone.national() == "09 210 10 10"
        with pytest.raises(InvalidPhone):
            Phone.parse("12")


class TestPostcode:
    def test_every_listed_postcode_parses_to_itself(self) -> None:
        """R-CENTRES: bpost's list is the reference."""
        codes = all_postcodes()
        assert codes == sorted(set(codes))
        assert len(codes) > 1000
        for postcode in codes:
            assert Postcode.parse(postcode.code) == postcode

    @relaxed
    @given(postcode=postcodes())
    def test_a_postcode_belongs_to_one_region(self, postcode: Postcode) -> None:
        """N-REPORT: the regional spread needs each postcode's region."""
        assert postcode.region in set(Region)
        if postcode.region is Region.BRU:
            assert 1000 <= int(postcode.code) < 1300

    def test_known_regions(self) -> None:
        """C-ONBOARD: Gent is Flanders, Brussels is Brussels, Namur is Wallonia, Eupen OOS."""
        assert Postcode.parse("9000").region is Region.VLG
        assert Postcode.parse("1000").region is Region.BRU
        assert Postcode.parse("5000").region is Region.WAL
        assert Postcode.parse(4700).region is Region.OOS

    @pytest.mark.parametrize("bad", ["0000", "99999", "9999", "", "abcd", None, 12.5])
    def test_unknown_postcodes_are_rejected(self, bad: object) -> None:
        """R-DATA: only Belgian postcodes."""
        with pytest.raises(UnknownPostcode):
            Postcode.parse(bad)


class TestPerson:
    def test_a_person_is_built_from_raw_fields(self) -> None:
        """R-DATA: INSZ, names, postcode, e-mail and mobile."""
        person = Person.create(
            insz="85.07.30-033.28",
            last_name=" Peeters ",
            first_name="Jan",
            postcode="9000",
            email="jan@example.be",
            mobile="0470 12 34 56",
        )
        assert person.insz.digits == "85073003328"
        assert person.last_name == "Peeters"
        assert person.postcode == Postcode("9000")
        assert person.mobile == Mobile("+32470123456")
        assert person.birth_key == 19850730

    def test_empty_contact_fields_mean_none(self) -> None:
        """R-DATA: group members other than the leader need no e-mail or mobile."""
        person = a_person(email="", mobile=None)
        assert person.email is None
        assert person.mobile is None

    @pytest.mark.parametrize(
        ("field", "value", "error"),
        [
            ("insz", "85.07.30-033.29", InvalidInsz),
            ("last_name", "  ", InvalidName),
            ("first_name", None, InvalidName),
            ("postcode", "0000", UnknownPostcode),
            ("email", "not-an-address", InvalidEmail),
            ("mobile", "09 210 10 10", InvalidMobile),
        ],
    )
    def test_the_first_error_names_its_field(
        self, field: str, value: object, error: type[DomainError]
    ) -> None:
        """R-DATA: each error points at the field that caused it."""
        raw: dict[str, object] = {
            "insz": "85.07.30-033.28",
            "last_name": "Peeters",
            "first_name": "Jan",
            "postcode": "9000",
            "email": "jan@example.be",
            "mobile": "0470123456",
        }
        raw[field] = value
        with pytest.raises(error) as caught:
            Person.create(**raw)
        assert caught.value.field == field
        assert caught.value.at("persons[1]").field == f"persons[1].{field}"

    @relaxed
    @given(person=persons(reachable=None))
    def test_a_person_survives_being_rebuilt_from_its_values(self, person: Person) -> None:
        """R-DATA: what was validated once validates again to the same person."""
        again = Person.create(
            insz=person.insz.formatted(),
            last_name=person.last_name,
            first_name=person.first_name,
            postcode=person.postcode.code,
            email=person.email.address if person.email else None,
            mobile=person.mobile.e164 if person.mobile else None,
        )
        assert again == person

    @relaxed
    @given(person=persons())
    def test_repr_shows_no_personal_data(self, person: Person) -> None:
        """N-GDPR: names, number and addresses stay out of logs."""
        shown = repr(person)
        assert person.last_name not in shown
        assert person.insz.digits not in shown
        assert person.email is not None and person.email.address not in shown


class TestVaccinationCode:
    def test_codes_are_upper_cased_and_trimmed(self) -> None:
        """R-ELIG: the VCDB's code is stored as given, in one spelling."""
        assert VaccinationCode.parse(" abcd-1234-efgh ").value == "ABCD-1234-EFGH"

    @pytest.mark.parametrize("bad", ["", "ABC", "-ABCD-1234", "ABCD-1234-", "AB CD 12", None])
    def test_malformed_codes_are_rejected(self, bad: object) -> None:
        """R-REG-D: the booked person's code must look like a code."""
        with pytest.raises(DomainError) as caught:
            VaccinationCode.parse(bad)
        assert caught.value.code == "vaccination_code.invalid"

    def test_repr_hides_the_code(self) -> None:
        """N-GDPR: the code lets someone book; it stays out of logs."""
        assert "GENT" not in repr(a_vaccination_code())


class TestRegisteredPerson:
    @pytest.mark.parametrize(
        ("answer", "status"),
        [
            (VcdbStatus.ELIGIBLE, PersonStatus.ELIGIBLE),
            (VcdbStatus.INVITED, PersonStatus.INELIGIBLE),
            (VcdbStatus.BOOKED, PersonStatus.INELIGIBLE),
            (VcdbStatus.VACCINATED, PersonStatus.INELIGIBLE),
            (VcdbStatus.NOT_ELIGIBLE, PersonStatus.INELIGIBLE),
        ],
    )
    def test_only_eligible_keeps_a_person_on_the_list(
        self, answer: VcdbStatus, status: PersonStatus
    ) -> None:
        """R-ELIG: the VCDB's answer decides; the answer and code are stored."""
        registered = RegisteredPerson("p-1", a_person())
        registered.record_eligibility(answer, a_vaccination_code())
        assert registered.status is status
        assert registered.vcdb_status is answer
        assert registered.vaccination_code == a_vaccination_code()
        assert registered.is_listed is (status is PersonStatus.ELIGIBLE)

    @given(answer=st.sampled_from(list(VcdbStatus)))
    def test_an_invited_person_keeps_their_invitation(self, answer: VcdbStatus) -> None:
        """R-ASYNC: a late VCDB answer never takes back an invitation already sent."""
        registered = RegisteredPerson("p-1", a_person(), status=PersonStatus.INVITED)
        registered.record_eligibility(answer, None)
        assert registered.status is PersonStatus.INVITED
        assert registered.vcdb_status is answer

    def test_a_missing_code_does_not_erase_the_stored_one(self) -> None:
        """R-ASYNC: the stored code is the fallback when the VCDB is down."""
        registered = RegisteredPerson("p-1", a_person())
        registered.record_eligibility(VcdbStatus.ELIGIBLE, a_vaccination_code())
        registered.record_eligibility(VcdbStatus.ELIGIBLE, None)
        assert registered.vaccination_code == a_vaccination_code()


class TestEveryBadFieldIsNamed:
    def test_several_bad_fields_are_reported_together(self) -> None:
        """R-DATA, contract: validation errors list every bad field, not only the first."""
        import pytest

        from lmb.domain.errors import InvalidFields
        from lmb.domain.person import Person

        with pytest.raises(InvalidFields) as caught:
            Person.create(
                insz="12345678901",
                last_name="Peeters",
                first_name="",
                postcode="0000",
                email="nope",
                mobile="+32470123456",
            )
        fields = [e.field for e in caught.value.errors]
        assert fields == ["insz", "first_name", "postcode", "email"]
        placed = caught.value.at("persons[1]")
        assert [e.field for e in placed.errors] == [  # type: ignore[attr-defined]
            "persons[1].insz",
            "persons[1].first_name",
            "persons[1].postcode",
            "persons[1].email",
        ]
