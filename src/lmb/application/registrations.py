"""Registering for a last-minute invitation and managing it (R-REG-B..F, R-AVAIL, N-GDPR)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from functools import partial
from typing import TypeVar

from attrs import field, frozen

from lmb.application.clock import local_today
from lmb.application.context import Context, Notice
from lmb.application.errors import InvalidInput, NotFound
from lmb.application.forms import Collector, parse_date
from lmb.application.model import Message, MessageKind, OutboxMessage, StaffToken, Topic
from lmb.application.ports import NewRegistration, UnitOfWork
from lmb.domain.availability import Availability, HalfDay, HalfDaySlot
from lmb.domain.errors import (
    CompanionRulesBroken,
    InvalidRegistration,
    ValidationFailed,
)
from lmb.domain.invitation import Invitation
from lmb.domain.person import Contact, Person, VaccinationCode
from lmb.domain.registration import (
    Kind,
    Language,
    Recipient,
    Registration,
    Status,
)


@frozen
class PersonInput:
    insz: object = None
    last_name: object = None
    first_name: object = None
    postcode: object = None
    email: object = None
    mobile: object = None


@frozen
class ContactInput:
    last_name: object = None
    first_name: object = None
    email: object = None
    mobile: object = None


@frozen
class AvailabilityInput:
    date: object = None
    half_day: object = None


@frozen
class Register:
    """A registration request as received (R-REG-B..F)."""

    kind: object
    language: object
    persons: Sequence[PersonInput]
    centre_ids: Sequence[object] = ()
    availability: Sequence[AvailabilityInput] = ()
    contact: ContactInput | None = None
    companion_of: object = None
    invite: object = None


@frozen
class PersonView:
    id: str
    insz_masked: str
    first_name: str
    last_name: str
    postcode: str
    status: str


@frozen
class Receipt:
    """The answer to a registration: the same shape whether or not it was a duplicate."""

    id: str
    status: str
    persons: list[tuple[str, str]]
    availability_until: dt.datetime | None


@frozen
class InvitationView:
    id: str
    status: str
    centre_id: str | None
    date: dt.date | None
    start: dt.time | None
    end: dt.time | None
    sent_at: dt.datetime | None
    expires_at: dt.datetime | None


@frozen
class RegistrationView:
    """Everything kept about a registration, as its owner may see it (right of access)."""

    id: str
    kind: str
    language: str
    status: str
    created_at: dt.datetime
    confirmed: bool
    persons: list[PersonView]
    centre_ids: list[str]
    availability: list[HalfDaySlot]
    availability_confirmed_at: dt.datetime | None
    availability_until: dt.datetime | None
    contact_name: str | None
    companion_of: str | None
    invitations: list[InvitationView] = field(factory=list)


def _parse_availability(
    collector: Collector, entries: Sequence[AvailabilityInput], now: dt.datetime
) -> Availability | None:
    today = local_today(now)
    slots: list[HalfDaySlot] = []
    for index, entry in enumerate(entries):
        date = collector.take(f"availability[{index}].date", partial(parse_date, entry.date))
        half = collector.take(
            f"availability[{index}].half_day", partial(_parse_half_day, entry.half_day)
        )
        if date is not None and half is not None:
            slots.append(HalfDaySlot(date, half))
        elif date is not None:
            # Check the date on its own too, so that one answer names every bad field.
            try:
                Availability.declare([HalfDaySlot(date, HalfDay.MORNING)], today=today, now=now)
            except ValidationFailed as exc:
                exc.field = f"availability[{index}].date"
                collector.add(exc)
    if len(slots) != len(entries):
        return None

    def declare() -> Availability:
        return Availability.declare(slots, today=today, now=now)

    return collector.take("availability", declare)


def _parse_half_day(value: object) -> HalfDay:
    try:
        return HalfDay(str(value))
    except ValueError:
        raise ValidationFailed("a half-day is morning, afternoon or evening") from None


E = TypeVar("E", Kind, Language, Recipient)


def _parse_enum(kind: type[E], value: object, what: str) -> E:
    try:
        return kind(str(value))
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise ValidationFailed(f"{what} is one of {allowed}", params={"allowed": allowed}) from None


@frozen
class _Intake:
    """A registration waiting to be written, and its caller's answer."""

    registration: Registration
    insz_digests: list[str]
    manage_digest: str
    written: asyncio.Future[None]


