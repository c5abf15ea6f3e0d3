"""Last-minute sessions: open, invite the best, cascade, invite more (R-SESSION, R-RANK)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from attrs import frozen

from lmb.application.clock import local_today
from lmb.application.context import Context, Notice
from lmb.application.errors import Forbidden, NotFound
from lmb.application.forms import Collector, parse_date, parse_time
from lmb.application.model import Message, MessageKind, Role, StaffToken
from lmb.application.ports import CandidateQuery, UnitOfWork
from lmb.domain.centre import Centre
from lmb.domain.invitation import Invitation, InvitationStatus
from lmb.domain.ranking import Candidate, seats_taken
from lmb.domain.registration import MAX_GROUP, Registration
from lmb.domain.session import Session

#: How many times one fill retries when a chosen unit turned out to be taken meanwhile.
FILL_ROUNDS = 3


@frozen
class OpenSessionCommand:
    centre_id: str
    date: object
    start: object
    end: object
    slots: object


@frozen
class SessionStats:
    id: str
    centre_id: str
    date: dt.date
    start: dt.time
    end: dt.time
    slots: int
    invited: int
    booked: int
    expired: int
    open: int


@frozen
class InvitationLine:
    id: str
    persons: list[str]
    seats: int
    status: str
    sent_at: dt.datetime | None
    expires_at: dt.datetime | None
    late_booked_at: dt.datetime | None


def require_centre_access(actor: StaffToken, centre_id: str) -> None:
    if not actor.may_act_for(centre_id):
        raise Forbidden("this token does not act for that centre")


async def load_centre(uow: UnitOfWork, centre_id: str) -> Centre:
    centre = await uow.centres.get(centre_id)
    if centre is None:
        raise NotFound("no such centre")
    return centre


async def fill(ctx: Context, uow: UnitOfWork, session: Session, now: dt.datetime) -> int:
    """Offer the session's free seats to the best candidates; returns seats offered.

    The session row is locked by the caller, so seats are never overbooked; the
    candidate rows are locked by the store, so parallel sessions never offer one
    person twice. A unit found taken meanwhile is skipped and the fill tries again.
    """
    offered = 0
    centre = await load_centre(uow, session.centre_id)
    for _ in range(FILL_ROUNDS):
        invitations = await uow.invitations.for_session(session.id)
        free = session.slots - seats_taken(invitations)
        if free <= 0:
            break
        query = CandidateQuery(
            centre_id=session.centre_id,
            date=session.date,
            half_days=session.half_days,
            now=now,
            session_id=session.id,
            limits=tuple((s, free // s) for s in range(1, MAX_GROUP + 1) if free // s),
        )
        shortlist = await uow.registrations.candidates(query)
        chosen = ctx.settings.policy.select(shortlist, free)
        if not chosen:
            break
        progress = await _invite(ctx, uow, session, centre, chosen, now)
        offered += progress
        if progress == 0:
            break
    return offered


async def _invite(
    ctx: Context,
    uow: UnitOfWork,
    session: Session,
    centre: Centre,
    chosen: Sequence[Candidate],
    now: dt.datetime,
) -> int:
    """Invite the chosen units in one go; returns the seats offered.

    The registrations are read (locked) together and written back together, and the
    invitations and their messages are stored in one write each: a 200-seat session
    costs a handful of statements, not a dozen per person (N-SCALE). A unit that is no
    longer waiting, or a person without a vaccination code yet, is passed over.
    """
    registrations = {
        r.id: r
        for r in await uow.registrations.get_many(
            [c.registration_id for c in chosen], for_update=True
        )
    }
    invitations: list[Invitation] = []
    notices: list[Notice] = []
    touched: dict[str, Registration] = {}
    for candidate in chosen:
        registration = registrations.get(candidate.registration_id)
        if registration is None or tuple(candidate.person_ids) not in registration.units():
            continue
        persons = [registration.person(pid) for pid in candidate.person_ids]
        codes = [p.vaccination_code.value for p in persons if p.vaccination_code]
        if len(codes) != len(persons):
            # R-ASYNC: without a stored code the person cannot book; wait for the VCDB.
            continue
        invitation = Invitation.issue(
            id=ctx.secrets.new_id(),
            registration_id=registration.id,
            person_ids=tuple(candidate.person_ids),
            now=now,
            session_id=session.id,
        )
        registration.mark_invited(candidate.person_ids, now)
        invitations.append(invitation)
        touched[registration.id] = registration
        address = registration.address_for(candidate.person_ids)
        message = Message(
            MessageKind.INVITATION,
            registration.language.value,
            address.name,
            address.email,
            address.mobile,
            {
                "manage_url": ctx.manage_url(registration.id),
                "centre_name": centre.name,
                "centre_address": centre.address,
                "centre_phone": centre.phone.e164 if centre.phone else None,
                "date": session.date.isoformat(),
                "start": session.start.strftime("%H:%M"),
                "end": session.end.strftime("%H:%M"),
                "vaccination_codes": codes,
                "persons": [f"{p.person.first_name} {p.person.last_name}" for p in persons],
                "booking_url": ctx.settings.booking_public_url,
                "ttl_minutes": int(ctx.settings.invitation_ttl.total_seconds() // 60),
            },
        )
        notices.append(Notice(message, registration.id, invitation.id, sms=True))
    await uow.invitations.add_many(invitations)
    await uow.registrations.save_many(list(touched.values()))
    await ctx.notify_many(uow, notices, now=now)
    return sum(i.seats for i in invitations)


async def release_and_refill(
    ctx: Context,
    uow: UnitOfWork,
    invitation: Invitation,
    now: dt.datetime,
    *,
    release: bool = True,
) -> None:
    """An invitation closed without a booking: its persons wait again, its seats pass on."""
    if release:
        registration = await uow.registrations.get(invitation.registration_id, for_update=True)
        if registration is not None and registration.withdrawn_at is None:
            registration.release(invitation.person_ids, now)
            await uow.registrations.save(registration)
    if invitation.session_id is None:
        return
    session = await uow.sessions.get(invitation.session_id, for_update=True)
    if session is not None and local_today(now) <= session.date:
        await fill(ctx, uow, session, now)


class OpenSession:
    """R-SESSION: a centre opens the procedure; the ranked invitations go out at once."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def __call__(self, cmd: OpenSessionCommand, actor: StaffToken) -> SessionStats:
        ctx = self._ctx
        now = ctx.clock.now()
        require_centre_access(actor, cmd.centre_id)
        c = Collector()
        date = c.take("date", lambda: parse_date(cmd.date))
        start = c.take("start", lambda: parse_time(cmd.start))
        end = c.take("end", lambda: parse_time(cmd.end))
        c.raise_if_any()
        assert date is not None and start is not None and end is not None
        async with ctx.uow() as uow:
            await load_centre(uow, cmd.centre_id)
            session = c.take(
                "",
                lambda: Session.open(
                    id=ctx.secrets.new_id(),
                    centre_id=cmd.centre_id,
                    date=date,
                    start=start,
                    end=end,
                    slots=cmd.slots,
                    now=now,
                    today=local_today(now),
                    opened_by=actor.id,
                ),
            )
            c.raise_if_any()
            assert session is not None
            await uow.sessions.add(session)
            await fill(ctx, uow, session, now)
            await ctx.audit(
                uow,
                actor=actor.id,
                action="session.opened",
                target=session.id,
                now=now,
                centre_id=session.centre_id,
                slots=session.slots,
            )
            stats = await _stats(uow, session)
            await uow.commit()
        return stats


