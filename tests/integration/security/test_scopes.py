"""Staff scopes (N-SEC): a centre sees its own centre only; roles open only their doors."""

from __future__ import annotations

from tests.integration.api.support import (
    ADMIN,
    TODAY,
    Client,
    Json,
    Staff,
    bearer,
    centre_body,
    registration,
)

SLOTS = {"date": TODAY.isoformat(), "start": "17:00", "end": "19:00", "slots": 1}


async def _other_centre(client: Client, staff: Staff) -> tuple[str, str]:
    """Another centre with a listed citizen invited to a session of it: (centre, session)."""
    created = await client.post(
        "/api/v1/centres", json=centre_body("NAMU", ("5000",)), headers=ADMIN
    )
    centre_id: str = created.json()["id"]
    receipt = await staff.register(registration(centre_id))
    await staff.confirm(receipt["id"])
    await staff.work()
    session = await client.post(f"/api/v1/centres/{centre_id}/sessions", json=SLOTS, headers=ADMIN)
    assert session.status_code == 201, session.text
    assert session.json()["invited"] == 1
    return centre_id, session.json()["id"]


async def _token(client: Client, body: Json) -> dict[str, str]:
    issued = await client.post("/api/v1/tokens", json=body, headers=ADMIN)
    assert issued.status_code == 201, issued.text
    return bearer(issued.json()["token"])


class TestACentreSeesItsOwnCentreOnly:
    async def test_another_centres_session_looks_like_no_session_at_all(
        self, client: Client, staff: Staff
    ) -> None:
        """Sessions, invitations (with names) and invite-more of another centre: the same
        404 as for a session id that does not exist, so a centre cannot even probe."""
        _, session_id = await _other_centre(client, staff)
        centre = staff.tokens["centre"]
        for method, suffix, body in (
            ("GET", "", None),
            ("GET", "/invitations", None),
            ("POST", "/invite-more", {"count": 1}),
        ):
            theirs = await client.request(
                method, f"/api/v1/sessions/{session_id}{suffix}", json=body, headers=centre
            )
            nothing = await client.request(
                method, f"/api/v1/sessions/no-such-session{suffix}", json=body, headers=centre
            )
            assert theirs.status_code == nothing.status_code == 404
            assert theirs.content == nothing.content
        invitations = await client.get(f"/api/v1/sessions/{session_id}/invitations", headers=ADMIN)
        assert len(invitations.json()) == 1

    async def test_it_cannot_announce_slots_or_open_sessions_elsewhere(
        self, client: Client, staff: Staff
    ) -> None:
        other_id, _ = await _other_centre(client, staff)
        for path in (
            f"/api/v1/centres/{other_id}/open-slots",
            f"/api/v1/centres/{other_id}/sessions",
        ):
            response = await client.post(path, json=SLOTS, headers=staff.tokens["centre"])
            assert response.status_code == 403, path

    async def test_a_token_for_two_centres_acts_for_those_two_only(
        self, client: Client, staff: Staff
    ) -> None:
        other_id, session_id = await _other_centre(client, staff)
        third = await client.post(
            "/api/v1/centres", json=centre_body("LIEG", ("4000",)), headers=ADMIN
        )
        both = await _token(
            client,
            {"role": "centre", "name": "regional desk", "centre_ids": [staff.centre_id, other_id]},
        )
        assert (await client.get(f"/api/v1/sessions/{session_id}", headers=both)).status_code == 200
        mine = await client.post(
            f"/api/v1/centres/{staff.centre_id}/open-slots", json=SLOTS, headers=both
        )
        assert mine.status_code == 201
        elsewhere = await client.post(
            f"/api/v1/centres/{third.json()['id']}/open-slots", json=SLOTS, headers=both
        )
        assert elsewhere.status_code == 403

    async def test_staff_of_a_centre_cannot_read_reports_audit_or_issue_tokens(
        self, client: Client, staff: Staff
    ) -> None:
        centre = staff.tokens["centre"]
        for method, path, body in (
            ("GET", "/api/v1/reports/summary", None),
            ("GET", "/api/v1/reports/summary.csv", None),
            ("GET", "/api/v1/audit", None),
            ("POST", "/api/v1/tokens", {"role": "admin", "name": "me, promoted"}),
            ("POST", "/api/v1/centres", centre_body("EVIL", ("1000",))),
            ("POST", "/api/v1/booking-events", {"vaccination_code": "X", "status": "booked"}),
        ):
            response = await client.request(method, path, json=body, headers=centre)
            assert response.status_code == 403, (path, response.text)


class TestReportingSeesCountsOnly:
    async def test_reporting_reads_reports_and_nothing_else(
        self, client: Client, staff: Staff
    ) -> None:
        _, session_id = await _other_centre(client, staff)
        reporting = staff.tokens["reporting"]
        assert (await client.get("/api/v1/reports/summary", headers=reporting)).status_code == 200
        for path in (
            f"/api/v1/sessions/{session_id}",
            f"/api/v1/sessions/{session_id}/invitations",
            "/api/v1/audit",
        ):
            assert (await client.get(path, headers=reporting)).status_code == 403, path


class TestNoFullInsz:
    async def test_no_answer_carries_a_full_insz(self, client: Client, staff: Staff) -> None:
        """Every answer this test sees is also scanned by the client fixture's leak check;
        here the endpoints that show persons are called on purpose."""
        body = registration(staff.centre_id)
        digits = body["persons"][0]["insz"]
        receipt = await staff.register(body)
        await staff.confirm(receipt["id"])
        await staff.work()
        session = await staff.open_session(slots=1)
        masked = f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}-***.**"
        answers = [
            await client.get(f"/api/v1/manage/{staff.manage_token(receipt['id'])}"),
            await client.get(
                f"/api/v1/sessions/{session['id']}/invitations", headers=staff.tokens["centre"]
            ),
            await client.get("/api/v1/reports/summary", headers=ADMIN),
            await client.get("/api/v1/reports/summary.csv", headers=ADMIN),
            await client.get("/api/v1/audit", headers=ADMIN),
        ]
        for answer in answers:
            assert answer.status_code == 200, answer.text
            assert digits not in answer.text
        assert masked in answers[0].text
        assert masked in answers[1].text
