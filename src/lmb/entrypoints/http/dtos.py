"""Transport objects of the HTTP API (contract section 2), separate from domain objects.

Requests are decoded by Litestar into these msgspec Structs (shape and types); the use
cases then validate the values and name every bad field. Responses are built from use
case results by the ``*_out`` functions; an INSZ only ever leaves masked.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from msgspec import Meta

from lmb.application.centres import Claimed, ImportResult
from lmb.application.model import AuditEntry
from lmb.application.registrations import InvitationView, Receipt, RegistrationView
from lmb.application.reports import Report
from lmb.application.sessions import InvitationLine, SessionStats
from lmb.application.staff import IssuedToken
from lmb.domain.centre import Centre, OpenSlot

Short = Annotated[str, Meta(max_length=200)]
Text = Annotated[str, Meta(max_length=400)]
Hour = Annotated[str, Meta(max_length=8, examples=["15:00"], description="HH:MM")]
Id = Annotated[str, Meta(max_length=100)]
# Closed sets are plain strings on the wire, checked by the use cases: so one answer
# names every bad field, each with a message in the caller's language.


HalfDayName = Annotated[
    str,
    Meta(
        max_length=20,
        description="morning | afternoon | evening",
        examples=["morning"],
        extra_json_schema={"enum": ["morning", "afternoon", "evening"]},
    ),
]
LanguageName = Annotated[
    str,
    Meta(
        max_length=20,
        description="nl | fr | de",
        examples=["nl"],
        extra_json_schema={"enum": ["nl", "fr", "de"]},
    ),
]
RegionName = Annotated[
    str,
    Meta(
        max_length=20,
        description="VLG | BRU | WAL | OOS",
        examples=["VLG"],
        extra_json_schema={"enum": ["VLG", "BRU", "WAL", "OOS"]},
    ),
]
KindName = Annotated[
    str,
    Meta(
        max_length=20,
        description="self | group | companion | third_party | patient",
        examples=["self"],
        extra_json_schema={"enum": ["self", "group", "companion", "third_party", "patient"]},
    ),
]
RoleName = Annotated[
    str,
    Meta(
        max_length=20,
        description="admin | centre | doctor | booking_system | reporting",
        examples=["admin"],
        extra_json_schema={"enum": ["admin", "centre", "doctor", "booking_system", "reporting"]},
    ),
]
DateText = Annotated[
    str,
    Meta(
        max_length=10,
        description="YYYY-MM-DD",
        examples=["2021-04-11"],
        extra_json_schema={"format": "date"},
    ),
]
SlotCount = Annotated[int, Meta(description="a whole number, 1 to 10000")]


# -- requests ------------------------------------------------------------------------------


class PersonIn(msgspec.Struct, forbid_unknown_fields=True):
    """A person to list (R-DATA); e-mail and mobile are needed of whoever gets messages."""

    insz: Annotated[str, Meta(max_length=40, description="national register or BIS number")]
    last_name: Short
    first_name: Short
    postcode: Annotated[str, Meta(max_length=10)]
    email: Annotated[str, Meta(max_length=320)] | None = None
    mobile: Annotated[str, Meta(max_length=40)] | None = None


class ContactIn(msgspec.Struct, forbid_unknown_fields=True):
    """Who registers third parties (R-REG-E) or the doctor's address (R-REG-F)."""

    last_name: Short
    first_name: Short
    email: Annotated[str, Meta(max_length=320)]
    mobile: Annotated[str, Meta(max_length=40)] | None = None


class HalfDayIn(msgspec.Struct, forbid_unknown_fields=True):
    date: DateText
    half_day: HalfDayName


class RegistrationIn(msgspec.Struct, forbid_unknown_fields=True):
    """A registration for the list (R-REG-B..F)."""

    kind: KindName
    language: LanguageName
    persons: Annotated[list[PersonIn], Meta(max_length=10)]
    centre_ids: Annotated[list[Id], Meta(max_length=20)] = msgspec.field(default_factory=list)
    availability: Annotated[list[HalfDayIn], Meta(max_length=60)] = msgspec.field(
        default_factory=list
    )
    contact: ContactIn | None = None
    companion_of: Annotated[str, Meta(max_length=60)] | None = None
    invite: (
        Annotated[
            str,
            Meta(
                max_length=20,
                description="patient | doctor",
                examples=["patient"],
                extra_json_schema={"enum": ["patient", "doctor"]},
            ),
        ]
        | None
    ) = None


class ClaimIn(msgspec.Struct, forbid_unknown_fields=True):
    """Claim one free slot for one person (R-REG-A)."""

    person: PersonIn
    language: LanguageName


class AvailabilityIn(msgspec.Struct, forbid_unknown_fields=True):
    """The new availability, confirmed again for 14 days (R-AVAIL)."""

    availability: Annotated[list[HalfDayIn], Meta(max_length=60)]


