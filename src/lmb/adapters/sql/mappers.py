"""Explicit row <-> domain mapping: the domain never learns about tables.

Rows come in as ``RowMapping``s and go out as plain dicts. Personal data passes
through a FieldCipher on the way in and out.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lmb.adapters.sql.cipher import FieldCipher
from lmb.application.model import (
    AuditEntry,
    BookingEventRecord,
    OutboxMessage,
    OutboxStatus,
    Role,
    StaffToken,
    Topic,
)
from lmb.domain.availability import Availability, HalfDay, HalfDaySlot
from lmb.domain.centre import Centre, OpenSlot
from lmb.domain.contact import Email, Mobile, Phone
from lmb.domain.geography import Postcode, Region
from lmb.domain.insz import Insz
from lmb.domain.invitation import Invitation, InvitationStatus
from lmb.domain.person import (
    Contact,
    Person,
    PersonStatus,
    RegisteredPerson,
    VaccinationCode,
    VcdbStatus,
)
from lmb.domain.ranking import Candidate
from lmb.domain.registration import (
    ERASED_AFTER_RETENTION,
    Kind,
    Language,
    Recipient,
    Registration,
    Status,
)
from lmb.domain.session import Session

Row = Mapping[Any, Any]

# -- centres ---------------------------------------------------------------------------


def centre_row(centre: Centre) -> dict[str, Any]:
    return {
        "id": centre.id,
        "name": centre.name,
        "short_code": centre.short_code,
        "region": centre.region.value,
        "address": centre.address,
        "phone": centre.phone.e164 if centre.phone else None,
    }


def centre_from(row: Row, postcodes: Iterable[str]) -> Centre:
    return Centre(
        id=row["id"],
        name=row["name"],
        short_code=row["short_code"],
        region=Region(row["region"]),
        address=row["address"],
        postcodes=frozenset(Postcode(code) for code in postcodes),
        phone=Phone(row["phone"]) if row["phone"] else None,
    )


def open_slot_row(slot: OpenSlot) -> dict[str, Any]:
    return {
        "id": slot.id,
        "centre_id": slot.centre_id,
        "date": slot.date,
        "start": slot.start,
        "end": slot.end,
        "slots": slot.slots,
        "claimed": slot.claimed,
    }


def open_slot_from(row: Row) -> OpenSlot:
    return OpenSlot(
        id=row["id"],
        centre_id=row["centre_id"],
        date=row["date"],
        start=row["start"],
        end=row["end"],
        slots=row["slots"],
        claimed=row["claimed"],
    )


# -- registrations ---------------------------------------------------------------------


def _enc(cipher: FieldCipher, value: str | None) -> str | None:
    return None if value is None else cipher.encrypt(value)


def _dec(cipher: FieldCipher, value: str | None) -> str | None:
    return None if value is None else cipher.decrypt(value)


def retained_since(status: Status, changed_at: dt.datetime | None) -> dt.datetime | None:
    """``registrations.retained_since``: when the retention started, if it runs
    (``ERASED_AFTER_RETENTION``)."""
    return changed_at if status in ERASED_AFTER_RETENTION else None


def registration_row(registration: Registration, cipher: FieldCipher) -> dict[str, Any]:
    """Every column a save rewrites (not the digest, the erasure flag nor the reminder)."""
    contact = registration.contact
    available = registration.availability
    return {
        "id": registration.id,
        "kind": registration.kind.value,
        "language": registration.language.value,
        "status": registration.status.value,
        "created_at": registration.created_at,
        "confirmed_at": registration.confirmed_at,
        "listed_at": registration.listed_at,
        "lapsed": registration.lapsed,
        "withdrawn_at": registration.withdrawn_at,
        "changed_at": registration.changed_at,
        "retained_since": retained_since(registration.status, registration.changed_at),
        "recipient": registration.recipient.value,
        "doctor_id": registration.doctor_id,
        "open_slot_id": registration.open_slot_id,
        "companion_of": _enc(cipher, registration.companion_of),
        "contact_last_name": _enc(cipher, contact.last_name if contact else None),
        "contact_first_name": _enc(cipher, contact.first_name if contact else None),
        "contact_email": _enc(cipher, contact.email.address if contact else None),
        "contact_mobile": _enc(cipher, contact.mobile.e164 if contact and contact.mobile else None),
        "availability_confirmed_at": available.confirmed_at if available else None,
        "lapses_at": available.lapses_at if available else None,
        "reminder_at": available.reminder_at if available else None,
    }


def person_row(
    rp: RegisteredPerson, *, registration_id: str, position: int, cipher: FieldCipher
) -> dict[str, Any]:
    """Every column of a person except ``insz_digest`` (given once, on add)."""
    p = rp.person
    code = rp.vaccination_code.value if rp.vaccination_code else None
    return {
        "id": rp.id,
        "registration_id": registration_id,
        "position": position,
        "insz": cipher.encrypt(p.insz.digits),
        "last_name": cipher.encrypt(p.last_name),
        "first_name": cipher.encrypt(p.first_name),
        "email": _enc(cipher, p.email.address if p.email else None),
        "mobile": _enc(cipher, p.mobile.e164 if p.mobile else None),
        "vaccination_code": _enc(cipher, code),
        "vaccination_code_index": None if code is None else cipher.index(code),
        "postcode": p.postcode.code,
        "region": p.postcode.region.value,
        "birth_key": p.birth_key,
        "vcdb_status": rp.vcdb_status.value if rp.vcdb_status else None,
        "status": rp.status.value,
    }


def person_from(row: Row, cipher: FieldCipher) -> RegisteredPerson:
    email = _dec(cipher, row["email"])
    mobile = _dec(cipher, row["mobile"])
    code = _dec(cipher, row["vaccination_code"])
    person = Person(
        insz=Insz(cipher.decrypt(row["insz"])),
        last_name=cipher.decrypt(row["last_name"]),
        first_name=cipher.decrypt(row["first_name"]),
        postcode=Postcode(row["postcode"]),
        email=Email(email) if email is not None else None,
        mobile=Mobile(mobile) if mobile is not None else None,
    )
    return RegisteredPerson(
        id=row["id"],
        person=person,
        vcdb_status=VcdbStatus(row["vcdb_status"]) if row["vcdb_status"] else None,
        vaccination_code=VaccinationCode(code) if code is not None else None,
        status=PersonStatus(row["status"]),
    )


def availability_rows(registration: Registration) -> set[tuple[Any, str]]:
    if registration.availability is None:
        return set()
    return {(s.date, s.half_day.value) for s in registration.availability.slots}


def registration_from(
    row: Row,
    *,
    persons: Sequence[Row],
    centre_ids: Iterable[str],
    slots: Iterable[Row],
    cipher: FieldCipher,
) -> Registration:
    contact = None
    email = _dec(cipher, row["contact_email"])
    if email is not None:
        mobile = _dec(cipher, row["contact_mobile"])
        contact = Contact(
            last_name=_dec(cipher, row["contact_last_name"]) or "",
            first_name=_dec(cipher, row["contact_first_name"]) or "",
            email=Email(email),
            mobile=Mobile(mobile) if mobile is not None else None,
        )
    availability = None
    if row["availability_confirmed_at"] is not None:
        availability = Availability(
            frozenset(HalfDaySlot(s["date"], HalfDay(s["half_day"])) for s in slots),
            row["availability_confirmed_at"],
        )
    return Registration(
        id=row["id"],
        kind=Kind(row["kind"]),
        language=Language(row["language"]),
        persons=[person_from(p, cipher) for p in sorted(persons, key=lambda p: p["position"])],
        created_at=row["created_at"],
        availability=availability,
        centre_ids=frozenset(centre_ids),
        contact=contact,
        companion_of=_dec(cipher, row["companion_of"]),
        recipient=Recipient(row["recipient"]),
        doctor_id=row["doctor_id"],
        open_slot_id=row["open_slot_id"],
        confirmed_at=row["confirmed_at"],
        listed_at=row["listed_at"],
        lapsed=row["lapsed"],
        withdrawn_at=row["withdrawn_at"],
        status=Status(row["status"]),
        changed_at=row["changed_at"],
    )


def unit_key(person_ids: Sequence[str]) -> str:
    """A unit's identity; units never share a person, so this is unique."""
    return json.dumps(list(person_ids), separators=(",", ":"))


