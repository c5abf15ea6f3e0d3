"""Booking events from the regular booking system (R-NOTIFY, R-INVA context)."""

from __future__ import annotations

import datetime as dt

from lmb.application.context import Context
from lmb.application.forms import Collector
from lmb.application.model import BookingEventRecord
from lmb.application.ports import UnitOfWork
from lmb.application.sessions import release_and_refill
from lmb.domain.errors import ValidationFailed
from lmb.domain.person import VaccinationCode


class RecordBookingEvent:
    """A code was booked or cancelled in the regular booking system.

    - Idempotent: the same (code, status, at) changes nothing the second time.
    - ``booked``: the open invitation holding that person becomes booked; a booking after
      expiry is kept as late and never takes the seats back from the next person.
    - ``cancelled``: the invitation's seats go to the next candidate.
    - An unknown code is accepted and ignored (the caller learns nothing).
    - Every event received is audited (status, moment, how many invitations it
      changed), never with the vaccination code.
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def __call__(
        self,
        vaccination_code: object,
        status: object,
        at: object,
        *,
        actor: str = "booking_system",
    ) -> None:
        ctx = self._ctx
        now = ctx.clock.now()
        c = Collector()
        code = c.take("vaccination_code", lambda: VaccinationCode.parse(vaccination_code))
        if status not in ("booked", "cancelled"):
            c.add(ValidationFailed("status is booked or cancelled", field="status"))
        when = c.take("at", lambda: _parse_instant(at))
        c.raise_if_any()
        assert code is not None and when is not None
        code_digest = ctx.secrets.digest(f"code:{code.value}")
        record = BookingEventRecord(
            key=ctx.secrets.digest(f"{code.value}|{status}|{when.isoformat()}"),
            code_digest=code_digest,
            status=str(status),
            at=when,
            received_at=now,
        )
        async with ctx.uow() as uow:
            if not await uow.booking_events.add_if_new(record):
                await self._audit(uow, actor, record, now, repeated=True, changed=0)
                await uow.commit()
                return
            changed = 0
            for registration in await uow.registrations.by_vaccination_code(code):
                registration = (
                    await uow.registrations.get(registration.id, for_update=True) or registration
                )
                for rp in registration.persons:
                    if rp.vaccination_code != code:
                        continue
                    invitation = await uow.invitations.latest_for_person(registration.id, rp.id)
                    if invitation is None:
                        continue
                    if status == "booked":
                        if invitation.book(when):
                            registration.mark_booked(invitation.person_ids, now)
                            await uow.registrations.save(registration)
                        await uow.invitations.save(invitation)
                        changed += 1
                    elif invitation.cancel(when):
                        await uow.invitations.save(invitation)
                        await release_and_refill(ctx, uow, invitation, now)
                        changed += 1
            await self._audit(uow, actor, record, now, repeated=False, changed=changed)
            await uow.commit()

    async def _audit(
        self,
        uow: UnitOfWork,
        actor: str,
        record: BookingEventRecord,
        now: dt.datetime,
        *,
        repeated: bool,
        changed: int,
    ) -> None:
        await self._ctx.audit(
            uow,
            actor=actor,
            action="booking_event.received",
            now=now,
            status=record.status,
            at=record.at.isoformat(),
            repeated=repeated,
            invitations_changed=changed,
        )


def _parse_instant(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise ValidationFailed("a moment is written as ISO 8601 with its offset") from None
    if parsed.tzinfo is None:
        raise ValidationFailed("a moment needs its UTC offset")
    return parsed.astimezone(dt.UTC)
