"""The HTTP API of contract section 2: one Controller per resource, thin handlers.

Each handler parses its input into a command, calls one use case and maps the result
to a transport object; errors become problem documents in ``problems``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import Body, PathParameter, QueryParameter, SkipValidation

from lmb.application.centres import CentreInput
from lmb.application.model import Role, StaffToken
from lmb.application.registrations import (
    AvailabilityInput,
    ContactInput,
    PersonInput,
    Register,
)
from lmb.application.sessions import OpenSessionCommand
from lmb.entrypoints.http import dtos
from lmb.entrypoints.http.openapi import (
    AVAILABILITY_EXAMPLES,
    BOOKING_EVENT_EXAMPLES,
    CENTRE_EXAMPLES,
    CLAIM_EXAMPLES,
    CSV_EXAMPLE,
    INVITE_MORE_EXAMPLES,
    REGISTRATION_EXAMPLES,
    SLOTS_EXAMPLES,
    STAFF,
    TOKEN_EXAMPLES,
    example,
    problems,
)
from lmb.entrypoints.http.problems import HttpProblem
from lmb.entrypoints.http.security import optional_staff_of
from lmb.entrypoints.services import Services

#: A CSV import may be larger than a JSON body.
MAX_CSV_BODY = 1024 * 1024
CSV_COLUMNS = ("name", "short_code", "region", "address", "postcodes", "phone")
CSV_MEDIA_TYPES = ("text/csv", "application/csv", "text/plain")

ServicesDep = SkipValidation[Services]
StaffDep = SkipValidation[StaffToken]
Postcode = Annotated[
    str | None,
    QueryParameter(
        name="postcode",
        max_length=10,
        description="A Belgian postcode; without it, everything is listed.",
        examples=[example("Gent", "9000")],
    ),
]
IdParam = Annotated[str, PathParameter(max_length=100)]
TokenParam = Annotated[
    str, PathParameter(max_length=200, description="The manage token from the citizen's link.")
]

ADMIN = frozenset({Role.ADMIN.value})
CENTRE_STAFF = frozenset({Role.CENTRE.value, Role.ADMIN.value})
BOOKING = frozenset({Role.BOOKING_SYSTEM.value})
REPORTING = frozenset({Role.REPORTING.value, Role.ADMIN.value})

PUBLIC = {"rate_limit": "public"}
MANAGE = {"rate_limit": "manage"}
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def _person(p: dtos.PersonIn) -> PersonInput:
    return PersonInput(
        insz=p.insz,
        last_name=p.last_name,
        first_name=p.first_name,
        postcode=p.postcode,
        email=p.email,
        mobile=p.mobile,
    )


def _availability(entries: list[dtos.HalfDayIn]) -> list[AvailabilityInput]:
    return [AvailabilityInput(date=a.date, half_day=a.half_day) for a in entries]


@dataclass
class CsvImportOperation(Operation):
    """The import reads its CSV body itself; this documents it."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="Centres as CSV (UTF-8), one centre per line.",
            content={
                "text/csv": OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING),
                    examples={"two centres": example("two centres", CSV_EXAMPLE)},
                )
            },
        )


class CentreController(Controller):
    path = "/api/v1/centres"
    tags = ["centres"]

    @get(
        "/",
        opt=PUBLIC,
        summary="Centres serving a postcode",
        responses=problems(429),
    )
    async def list_centres(
        self, services: ServicesDep, postcode: Postcode = None
    ) -> list[dtos.CentreOut]:
        """All centres, or those serving ``postcode`` (R-CENTRES)."""
        return [dtos.centre_out(c) for c in await services.centres.list(postcode)]

    @post(
        "/",
        opt={"roles": ADMIN},
        security=BEARER,
        summary="Create a centre (admin)",
        responses=problems(*STAFF, 409, 413),
    )
    async def create_centre(
        self,
        services: ServicesDep,
        staff: StaffDep,
        data: Annotated[dtos.CentreIn, Body(examples=CENTRE_EXAMPLES)],
    ) -> dtos.CentreOut:
        centre = await services.centres.create(
            CentreInput(
                name=data.name,
                short_code=data.short_code,
                region=data.region,
                address=data.address,
                postcodes=list(data.postcodes),
                phone=data.phone,
            ),
            staff,
        )
        return dtos.centre_out(centre)

    @post(
        "/import",
        opt={"roles": ADMIN},
        security=BEARER,
        status_code=200,
        request_max_body_size=MAX_CSV_BODY,
        operation_class=CsvImportOperation,
        summary="Create or update centres from CSV (admin)",
        description=(
            "A CSV file (`text/csv`, UTF-8) with the header "
            "`name,short_code,region,address,postcodes,phone`; postcodes are separated by "
            "`;`. Centres are matched by short code; all rows are taken or none."
        ),
        responses=problems(*STAFF, 413, 415),
    )
    async def import_centres(
        self, services: ServicesDep, staff: StaffDep, request: Request[Any, Any, Any]
    ) -> dtos.ImportOut:
        media_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if media_type not in CSV_MEDIA_TYPES:
            raise HttpProblem(415, "media_type.unsupported")
        rows = parse_centre_csv(await request.body())
        return dtos.import_out(await services.centres.import_rows(rows, staff))


