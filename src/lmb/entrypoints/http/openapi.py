"""OpenAPI details: the problem responses each operation may give, and body examples."""

from __future__ import annotations

from typing import Any

from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, Example, License, SecurityScheme, Tag

from lmb.entrypoints.http.problems import PROBLEM_MEDIA_TYPE, Problem

_DESCRIPTIONS = {
    400: "Malformed request (the body is not JSON, or cannot be read).",
    401: "No bearer token, or a token that is not valid.",
    403: "The token's role or centres do not allow this.",
    404: "Not found.",
    409: "The current state forbids this.",
    413: "The request body is too large.",
    415: "The content type is not accepted.",
    422: "Invalid input: `errors` names every bad field, in the request's language.",
    429: "Too many requests from this address; see Retry-After.",
    503: "A system lmb depends on cannot answer now; try again later.",
}

#: What every operation may answer besides its success.
COMMON = (400, 422, 500)


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """Problem-document responses for ``statuses`` (plus the common ones)."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_DESCRIPTIONS.get(status, "Internal error (no details are given)."),
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for status in sorted({*statuses, *COMMON})
    }


STAFF = (401, 403)


def example(summary: str, value: Any) -> Example:
    return Example(summary=summary, value=value)


PERSON = {
    "insz": "85073003328",
    "last_name": "Peeters",
    "first_name": "Jan",
    "postcode": "9000",
    "email": "jan.peeters@example.org",
    "mobile": "+32470123456",
}

REGISTRATION_EXAMPLES = [
    example(
        "self (R-REG-B)",
        {
            "kind": "self",
            "language": "nl",
            "persons": [PERSON],
            "centre_ids": ["3f0c2a4e-6f1b-4d7e-9a55-0b8f1c2d3e4f"],
            "availability": [
                {"date": "2021-04-12", "half_day": "evening"},
                {"date": "2021-04-13", "half_day": "morning"},
            ],
        },
    ),
    example(
        "group (R-REG-C)",
        {
            "kind": "group",
            "language": "fr",
            "persons": [
                {**PERSON, "first_name": "Marie", "last_name": "Dubois", "postcode": "5000"},
                {
                    "insz": "48021508502",
                    "last_name": "Dubois",
                    "first_name": "Pierre",
                    "postcode": "5000",
                },
            ],
            "centre_ids": ["3f0c2a4e-6f1b-4d7e-9a55-0b8f1c2d3e4f"],
            "availability": [{"date": "2021-04-12", "half_day": "afternoon"}],
        },
    ),
    example(
        "companion (R-REG-D)",
        {
            "kind": "companion",
            "language": "nl",
            "persons": [PERSON],
            "centre_ids": ["3f0c2a4e-6f1b-4d7e-9a55-0b8f1c2d3e4f"],
            "availability": [{"date": "2021-04-12", "half_day": "evening"}],
            "companion_of": "ABCD-EFGH-JKMN-PQRS",
        },
    ),
    example(
        "third party (R-REG-E)",
        {
            "kind": "third_party",
            "language": "de",
            "persons": [{**PERSON, "postcode": "4700"}],
            "contact": {
                "last_name": "Schmitz",
                "first_name": "Anna",
                "email": "anna.schmitz@example.org",
            },
            "centre_ids": ["3f0c2a4e-6f1b-4d7e-9a55-0b8f1c2d3e4f"],
            "availability": [{"date": "2021-04-12", "half_day": "morning"}],
        },
    ),
    example(
        "patient, with a doctor token (R-REG-F)",
        {
            "kind": "patient",
            "language": "nl",
            "persons": [PERSON],
            "contact": {
                "last_name": "Janssens",
                "first_name": "Dokter",
                "email": "dr.janssens@example.org",
            },
            "invite": "doctor",
            "centre_ids": ["3f0c2a4e-6f1b-4d7e-9a55-0b8f1c2d3e4f"],
            "availability": [{"date": "2021-04-12", "half_day": "morning"}],
        },
    ),
]

CLAIM_EXAMPLES = [example("claim one slot", {"person": PERSON, "language": "nl"})]

AVAILABILITY_EXAMPLES = [
    example(
        "two evenings",
        {
            "availability": [
                {"date": "2021-04-12", "half_day": "evening"},
                {"date": "2021-04-14", "half_day": "evening"},
            ]
        },
    )
]

CENTRE_EXAMPLES = [
    example(
        "Gent",
        {
            "name": "Vaccinatiecentrum Gent Expo",
            "short_code": "GENT",
            "region": "VLG",
            "address": "Maaltekouter 1, 9051 Gent",
            "postcodes": ["9000", "9030", "9031", "9032", "9040", "9041", "9042", "9050"],
            "phone": "+3292100000",
        },
    )
]

CSV_EXAMPLE = (
    "name,short_code,region,address,postcodes,phone\n"
    'Vaccinatiecentrum Gent Expo,GENT,VLG,"Maaltekouter 1, 9051 Gent",9000;9030;9040,'
    "+3292100000\n"
    "Centre de vaccination Namur,NAM,WAL,Place d'Armes 1 5000 Namur,5000;5001;5002,\n"
)

TOKEN_EXAMPLES = [
    example(
        "centre staff",
        {"role": "centre", "name": "Gent front desk", "centre_ids": ["<centre id>"]},
    ),
    example("doctor", {"role": "doctor", "name": "Dr. Janssens", "nihdi_number": "1-23456-78-901"}),
    example("booking system", {"role": "booking_system", "name": "regular booking system"}),
]

SLOTS_EXAMPLES = [
    example("an afternoon", {"date": "2021-04-11", "start": "15:00", "end": "19:00", "slots": 12})
]

INVITE_MORE_EXAMPLES = [example("five more", {"count": 5})]

BOOKING_EVENT_EXAMPLES = [
    example(
        "booked",
        {
            "vaccination_code": "ABCD-EFGH-JKMN-PQRS",
            "status": "booked",
            "at": "2021-04-11T13:12:00+00:00",
        },
    )
]


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="lmb — last-minute vaccination booking",
        version="1.0.0",
        description=(
            "Citizens put themselves on a list for leftover doses; centres invite the "
            "best candidates at the last minute. Errors are RFC 9457 problem documents "
            "in the request's language (Accept-Language: nl, fr, de; English otherwise)."
        ),
        license=License(name="EUPL-1.2", identifier="EUPL-1.2"),
        path="/schema",
        render_plugins=[JsonRenderPlugin()],
        components=Components(
            security_schemes={
                "bearer": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="A staff token (roles admin, centre, doctor, booking_system,"
                    " reporting), issued with POST /api/v1/tokens or `lmb token create`.",
                )
            }
        ),
        tags=[
            Tag(name="centres", description="Vaccination centres (R-CENTRES, C-ONBOARD)."),
            Tag(name="open slots", description="Free slots announced and claimed (R-REG-A)."),
            Tag(name="registrations", description="The list and the manage link (R-REG-B..F)."),
            Tag(name="sessions", description="Last-minute sessions (R-SESSION, R-NOTIFY)."),
            Tag(name="staff", description="Staff tokens."),
            Tag(name="booking system", description="Events from the regular booking system."),
            Tag(name="reports", description="N-REPORT."),
            Tag(name="operations", description="Health and metrics (N-MON)."),
        ],
    )
