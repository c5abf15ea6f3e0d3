"""Persons on the list, their eligibility and vaccination codes (R-DATA, R-ELIG)."""

from __future__ import annotations

import enum
import re

from attrs import define, evolve, frozen

from lmb.domain.contact import Email, Mobile, parse_name
from lmb.domain.errors import InvalidVaccinationCode, collect
from lmb.domain.geography import Postcode
from lmb.domain.insz import Insz

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{4,38}[A-Z0-9]$")


@frozen
class VaccinationCode:
    """The code a person books with in the regular booking system (VCDB)."""

    value: str

    @classmethod
    def parse(cls, text: object) -> VaccinationCode:
        value = text.strip().upper() if isinstance(text, str) else ""
        if not _CODE.match(value):
            raise InvalidVaccinationCode("not a valid vaccination code")
        return cls(value)

    def __repr__(self) -> str:
        return "VaccinationCode(***)"

    def __str__(self) -> str:
        return self.value


class VcdbStatus(enum.StrEnum):
    """What the VCDB says of a person; only ``eligible`` may be listed or invited."""

    ELIGIBLE = "eligible"
    INVITED = "invited"
    BOOKED = "booked"
    VACCINATED = "vaccinated"
    NOT_ELIGIBLE = "not_eligible"


@frozen
class Person:
    """A citizen's identity and contact data (R-DATA).

    E-mail and mobile are optional here; a registration demands them of whoever
    receives its messages.
    """

    insz: Insz
    last_name: str
    first_name: str
    postcode: Postcode
    email: Email | None = None
    mobile: Mobile | None = None

    @classmethod
    def create(
        cls,
        *,
        insz: object,
        last_name: object,
        first_name: object,
        postcode: object,
        email: object = None,
        mobile: object = None,
    ) -> Person:
        """Validate every field; every bad one is named (InvalidFields for several)."""
        v = collect(
            {
                "insz": lambda: Insz.parse(insz),
                "last_name": lambda: parse_name(last_name, what="last name"),
                "first_name": lambda: parse_name(first_name, what="first name"),
                "postcode": lambda: Postcode.parse(postcode),
                "email": lambda: None if email in (None, "") else Email.parse(email),
                "mobile": lambda: None if mobile in (None, "") else Mobile.parse(mobile),
            }
        )
        return cls(**v)

    @property
    def birth_key(self) -> int:
        return self.insz.birth_key

    def __repr__(self) -> str:
        return f"Person(insz={self.insz!r}, postcode={self.postcode.code!r})"


@frozen
class Contact:
    """Who registered third parties, or a doctor's address (R-REG-E, R-REG-F)."""

    last_name: str
    first_name: str
    email: Email
    mobile: Mobile | None = None

    @classmethod
    def create(
        cls, *, last_name: object, first_name: object, email: object, mobile: object = None
    ) -> Contact:
        v = collect(
            {
                "last_name": lambda: parse_name(last_name, what="last name"),
                "first_name": lambda: parse_name(first_name, what="first name"),
                "email": lambda: Email.parse(email),
                "mobile": lambda: None if mobile in (None, "") else Mobile.parse(mobile),
            }
        )
        return cls(**v)

    def __repr__(self) -> str:
        return "Contact(***)"


class PersonStatus(enum.StrEnum):
    PENDING = "pending"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    INVITED = "invited"
    BOOKED = "booked"


@define
class RegisteredPerson:
    """A person within a registration, with what the VCDB said of them (R-ELIG).

    The stored status and code are the fallback when the VCDB is down at invitation
    time (R-ASYNC).
    """

    id: str
    person: Person
    vcdb_status: VcdbStatus | None = None
    vaccination_code: VaccinationCode | None = None
    status: PersonStatus = PersonStatus.PENDING

    def record_eligibility(self, status: VcdbStatus, code: VaccinationCode | None) -> None:
        """Store the VCDB's answer; only ``eligible`` keeps the person on the list."""
        self.vcdb_status = status
        if code is not None:
            self.vaccination_code = code
        if self.status in (PersonStatus.INVITED, PersonStatus.BOOKED):
            return
        if status is VcdbStatus.ELIGIBLE:
            self.status = PersonStatus.ELIGIBLE
        else:
            self.status = PersonStatus.INELIGIBLE

    def replace_insz(self, insz: Insz) -> None:
        """C-REGISTRY: the registry replaced this person's number; the person stays."""
        self.person = evolve(self.person, insz=insz)

    @property
    def is_listed(self) -> bool:
        """Eligible and waiting for an invitation."""
        return self.status is PersonStatus.ELIGIBLE