def parse_centre_csv(body: bytes) -> list[dict[str, str]]:
    """Rows of a centres CSV, keyed by the header's column names."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HttpProblem(400, "body.csv_invalid", params={"reason": "not UTF-8"}) from None
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in CSV_COLUMNS if c not in header and c != "phone"]
        if missing:
            raise HttpProblem(
                422,
                "body.csv_invalid",
                params={"reason": "missing columns " + ", ".join(missing)},
                errors=[(f"header.{c}", "field.missing", {}) for c in missing],
            )
        reader.fieldnames = header
        rows = []
        for raw in reader:
            rows.append({k: (v or "").strip() for k, v in raw.items() if isinstance(k, str)})
    except csv.Error as exc:
        raise HttpProblem(400, "body.csv_invalid", params={"reason": str(exc)[:100]}) from None
    return rows


class OpenSlotController(Controller):
    path = "/api/v1"
    tags = ["open slots"]

    @get(
        "/open-slots",
        opt=PUBLIC,
        summary="Announced free slots (R-REG-A)",
        responses=problems(429),
    )
    async def list_open_slots(
        self, services: ServicesDep, postcode: Postcode = None
    ) -> list[dtos.OpenSlotOut]:
        return [dtos.open_slot_out(s) for s in await services.open_slots.list(postcode)]

    @post(
        "/open-slots/{slot_id:str}/claims",
        opt=PUBLIC,
        status_code=201,
        summary="Claim one free slot for one person (R-REG-A, R-INVA-1)",
        description="201 with the centre, date and hours; 409 when no slot is left or the"
        " person cannot be invited.",
        responses=problems(404, 409, 413, 429, 503),
    )
    async def claim_open_slot(
        self,
        services: ServicesDep,
        slot_id: IdParam,
        data: Annotated[dtos.ClaimIn, Body(examples=CLAIM_EXAMPLES)],
    ) -> dtos.ClaimOut:
        claimed = await services.open_slots.claim(slot_id, _person(data.person), data.language)
        return dtos.claim_out(claimed)

    @post(
        "/centres/{centre_id:str}/open-slots",
        opt={"roles": CENTRE_STAFF},
        security=BEARER,
        status_code=201,
        summary="Announce free slots (centre)",
        description="The date lies from today to 5 days ahead.",
        responses=problems(*STAFF, 404, 413),
    )
    async def announce_open_slots(
        self,
        services: ServicesDep,
        staff: StaffDep,
        centre_id: IdParam,
        data: Annotated[dtos.SlotsIn, Body(examples=SLOTS_EXAMPLES)],
    ) -> dtos.OpenSlotOut:
        slot = await services.open_slots.announce(
            centre_id, data.date, data.start, data.end, data.slots, staff
        )
        return dtos.open_slot_out(slot)


class RegistrationController(Controller):
    path = "/api/v1"
    tags = ["registrations"]

    @post(
        "/registrations",
        opt={**PUBLIC, "optional_auth": True},
        security=[{}, *BEARER],
        status_code=202,
        summary="Register for the list (R-REG-B..F)",
        description=(
            "The answer is the same whether or not a person is already listed (no "
            "enumeration). `patient` registrations need a doctor token. The registration "
            "is listed once its owner confirmed the address through the manage link and "
            "the VCDB found the persons eligible."
        ),
        responses=problems(*STAFF, 413, 429),
    )
    async def register(
        self,
        services: ServicesDep,
        request: Request[Any, Any, Any],
        data: Annotated[dtos.RegistrationIn, Body(examples=REGISTRATION_EXAMPLES)],
    ) -> dtos.ReceiptOut:
        doctor = optional_staff_of(request)
        if data.kind == "patient":
            if doctor is None:
                raise HttpProblem(401, "auth.required", headers={"WWW-Authenticate": "Bearer"})
            if doctor.role is not Role.DOCTOR:
                raise HttpProblem(403, "auth.role")
        elif doctor is not None and doctor.role is not Role.DOCTOR:
            doctor = None
        command = Register(
            kind=data.kind,
            language=data.language,
            persons=[_person(p) for p in data.persons],
            centre_ids=list(data.centre_ids),
            availability=_availability(data.availability),
            contact=ContactInput(
                last_name=data.contact.last_name,
                first_name=data.contact.first_name,
                email=data.contact.email,
                mobile=data.contact.mobile,
            )
            if data.contact
            else None,
            companion_of=data.companion_of,
            invite=data.invite,
        )
        receipt = await services.register(
            command, doctor=doctor if data.kind == "patient" else None
        )
        return dtos.receipt_out(receipt)

    @get(
        "/manage/{token:str}",
        opt=MANAGE,
        summary="The registration, as its owner sees it",
        responses=problems(404, 429),
    )
    async def view(self, services: ServicesDep, token: TokenParam) -> dtos.RegistrationOut:
        return dtos.registration_out(await services.manage.view(token))

    @post(
        "/manage/{token:str}/confirm",
        opt=MANAGE,
        status_code=200,
        summary="Confirm the contact address",
        responses=problems(404, 409, 429),
    )
    async def confirm(self, services: ServicesDep, token: TokenParam) -> dtos.RegistrationOut:
        return dtos.registration_out(await services.manage.confirm(token))

    @put(
        "/manage/{token:str}/availability",
        opt=MANAGE,
        summary="Replace and re-confirm availability (R-AVAIL)",
        responses=problems(404, 409, 413, 429),
    )
    async def replace_availability(
        self,
        services: ServicesDep,
        token: TokenParam,
        data: Annotated[dtos.AvailabilityIn, Body(examples=AVAILABILITY_EXAMPLES)],
    ) -> dtos.RegistrationOut:
        view = await services.manage.replace_availability(token, _availability(data.availability))
        return dtos.registration_out(view)

    @delete(
        "/manage/{token:str}",
        opt=MANAGE,
        summary="Withdraw; personal data are erased (N-GDPR)",
        responses=problems(404, 429),
    )
    async def withdraw(self, services: ServicesDep, token: TokenParam) -> None:
        await services.manage.withdraw(token)


class TokenController(Controller):
    path = "/api/v1/tokens"
    tags = ["staff"]

    @post(
        "/",
        opt={"roles": ADMIN},
        security=BEARER,
        summary="Issue a staff token (admin); the token is shown only once",
        responses=problems(*STAFF, 413),
    )
    async def issue_token(
        self,
        services: ServicesDep,
        staff: StaffDep,
        data: Annotated[dtos.TokenIn, Body(examples=TOKEN_EXAMPLES)],
    ) -> dtos.TokenOut:
        issued = await services.staff.issue(
            role=data.role,
            name=data.name,
            centre_ids=list(data.centre_ids) or None,
            nihdi_number=data.nihdi_number,
            actor=staff.id,
        )
        return dtos.token_out(issued)

    @delete(
        "/{token_id:str}",
        opt={"roles": ADMIN},
        security=BEARER,
        summary="Revoke a staff token (admin); refused at once on every instance",
        responses=problems(*STAFF, 404),
    )
    async def revoke_token(self, services: ServicesDep, staff: StaffDep, token_id: IdParam) -> None:
        await services.staff.revoke(token_id, actor=staff.id)


class SessionController(Controller):
    path = "/api/v1"
    tags = ["sessions"]
    security = BEARER

    @post(
        "/centres/{centre_id:str}/sessions",
        opt={"roles": CENTRE_STAFF},
        status_code=201,
        summary="Start the last-minute procedure (centre); invitations go out at once",
        responses=problems(*STAFF, 404, 413),
    )
    async def open_session(
        self,
        services: ServicesDep,
        staff: StaffDep,
        centre_id: IdParam,
        data: Annotated[dtos.SlotsIn, Body(examples=SLOTS_EXAMPLES)],
    ) -> dtos.SessionOut:
        command = OpenSessionCommand(
            centre_id=centre_id, date=data.date, start=data.start, end=data.end, slots=data.slots
        )
        return dtos.session_out(await services.open_session(command, staff))

    @get(
        "/sessions/{session_id:str}",
        opt={"roles": CENTRE_STAFF},
        summary="A session's counts (centre)",
        responses=problems(*STAFF, 404),
    )
    async def session_stats(
        self, services: ServicesDep, staff: StaffDep, session_id: IdParam
    ) -> dtos.SessionOut:
        return dtos.session_out(await services.sessions.stats(session_id, staff))

    @get(
        "/sessions/{session_id:str}/invitations",
        opt={"roles": CENTRE_STAFF},
        summary="A session's invitations in invitation order (centre)",
        responses=problems(*STAFF, 404),
    )
    async def session_invitations(
        self, services: ServicesDep, staff: StaffDep, session_id: IdParam
    ) -> list[dtos.InvitationLineOut]:
        lines = await services.sessions.invitations(session_id, staff)
        return [dtos.invitation_line_out(line) for line in lines]

    @post(
        "/sessions/{session_id:str}/invite-more",
        opt={"roles": CENTRE_STAFF},
        status_code=200,
        summary="Offer `count` more slots: invite the next candidates (centre)",
        responses=problems(*STAFF, 404, 413),
    )
    async def invite_more(
        self,
        services: ServicesDep,
        staff: StaffDep,
        session_id: IdParam,
        data: Annotated[dtos.InviteMoreIn, Body(examples=INVITE_MORE_EXAMPLES)],
    ) -> dtos.SessionOut:
        return dtos.session_out(await services.invite_more(session_id, data.count, staff))


class BookingEventController(Controller):
    path = "/api/v1/booking-events"
    tags = ["booking system"]

    @post(
        "/",
        opt={"roles": BOOKING},
        security=BEARER,
        status_code=204,
        summary="A code was booked or cancelled (booking_system); idempotent",
        responses=problems(*STAFF, 413),
    )
    async def booking_event(
        self,
        services: ServicesDep,
        staff: StaffDep,
        data: Annotated[dtos.BookingEventIn, Body(examples=BOOKING_EVENT_EXAMPLES)],
    ) -> None:
        await services.bookings(data.vaccination_code, data.status, data.at, actor=staff.id)


class ReportController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]

    @get(
        "/summary",
        opt={"roles": REPORTING},
        security=BEARER,
        summary="N-REPORT counts (admin, reporting)",
        responses=problems(*STAFF),
    )
    async def summary(self, services: ServicesDep, staff: StaffDep) -> dtos.SummaryOut:
        return dtos.summary_out(await services.reports.summary(staff))

    @get(
        "/summary.csv",
        opt={"roles": REPORTING},
        security=BEARER,
        media_type="text/csv; charset=utf-8",
        summary="N-REPORT counts as CSV rows `section,key,value` (admin, reporting)",
        responses=problems(*STAFF),
    )
    async def summary_csv(self, services: ServicesDep, staff: StaffDep) -> Response[str]:
        report = await services.reports.summary(staff)
        return Response(
            dtos.report_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="lmb-summary.csv"'},
        )


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["staff"]

    @get(
        "/",
        opt={"roles": ADMIN},
        security=BEARER,
        summary="Staff actions, newest first (admin); never a citizen's personal data",
        responses=problems(*STAFF),
    )
    async def audit(
        self,
        services: ServicesDep,
        staff: StaffDep,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    ) -> list[dtos.AuditEntryOut]:
        return [dtos.audit_entry_out(e) for e in await services.reports.audit(staff, limit)]


class OperationsController(Controller):
    path = "/"
    tags = ["operations"]

    @get("/health/live", summary="The process answers")
    async def live(self) -> dtos.HealthOut:
        return dtos.HealthOut(status="ok")

    @get(
        "/health/ready",
        summary="The database answers",
        responses={
            503: ResponseSpec(
                data_container=dtos.HealthOut,
                description="The database does not answer.",
                generate_examples=False,
            )
        },
    )
    async def ready(self, request: Request[Any, Any, Any]) -> Response[dtos.HealthOut]:
        ok = await request.app.state.runtime.ready()
        return Response(
            dtos.HealthOut(status="ok" if ok else "unavailable"), status_code=200 if ok else 503
        )

    @get(
        "/metrics",
        summary="Prometheus metrics",
        media_type="text/plain; version=0.0.4; charset=utf-8",
    )
    async def metrics(self, request: Request[Any, Any, Any]) -> bytes:
        from prometheus_client import generate_latest

        state = request.app.state
        await state.metrics.refresh(state.runtime)
        return generate_latest(state.metrics.registry)


CONTROLLERS = (
    CentreController,
    OpenSlotController,
    RegistrationController,
    TokenController,
    SessionController,
    BookingEventController,
    ReportController,
    AuditController,
    OperationsController,
)
