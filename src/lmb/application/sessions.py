"""Last-minute sessions: open, invite the best, cascade, invite more (R-SESSION, R-RANK)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import zlib
from collections.abc import Sequence

from attrs import frozen

from lmb.application.clock import local_today
from lmb.application.context import Context
from lmb.application.errors import Forbidden, NotFound
from lmb.application.forms import Collector, parse_date, parse_time
from lmb.application.model import Message, MessageKind, Role, StaffToken
from lmb.application.ports import CandidateQuery, UnitOfWork
from lmb.domain.invitation import HOLDS_SEATS, Invitation, InvitationStatus
from lmb.domain.ranking import Candidate
from lmb.domain.registration import MAX_GROUP, Registration
from lmb.domain.session import Session

log = logging.getLogger("lmb.sessions")

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


async def fill(
    ctx: Context,
    uow: UnitOfWork,
    session: Session,
    now: dt.datetime,
    *,
    seats: dict[InvitationStatus, int] | None = None,
) -> int:
    """Offer the session's free seats to the best candidates; returns seats offered.

    ``seats``: the session's seats per invitation status when the caller knows them (a
    session opened in this unit of work has none), else they are read.

    The session row is locked by the caller, so seats are never overbooked; the
    candidate rows are locked by the store, so parallel sessions never offer one
    person twice. A unit found taken meanwhile is skipped and the fill tries again;
    when every chosen unit was invited, the shortlist held the best choice there is.
    """
    offered = 0
    if seats is None:
        seats = await uow.invitations.seats_for_session(session.id)
    free = _open_seats(session, seats)
    for _ in range(FILL_ROUNDS):
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
        progress = await _invite(ctx, uow, session, chosen, now)
        offered += progress
        free -= progress
        if progress == sum(c.seats for c in chosen):
            break  # nobody was taken meanwhile: no better choice is left
    return offered


async def _invite(
    ctx: Context,
    uow: UnitOfWork,
    session: Session,
    chosen: Sequence[Candidate],
    now: dt.datetime,
) -> int:
    """Invite the chosen units in one go; returns the seats offered.

    The store marks the units invited in a few set-based statements, the invitations
    are inserted together, and their messages are queued to be composed at delivery:
    a 200-seat session costs a handful of statements and reads nobody's personal data
    (N-SCALE). A unit that is no longer waiting, or a person without a vaccination
    code yet (R-ASYNC: they cannot book before the VCDB answered), is passed over.
    """
    invited = await uow.registrations.invite_units(chosen, now)
    invitations = [
        Invitation.issue(
            id=ctx.secrets.new_id(),
            registration_id=unit.registration_id,
            person_ids=tuple(unit.person_ids),
            now=now,
            session_id=session.id,
        )
        for unit in invited
    ]
    await uow.invitations.add_many(invitations)
    await ctx.notify_later(uow, MessageKind.INVITATION, invitations, now=now, sms=True)
    return sum(i.seats for i in invitations)


async def compose_message(
    ctx: Context, uow: UnitOfWork, kind: MessageKind, invitation: Invitation
) -> Message | None:
    """The message of ``kind`` about an invitation, as it reads now (``notify_later``).

    None when there is nobody to tell any more: the registration or the session is
    gone, or the registration was withdrawn.
    """
    if invitation.session_id is None:
        return None
    registration = await uow.registrations.get(invitation.registration_id)
    session = await uow.sessions.get(invitation.session_id)
    if registration is None or registration.withdrawn_at is not None or session is None:
        return None
    present = {rp.id for rp in registration.persons}
    if not all(pid in present for pid in invitation.person_ids):
        return None
    centre = await uow.centres.get(session.centre_id)
    address = registration.address_for(invitation.person_ids)
    data: dict[str, object] = {
        "manage_url": ctx.manage_url(registration.id),
        "centre_name": centre.name if centre else "",
        "date": session.date.isoformat(),
    }
    if kind is MessageKind.INVITATION:
        persons = [registration.person(pid) for pid in invitation.person_ids]
        data.update(
            centre_address=centre.address if centre else "",
            centre_phone=centre.phone.e164 if centre and centre.phone else None,
            start=session.start.strftime("%H:%M"),
            end=session.end.strftime("%H:%M"),
            vaccination_codes=[p.vaccination_code.value for p in persons if p.vaccination_code],
            persons=[f"{p.person.first_name} {p.person.last_name}" for p in persons],
            booking_url=ctx.settings.booking_public_url,
            ttl_minutes=int(ctx.settings.invitation_ttl.total_seconds() // 60),
        )
    return Message(
        kind, registration.language.value, address.name, address.email, address.mobile, data
    )


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
            if not await uow.centres.existing([cmd.centre_id]):
                raise NotFound("no such centre")
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
            # a new session: no seats to read, and afterwards only those just offered
            seats = dict.fromkeys(InvitationStatus, 0)
            seats[InvitationStatus.SENT] = await fill(ctx, uow, session, now, seats=seats)
            await ctx.audit(
                uow,
                actor=actor.id,
                action="session.opened",
                target=session.id,
                now=now,
                centre_id=session.centre_id,
                slots=session.slots,
            )
            stats = _stats_of(session, seats)
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


def _open_seats(session: Session, seats: dict[InvitationStatus, int]) -> int:
    """The session's seats not held by an open or booked invitation (``seats_taken``)."""
    return session.slots - sum(seats[status] for status in HOLDS_SEATS)