class RegisterForList:
    """Put persons on the list (R-REG-B..F).

    - Stored ``pending``; the VCDB check is queued (R-ELIG, R-ASYNC) and the owner is
      asked to confirm their address (not for a doctor's patient).
    - A person already listed is not listed twice; the answer looks the same and the
      owner on file is told by mail (no enumeration).
    - Registrations that arrive while the previous ones are being written are written
      together, in one transaction (group commit, N-SCALE); each caller is answered
      once that transaction is committed. When it fails, every registration of it is
      written again on its own, so that one bad registration never fails the others.
      A registration handed to the writer is written even if its caller goes away.
    """

    #: At most this many registrations are written in one transaction.
    batch_limit = 32
    #: Transactions of registrations under way at once in one process.
    writers = 2

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: list[_Intake] = []
        self._writers: set[asyncio.Task[None]] = set()

    async def __call__(self, cmd: Register, *, doctor: StaffToken | None = None) -> Receipt:
        ctx = self._ctx
        now = ctx.clock.now()
        registration = await self._build(cmd, now, doctor)
        receipt = Receipt(
            id=registration.id,
            status=Status.PENDING.value,
            persons=[(p.person.insz.masked(), "pending") for p in registration.persons],
            availability_until=registration.availability.lapses_at
            if registration.availability
            else None,
        )
        loop = asyncio.get_running_loop()
        intake = _Intake(
            registration,
            insz_digests=[ctx.secrets.digest(p.person.insz.digits) for p in registration.persons],
            manage_digest=ctx.secrets.digest(ctx.secrets.manage_token(registration.id)),
            written=loop.create_future(),
        )
        if self._loop is not loop:
            # what waited for the writers of another (closed) event loop has no caller left
            self._loop, self._waiting, self._writers = loop, [], set()
        self._waiting.append(intake)
        # a writer that found nothing more to write is done at once (no callback to wait for)
        self._writers = {w for w in self._writers if not w.done()}
        if len(self._writers) < self.writers:
            self._writers.add(loop.create_task(self._write_waiting()))
        await intake.written
        return receipt

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch = self._waiting[: self.batch_limit]
            del self._waiting[: len(batch)]
            try:
                await self._write(batch)
            except BaseException:
                for intake in batch:
                    if not intake.written.done():
                        intake.written.cancel()
                raise

    async def _write(self, batch: list[_Intake]) -> None:
        try:
            refused = await self._store(batch)
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0], exc)
                return
            for intake in batch:
                await self._write([intake])
            return
        for intake in batch:
            _settle(intake, refused.get(intake.registration.id))

    async def _store(self, batch: list[_Intake]) -> dict[str, Exception]:
        """Write ``batch`` in one transaction; returns the registrations refused."""
        ctx = self._ctx
        now = ctx.clock.now()
        refused: dict[str, Exception] = {}
        checks: list[OutboxMessage] = []
        confirmations: list[Notice] = []
        added: list[NewRegistration] = []
        duplicates: set[str] = set()  # the registrations a duplicate's owner is told of
        async with ctx.uow() as uow:
            chosen = sorted({c for i in batch for c in i.registration.centre_ids})
            known = await uow.centres.existing(chosen) if chosen else set()
            # One look-up for the whole batch; a later registration of the batch that
            # lists the INSZ of an earlier one is told apart as if it came after it.
            listed = await uow.registrations.listed_with_insz_many(
                [d for i in batch for d in i.insz_digests]
            )
            for intake in batch:
                registration = intake.registration
                try:
                    _check_centres(registration, known)
                except InvalidInput as exc:
                    refused[registration.id] = exc
                    continue
                existing = {listed[d] for d in intake.insz_digests if d in listed}
                if existing:
                    duplicates |= existing
                    continue
                added.append(
                    NewRegistration(registration, intake.manage_digest, intake.insz_digests)
                )
                listed.update(dict.fromkeys(intake.insz_digests, registration.id))
                checks.extend(
                    OutboxMessage.new(
                        id=ctx.secrets.new_id(),
                        topic=Topic.VCDB_CHECK,
                        payload={"registration_id": registration.id, "person_id": person.id},
                        now=now,
                        registration_id=registration.id,
                    )
                    for person in registration.persons
                )
                if registration.confirmed_at is None:
                    owner = registration.owner_address
                    manage_url = ctx.manage_url(registration.id)
                    confirmations.append(
                        Notice(
                            Message(
                                MessageKind.CONTACT_CONFIRMATION,
                                registration.language.value,
                                owner.name,
                                owner.email,
                                owner.mobile,
                                {"manage_url": manage_url, "confirm_url": manage_url},
                            ),
                            registration_id=registration.id,
                        )
                    )
            await uow.registrations.add_many(added)
            if duplicates:
                await self._tell_owners(uow, duplicates, now)
            if checks:
                await uow.outbox.add_many(checks)
            if confirmations:
                await ctx.notify_many(uow, confirmations, now=now)
            await uow.commit()
        return refused

    async def _build(
        self, cmd: Register, now: dt.datetime, doctor: StaffToken | None
    ) -> Registration:
        ctx = self._ctx
        c = Collector()
        kind = c.take("kind", lambda: _parse_enum(Kind, cmd.kind, "kind"))
        language = c.take("language", lambda: _parse_enum(Language, cmd.language, "language"))
        persons: list[Person] = []
        for index, raw in enumerate(cmd.persons):
            person = c.take(
                f"persons[{index}]",
                partial(
                    Person.create,
                    insz=raw.insz,
                    last_name=raw.last_name,
                    first_name=raw.first_name,
                    postcode=raw.postcode,
                    email=raw.email,
                    mobile=raw.mobile,
                ),
            )
            if person is not None:
                persons.append(person)
        if not cmd.persons:
            c.add(InvalidRegistration("give at least one person", field="persons"))
        contact = None
        if cmd.contact is not None:
            raw_contact = cmd.contact
            contact = c.take(
                "contact",
                lambda: Contact.create(
                    last_name=raw_contact.last_name,
                    first_name=raw_contact.first_name,
                    email=raw_contact.email,
                    mobile=raw_contact.mobile,
                ),
            )
        availability = _parse_availability(c, cmd.availability, now)
        centre_ids = [str(x) for x in cmd.centre_ids if isinstance(x, str)]
        if len(centre_ids) != len(cmd.centre_ids):
            c.add(ValidationFailed("centre ids are strings", field="centre_ids"))
        companion_of = None
        if kind is Kind.COMPANION:
            if cmd.companion_of in (None, ""):
                c.add(CompanionRulesBroken("give the booked person's code", field="companion_of"))
            else:
                companion_of = c.take(
                    "companion_of", lambda: VaccinationCode.parse(cmd.companion_of)
                )
        recipient = None
        if kind is Kind.PATIENT:
            recipient = c.take(
                "invite", lambda: _parse_enum(Recipient, cmd.invite or "patient", "invite")
            )
            if doctor is None:
                c.add(InvalidRegistration("only a doctor registers a patient", field="kind"))
        if kind is Kind.OPEN_SLOT:
            c.add(ValidationFailed("claim an open slot through its own address", field="kind"))
        if kind is Kind.THIRD_PARTY and cmd.contact is None:
            c.add(InvalidRegistration("say who registers these persons", field="contact"))
        if kind in (Kind.SELF, Kind.COMPANION, Kind.PATIENT) and len(cmd.persons) != 1:
            c.add(InvalidRegistration("give exactly one person", field="persons"))
        c.raise_if_any()
        assert kind is not None and language is not None and availability is not None
        new_id = ctx.secrets.new_id
        the_id, the_language, the_availability = new_id(), language, availability

        def build() -> Registration:
            match kind:
                case Kind.SELF:
                    return Registration.for_self(
                        id=the_id,
                        new_id=new_id,
                        person=persons[0],
                        language=the_language,
                        centre_ids=centre_ids,
                        availability=the_availability,
                        now=now,
                    )
                case Kind.GROUP:
                    return Registration.for_group(
                        id=the_id,
                        new_id=new_id,
                        persons=persons,
                        language=the_language,
                        centre_ids=centre_ids,
                        availability=the_availability,
                        now=now,
                        groups_enabled=ctx.settings.groups_enabled,
                    )
                case Kind.COMPANION:
                    assert companion_of is not None
                    return Registration.as_companion(
                        id=the_id,
                        new_id=new_id,
                        person=persons[0],
                        language=the_language,
                        centre_ids=centre_ids,
                        availability=the_availability,
                        companion_of=companion_of.value,
                        now=now,
                    )
                case Kind.THIRD_PARTY:
                    assert contact is not None
                    return Registration.for_third_parties(
                        id=the_id,
                        new_id=new_id,
                        persons=persons,
                        contact=contact,
                        language=the_language,
                        centre_ids=centre_ids,
                        availability=the_availability,
                        now=now,
                    )
                case _:
                    assert doctor is not None and recipient is not None
                    return Registration.for_patient(
                        id=the_id,
                        new_id=new_id,
                        person=persons[0],
                        doctor_id=doctor.id,
                        recipient=recipient,
                        contact=contact,
                        language=the_language,
                        centre_ids=centre_ids,
                        availability=the_availability,
                        now=now,
                    )

        built = c.take("", build)
        c.raise_if_any()
        assert built is not None
        return built

    async def _tell_owners(self, uow: UnitOfWork, ids: set[str], now: dt.datetime) -> None:
        for registration_id in sorted(ids):
            existing = await uow.registrations.get(registration_id)
            if existing is None:
                continue
            owner = existing.owner_address
            await self._ctx.notify(
                uow,
                Message(
                    MessageKind.DUPLICATE_NOTICE,
                    existing.language.value,
                    owner.name,
                    owner.email,
                    owner.mobile,
                    {"manage_url": self._ctx.manage_url(existing.id)},
                ),
                now=now,
                registration_id=existing.id,
            )


