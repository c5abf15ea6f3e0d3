"""The use cases, built once from the chosen adapters and handed to the HTTP app and the CLI."""

from __future__ import annotations

from attrs import frozen

from lmb.application.bookings import RecordBookingEvent
from lmb.application.centres import ManageCentres, OpenSlots
from lmb.application.context import Context
from lmb.application.ports import BookingSystem, EligibilityService, Notifier
from lmb.application.registrations import DoctorPatients, ManageRegistration, RegisterForList
from lmb.application.reports import Reports
from lmb.application.sessions import InviteMore, OpenSession, SessionQueries
from lmb.application.staff import StaffTokens
from lmb.application.worker import Worker


@frozen
class Services:
    """Every use case of lmb, ready to call."""

    ctx: Context
    register: RegisterForList
    manage: ManageRegistration
    patients: DoctorPatients
    centres: ManageCentres
    open_slots: OpenSlots
    open_session: OpenSession
    invite_more: InviteMore
    sessions: SessionQueries
    bookings: RecordBookingEvent
    staff: StaffTokens
    reports: Reports
    worker: Worker

    @classmethod
    def build(
        cls,
        ctx: Context,
        *,
        eligibility: EligibilityService,
        booking: BookingSystem,
        notifier: Notifier,
        admin_token: str | None = None,
    ) -> Services:
        return cls(
            ctx=ctx,
            register=RegisterForList(ctx),
            manage=ManageRegistration(ctx),
            patients=DoctorPatients(ctx),
            centres=ManageCentres(ctx),
            open_slots=OpenSlots(ctx, eligibility),
            open_session=OpenSession(ctx),
            invite_more=InviteMore(ctx),
            sessions=SessionQueries(ctx),
            bookings=RecordBookingEvent(ctx),
            staff=StaffTokens(ctx, admin_token),
            reports=Reports(ctx),
            worker=Worker(ctx, eligibility, booking, notifier),
        )
