"""Registrations for a last-minute invitation, kinds A-F (R-REG-A..F, R-ELIG, R-AVAIL)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Sequence

from attrs import define, field

from lmb.domain.availability import Availability
from lmb.domain.errors import (
    CompanionRulesBroken,
    ContactMissing,
    DuplicatePerson,
    GroupsDisabled,
    GroupSizeInvalid,
    InvalidRegistration,
    RegistrationClosed,
)
from lmb.domain.insz import Insz
from lmb.domain.person import (
    Contact,
    Person,
    PersonStatus,
    RegisteredPerson,
    VaccinationCode,
    VcdbStatus,
)

MIN_GROUP = 2
MAX_GROUP = 4
MAX_THIRD_PARTIES = 10
MAX_CENTRES = 10

# A group is offered whole or not at all: not before every member was checked, and
# not to the members left over once part of it used an invitation (or, while part of
# it holds one, not at all: the group's unit is held).
_GROUP_WAITS = frozenset({PersonStatus.PENDING, PersonStatus.BOOKED})


class Kind(enum.StrEnum):
    """The situations of R-REG: A is ``open_slot``, B-F the others."""

    OPEN_SLOT = "open_slot"
    SELF = "self"
    GROUP = "group"
    COMPANION = "companion"
    THIRD_PARTY = "third_party"
    PATIENT = "patient"


class Language(enum.StrEnum):
    NL = "nl"
    FR = "fr"
    DE = "de"


class Recipient(enum.StrEnum):
    """Who receives a patient's invitation (R-REG-F)."""

    PATIENT = "patient"
    DOCTOR = "doctor"


