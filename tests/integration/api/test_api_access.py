"""Roles and scopes: who may call what (contract section 2, N-SEC)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.api.support import (
    ADMIN,
    TODAY,
    Client,
    Staff,
    bearer,
    centre_body,
    registration,
)

CSV = "name,short_code,region,address,postcodes,phone\nLeuven,LEUV,VLG,Markt 1,3000,\n"

#: (method, path, JSON body or CSV text, roles allowed); ``{centre}`` and ``{session}`` are
#: filled in with the kit's centre and a session of it.
STAFF_ENDPOINTS: list[tuple[str, str, Any, set[str]]] = [
    ("POST", "/api/v1/centres", centre_body("LEUV", ("3000",)), {"admin"}),
    ("POST", "/api/v1/centres/import", CSV, {"admin"}),
    ("POST", "/api/v1/tokens", {"role": "reporting", "name": "x"}, {"admin"}),
    (
        "POST",
        "/api/v1/centres/{centre}/open-slots",
        {"date": TODAY.isoformat(), "start": "15:00", "end": "16:00", "slots": 1},
        {"centre", "admin"},
    ),
    (
        "POST",
        "/api/v1/centres/{centre}/sessions",
        {"date": TODAY.isoformat(), "start": "15:00", "end": "16:00", "slots": 1},
        {"centre", "admin"},
    ),
    ("GET", "/api/v1/sessions/{session}", None, {"centre", "admin"}),
    ("GET", "/api/v1/sessions/{session}/invitations", None, {"centre", "admin"}),
    ("POST", "/api/v1/sessions/{session}/invite-more", {"count": 1}, {"centre", "admin"}),
    (
        "POST",
        "/api/v1/booking-events",
        {"vaccination_code": "ABCD-EFGH", "status": "booked", "at": "2026-11-23T10:00:00+00:00"},
        {"booking_system"},
    ),
    ("GET", "/api/v1/reports/summary", None, {"admin", "reporting"}),
    ("GET", "/api/v1/reports/summary.csv", None, {"admin", "reporting"}),
    ("GET", "/api/v1/audit", None, {"admin"}),
]
ROLES = ("admin", "centre", "doctor", "booking_system", "reporting")


async def _call(client: Client, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    if isinstance(body, str):
        return await client.request(
            method, path, content=body, headers={**headers, "Content-Type": "text/csv"}
        )
    return await client.request(method, path, json=body, headers=headers)


async def _session(staff: Staff) -> str:
    session = await staff.open_session(slots=1)
    return str(session["id"])


@pytest.mark.parametrize(("method", "path", "body", "allowed"), STAFF_ENDPOINTS)
async def test_every_staff_endpoint_checks_token_and_role(
    memory_client: Client,
    memory_staff: Staff,
    method: str,
    path: str,
    body: Any,
    allowed: set[str],
) -> None:
    """No token: 401; a bad token: 401; a role not allowed: 403; an allowed role passes."""
    url = path.format(centre=memory_staff.centre_id, session=await _session(memory_staff))
    missing = await _call(memory_client, method, url, body, {})
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["code"] == "auth.required"

    bad = await _call(memory_client, method, url, body, bearer("not-a-token"))
    assert bad.status_code == 401
    assert bad.json()["code"] == "auth.invalid"
    not_bearer = await _call(memory_client, method, url, body, {"Authorization": "Basic eDp5"})
    assert not_bearer.status_code == 401

    for role in ROLES:
        response = await _call(memory_client, method, url, body, memory_staff.tokens[role])
        if role in allowed:
            assert response.status_code < 400, (role, response.text)
        else:
            assert response.status_code == 403, (role, response.text)
            assert response.json()["code"] == "auth.role"


class TestCentreScope:
    async def test_a_centre_token_cannot_touch_another_centre(
        self, client: Client, staff: Staff
    ) -> None:
        other = await client.post(
            "/api/v1/centres", json=centre_body("NAMU", ("5000",)), headers=ADMIN
        )
        other_id = other.json()["id"]
        slots = {"date": TODAY.isoformat(), "start": "15:00", "end": "16:00", "slots": 1}
        for path in (
            f"/api/v1/centres/{other_id}/open-slots",
            f"/api/v1/centres/{other_id}/sessions",
        ):
            response = await client.post(path, json=slots, headers=staff.tokens["centre"])
            assert response.status_code == 403, response.text
            assert response.json()["code"] == "forbidden"

    async def test_another_centres_session_is_not_found(self, client: Client, staff: Staff) -> None:
        """A centre learns nothing of another centre's sessions: 404, as for no session."""
        other = await client.post(
            "/api/v1/centres", json=centre_body("NAMU", ("5000",)), headers=ADMIN
        )
        session = await client.post(
            f"/api/v1/centres/{other.json()['id']}/sessions",
            json={"date": TODAY.isoformat(), "start": "15:00", "end": "16:00", "slots": 1},
            headers=ADMIN,
        )
        assert session.status_code == 201
        sid = session.json()["id"]
        centre = staff.tokens["centre"]
        for method, path, body in (
            ("GET", f"/api/v1/sessions/{sid}", None),
            ("GET", f"/api/v1/sessions/{sid}/invitations", None),
            ("POST", f"/api/v1/sessions/{sid}/invite-more", {"count": 1}),
        ):
            response = await client.request(method, path, json=body, headers=centre)
            assert response.status_code == 404, response.text
        assert (await client.get(f"/api/v1/sessions/{sid}", headers=ADMIN)).status_code == 200


class TestPublicEndpoints:
    async def test_citizens_need_no_account(self, client: Client, staff: Staff) -> None:
        """R-ACCESS: listing, registering and managing work without a token."""
        assert (await client.get("/api/v1/centres")).status_code == 200
        assert (await client.get("/api/v1/open-slots")).status_code == 200
        receipt = await staff.register(registration(staff.centre_id))
        token = staff.manage_token(receipt["id"])
        assert (await client.get(f"/api/v1/manage/{token}")).status_code == 200

    async def test_a_bad_token_on_a_public_registration_is_refused(
        self, client: Client, staff: Staff
    ) -> None:
        response = await client.post(
            "/api/v1/registrations",
            json=registration(staff.centre_id),
            headers=bearer("forged"),
        )
        assert response.status_code == 401

    async def test_a_staff_token_does_not_change_a_citizens_registration(
        self, client: Client, staff: Staff
    ) -> None:
        response = await client.post(
            "/api/v1/registrations",
            json=registration(staff.centre_id),
            headers=staff.tokens["centre"],
        )
        assert response.status_code == 202