class InviteMore:
    """R-NOTIFY: the centre follows bookings and invites more people if needed."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def __call__(self, session_id: str, count: object, actor: StaffToken) -> SessionStats:
        ctx = self._ctx
        now = ctx.clock.now()
        async with ctx.uow() as uow:
            session = await _session_for(uow, session_id, actor, for_update=True)
            c = Collector()
            c.take("", lambda: session.add_slots(count))
            c.raise_if_any()
            await uow.sessions.save(session)
            await fill(ctx, uow, session, now)
            await ctx.audit(
                uow,
                actor=actor.id,
                action="session.invite_more",
                target=session.id,
                now=now,
                count=count,
            )
            stats = await _stats(uow, session)
            await uow.commit()
        return stats


class SessionQueries:
    """What centre staff see of their sessions."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def stats(self, session_id: str, actor: StaffToken) -> SessionStats:
        async with self._ctx.uow() as uow:
            session = await _session_for(uow, session_id, actor)
            return await _stats(uow, session)

    async def invitations(self, session_id: str, actor: StaffToken) -> list[InvitationLine]:
        async with self._ctx.uow() as uow:
            session = await _session_for(uow, session_id, actor)
            invitations = await uow.invitations.for_session(session.id)
            lines = []
            # The store keeps invitation order; a stable sort by time keeps it within a fill.
            for invitation in sorted(invitations, key=lambda i: i.created_at):
                registration = await uow.registrations.get(invitation.registration_id)
                lines.append(
                    InvitationLine(
                        id=invitation.id,
                        persons=_names(registration, invitation),
                        seats=invitation.seats,
                        status=invitation.status.value,
                        sent_at=invitation.sent_at,
                        expires_at=invitation.expires_at,
                        late_booked_at=invitation.late_booked_at,
                    )
                )
            return lines


