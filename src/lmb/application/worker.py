"""Background work: the outbox relay, eligibility checks, expiry cascade, lapse and reminders."""

from __future__ import annotations

import datetime as dt
import logging

from attrs import define, frozen

from lmb.application.context import RENDER, Context
from lmb.application.model import Message, MessageKind, OutboxMessage, Topic
from lmb.application.ports import (
    BookingSystem,
    EligibilityService,
    ExternalServiceError,
    InvitationReport,
    Notifier,
    ServiceRejected,
    UnitOfWork,
)
from lmb.application.registrations import announce_status_change
from lmb.application.sessions import ExpireInvitations, compose_message
from lmb.domain.invitation import Invitation
from lmb.domain.person import VaccinationCode

log = logging.getLogger("lmb.worker")

#: How long a worker holds a claimed outbox message before another may take it.
LEASE = dt.timedelta(seconds=120)


@frozen
class Tick:
    """What one pass of the worker did."""

    delivered: int
    failed: int
    expired: int
    lapsed: int
    reminded: int
    purged: int = 0


@define
class Worker:
    """Runs every background duty once per ``run_once``; safe with several workers.

    - Outbox messages are leased (SKIP LOCKED on PostgreSQL), delivered outside any
      transaction, then marked delivered, retried with backoff, or dead.
    - An invitation's deadline starts when its first message is handed over; the
      booking system is told then, with that deadline (R-NOTIFY, R-INVA-2).
    """

    ctx: Context
    eligibility: EligibilityService
    booking: BookingSystem
    notifier: Notifier
    batch: int = 100

    async def run_once(self) -> Tick:
        delivered, failed = await self.relay()
        expired = await ExpireInvitations(self.ctx)(limit=self.batch * 5)
        lapsed = await self.lapse()
        reminded = await self.remind()
        purged = await self.purge()
        return Tick(delivered, failed, expired, lapsed, reminded, purged)

    async def relay(self) -> tuple[int, int]:
        ctx = self.ctx
        async with ctx.uow() as uow:
            messages = await uow.outbox.claim_due(ctx.clock.now(), self.batch, LEASE)
            await uow.commit()
        ok = bad = 0
        for message in messages:
            if await self._deliver(message):
                ok += 1
            else:
                bad += 1
        return ok, bad

    async def _deliver(self, message: OutboxMessage) -> bool:
        try:
            match message.topic:
                case Topic.EMAIL | Topic.SMS:
                    await self._send(message)
                case Topic.VCDB_CHECK:
                    await self._check(message)
                case Topic.VCDB_MARK_INVITED:
                    await self._mark_invited(message)
                case Topic.BOOKING_REPORT:
                    await self._report(message)
        except ExternalServiceError as exc:
            await self._failed(message, exc)
            return False
        return True

    async def _failed(self, message: OutboxMessage, exc: ExternalServiceError) -> None:
        ctx = self.ctx
        # The error's class and text come from our adapters, which never put personal
        # data in them.
        log.warning("outbox %s %s failed: %s", message.topic.value, message.id, type(exc).__name__)
        async with ctx.uow() as uow:
            message.failed(
                ctx.clock.now(),
                f"{type(exc).__name__}: {exc}",
                permanent=isinstance(exc, ServiceRejected),
            )
            await uow.outbox.save(message)
            await uow.commit()

    async def _send(self, message: OutboxMessage) -> None:
        ctx = self.ctx
        handed_at = ctx.clock.now()
        outgoing: Message | None = None
        if message.invitation_id is None and RENDER not in message.payload:
            outgoing = Message.from_payload(message.payload)
        else:
            async with ctx.uow() as uow:
                handed_at = ctx.clock.now()
                outgoing, why_not = await self._compose(uow, message, handed_at)
                if outgoing is None:
                    message.skipped(handed_at, why_not)
                    await uow.outbox.save(message)
                    await uow.commit()
                    return
        if message.topic is Topic.EMAIL:
            await self.notifier.send_email(outgoing)
        else:
            await self.notifier.send_sms(outgoing)
        async with ctx.uow() as uow:
            now = ctx.clock.now()
            message.succeeded(now)
            await uow.outbox.save(message)
            if message.invitation_id is not None:
                await self._delivered(uow, message.invitation_id, handed_at)
            await uow.commit()

    async def _compose(
        self, uow: UnitOfWork, message: OutboxMessage, handed_at: dt.datetime
    ) -> tuple[Message | None, str]:
        """The message to hand over now, or None and why it is skipped.

        An invitation's message is skipped once the invitation closed, or when its
        slot passes on for want of delivery: a citizen never gets an invitation whose
        deadline has (nearly) passed. A message composed at delivery
        (``Context.notify_later``) is built from the stores as they are now.
        """
        ctx = self.ctx
        deadline: dt.datetime | None = None
        invitation: Invitation | None = None
        if message.invitation_id is not None:
            invitation = await uow.invitations.get(message.invitation_id)
            if (
                invitation is None
                or not invitation.is_open
                or invitation.is_due(handed_at, ctx.settings.delivery_grace)
            ):
                return None, "invitation closed before delivery"
            deadline = invitation.expires_at or handed_at + ctx.settings.invitation_ttl
        payload = message.payload
        if RENDER in payload:
            about = str(payload["invitation_id"])
            if invitation is None or invitation.id != about:
                invitation = await uow.invitations.get(about)
            outgoing = None
            if invitation is not None:
                outgoing = await compose_message(ctx, uow, MessageKind(payload[RENDER]), invitation)
            if outgoing is None:
                return None, "nobody to tell any more"
        else:
            outgoing = Message.from_payload(payload)
        if (message.topic is Topic.EMAIL and not outgoing.email) or (
            message.topic is Topic.SMS and not outgoing.mobile
        ):
            return None, "no address for this channel"
        if deadline is not None:
            outgoing = outgoing.with_data(deadline=deadline.isoformat())
        return outgoing, ""

    async def _delivered(self, uow: UnitOfWork, invitation_id: str, at: dt.datetime) -> None:
        """First hand-over of an invitation: start the deadline, tell the booking system."""
        ctx = self.ctx
        invitation = await uow.invitations.get(invitation_id, for_update=True)
        if invitation is None or invitation.sent_at is not None or not invitation.is_open:
            return
        invitation.delivered(at, ctx.settings.invitation_ttl)
        await uow.invitations.save(invitation)
        registration = await uow.registrations.get(invitation.registration_id)
        session = await uow.sessions.get(invitation.session_id) if invitation.session_id else None
        if registration is None or session is None:
            return
        for pid in invitation.person_ids:
            code = registration.person(pid).vaccination_code
            if code is None:
                continue
            await ctx.queue(
                uow,
                Topic.BOOKING_REPORT,
                {
                    "vaccination_code": code.value,
                    "date": session.date.isoformat(),
                    "invited_at": at.isoformat(),
                    "centre_id": session.centre_id,
                    "expires_at": invitation.expires_at.isoformat()
                    if invitation.expires_at
                    else None,
                },
                now=at,
                registration_id=registration.id,
                invitation_id=invitation.id,
                idempotency_key=f"{invitation.id}:{pid}",
            )

    async def _check(self, message: OutboxMessage) -> None:
        """R-ELIG, R-ASYNC: ask the VCDB about one person and store the answer."""
        ctx = self.ctx
        registration_id = str(message.payload["registration_id"])
        person_id = str(message.payload["person_id"])
        async with ctx.uow() as uow:
            registration = await uow.registrations.get(registration_id)
        if registration is None or registration.withdrawn_at is not None:
            await self._done(message, skipped="registration gone")
            return
        try:
            insz = registration.person(person_id).person.insz
        except KeyError:
            await self._done(message, skipped="person gone")
            return
        answer = await self.eligibility.check(insz)
        async with ctx.uow() as uow:
            now = ctx.clock.now()
            fresh = await uow.registrations.get(registration_id, for_update=True)
            if fresh is not None and fresh.withdrawn_at is None:
                was = fresh.status
                replaced = answer.replaced_by
                if replaced is not None and fresh.replace_insz(person_id, replaced, now):
                    # C-REGISTRY: same registration, same place; look-ups follow.
                    await uow.registrations.set_insz_digest(
                        person_id, ctx.secrets.digest(replaced.digits)
                    )
                fresh.record_eligibility(person_id, answer.status, answer.vaccination_code, now)
                await uow.registrations.save(fresh)
                await announce_status_change(ctx, uow, fresh, was, now)
            message.succeeded(now)
            await uow.outbox.save(message)
            await uow.commit()

    async def _done(self, message: OutboxMessage, *, skipped: str | None = None) -> None:
        async with self.ctx.uow() as uow:
            now = self.ctx.clock.now()
            if skipped:
                message.skipped(now, skipped)
            else:
                message.succeeded(now)
            await uow.outbox.save(message)
            await uow.commit()

    async def _mark_invited(self, message: OutboxMessage) -> None:
        p = message.payload
        await self.eligibility.mark_invited(
            VaccinationCode.parse(p["vaccination_code"]),
            invited_at=dt.datetime.fromisoformat(p["invited_at"]),
            centre_id=str(p["centre_id"]),
            date=dt.date.fromisoformat(p["date"]),
        )
        await self._done(message)

    async def _report(self, message: OutboxMessage) -> None:
        p = message.payload
        report = InvitationReport(
            vaccination_code=str(p["vaccination_code"]),
            date=dt.date.fromisoformat(p["date"]),
            invited_at=dt.datetime.fromisoformat(p["invited_at"]),
            centre_id=str(p["centre_id"]),
            expires_at=dt.datetime.fromisoformat(p["expires_at"]) if p.get("expires_at") else None,
        )
        await self.booking.report_invitation(report, idempotency_key=message.idempotency_key)
        await self._done(message)

    async def lapse(self) -> int:
        """R-AVAIL: availability not re-confirmed within 14 days lapses."""
        ctx = self.ctx
        now = ctx.clock.now()
        count = 0
        async with ctx.uow() as uow:
            for registration_id in await uow.registrations.due_for_lapse(now, self.batch * 10):
                registration = await uow.registrations.get(registration_id, for_update=True)
                if registration is not None and registration.lapse_if_due(now):
                    await uow.registrations.save(registration)
                    count += 1
            await uow.commit()
        return count

    async def purge(self) -> int:
        """N-GDPR: erase lapsed, ineligible and booked registrations whose last change is
        older than the retention. Each pass reads one range of an index; once nothing
        is due it costs one empty index look-up."""
        ctx = self.ctx
        now = ctx.clock.now()
        before = now - ctx.settings.retention
        count = 0
        async with ctx.uow() as uow:
            for registration_id in await uow.registrations.due_for_purge(before, self.batch * 10):
                registration = await uow.registrations.get(registration_id, for_update=True)
                if (
                    registration is None
                    or registration.changed_at is None
                    or registration.changed_at >= before
                ):
                    continue
                await uow.registrations.purge(registration_id)
                await uow.outbox.forget_registration(registration_id, now)
                count += 1
            await uow.commit()
        if count:
            log.info("retention: %d registrations erased", count)
        return count

    async def remind(self) -> int:
        """R-AVAIL: two days before the lapse, ask the owner to confirm again."""
        ctx = self.ctx
        now = ctx.clock.now()
        count = 0
        async with ctx.uow() as uow:
            for registration_id in await uow.registrations.due_for_reminder(now, self.batch * 10):
                registration = await uow.registrations.get(registration_id, for_update=True)
                if registration is None or registration.availability is None:
                    continue
                owner = registration.owner_address
                await ctx.notify(
                    uow,
                    Message(
                        MessageKind.AVAILABILITY_REMINDER,
                        registration.language.value,
                        owner.name,
                        owner.email,
                        owner.mobile,
                        {
                            "manage_url": ctx.manage_url(registration.id),
                            "lapses_at": registration.availability.lapses_at.isoformat(),
                        },
                    ),
                    now=now,
                    registration_id=registration.id,
                )
                await uow.registrations.mark_reminded(
                    registration.id, registration.availability.confirmed_at
                )
                count += 1
            await uow.commit()
        return count
