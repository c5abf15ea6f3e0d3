"""Test support: a whole lmb on in-memory storage, fakes for the VCDB and booking system."""

from __future__ import annotations

import datetime as dt
import hashlib

from attrs import define, field

from lmb.adapters.mail import LogMailer
from lmb.adapters.memory import InMemoryStore
from lmb.adapters.messages import MessageRenderer
from lmb.adapters.notifier import MessageNotifier
from lmb.adapters.system import FixedClock, HmacSecrets
from lmb.application.centres import CentreInput
from lmb.application.context import Context, Settings
from lmb.application.model import Role, StaffToken
from lmb.application.ports import (
    BookingSystem,
    EligibilityAnswer,
    EligibilityService,
    InvitationReport,
    ServiceUnavailable,
    UnitOfWorkFactory,
)
from lmb.application.registrations import (
    AvailabilityInput,
    PersonInput,
    Register,
)
from lmb.domain.insz import Insz
from lmb.domain.person import VaccinationCode, VcdbStatus
from lmb.entrypoints.services import Services
from lmb.testing.builders import an_insz

#: Monday 23 November 2026, 09:00 in Brussels.
NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 23)


def code_for(insz: Insz) -> str:
    h = hashlib.sha256(insz.digits.encode()).hexdigest().upper()
    return f"{h[0:4]}-{h[4:8]}-{h[8:12]}-{h[12:16]}"


@define
class ScriptedVcdb(EligibilityService):
    """Everyone is eligible unless scripted otherwise; can be switched off."""

    answers: dict[str, VcdbStatus] = field(factory=dict)
    #: INSZ digits -> the number that replaced them (C-REGISTRY)
    replaced: dict[str, Insz] = field(factory=dict)
    down: bool = False
    checked: list[str] = field(factory=list)
    marked: list[str] = field(factory=list)

    async def check(self, insz: Insz) -> EligibilityAnswer:
        if self.down:
            raise ServiceUnavailable("VCDB down")
        self.checked.append(insz.digits)
        status = self.answers.get(insz.digits, VcdbStatus.ELIGIBLE)
        code = VaccinationCode.parse(code_for(insz)) if status is VcdbStatus.ELIGIBLE else None
        return EligibilityAnswer(status, code, self.replaced.get(insz.digits))

    async def mark_invited(
        self, code: VaccinationCode, *, invited_at: dt.datetime, centre_id: str, date: dt.date
    ) -> None:
        if self.down:
            raise ServiceUnavailable("VCDB down")
        self.marked.append(code.value)


@define
class RecordingBookingSystem(BookingSystem):
    """Keeps every report by idempotency key; fails while ``failures`` > 0."""

    reports: dict[str, InvitationReport] = field(factory=dict)
    calls: int = 0
    failures: int = 0

    async def report_invitation(self, report: InvitationReport, *, idempotency_key: str) -> None:
        self.calls += 1
        if self.failures > 0:
            self.failures -= 1
            raise ServiceUnavailable("booking system answered 500")
        self.reports[idempotency_key] = report


@define
class Lmb:
    """The system under test and its fakes."""

    clock: FixedClock
    store: UnitOfWorkFactory
    vcdb: ScriptedVcdb
    booking: RecordingBookingSystem
    mailer: LogMailer
    services: Services
    admin: StaffToken

    @property
    def ctx(self) -> Context:
        return self.services.ctx

    def token_for(self, registration_id: str) -> str:
        return self.ctx.secrets.manage_token(registration_id)

    async def run_worker(self, rounds: int = 3) -> None:
        for _ in range(rounds):
            await self.services.worker.run_once()

    def advance(self, **delta: float) -> None:
        self.clock.advance(dt.timedelta(**delta))

    def mails(self, kind: str) -> list[str]:
        """Addresses that got a mail of ``kind``."""
        return [m.to for m in self.mailer.sent if m.kind == kind]

    async def centre(self, short_code: str = "GENT", postcodes: tuple[str, ...] = ("9000",)) -> str:
        centre = await self.services.centres.create(
            CentreInput(
                name=f"Vaccinatiecentrum {short_code.title()}",
                short_code=short_code,
                region="VLG",
                address="Zuiderlaan 13, 9000 Gent",
                postcodes=list(postcodes),
                phone="09 210 10 10",
            ),
            self.admin,
        )
        return centre.id

    async def staff(self, centre_id: str) -> StaffToken:
        issued = await self.services.staff.issue(
            role="centre", name="Gent desk", centre_ids=[centre_id], actor=self.admin.id
        )
        return issued.staff

    async def outbox_counts(self) -> dict[str, int]:
        async with self.ctx.uow() as uow:
            return await uow.outbox.counts()


def person(
    born: dt.date,
    serial: int = 33,
    *,
    first: str = "Jan",
    last: str = "Peeters",
    email: str | None = None,
    postcode: str = "9000",
) -> PersonInput:
    return PersonInput(
        insz=an_insz(born, serial).digits,
        last_name=last,
        first_name=first,
        postcode=postcode,
        email=email or f"{first.lower()}.{serial}@example.be",
        mobile="0470 12 34 56",
    )


def free(*half_days: str, day: dt.date = TODAY) -> list[AvailabilityInput]:
    return [AvailabilityInput(day.isoformat(), h) for h in half_days or ("afternoon",)]


def register_self(p: PersonInput, centre_id: str, **kw: object) -> Register:
    return Register(
        kind=kw.get("kind", "self"),
        language=kw.get("language", "nl"),
        persons=[p],
        centre_ids=[centre_id],
        availability=kw.get("availability", free("afternoon", "evening")),  # type: ignore[arg-type]
        companion_of=kw.get("companion_of"),
    )


async def build_lmb(store: UnitOfWorkFactory | None = None) -> Lmb:
    """Everything wired as in production, on ``store`` (in-memory by default)."""
    clock = FixedClock(NOW)
    store = store or InMemoryStore()
    vcdb = ScriptedVcdb()
    booking = RecordingBookingSystem()
    mailer = LogMailer()
    ctx = Context(
        uow=store,
        clock=clock,
        secrets=HmacSecrets(b"k" * 32),
        settings=Settings(public_url="https://lmb.example.be"),
    )
    services = Services.build(
        ctx,
        eligibility=vcdb,
        booking=booking,
        notifier=MessageNotifier(MessageRenderer(), mailer, None),
        admin_token="bootstrap-admin-token",
    )
    admin = await services.staff.authenticate("bootstrap-admin-token")
    assert admin is not None
    assert admin.role is Role.ADMIN
    return Lmb(clock, store, vcdb, booking, mailer, services, admin)
