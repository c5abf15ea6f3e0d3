"""Centres, their free slots and claims of a free slot (R-CENTRES, R-REG-A, R-INVA-1..3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from attrs import frozen

from lmb.application.clock import local_now, local_today
from lmb.application.context import Context
from lmb.application.errors import NotFound, Unavailable
from lmb.application.forms import Collector, parse_date, parse_time
from lmb.application.model import Message, MessageKind, StaffToken, Topic
from lmb.application.ports import EligibilityService, ServiceUnavailable, UnitOfWork
from lmb.application.registrations import PersonInput, _parse_enum
from lmb.application.sessions import require_centre_access
from lmb.domain.centre import Centre, OpenSlot
from lmb.domain.errors import InvalidCentre, NoSlotLeft, StateConflict
from lmb.domain.geography import Postcode
from lmb.domain.invitation import Invitation
from lmb.domain.person import Person, PersonStatus, VaccinationCode, VcdbStatus
from lmb.domain.registration import Language, Registration


@frozen
class CentreInput:
    name: object
    short_code: object
    region: object
    address: object
    postcodes: Sequence[object]
    phone: object = None


@frozen
class ImportResult:
    created: int
    updated: int


@frozen
class Claimed:
    registration_id: str
    status: str
    centre: Centre
    date: dt.date
    start: dt.time
    end: dt.time


_CANNOT_INVITE = "this person cannot be invited now"


class ManageCentres:
    """C-ONBOARD: admins create and import centres; anyone may list them."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def _build(self, centre_id: str, data: CentreInput) -> Centre:
        return Centre.create(
            id=centre_id,
            name=data.name,
            short_code=data.short_code,
            region=data.region,
            address=data.address,
            postcodes=data.postcodes,
            phone=data.phone,
        )

    async def create(self, data: CentreInput, actor: StaffToken) -> Centre:
        ctx = self._ctx
        now = ctx.clock.now()
        c = Collector()
        centre = c.take("", lambda: self._build(ctx.secrets.new_id(), data))
        c.raise_if_any()
        assert centre is not None
        async with ctx.uow() as uow:
            if await uow.centres.by_short_code(centre.short_code) is not None:
                raise StateConflict("a centre with this short code exists", field="short_code")
            await uow.centres.add(centre)
            await ctx.audit(uow, actor=actor.id, action="centre.created", target=centre.id, now=now)
            await uow.commit()
        return centre

    async def import_rows(
        self, rows: Sequence[Mapping[str, str]], actor: StaffToken
    ) -> ImportResult:
        """Create or update centres by short code; all rows or none."""
        ctx = self._ctx
        now = ctx.clock.now()
        c = Collector()
        built: list[tuple[int, CentreInput]] = []
        for index, row in enumerate(rows):
            raw = CentreInput(
                name=row.get("name"),
                short_code=row.get("short_code"),
                region=row.get("region"),
                address=row.get("address", ""),
                postcodes=[
                    p
                    for p in (row.get("postcodes") or "").replace(",", ";").split(";")
                    if p.strip()
                ],
                phone=row.get("phone") or None,
            )
            if c.take(f"rows[{index}]", lambda r=raw: self._build("probe", r)) is not None:  # type: ignore[misc]
                built.append((index, raw))
        if not rows:
            c.add(InvalidCentre("the file has no centre", field="rows"))
        c.raise_if_any()
        created = updated = 0
        async with ctx.uow() as uow:
            for _, raw in built:
                short = str(raw.short_code).strip().upper()
                existing = await uow.centres.by_short_code(short)
                centre = self._build(existing.id if existing else ctx.secrets.new_id(), raw)
                if existing:
                    await uow.centres.save(centre)
                    updated += 1
                else:
                    await uow.centres.add(centre)
                    created += 1
            await ctx.audit(
                uow,
                actor=actor.id,
                action="centre.imported",
                now=now,
                created=created,
                updated=updated,
            )
            await uow.commit()
        return ImportResult(created, updated)

    async def list(self, postcode: str | None = None) -> list[Centre]:
        if postcode is not None:
            c = Collector()
            c.take("postcode", lambda: Postcode.parse(postcode))
            c.raise_if_any()
        async with self._ctx.uow() as uow:
            return await uow.centres.list(postcode=postcode)

    async def get(self, centre_id: str) -> Centre:
        async with self._ctx.uow() as uow:
            centre = await uow.centres.get(centre_id)
        if centre is None:
            raise NotFound("no such centre")
        return centre