def _settle(intake: _Intake, error: Exception | None) -> None:
    if intake.written.done():  # its caller went away
        return
    if error is None:
        intake.written.set_result(None)
    else:
        intake.written.set_exception(error)


def _check_centres(registration: Registration, known: set[str]) -> None:
    c = Collector()
    for index, centre_id in enumerate(sorted(registration.centre_ids)):
        if centre_id not in known:
            c.add(InvalidRegistration("unknown centre", field=f"centre_ids[{index}]"))
    c.raise_if_any()


class ManageRegistration:
    """What a citizen does with their manage link: see, confirm, change, withdraw."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def _load(self, uow: UnitOfWork, token: str, *, for_update: bool) -> Registration:
        if not token or len(token) > 200:
            raise NotFound("no registration for this link")
        digest = self._ctx.secrets.digest(token)
        registration = await uow.registrations.by_manage_digest(digest, for_update=for_update)
        if registration is None:
            raise NotFound("no registration for this link")
        return registration

    async def view(self, token: str) -> RegistrationView:
        async with self._ctx.uow() as uow:
            registration = await self._load(uow, token, for_update=False)
            invitations = await uow.invitations.for_registration(registration.id)
            views = [await self._invitation_view(uow, i) for i in invitations]
        return _view(registration, views)

    async def confirm(self, token: str) -> RegistrationView:
        """The owner's address works; listed once someone is eligible too."""
        ctx = self._ctx
        now = ctx.clock.now()
        async with ctx.uow() as uow:
            registration = await self._load(uow, token, for_update=True)
            was = registration.status
            registration.confirm_contact(now)
            await uow.registrations.save(registration)
            await announce_status_change(ctx, uow, registration, was, now)
            await uow.commit()
        return await self.view(token)

    async def replace_availability(
        self, token: str, entries: Sequence[AvailabilityInput]
    ) -> RegistrationView:
        """R-AVAIL: new half-days, confirmed again for 14 days."""
        ctx = self._ctx
        now = ctx.clock.now()
        c = Collector()
        availability = _parse_availability(c, entries, now)
        c.raise_if_any()
        assert availability is not None
        async with ctx.uow() as uow:
            registration = await self._load(uow, token, for_update=True)
            was = registration.status
            c.take("", partial(registration.replace_availability, availability, now))
            c.raise_if_any()
            await uow.registrations.save(registration)
            await announce_status_change(ctx, uow, registration, was, now)
            await uow.commit()
        return await self.view(token)

    async def withdraw(self, token: str) -> None:
        """N-GDPR: withdraw and erase; an open invitation's seats pass on."""
        from lmb.application.sessions import release_and_refill

        ctx = self._ctx
        now = ctx.clock.now()
        async with ctx.uow() as uow:
            registration = await self._load(uow, token, for_update=True)
            if registration.withdrawn_at is not None:
                await uow.commit()
                return
            owner = registration.owner_address
            language = registration.language.value
            open_invitations = [
                i for i in await uow.invitations.for_registration(registration.id) if i.is_open
            ]
            for invitation in open_invitations:
                invitation.cancel(now)
                await uow.invitations.save(invitation)
            registration.withdraw(now)
            await uow.registrations.save(registration)
            await uow.registrations.erase(registration.id)
            await uow.outbox.forget_registration(registration.id, now)
            await ctx.notify(
                uow,
                Message(
                    MessageKind.WITHDRAWAL_CONFIRMED,
                    language,
                    owner.name,
                    owner.email,
                    None,
                    {"manage_url": ctx.manage_url(registration.id)},
                ),
                now=now,
                registration_id=None,
            )
            for invitation in open_invitations:
                await release_and_refill(ctx, uow, invitation, now, release=False)
            await uow.commit()

    async def _invitation_view(self, uow: UnitOfWork, invitation: Invitation) -> InvitationView:
        centre_id = date = start = end = None
        if invitation.session_id:
            session = await uow.sessions.get(invitation.session_id)
            if session:
                centre_id, date, start, end = (
                    session.centre_id,
                    session.date,
                    session.start,
                    session.end,
                )
        return InvitationView(
            id=invitation.id,
            status=invitation.status.value,
            centre_id=centre_id,
            date=date,
            start=start,
            end=end,
            sent_at=invitation.sent_at,
            expires_at=invitation.expires_at,
        )


