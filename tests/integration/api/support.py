"""Test support for the HTTP API: people with valid INSZ, payload builders, a staff kit."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from typing import Any

from attrs import define, field
from litestar.testing import AsyncTestClient

from lmb.application.ports import EligibilityAnswer
from lmb.domain.person import VaccinationCode, VcdbStatus
from lmb.entrypoints.container import Runtime
from lmb.entrypoints.http import HttpSettings

#: Monday 23 November 2026, 09:00 in Brussels.
NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 23)
TOMORROW = TODAY + dt.timedelta(days=1)
ADMIN_TOKEN = "admin-token-for-the-api-tests"
SECRET_KEY = "a-secret-key-for-the-api-tests-only"

#: Generous limits: only the rate-limit tests want to hit them.
RELAXED = HttpSettings(public_rate_limit=100_000, manage_rate_limit=100_000)

_serials = itertools.count(1)
#: Every INSZ a test put in a request: no response body may ever carry one in full.
ISSUED_INSZ: set[str] = set()

Client = AsyncTestClient[Any]
Json = dict[str, Any]


def insz(born: dt.date = dt.date(1950, 5, 17)) -> str:
    """A fresh valid national register number for someone born on ``born``."""
    serial = next(_serials) % 997 + 1
    first9 = f"{born:%y%m%d}{serial:03d}"
    number = int(("2" if born.year >= 2000 else "") + first9)
    digits = f"{first9}{97 - number % 97:02d}"
    ISSUED_INSZ.add(digits)
    return digits


def person(
    *,
    born: dt.date = dt.date(1950, 5, 17),
    first_name: str = "Jan",
    last_name: str = "Peeters",
    postcode: str = "9000",
    reachable: bool = True,
    **overrides: Any,
) -> Json:
    body: Json = {
        "insz": insz(born),
        "last_name": last_name,
        "first_name": first_name,
        "postcode": postcode,
    }
    if reachable:
        body["email"] = f"{first_name.lower()}.{last_name.lower()}@example.org"
        body["mobile"] = "+32470123456"
    body.update(overrides)
    return body


def registration(
    centre_id: str,
    *,
    kind: str = "self",
    persons: list[Json] | None = None,
    language: str = "nl",
    availability: list[Json] | None = None,
    **extra: Any,
) -> Json:
    return {
        "kind": kind,
        "language": language,
        "persons": persons if persons is not None else [person()],
        "centre_ids": [centre_id],
        "availability": availability
        if availability is not None
        else [
            {"date": TODAY.isoformat(), "half_day": "evening"},
            {"date": TOMORROW.isoformat(), "half_day": "morning"},
        ],
        **extra,
    }


def code_for(digits: str) -> str:
    return f"CODE-{digits[-6:]}-TEST"


def make_eligible(runtime: Runtime, digits: str, status: VcdbStatus = VcdbStatus.ELIGIBLE) -> str:
    """Tell the simulated VCDB what to answer for ``digits``; returns the vaccination code."""
    code = code_for(digits)
    vcdb = runtime.adapter("eligibility")
    vcdb.answers[digits] = EligibilityAnswer(
        status, VaccinationCode.parse(code) if status is not VcdbStatus.NOT_ELIGIBLE else None
    )
    return code


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


ADMIN = bearer(ADMIN_TOKEN)


def centre_body(short_code: str = "GENT", postcodes: tuple[str, ...] = ("9000", "9050")) -> Json:
    return {
        "name": f"Vaccinatiecentrum {short_code.title()}",
        "short_code": short_code,
        "region": "VLG",
        "address": "Maaltekouter 1, 9051 Gent",
        "postcodes": list(postcodes),
        "phone": "+3292100000",
    }


@define
class Staff:
    """A centre with a token of every role, made through the API."""

    client: Client
    runtime: Runtime
    centre_id: str = ""
    tokens: dict[str, dict[str, str]] = field(factory=dict)

    @classmethod
    async def create(cls, client: Client, runtime: Runtime, short_code: str = "GENT") -> Staff:
        kit = cls(client, runtime)
        response = await client.post("/api/v1/centres", json=centre_body(short_code), headers=ADMIN)
        assert response.status_code == 201, response.text
        kit.centre_id = response.json()["id"]
        for role, extra in (
            ("centre", {"centre_ids": [kit.centre_id]}),
            ("doctor", {"nihdi_number": "1-23456-78-901"}),
            ("booking_system", {}),
            ("reporting", {}),
        ):
            issued = await client.post(
                "/api/v1/tokens",
                json={"role": role, "name": f"{role} desk", **extra},
                headers=ADMIN,
            )
            assert issued.status_code == 201, issued.text
            kit.tokens[role] = bearer(issued.json()["token"])
        kit.tokens["admin"] = ADMIN
        return kit

    def manage_token(self, registration_id: str) -> str:
        return self.runtime.services.ctx.secrets.manage_token(registration_id)

    async def register(self, body: Json, headers: Mapping[str, str] | None = None) -> Json:
        for p in body["persons"]:
            make_eligible(self.runtime, p["insz"])
        response = await self.client.post("/api/v1/registrations", json=body, headers=headers)
        assert response.status_code == 202, response.text
        result: Json = response.json()
        return result

    async def confirm(self, registration_id: str) -> Json:
        token = self.manage_token(registration_id)
        response = await self.client.post(f"/api/v1/manage/{token}/confirm")
        assert response.status_code == 200, response.text
        result: Json = response.json()
        return result

    async def manage_view(self, registration_id: str) -> Json:
        response = await self.client.get(f"/api/v1/manage/{self.manage_token(registration_id)}")
        assert response.status_code == 200, response.text
        result: Json = response.json()
        return result

    async def work(self, passes: int = 3) -> None:
        for _ in range(passes):
            await self.runtime.services.worker.run_once()

    async def open_session(
        self, slots: int = 1, start: str = "17:00", end: str = "19:00", date: dt.date = TODAY
    ) -> Json:
        response = await self.client.post(
            f"/api/v1/centres/{self.centre_id}/sessions",
            json={"date": date.isoformat(), "start": start, "end": end, "slots": slots},
            headers=self.tokens["centre"],
        )
        assert response.status_code == 201, response.text
        result: Json = response.json()
        return result

    async def book(self, code: str, status: str = "booked") -> None:
        response = await self.client.post(
            "/api/v1/booking-events",
            json={"vaccination_code": code, "status": status, "at": NOW.isoformat()},
            headers=self.tokens["booking_system"],
        )
        assert response.status_code == 204, response.text

    async def summary(self) -> Json:
        response = await self.client.get(
            "/api/v1/reports/summary", headers=self.tokens["reporting"]
        )
        assert response.status_code == 200, response.text
        result: Json = response.json()
        return result