class CentreIn(msgspec.Struct, forbid_unknown_fields=True):
    """A vaccination centre (C-ONBOARD)."""

    name: Short
    short_code: Annotated[str, Meta(max_length=10)]
    region: RegionName
    address: Text
    postcodes: Annotated[list[Annotated[str, Meta(max_length=10)]], Meta(max_length=2000)]
    phone: Annotated[str, Meta(max_length=40)] | None = None


class TokenIn(msgspec.Struct, forbid_unknown_fields=True):
    role: RoleName
    name: Short
    centre_ids: Annotated[list[Id], Meta(max_length=100)] = msgspec.field(default_factory=list)
    nihdi_number: Annotated[str, Meta(max_length=40)] | None = None


class SlotsIn(msgspec.Struct, forbid_unknown_fields=True):
    """A moment at a centre: date, hours and number of slots (R-REG-A, R-SESSION)."""

    date: dt.date
    start: Hour
    end: Hour
    slots: SlotCount


class InviteMoreIn(msgspec.Struct, forbid_unknown_fields=True):
    count: SlotCount


class BookingEventIn(msgspec.Struct, forbid_unknown_fields=True):
    vaccination_code: Annotated[str, Meta(max_length=60)]
    status: Annotated[
        str,
        Meta(
            max_length=20,
            description="booked | cancelled",
            examples=["booked"],
            extra_json_schema={"enum": ["booked", "cancelled"]},
        ),
    ]
    at: dt.datetime


# -- responses -----------------------------------------------------------------------------


class CentreOut(msgspec.Struct):
    id: str
    name: str
    short_code: str
    region: str
    address: str
    postcodes: list[str]
    phone: str | None


class OpenSlotOut(msgspec.Struct):
    id: str
    centre_id: str
    date: dt.date
    start: str
    end: str
    available: int


class ClaimOut(msgspec.Struct):
    registration_id: str
    status: str
    centre: CentreOut
    date: dt.date
    start: str
    end: str


class PersonReceiptOut(msgspec.Struct):
    insz: str
    status: str


class ReceiptOut(msgspec.Struct):
    id: str
    status: str
    persons: list[PersonReceiptOut]
    availability_until: dt.datetime | None


class PersonOut(msgspec.Struct):
    id: str
    insz: str
    first_name: str
    last_name: str
    postcode: str
    status: str


class HalfDayOut(msgspec.Struct):
    date: dt.date
    half_day: str


class InvitationOut(msgspec.Struct):
    id: str
    status: str
    centre_id: str | None
    date: dt.date | None
    start: str | None
    end: str | None
    sent_at: dt.datetime | None
    expires_at: dt.datetime | None


class RegistrationOut(msgspec.Struct):
    id: str
    kind: str
    language: str
    status: str
    created_at: dt.datetime
    confirmed: bool
    persons: list[PersonOut]
    centre_ids: list[str]
    availability: list[HalfDayOut]
    availability_confirmed_at: dt.datetime | None
    availability_until: dt.datetime | None
    contact_name: str | None
    companion_of: str | None
    invitations: list[InvitationOut]


class ImportOut(msgspec.Struct):
    created: int
    updated: int


class TokenOut(msgspec.Struct):
    token: str
    id: str
    role: str
    name: str
    centre_ids: list[str]
    nihdi_number: str | None


class SessionOut(msgspec.Struct):
    id: str
    centre_id: str
    date: dt.date
    start: str
    end: str
    slots: int
    invited: int
    booked: int
    expired: int
    open: int


class InvitationLineOut(msgspec.Struct):
    id: str
    persons: list[str]
    seats: int
    status: str
    sent_at: dt.datetime | None
    expires_at: dt.datetime | None
    late_booked_at: dt.datetime | None


class SummaryOut(msgspec.Struct):
    """N-REPORT: the contract's fields first, then the breakdown (counts only)."""

    registered: int
    invited: int
    groups: int
    third_party_invitations: int
    by_region: dict[str, int]
    by_centre: dict[str, int]
    by_status: dict[str, int]
    #: registrations of kind ``patient``
    doctor_registrations: int
    #: invitations booked (in time) and expired
    bookings: int
    expiries: int
    #: invitations by status, plus ``late`` bookings
    invitations: dict[str, int]
    by_kind: dict[str, int]
    by_province: dict[str, int]
    invitations_by_centre: dict[str, dict[str, int]]
    registrations_per_day: dict[str, int]
    invitations_per_day: dict[str, int]


class AuditEntryOut(msgspec.Struct):
    id: str
    at: dt.datetime
    actor: str
    action: str
    target: str | None
    detail: dict[str, object]


class HealthOut(msgspec.Struct):
    status: str


# -- mapping -------------------------------------------------------------------------------