def _view(registration: Registration, invitations: list[InvitationView]) -> RegistrationView:
    availability = registration.availability
    contact = registration.contact
    return RegistrationView(
        id=registration.id,
        kind=registration.kind.value,
        language=registration.language.value,
        status=registration.status.value,
        created_at=registration.created_at,
        confirmed=registration.confirmed_at is not None,
        persons=[
            PersonView(
                id=p.id,
                insz_masked=p.person.insz.masked(),
                first_name=p.person.first_name,
                last_name=p.person.last_name,
                postcode=p.person.postcode.code,
                status=p.status.value,
            )
            for p in registration.persons
        ],
        centre_ids=sorted(registration.centre_ids),
        availability=sorted(availability.slots) if availability else [],
        availability_confirmed_at=availability.confirmed_at if availability else None,
        availability_until=availability.lapses_at if availability else None,
        contact_name=f"{contact.first_name} {contact.last_name}" if contact else None,
        companion_of=registration.companion_of,
        invitations=invitations,
    )


async def announce_status_change(
    ctx: Context,
    uow: UnitOfWork,
    registration: Registration,
    was: Status,
    now: dt.datetime,
) -> None:
    """Tell the owner when their registration becomes listed or turns out ineligible."""
    now_status = registration.status
    if now_status == was or now_status not in (Status.ACTIVE, Status.INELIGIBLE):
        return
    if now_status is Status.ACTIVE and was not in (Status.PENDING, Status.LAPSED):
        return
    owner = registration.owner_address
    data: dict[str, object] = {"manage_url": ctx.manage_url(registration.id)}
    if now_status is Status.ACTIVE:
        kind = MessageKind.REGISTRATION_LISTED
        if registration.availability is not None:
            data["availability_until"] = registration.availability.lapses_at.isoformat()
    else:
        kind = MessageKind.REGISTRATION_INELIGIBLE
    await ctx.notify(
        uow,
        Message(kind, registration.language.value, owner.name, owner.email, owner.mobile, data),
        now=now,
        registration_id=registration.id,
    )


@frozen
class PatientLine:
    """What a doctor sees of a patient they registered: no contact data, INSZ masked."""

    registration_id: str
    insz_masked: str
    name: str
    status: str
    registered_at: dt.datetime


class DoctorPatients:
    """R-REG-F: a doctor follows the statuses of the patients they registered."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def __call__(self, doctor: StaffToken, *, limit: int = 200) -> list[PatientLine]:
        async with self._ctx.uow() as uow:
            registrations = await uow.registrations.for_doctor(doctor.id, limit=limit)
        lines = []
        for registration in registrations:
            person = registration.persons[0].person if registration.persons else None
            lines.append(
                PatientLine(
                    registration_id=registration.id,
                    insz_masked=person.insz.masked() if person else "—",
                    name=f"{person.first_name} {person.last_name}" if person else "—",
                    status=registration.status.value,
                    registered_at=registration.created_at,
                )
            )
        return lines