def candidate_unit_rows(registration: Registration) -> dict[str, dict[str, Any]]:
    """The candidate units of ``registration`` by key, as ``candidate_units`` rows.

    Units held by an open invitation are stored too (``Registration.units_and_holds``),
    flagged ``held``: the session query passes them over, and an expiry gives them back
    by flipping the flag.
    """
    result: dict[str, dict[str, Any]] = {}
    available = registration.availability
    for unit, held in registration.units_and_holds():
        candidate = Candidate.for_unit(registration, unit)
        key = unit_key(candidate.person_ids)
        result[key] = {
            "unit_key": key,
            "registration_id": registration.id,
            "first_person_id": candidate.person_ids[0],
            "seats": candidate.seats,
            "rank_class": 0 if candidate.is_companion else 1,
            "birth_key": candidate.birth_key,
            "listed_at": candidate.listed_at,
            "slot_keys": slot_keys(registration, candidate),
            "lapses_at": available.lapses_at if available else None,
            "held": held,
        }
    return result


def slot_key(centre_id: str, date: dt.date, half_day: HalfDay, seats: int, tier: str) -> str:
    """What ``candidate_units.slot_keys`` holds for a unit of ``seats`` persons free at
    one centre on one half-day, in one ``rank_tier``: a session asks for one size at a
    time, and for the best tiers first."""
    return f"{centre_id}|{date.isoformat()}|{half_day.value}|{seats}|{tier}"