def hhmm(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def _hhmm(value: dt.time) -> str:
    return value.strftime("%H:%M")


def centre_out(centre: Centre) -> CentreOut:
    return CentreOut(
        id=centre.id,
        name=centre.name,
        short_code=centre.short_code,
        region=centre.region.value,
        address=centre.address,
        postcodes=sorted(p.code for p in centre.postcodes),
        phone=centre.phone.e164 if centre.phone else None,
    )


def open_slot_out(slot: OpenSlot) -> OpenSlotOut:
    return OpenSlotOut(
        id=slot.id,
        centre_id=slot.centre_id,
        date=slot.date,
        start=_hhmm(slot.start),
        end=_hhmm(slot.end),
        available=slot.available,
    )


def claim_out(claimed: Claimed) -> ClaimOut:
    return ClaimOut(
        registration_id=claimed.registration_id,
        status=claimed.status,
        centre=centre_out(claimed.centre),
        date=claimed.date,
        start=_hhmm(claimed.start),
        end=_hhmm(claimed.end),
    )


def receipt_out(receipt: Receipt) -> ReceiptOut:
    return ReceiptOut(
        id=receipt.id,
        status=receipt.status,
        persons=[
            PersonReceiptOut(insz=masked, status=status) for masked, status in receipt.persons
        ],
        availability_until=receipt.availability_until,
    )


def _invitation_out(view: InvitationView) -> InvitationOut:
    return InvitationOut(
        id=view.id,
        status=view.status,
        centre_id=view.centre_id,
        date=view.date,
        start=hhmm(view.start),
        end=hhmm(view.end),
        sent_at=view.sent_at,
        expires_at=view.expires_at,
    )


def registration_out(view: RegistrationView) -> RegistrationOut:
    return RegistrationOut(
        id=view.id,
        kind=view.kind,
        language=view.language,
        status=view.status,
        created_at=view.created_at,
        confirmed=view.confirmed,
        persons=[
            PersonOut(
                id=p.id,
                insz=p.insz_masked,
                first_name=p.first_name,
                last_name=p.last_name,
                postcode=p.postcode,
                status=p.status,
            )
            for p in view.persons
        ],
        centre_ids=list(view.centre_ids),
        availability=[HalfDayOut(s.date, s.half_day.value) for s in view.availability],
        availability_confirmed_at=view.availability_confirmed_at,
        availability_until=view.availability_until,
        contact_name=view.contact_name,
        companion_of=view.companion_of,
        invitations=[_invitation_out(i) for i in view.invitations],
    )


def import_out(result: ImportResult) -> ImportOut:
    return ImportOut(created=result.created, updated=result.updated)


def token_out(issued: IssuedToken) -> TokenOut:
    staff = issued.staff
    return TokenOut(
        token=issued.token,
        id=staff.id,
        role=staff.role.value,
        name=staff.name,
        centre_ids=sorted(staff.centre_ids),
        nihdi_number=staff.nihdi_number,
    )


def session_out(stats: SessionStats) -> SessionOut:
    return SessionOut(
        id=stats.id,
        centre_id=stats.centre_id,
        date=stats.date,
        start=_hhmm(stats.start),
        end=_hhmm(stats.end),
        slots=stats.slots,
        invited=stats.invited,
        booked=stats.booked,
        expired=stats.expired,
        open=stats.open,
    )


def invitation_line_out(line: InvitationLine) -> InvitationLineOut:
    return InvitationLineOut(
        id=line.id,
        persons=list(line.persons),
        seats=line.seats,
        status=line.status,
        sent_at=line.sent_at,
        expires_at=line.expires_at,
        late_booked_at=line.late_booked_at,
    )


def summary_out(report: Report) -> SummaryOut:
    summary, more = report.summary, report.breakdown
    return SummaryOut(
        registered=summary.registered,
        invited=summary.invited,
        groups=summary.groups,
        third_party_invitations=summary.third_party_invitations,
        by_region=dict(summary.by_region),
        by_centre=dict(summary.by_centre),
        by_status=dict(summary.by_status),
        doctor_registrations=report.doctor_registrations,
        bookings=report.bookings,
        expiries=report.expiries,
        invitations=dict(summary.invitations),
        by_kind=dict(more.by_kind),
        by_province=dict(sorted(more.by_province.items())),
        invitations_by_centre={c: dict(v) for c, v in more.invitations_by_centre.items()},
        registrations_per_day=dict(sorted(more.registrations_per_day.items())),
        invitations_per_day=dict(sorted(more.invitations_per_day.items())),
    )


def report_csv(report: Report) -> str:
    """The report as CSV rows ``section,key,value`` (one number per row, for pivoting)."""
    data = msgspec.to_builtins(summary_out(report))
    names = SummaryOut.__struct_fields__
    lines = ["section,key,value"]
    lines += [f"total,{name},{data[name]}" for name in names if isinstance(data[name], int)]
    for name in names:
        value = data[name]
        if isinstance(value, int):
            continue
        if name == "invitations_by_centre":
            for centre_id, counts in value.items():
                lines.extend(f"{name},{_csv(centre_id)}/{k},{n}" for k, n in counts.items())
        else:
            lines.extend(f"{name},{_csv(str(k))},{n}" for k, n in value.items())
    return "\r\n".join(lines) + "\r\n"


def _csv(text: str) -> str:
    """Keys are codes and ids; quote anyway, and defuse spreadsheet formulas."""
    if text[:1] in ("=", "+", "-", "@"):
        text = "'" + text
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def audit_entry_out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        id=entry.id,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        target=entry.target,
        detail=dict(entry.detail),
    )
