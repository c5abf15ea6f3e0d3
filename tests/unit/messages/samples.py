"""Message data for the renderer tests: ordinary, and the longest that is still realistic."""

from __future__ import annotations

from typing import Any

from lmb.application.model import Message, MessageKind

TOKEN = "Xk3vQ9pLr2TnB7yWc4ZsHd8FgJ1mNa6Ue5VtKo0Pq-s"  # 43 characters, like token_urlsafe(32)

ORDINARY: dict[str, Any] = {
    "manage_url": f"https://lastminute.example.be/r/{TOKEN}",
    "confirm_url": f"https://lastminute.example.be/r/{TOKEN}/confirm",
    "availability_until": "2021-04-25T21:59:59+00:00",
    "lapses_at": "2021-04-25T21:59:59+00:00",
    "centre_name": "Vaccinatiecentrum Gent Expo",
    "centre_address": "Maaltekouter 1, 9051 Gent",
    "centre_phone": "+3292345678",
    "date": "2021-04-12",
    "start": "15:00",
    "end": "19:00",
    "vaccination_codes": ["ABCD-EFGH-JKMN-PQRS"],
    "persons": ["Maria Peeters"],
    "booking_url": "https://booking.example.be/last-minute",
    "ttl_minutes": 30,
    "deadline": "2021-04-12T13:30:00+00:00",
}

LONGEST: dict[str, Any] = {
    **ORDINARY,
    "manage_url": f"https://lastminute.vaccinatie-info.be/r/{TOKEN}",
    "confirm_url": f"https://lastminute.vaccinatie-info.be/r/{TOKEN}/confirm",
    "centre_name": "Vaccinatiecentrum Sint-Pieters-Leeuw – Sportcomplex De Merel",  # noqa: RUF001
    "centre_address": "Bergensesteenweg 1024 bus 3, 1600 Sint-Pieters-Leeuw",
    "centre_phone": "+3225550123",
    "date": "2021-09-29",
    "start": "17:00",
    "end": "21:30",
    "vaccination_codes": [
        "ABCD-EFGH-JKMN-PQRS",
        "BCDE-FGHJ-KMNP-QRST",
        "CDEF-GHJK-MNPQ-RSTU",
        "DEFG-HJKM-NPQR-STUV",
    ],
    "persons": [
        "Marie-Christine Van den Bossche-Vandenberghe",
        "Jean-François Van den Bossche",
        "Ève Lefèvre-Dubois",
        "Jürgen Müller-Schönfeld",
    ],
    "booking_url": "https://www.vaccinatie-info.be/boeken/lastminute",
    "deadline": "2021-09-29T21:59:00+00:00",
}


def message(
    kind: MessageKind, language: str, data: dict[str, Any] | None = None, **extra: Any
) -> Message:
    return Message(
        kind=kind,
        language=language,
        name="Marie-Christine Van den Bossche-Vandenberghe" if data is LONGEST else "Maria Peeters",
        email="maria.peeters@example.be",
        mobile="+32470123456",
        data={**(ORDINARY if data is None else data), **extra},
    )