async def _stats(uow: UnitOfWork, session: Session) -> SessionStats:
    return _stats_of(session, await uow.invitations.seats_for_session(session.id))


def _stats_of(session: Session, seats: dict[InvitationStatus, int]) -> SessionStats:
    return SessionStats(
        id=session.id,
        centre_id=session.centre_id,
        date=session.date,
        start=session.start,
        end=session.end,
        slots=session.slots,
        invited=sum(seats.values()),
        booked=seats[InvitationStatus.BOOKED],
        expired=seats[InvitationStatus.EXPIRED],
        open=_open_seats(session, seats),
    )


class ExpireInvitations:
    """R-NOTIFY: an invitation not booked in time lapses and its seats go to the next.

    One pass reads up to ``limit`` due invitations and deals them by registration over
    ``EXPIRY_PARTS`` units of work that run side by side: each locks its invitations,
    expires those still due, releases their persons with a few set-based statements,
    queues a message for those whose invitation had reached them, and commits. No two
    parts touch the same registration, so they never wait for each other. Then each
    session concerned is refilled in a unit of work of its own, ``REFILLS_AT_ONCE`` at
    a time (a cascade of 10,000 expiries refills ~150 sessions).

    A part that fails leaves its invitations due for the next pass; the others still
    commit and their sessions are refilled, and the first error is raised at the end.
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def __call__(self, limit: int = 500) -> int:
        ctx = self._ctx
        now = ctx.clock.now()
        async with ctx.uow() as uow:
            # read only: the locks ``due`` takes end with this unit of work
            due = await uow.invitations.due(now, ctx.settings.delivery_grace, limit)
        if not due:
            return 0
        parts: list[list[str]] = [[] for _ in range(EXPIRY_PARTS)]
        for invitation in due:
            parts[_part(invitation.registration_id)].append(invitation.id)
        results = await asyncio.gather(
            *(self._expire(ids, now) for ids in parts if ids), return_exceptions=True
        )
        expired = [i for r in results if not isinstance(r, BaseException) for i in r]
        errors = [r for r in results if isinstance(r, BaseException)]
        await refill(ctx, sorted({i.session_id for i in expired if i.session_id}), now)
        if errors:
            log.error("%d of %d expiry parts failed", len(errors), len(results))
            raise errors[0]
        return len(expired)

    async def _expire(self, invitation_ids: Sequence[str], now: dt.datetime) -> list[Invitation]:
        """Expire those of ``invitation_ids`` still due, in one unit of work."""
        ctx = self._ctx
        async with ctx.uow() as uow:
            found = await uow.invitations.get_many(invitation_ids, for_update=True)
            due = [i for i in found if i.is_due(now, ctx.settings.delivery_grace)]
            if not due:
                return []
            for invitation in due:
                invitation.expire(now)
            await uow.invitations.save_many(due)
            await uow.registrations.release_expired(due, now)
            reached = [i for i in due if i.sent_at is not None and i.session_id is not None]
            await ctx.notify_later(uow, MessageKind.INVITATION_EXPIRED, reached, now=now)
            await uow.commit()
        return due


#: How many units of work an expiry pass deals its invitations over (by registration).
EXPIRY_PARTS = 4


def _part(registration_id: str) -> int:
    """The expiry part of a registration's invitations (stable across processes)."""
    return zlib.crc32(registration_id.encode()) % EXPIRY_PARTS


#: How many sessions a cascade refills side by side (each holds one connection).
REFILLS_AT_ONCE = 4


async def refill(ctx: Context, session_ids: Sequence[str], now: dt.datetime) -> None:
    """Fill each session again, each in its own unit of work, a few at a time.

    A refill that fails is tried once more; if it fails again the others still run
    and the first error is raised at the end (the worker counts it and its next pass
    goes on), so one broken session never holds up the seats of the others.
    """
    gate = asyncio.Semaphore(REFILLS_AT_ONCE)

    async def one(session_id: str) -> None:
        async with gate:
            for attempt in (1, 2):
                try:
                    async with ctx.uow() as uow:
                        session = await uow.sessions.get(session_id, for_update=True)
                        if session is not None and local_today(now) <= session.date:
                            await fill(ctx, uow, session, now)
                        await uow.commit()
                    return
                except Exception:
                    if attempt == 2:
                        raise
                    log.warning("refill of session %s failed; trying again", session_id)

    results = await asyncio.gather(*(one(sid) for sid in session_ids), return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        log.error("%d of %d sessions were not refilled", len(errors), len(session_ids))
        raise errors[0]