#: The earliest birth decade a tier names (1900s); anyone born earlier counts in it.
FIRST_DECADE = 190


def rank_tier(candidate: Candidate) -> str:
    """A coarse slice of the default ranking that keeps its order: ``c`` for companions
    (ranked first), else the birth decade (``194`` for the 1940s; ``999``, unknown)."""
    if candidate.is_companion:
        return "c"
    return str(max(candidate.birth_key // 100_000, FIRST_DECADE))


def tier_windows(date: dt.date) -> list[list[str]]:
    """Every tier, in ranking order, cut into the windows a session's query reads one
    after the other until it has enough units.

    At a busy centre one session's seats are filled from the first window (companions
    and the persons about 80 or older): the query then reads a few hundred rows, not
    the thousands free that half-day. The cut only decides how much is read at once,
    never the order, so any population is ranked the same.
    """
    cutoff = (date.year - 80) // 10
    last = date.year // 10
    return [
        ["c", *(str(d) for d in range(FIRST_DECADE, cutoff + 1))],
        *([str(d)] for d in range(cutoff + 1, cutoff + 4)),
        [*(str(d) for d in range(cutoff + 4, last + 1)), "999"],
    ]


def slot_keys(registration: Registration, candidate: Candidate) -> list[str]:
    if registration.availability is None:
        return []
    tier = rank_tier(candidate)
    return sorted(
        slot_key(centre_id, s.date, s.half_day, candidate.seats, tier)
        for centre_id in registration.centre_ids
        for s in registration.availability.slots
    )


def candidate_from(row: Row) -> Candidate:
    return Candidate(
        registration_id=row["registration_id"],
        person_ids=tuple(json.loads(row["unit_key"])),
        birth_key=row["birth_key"],
        is_companion=row["rank_class"] == 0,
        listed_at=row["listed_at"],
    )


# -- sessions and invitations ------------------------------------------------------------


def session_row(session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "centre_id": session.centre_id,
        "date": session.date,
        "start": session.start,
        "end": session.end,
        "slots": session.slots,
        "opened_at": session.opened_at,
        "opened_by": session.opened_by,
    }


def session_from(row: Row) -> Session:
    return Session(
        id=row["id"],
        centre_id=row["centre_id"],
        date=row["date"],
        start=row["start"],
        end=row["end"],
        slots=row["slots"],
        opened_at=row["opened_at"],
        opened_by=row["opened_by"],
    )


def invitation_row(invitation: Invitation) -> dict[str, Any]:
    """Every column but ``seq`` (set once, on add)."""
    return {
        "id": invitation.id,
        "registration_id": invitation.registration_id,
        "session_id": invitation.session_id,
        "open_slot_id": invitation.open_slot_id,
        "status": invitation.status.value,
        "created_at": invitation.created_at,
        "sent_at": invitation.sent_at,
        "expires_at": invitation.expires_at,
        "closed_at": invitation.closed_at,
        "late_booked_at": invitation.late_booked_at,
        "person_ids": list(invitation.person_ids),
    }


def invitation_from(row: Row) -> Invitation:
    return Invitation(
        id=row["id"],
        registration_id=row["registration_id"],
        person_ids=tuple(row["person_ids"]),
        created_at=row["created_at"],
        session_id=row["session_id"],
        open_slot_id=row["open_slot_id"],
        status=InvitationStatus(row["status"]),
        sent_at=row["sent_at"],
        expires_at=row["expires_at"],
        closed_at=row["closed_at"],
        late_booked_at=row["late_booked_at"],
    )


# -- outbox, staff, events, audit ------------------------------------------------------


def payload_text(payload: Mapping[str, Any], cipher: FieldCipher) -> str:
    return cipher.encrypt(json.dumps(payload, sort_keys=True, ensure_ascii=False))


def outbox_row(message: OutboxMessage, cipher: FieldCipher) -> dict[str, Any]:
    """Every column but ``lease_until`` (the repository's business)."""
    return {
        "id": message.id,
        "topic": message.topic.value,
        "payload": payload_text(message.payload, cipher),
        "idempotency_key": message.idempotency_key,
        "created_at": message.created_at,
        "next_attempt_at": message.next_attempt_at,
        "registration_id": message.registration_id,
        "invitation_id": message.invitation_id,
        "status": message.status.value,
        "attempts": message.attempts,
        "last_error": message.last_error,
        "delivered_at": message.delivered_at,
    }


def outbox_from(row: Row, cipher: FieldCipher) -> OutboxMessage:
    payload = json.loads(cipher.decrypt(row["payload"]))
    return OutboxMessage(
        id=row["id"],
        topic=Topic(row["topic"]),
        payload=payload,
        idempotency_key=row["idempotency_key"],
        created_at=row["created_at"],
        next_attempt_at=row["next_attempt_at"],
        registration_id=row["registration_id"],
        invitation_id=row["invitation_id"],
        status=OutboxStatus(row["status"]),
        attempts=row["attempts"],
        last_error=row["last_error"],
        delivered_at=row["delivered_at"],
    )


def staff_token_row(token: StaffToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "digest": token.digest,
        "role": token.role.value,
        "name": token.name,
        "created_at": token.created_at,
        "centre_ids": sorted(token.centre_ids),
        "nihdi_number": token.nihdi_number,
        "revoked_at": token.revoked_at,
    }


def staff_token_from(row: Row) -> StaffToken:
    return StaffToken(
        id=row["id"],
        digest=row["digest"],
        role=Role(row["role"]),
        name=row["name"],
        created_at=row["created_at"],
        centre_ids=frozenset(row["centre_ids"]),
        nihdi_number=row["nihdi_number"],
        revoked_at=row["revoked_at"],
    )


def booking_event_row(event: BookingEventRecord) -> dict[str, Any]:
    return {
        "key": event.key,
        "code_digest": event.code_digest,
        "status": event.status,
        "at": event.at,
        "received_at": event.received_at,
    }


def audit_row(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "detail": dict(entry.detail),
    }


def audit_from(row: Row) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        at=row["at"],
        actor=row["actor"],
        action=row["action"],
        target=row["target"],
        detail=dict(row["detail"]),
    )