class OpenSlots:
    """R-REG-A: a centre announces free slots; a citizen claims one and is invited at once."""

    def __init__(self, ctx: Context, eligibility: EligibilityService) -> None:
        self._ctx = ctx
        self._eligibility = eligibility

    async def announce(
        self,
        centre_id: str,
        date: object,
        start: object,
        end: object,
        slots: object,
        actor: StaffToken,
    ) -> OpenSlot:
        ctx = self._ctx
        now = ctx.clock.now()
        require_centre_access(actor, centre_id)
        c = Collector()
        the_date = c.take("date", lambda: parse_date(date))
        the_start = c.take("start", lambda: parse_time(start))
        the_end = c.take("end", lambda: parse_time(end))
        c.raise_if_any()
        assert the_date is not None and the_start is not None and the_end is not None
        slot = c.take(
            "",
            lambda: OpenSlot.announce(
                id=ctx.secrets.new_id(),
                centre_id=centre_id,
                date=the_date,
                start=the_start,
                end=the_end,
                slots=slots,
                today=local_today(now),
            ),
        )
        c.raise_if_any()
        assert slot is not None
        async with ctx.uow() as uow:
            if await uow.centres.get(centre_id) is None:
                raise NotFound("no such centre")
            await uow.open_slots.add(slot)
            await ctx.audit(
                uow,
                actor=actor.id,
                action="open_slots.announced",
                target=slot.id,
                now=now,
                slots=slot.slots,
            )
            await uow.commit()
        return slot

    async def list(self, postcode: str | None = None) -> list[OpenSlot]:
        now = self._ctx.clock.now()
        async with self._ctx.uow() as uow:
            centre_ids = None
            if postcode is not None:
                c = Collector()
                c.take("postcode", lambda: Postcode.parse(postcode))
                c.raise_if_any()
                centre_ids = [x.id for x in await uow.centres.list(postcode=postcode)]
            slots = await uow.open_slots.list_open(
                from_date=local_today(now), centre_ids=centre_ids
            )
        wall = local_now(now)
        return [s for s in slots if s.available > 0 and not s.is_past(wall)]

    async def claim(self, slot_id: str, person_input: PersonInput, language: object) -> Claimed:
        """R-REG-A, R-INVA-1..3: claim one slot for one person.

        - The VCDB is asked at once for eligibility and the vaccination code; when it is
          unavailable, a code stored from an earlier registration is used (R-ASYNC).
        - The confirmation mail carries the code; the booking system and the VCDB are
          told through the outbox.
        """
        ctx = self._ctx
        now = ctx.clock.now()
        c = Collector()
        lang = c.take("language", lambda: _parse_enum(Language, language, "language"))
        person = c.take(
            "person",
            lambda: Person.create(
                insz=person_input.insz,
                last_name=person_input.last_name,
                first_name=person_input.first_name,
                postcode=person_input.postcode,
                email=person_input.email,
                mobile=person_input.mobile,
            ),
        )
        c.raise_if_any()
        assert lang is not None and person is not None
        async with ctx.uow() as uow:
            slot = await uow.open_slots.get_for_update(slot_id)
            if slot is None:
                raise NotFound("no such free slot")
            if slot.available <= 0 or slot.is_past(local_now(now)):
                raise NoSlotLeft("no free slot is left")
            if await self._holds_a_place(uow, person):
                raise StateConflict(_CANNOT_INVITE, field="person.insz")
        try:
            answer = await self._eligibility.check(person.insz)
            status, code = answer.status, answer.vaccination_code
        except ServiceUnavailable:
            status, code = await self._stored_eligibility(person)
        if status is not VcdbStatus.ELIGIBLE or code is None:
            raise StateConflict(_CANNOT_INVITE, field="person.insz")
        async with ctx.uow() as uow:
            slot = await uow.open_slots.get_for_update(slot_id)
            if slot is None:
                raise NotFound("no such free slot")
            if slot.is_past(local_now(now)):
                raise NoSlotLeft("no free slot is left")
            slot.claim()
            centre = await uow.centres.get(slot.centre_id)
            assert centre is not None
            registration = c.take(
                "",
                lambda: Registration.for_open_slot(
                    id=ctx.secrets.new_id(),
                    new_id=ctx.secrets.new_id,
                    person=person,
                    language=lang,
                    centre_id=slot.centre_id,
                    open_slot_id=slot.id,
                    now=now,
                ),
            )
            c.raise_if_any()
            assert registration is not None
            rp = registration.leader
            rp.record_eligibility(status, code)
            registration.refresh(now)
            invitation = Invitation.issue(
                id=ctx.secrets.new_id(),
                registration_id=registration.id,
                person_ids=(rp.id,),
                now=now,
                open_slot_id=slot.id,
            )
            invitation.delivered(now, None)
            registration.mark_invited((rp.id,), now)
            await uow.open_slots.save(slot)
            await uow.registrations.add(
                registration,
                manage_digest=ctx.secrets.digest(ctx.secrets.manage_token(registration.id)),
                insz_digests=[ctx.secrets.digest(person.insz.digits)],
            )
            await uow.invitations.add(invitation)
            address = registration.owner_address
            await ctx.notify(
                uow,
                Message(
                    MessageKind.OPEN_SLOT_CONFIRMATION,
                    lang.value,
                    address.name,
                    address.email,
                    address.mobile,
                    {
                        "manage_url": ctx.manage_url(registration.id),
                        "centre_name": centre.name,
                        "centre_address": centre.address,
                        "centre_phone": centre.phone.e164 if centre.phone else None,
                        "date": slot.date.isoformat(),
                        "start": slot.start.strftime("%H:%M"),
                        "end": slot.end.strftime("%H:%M"),
                        "vaccination_codes": [code.value],
                    },
                ),
                now=now,
                registration_id=registration.id,
                invitation_id=None,
            )
            await ctx.queue(
                uow,
                Topic.BOOKING_REPORT,
                {
                    "vaccination_code": code.value,
                    "date": slot.date.isoformat(),
                    "invited_at": now.isoformat(),
                    "centre_id": slot.centre_id,
                    "expires_at": None,
                },
                now=now,
                registration_id=registration.id,
                invitation_id=invitation.id,
            )
            await ctx.queue(
                uow,
                Topic.VCDB_MARK_INVITED,
                {
                    "vaccination_code": code.value,
                    "invited_at": now.isoformat(),
                    "centre_id": slot.centre_id,
                    "date": slot.date.isoformat(),
                },
                now=now,
                registration_id=registration.id,
                invitation_id=invitation.id,
            )
            await uow.commit()
        return Claimed(
            registration_id=registration.id,
            status=registration.status.value,
            centre=centre,
            date=slot.date,
            start=slot.start,
            end=slot.end,
        )

    async def _holds_a_place(self, uow: UnitOfWork, person: Person) -> bool:
        """Already waiting on the list, invited or booked: one place per citizen.

        The answer is the same as for an ineligible person, so a claim does not reveal
        whether someone is on the list.
        """
        digest = self._ctx.secrets.digest(person.insz.digits)
        registration_id = await uow.registrations.listed_with_insz(digest)
        if registration_id is None:
            return False
        registration = await uow.registrations.get(registration_id)
        if registration is None:
            return False
        for rp in registration.persons:
            if rp.person.insz != person.insz:
                continue
            if rp.status in (PersonStatus.INVITED, PersonStatus.BOOKED):
                return True
            if rp.status is PersonStatus.ELIGIBLE and registration.is_listable:
                return True
        return False

    async def _stored_eligibility(
        self, person: Person
    ) -> tuple[VcdbStatus, VaccinationCode | None]:
        """R-ASYNC: the status and code stored from an earlier registration, if any."""
        digest = self._ctx.secrets.digest(person.insz.digits)
        async with self._ctx.uow() as uow:
            registration_id = await uow.registrations.listed_with_insz(digest)
            if registration_id is None:
                raise Unavailable("the vaccination code database cannot be reached")
            registration = await uow.registrations.get(registration_id)
        if registration is None:  # pragma: no cover - raced with a withdrawal
            raise Unavailable("the vaccination code database cannot be reached")
        for rp in registration.persons:
            if rp.person.insz == person.insz and rp.vcdb_status is not None:
                return rp.vcdb_status, rp.vaccination_code
        raise Unavailable("the vaccination code database cannot be reached")
