"""The audit trail (N-SEC, N-GDPR): every staff action is recorded, without citizens' data."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.integration.api.support import (
    ADMIN,
    NOW,
    TODAY,
    Client,
    Json,
    Staff,
    code_for,
    person,
    registration,
)

CSV = "name,short_code,region,address,postcodes,phone\nLeuven,LEUV,VLG,Markt 1,3000,\n"


async def _audit(client: Client, limit: int = 1000) -> list[Json]:
    response = await client.get(f"/api/v1/audit?limit={limit}", headers=ADMIN)
    assert response.status_code == 200, response.text
    entries: list[Json] = response.json()
    return entries


async def _a_full_day(client: Client, staff: Staff) -> dict[str, Any]:
    """Every kind of staff action once, with a citizen listed and invited in between."""
    citizen = person(first_name="Wannes", last_name="Vandecasteele", email="wannes@example.org")
    receipt = await staff.register(registration(staff.centre_id, persons=[citizen]))
    await staff.confirm(receipt["id"])
    await staff.work()
    imported = await client.post(
        "/api/v1/centres/import", content=CSV, headers={**ADMIN, "Content-Type": "text/csv"}
    )
    assert imported.status_code == 200, imported.text
    announced = await client.post(
        f"/api/v1/centres/{staff.centre_id}/open-slots",
        json={"date": TODAY.isoformat(), "start": "20:00", "end": "21:00", "slots": 2},
        headers=staff.tokens["centre"],
    )
    assert announced.status_code == 201, announced.text
    session = await staff.open_session(slots=1)
    more = await client.post(
        f"/api/v1/sessions/{session['id']}/invite-more",
        json={"count": 1},
        headers=staff.tokens["centre"],
    )
    assert more.status_code == 200, more.text
    await staff.work()
    await staff.book(code_for(citizen["insz"]))
    await staff.summary()
    csv = await client.get("/api/v1/reports/summary.csv", headers=staff.tokens["reporting"])
    assert csv.status_code == 200
    return {
        "citizen": citizen,
        "registration": receipt["id"],
        "session": session["id"],
        "slot": announced.json()["id"],
    }


class TestEveryStaffActionIsAudited:
    async def test_each_action_leaves_who_what_and_when(self, client: Client, staff: Staff) -> None:
        done = await _a_full_day(client, staff)
        entries = await _audit(client)
        actions = Counter(e["action"] for e in entries)
        assert actions["token.issued"] == 4  # the kit's centre, doctor, booking, reporting
        assert actions["centre.created"] == 1
        assert actions["centre.imported"] == 1
        assert actions["open_slots.announced"] == 1
        assert actions["session.opened"] == 1
        assert actions["session.invite_more"] == 1
        assert actions["booking_event.received"] == 1
        assert actions["report.read"] == 2
        for entry in entries:
            assert entry["actor"], entry
            assert entry["at"].startswith(NOW.date().isoformat()), entry
        by_action = {e["action"]: e for e in entries}
        assert by_action["session.opened"]["target"] == done["session"]
        assert by_action["open_slots.announced"]["target"] == done["slot"]
        assert by_action["booking_event.received"]["detail"]["status"] == "booked"
        assert by_action["booking_event.received"]["detail"]["invitations_changed"] == 1
        assert by_action["centre.imported"]["detail"] == {"created": 1, "updated": 0}
        actors = {e["action"]: e["actor"] for e in entries}
        assert actors["session.opened"] == actors["open_slots.announced"] != "bootstrap-admin"
        assert actors["centre.created"] == "bootstrap-admin"

    async def test_reading_the_audit_log_is_audited_too(self, client: Client, staff: Staff) -> None:
        await _audit(client)
        newest = (await _audit(client, limit=1))[0]
        assert newest["action"] == "audit.read"
        assert newest["detail"] == {"limit": 1000}

    async def test_a_repeated_booking_event_is_audited_as_repeated(
        self, client: Client, staff: Staff
    ) -> None:
        await staff.book("ABCD-EFGH-JKLM-NPQR")
        await staff.book("ABCD-EFGH-JKLM-NPQR")
        events = [e for e in await _audit(client) if e["action"] == "booking_event.received"]
        assert [e["detail"]["repeated"] for e in events] == [True, False]


class TestNoPersonalDataInTheAuditLog:
    async def test_entries_carry_no_insz_email_name_or_code(
        self, client: Client, staff: Staff
    ) -> None:
        done = await _a_full_day(client, staff)
        citizen = done["citizen"]
        text = (await client.get("/api/v1/audit?limit=1000", headers=ADMIN)).text
        for secret in (
            citizen["insz"],
            citizen["email"],
            citizen["first_name"],
            citizen["last_name"],
            citizen["mobile"],
            code_for(citizen["insz"]),
            staff.manage_token(done["registration"]),
        ):
            assert secret not in text, secret


class TestWhoMayReadIt:
    async def test_only_an_admin_reads_the_audit_log(self, client: Client, staff: Staff) -> None:
        for role in ("centre", "doctor", "booking_system", "reporting"):
            response = await client.get("/api/v1/audit", headers=staff.tokens[role])
            assert response.status_code == 403, role
        assert (await client.get("/api/v1/audit")).status_code == 401

    async def test_the_limit_is_bounded(self, client: Client, staff: Staff) -> None:
        assert len(await _audit(client, limit=2)) == 2
        for bad in ("0", "1001", "many"):
            response = await client.get(f"/api/v1/audit?limit={bad}", headers=ADMIN)
            assert response.status_code == 422, (bad, response.text)

    async def test_the_log_is_append_only(self, client: Client, staff: Staff) -> None:
        """No endpoint changes or deletes entries."""
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            response = await client.request(method, "/api/v1/audit", headers=ADMIN)
            assert response.status_code == 405, method