def _names(registration: Registration | None, invitation: Invitation) -> list[str]:
    """Centre staff see names and masked INSZ, enough to welcome people at the door."""
    if registration is None or not registration.persons:
        return ["—"] * invitation.seats
    names = []
    for pid in invitation.person_ids:
        try:
            p = registration.person(pid).person
        except KeyError:
            names.append("—")
            continue
        names.append(f"{p.first_name} {p.last_name} ({p.insz.masked()})")
    return names


async def _session_for(
    uow: UnitOfWork, session_id: str, actor: StaffToken, *, for_update: bool = False
) -> Session:
    session = await uow.sessions.get(session_id, for_update=for_update)
    if session is None:
        raise NotFound("no such session")
    if actor.role is not Role.ADMIN and not actor.may_act_for(session.centre_id):
        # Same answer as a missing session: a centre learns nothing of another's.
        raise NotFound("no such session")
    return session


async def _stats(uow: UnitOfWork, session: Session) -> SessionStats:
    invitations = await uow.invitations.for_session(session.id)

    def seats(*statuses: InvitationStatus) -> int:
        return sum(i.seats for i in invitations if i.status in statuses)

    invited = sum(i.seats for i in invitations)
    return SessionStats(
        id=session.id,
        centre_id=session.centre_id,
        date=session.date,
        start=session.start,
        end=session.end,
        slots=session.slots,
        invited=invited,
        booked=seats(InvitationStatus.BOOKED),
        expired=seats(InvitationStatus.EXPIRED),
        open=session.slots - seats_taken(invitations),
    )


class ExpireInvitations:
    """R-NOTIFY: an invitation not booked in time lapses and its seats go to the next.

    One pass expires up to ``limit`` invitations with a few batched statements, tells
    the persons whose invitation had reached them, and refills each session concerned.
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def __call__(self, limit: int = 500) -> int:
        ctx = self._ctx
        now = ctx.clock.now()
        async with ctx.uow() as uow:
            due = await uow.invitations.due(now, ctx.settings.delivery_grace, limit)
            delivered = {i.id for i in due if i.sent_at is not None}
            for invitation in due:
                invitation.expire(now)
            await uow.invitations.save_many(due)
            registrations = {
                r.id: r
                for r in await uow.registrations.get_many(
                    [i.registration_id for i in due], for_update=True
                )
            }
            sessions = {
                sid: await uow.sessions.get(sid, for_update=True)
                for sid in sorted({i.session_id for i in due if i.session_id})
            }
            centres: dict[str, Centre | None] = {}
            touched: dict[str, Registration] = {}
            notices: list[Notice] = []
            for invitation in due:
                registration = registrations.get(invitation.registration_id)
                if registration is None or registration.withdrawn_at is not None:
                    continue
                registration.release(invitation.person_ids, now)
                touched[registration.id] = registration
                session = sessions.get(invitation.session_id) if invitation.session_id else None
                if invitation.id in delivered and session is not None:
                    if session.centre_id not in centres:
                        centres[session.centre_id] = await uow.centres.get(session.centre_id)
                    notices.append(
                        self._notice(registration, invitation, session, centres[session.centre_id])
                    )
            await uow.registrations.save_many(list(touched.values()))
            await ctx.notify_many(uow, notices, now=now)
            for session in sessions.values():
                if session is not None and local_today(now) <= session.date:
                    await fill(ctx, uow, session, now)
            await uow.commit()
        return len(due)

    def _notice(
        self,
        registration: Registration,
        invitation: Invitation,
        session: Session,
        centre: Centre | None,
    ) -> Notice:
        address = registration.address_for(invitation.person_ids)
        message = Message(
            MessageKind.INVITATION_EXPIRED,
            registration.language.value,
            address.name,
            address.email,
            address.mobile,
            {
                "manage_url": self._ctx.manage_url(registration.id),
                "centre_name": centre.name if centre else "",
                "date": session.date.isoformat(),
            },
        )
        return Notice(message, registration.id)