class Status(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    INELIGIBLE = "ineligible"
    INVITED = "invited"
    BOOKED = "booked"
    LAPSED = "lapsed"
    WITHDRAWN = "withdrawn"


#: N-GDPR: the statuses whose registrations are erased once the retention has passed
#: since their last change of state (a withdrawn one is erased at once).
ERASED_AFTER_RETENTION = frozenset({Status.LAPSED, Status.INELIGIBLE, Status.BOOKED})


@define(frozen=True)
class Address:
    """Where a message goes: an e-mail and optionally a mobile, with a name to greet."""

    name: str
    email: str | None
    mobile: str | None


def _require_reachable(person: Person, index: int) -> None:
    if person.email is None:
        raise ContactMissing(
            "the person receiving the invitation needs an e-mail address",
            field=f"persons[{index}].email",
        )
    if person.mobile is None:
        raise ContactMissing(
            "the person receiving the invitation needs a mobile number",
            field=f"persons[{index}].mobile",
        )


def _require_distinct(persons: Sequence[Person]) -> None:
    seen: set[str] = set()
    for index, person in enumerate(persons):
        if person.insz.digits in seen:
            raise DuplicatePerson("the same person appears twice", field=f"persons[{index}].insz")
        seen.add(person.insz.digits)


def _require_centres(centre_ids: Sequence[str]) -> frozenset[str]:
    unique = frozenset(centre_ids)
    if not unique:
        raise InvalidRegistration("choose at least one centre", field="centre_ids")
    if len(unique) > MAX_CENTRES:
        raise InvalidRegistration(
            "too many centres", field="centre_ids", params={"max": MAX_CENTRES}
        )
    return unique


@define
class Registration:
    """One entry on the list: one person, a group, third parties or a patient.

    Rules:
    - ``group``: 2-4 persons, the first is the leader and gets the invitation; a
      member found ineligible drops out, the others stay (R-REG-C, R-ELIG).
    - ``companion``: one person, exactly one half-day, the booked person's code (R-REG-D).
    - ``third_party``: each person is invited on their own; ``contact`` registered them.
    - ``patient``: registered by a doctor, who picks the recipient (R-REG-F).
    - Listed only once the contact address is confirmed and someone is eligible.
    """

    id: str
    kind: Kind
    language: Language
    persons: list[RegisteredPerson]
    created_at: dt.datetime
    availability: Availability | None = None
    centre_ids: frozenset[str] = frozenset()
    contact: Contact | None = None
    companion_of: str | None = None
    recipient: Recipient = Recipient.PATIENT
    doctor_id: str | None = None
    open_slot_id: str | None = None
    confirmed_at: dt.datetime | None = None
    listed_at: dt.datetime | None = None
    lapsed: bool = False
    withdrawn_at: dt.datetime | None = None
    status: Status = field(default=Status.PENDING)
    #: the last change of state (N-GDPR retention counts from here)
    changed_at: dt.datetime | None = None

    # -- named constructors ------------------------------------------------------------

    @classmethod
    def for_self(
        cls,
        *,
        id: str,
        new_id: Callable[[], str],
        person: Person,
        language: Language,
        centre_ids: Sequence[str],
        availability: Availability,
        now: dt.datetime,
    ) -> Registration:
        """R-REG-B: one person, free on the given half-days at the chosen centres."""
        _require_reachable(person, 0)
        return cls._build(id, Kind.SELF, language, [person], new_id, now, availability, centre_ids)

    @classmethod
    def for_group(
        cls,
        *,
        id: str,
        new_id: Callable[[], str],
        persons: Sequence[Person],
        language: Language,
        centre_ids: Sequence[str],
        availability: Availability,
        now: dt.datetime,
        groups_enabled: bool = True,
    ) -> Registration:
        """R-REG-C: 2-4 persons free together; the first is the leader."""
        if not groups_enabled:
            raise GroupsDisabled("groups are switched off", field="kind")
        if not MIN_GROUP <= len(persons) <= MAX_GROUP:
            raise GroupSizeInvalid(
                "a group has 2 to 4 persons",
                field="persons",
                params={"min": MIN_GROUP, "max": MAX_GROUP},
            )
        _require_distinct(persons)
        _require_reachable(persons[0], 0)
        return cls._build(id, Kind.GROUP, language, persons, new_id, now, availability, centre_ids)

    @classmethod
    def as_companion(
        cls,
        *,
        id: str,
        new_id: Callable[[], str],
        person: Person,
        language: Language,
        centre_ids: Sequence[str],
        availability: Availability,
        companion_of: str,
        now: dt.datetime,
    ) -> Registration:
        """R-REG-D: come along with a booked person, on exactly one half-day."""
        if len(availability.slots) != 1:
            raise CompanionRulesBroken(
                "a companion gives exactly one day and half-day", field="availability"
            )
        _require_reachable(person, 0)
        registration = cls._build(
            id, Kind.COMPANION, language, [person], new_id, now, availability, centre_ids
        )
        registration.companion_of = companion_of
        return registration

    @classmethod
    def for_third_parties(
        cls,
        *,
        id: str,
        new_id: Callable[[], str],
        persons: Sequence[Person],
        contact: Contact,
        language: Language,
        centre_ids: Sequence[str],
        availability: Availability,
        now: dt.datetime,
    ) -> Registration:
        """R-REG-E: someone lists third parties; each is invited on their own."""
        if not 1 <= len(persons) <= MAX_THIRD_PARTIES:
            raise InvalidRegistration(
                "list 1 to 10 persons", field="persons", params={"max": MAX_THIRD_PARTIES}
            )
        _require_distinct(persons)
        for index, person in enumerate(persons):
            _require_reachable(person, index)
        registration = cls._build(
            id, Kind.THIRD_PARTY, language, persons, new_id, now, availability, centre_ids
        )
        registration.contact = contact
        return registration

    @classmethod
    def for_patient(
        cls,
        *,
        id: str,
        new_id: Callable[[], str],
        person: Person,
        doctor_id: str,
        recipient: Recipient,
        contact: Contact | None,
        language: Language,
        centre_ids: Sequence[str],
        availability: Availability,
        now: dt.datetime,
    ) -> Registration:
        """R-REG-F: a doctor lists a patient; the doctor's word confirms the contact."""
        if recipient is Recipient.PATIENT:
            _require_reachable(person, 0)
        elif contact is None:
            raise ContactMissing(
                "give the doctor's contact to receive the invitation", field="contact"
            )
        registration = cls._build(
            id, Kind.PATIENT, language, [person], new_id, now, availability, centre_ids
        )
        registration.doctor_id = doctor_id
        registration.recipient = recipient
        registration.contact = contact
        registration.confirmed_at = now
        return registration

    @classmethod
    def for_open_slot(
        cls,
        *,
        id: str,
        new_id: Callable[[], str],
        person: Person,
        language: Language,
        centre_id: str,
        open_slot_id: str,
        now: dt.datetime,
    ) -> Registration:
        """R-REG-A: one person claims an announced free slot and is invited at once."""
        _require_reachable(person, 0)
        registration = cls._build(
            id, Kind.OPEN_SLOT, language, [person], new_id, now, None, [centre_id]
        )
        registration.open_slot_id = open_slot_id
        registration.confirmed_at = now
        return registration

    @classmethod
    def _build(
        cls,
        id: str,
        kind: Kind,
        language: Language,
        persons: Sequence[Person],
        new_id: Callable[[], str],
        now: dt.datetime,
        availability: Availability | None,
        centre_ids: Sequence[str],
    ) -> Registration:
        return cls(
            id=id,
            kind=kind,
            language=language,
            persons=[RegisteredPerson(new_id(), p) for p in persons],
            created_at=now,
            availability=availability,
            centre_ids=_require_centres(centre_ids),
        )

    # -- queries -----------------------------------------------------------------------

    @property
    def leader(self) -> RegisteredPerson:
        return self.persons[0]

    def person(self, person_id: str) -> RegisteredPerson:
        for candidate in self.persons:
            if candidate.id == person_id:
                return candidate
        raise KeyError(person_id)

    @property
    def owner_address(self) -> Address:
        """Where confirmations and the manage link go."""
        if self.kind in (Kind.THIRD_PARTY, Kind.PATIENT) and self.contact is not None:
            c = self.contact
            return Address(
                f"{c.first_name} {c.last_name}",
                c.email.address,
                c.mobile.e164 if c.mobile else None,
            )
        return self._person_address(self.leader)

    def address_for(self, unit: Sequence[str]) -> Address:
        """Where the invitation of ``unit`` (person ids) goes."""
        if self.kind is Kind.GROUP:
            return self._person_address(self.leader)
        if self.kind is Kind.PATIENT and self.recipient is Recipient.DOCTOR:
            return self.owner_address
        return self._person_address(self.person(unit[0]))

    @staticmethod
    def _person_address(rp: RegisteredPerson) -> Address:
        p = rp.person
        return Address(
            f"{p.first_name} {p.last_name}",
            p.email.address if p.email else None,
            p.mobile.e164 if p.mobile else None,
        )

    @property
    def is_listable(self) -> bool:
        """Confirmed, not lapsed nor withdrawn, and of a kind that is ranked (B-F)."""
        return (
            self.kind is not Kind.OPEN_SLOT
            and self.confirmed_at is not None
            and not self.lapsed
            and self.withdrawn_at is None
        )

    def units(self) -> list[tuple[str, ...]]:
        """The candidate units waiting for an invitation, as tuples of person ids.

        A group is one unit of its eligible members, never split: it waits while a
        member's VCDB answer is pending and is done once invited or booked (R-ELIG).
        Third parties are one unit each; the other kinds have a single person.
        """
        return [unit for unit, held in self.units_and_holds() if not held]

    def units_and_holds(self) -> list[tuple[tuple[str, ...], bool]]:
        """``units()``, plus the units held by an open invitation, flagged ``True``.

        A held unit is what ``units()`` gives back once its invitation lapses and
        ``release`` runs: the same units, computed as if every invited person were
        waiting again. Stores keep held units beside the waiting ones, so that an
        expiry releases a unit by flipping its flag instead of rebuilding it.
        """
        if not self.is_listable:
            return []
        waiting = (PersonStatus.ELIGIBLE, PersonStatus.INVITED)
        members = [p for p in self.persons if p.status in waiting]
        if not members:
            return []
        if self.kind is Kind.GROUP:
            if any(p.status in _GROUP_WAITS for p in self.persons):
                return []
            held = any(p.status is PersonStatus.INVITED for p in members)
            return [(tuple(p.id for p in members), held)]
        return [((p.id,), p.status is PersonStatus.INVITED) for p in members]

    # -- changes -----------------------------------------------------------------------

    def _require_open(self) -> None:
        if self.withdrawn_at is not None:
            raise RegistrationClosed("the registration was withdrawn")

    def confirm_contact(self, now: dt.datetime) -> None:
        """The owner clicked the link: their address works."""
        self._require_open()
        if self.confirmed_at is None:
            self.confirmed_at = now
        self.refresh(now)

    def record_eligibility(
        self,
        person_id: str,
        status: VcdbStatus,
        code: VaccinationCode | None,
        now: dt.datetime,
    ) -> None:
        """Store the VCDB's answer for one person (R-ELIG); ineligible members drop out."""
        self.person(person_id).record_eligibility(status, code)
        self.refresh(now)

    def replace_insz(self, person_id: str, insz: Insz, now: dt.datetime) -> bool:
        """C-REGISTRY: the VCDB says ``person_id``'s INSZ was replaced by ``insz``.

        The registration keeps its id, ``listed_at`` and status, so its place in the
        ranking changes only by the birth key of the new number. False: nothing changed.
        """
        rp = self.person(person_id)
        if rp.person.insz == insz:
            return False
        rp.replace_insz(insz)
        self.refresh(now)
        return True

    def replace_availability(self, availability: Availability, now: dt.datetime) -> None:
        """R-AVAIL: new half-days, confirmed now; a lapsed registration comes back."""
        self._require_open()
        if self.kind is Kind.OPEN_SLOT:
            raise RegistrationClosed("a claimed slot has no availability")
        if self.kind is Kind.COMPANION and len(availability.slots) != 1:
            raise CompanionRulesBroken(
                "a companion gives exactly one day and half-day", field="availability"
            )
        self.availability = availability
        self.lapsed = False
        self.refresh(now)

    def lapse_if_due(self, now: dt.datetime) -> bool:
        """R-AVAIL: availability not re-confirmed within 14 days lapses."""
        if (
            self.availability is None
            or self.lapsed
            or self.withdrawn_at is not None
            or self.status in (Status.INVITED, Status.BOOKED, Status.INELIGIBLE)
            or not self.availability.is_lapsed(now)
        ):
            return False
        self.lapsed = True
        self.refresh(now)
        return True

    def mark_invited(self, unit: Sequence[str], now: dt.datetime) -> None:
        for pid in unit:
            self.person(pid).status = PersonStatus.INVITED
        self.refresh(now)

    def mark_booked(self, unit: Sequence[str], now: dt.datetime) -> None:
        for pid in unit:
            self.person(pid).status = PersonStatus.BOOKED
        self.refresh(now)

    def release(self, unit: Sequence[str], now: dt.datetime) -> None:
        """An invitation expired or was cancelled: the persons wait again."""
        for pid in unit:
            rp = self.person(pid)
            if rp.status in (PersonStatus.INVITED, PersonStatus.BOOKED):
                rp.status = PersonStatus.ELIGIBLE
        self.refresh(now)

    def withdraw(self, now: dt.datetime) -> None:
        """N-GDPR: the owner withdraws; every piece of personal data goes."""
        self.withdrawn_at = now
        self.persons = []
        self.contact = None
        self.availability = None
        self.companion_of = None
        self.status = Status.WITHDRAWN

    def refresh(self, now: dt.datetime) -> None:
        """Derive the status from the persons' states and the registration's flags."""
        new = derive_status(
            [p.status for p in self.persons],
            withdrawn=self.withdrawn_at is not None,
            confirmed=self.confirmed_at is not None,
            lapsed=self.lapsed,
        )
        if new is Status.ACTIVE and self.listed_at is None:
            self.listed_at = now
        self.status = new
        self.changed_at = now


def derive_status(
    statuses: Sequence[PersonStatus], *, withdrawn: bool, confirmed: bool, lapsed: bool
) -> Status:
    """A registration's status from its persons' states and its flags (``refresh``).

    A store that changes persons' states in bulk (a session's invitations, an expiry
    pass) derives the registrations' statuses with this very rule.
    """
    if withdrawn:
        return Status.WITHDRAWN
    if statuses and all(s is PersonStatus.INELIGIBLE for s in statuses):
        return Status.INELIGIBLE
    if PersonStatus.INVITED in statuses:
        return Status.INVITED
    if PersonStatus.BOOKED in statuses and not any(
        s in (PersonStatus.ELIGIBLE, PersonStatus.PENDING) for s in statuses
    ):
        return Status.BOOKED
    if not confirmed or PersonStatus.PENDING in statuses:
        return Status.PENDING
    if lapsed:
        return Status.LAPSED
    return Status.ACTIVE
