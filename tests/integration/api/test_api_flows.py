"""Every registration kind end to end over HTTP, on in-memory storage and on SQLite."""

from __future__ import annotations

import datetime as dt

from lmb.adapters.system import FixedClock
from tests.integration.api.support import (
    TODAY,
    Client,
    Staff,
    code_for,
    make_eligible,
    person,
    registration,
)


async def _invite_and_book(
    client: Client, staff: Staff, registration_id: str, code: str, seats: int
) -> None:
    """Open a session for ``seats``, deliver the invitation, book it, check the counts."""
    session = await staff.open_session(slots=seats)
    assert session["slots"] == seats
    assert session["invited"] == seats
    await staff.work(1)

    lines = await client.get(
        f"/api/v1/sessions/{session['id']}/invitations", headers=staff.tokens["centre"]
    )
    assert lines.status_code == 200
    [line] = lines.json()
    assert line["status"] == "sent"
    assert line["seats"] == seats
    assert line["sent_at"] is not None
    assert line["expires_at"] is not None
    assert all("***" in name for name in line["persons"])

    view = await staff.manage_view(registration_id)
    assert view["status"] == "invited"
    [invitation] = view["invitations"]
    assert invitation["status"] == "sent"
    assert invitation["centre_id"] == staff.centre_id
    assert invitation["start"] == "17:00"

    await staff.book(code)
    stats = await client.get(f"/api/v1/sessions/{session['id']}", headers=staff.tokens["centre"])
    assert stats.status_code == 200
    assert stats.json()["booked"] == seats
    assert stats.json()["open"] == 0
    assert (await staff.manage_view(registration_id))["status"] == "booked"


class TestSelf:
    async def test_register_confirm_check_invite_book_and_report(
        self, client: Client, staff: Staff
    ) -> None:
        """R-REG-B: listed once confirmed and eligible; invited; booked; counted."""
        body = registration(staff.centre_id)
        receipt = await staff.register(body)
        assert receipt["status"] == "pending"
        assert receipt["persons"] == [{"insz": "50.05.17-***.**", "status": "pending"}]
        assert receipt["availability_until"] is not None

        confirmed = await staff.confirm(receipt["id"])
        assert confirmed["confirmed"] is True
        await staff.work()
        view = await staff.manage_view(receipt["id"])
        assert view["status"] == "active"
        assert view["kind"] == "self"
        assert view["persons"][0]["insz"] == "50.05.17-***.**"

        await _invite_and_book(
            client, staff, receipt["id"], code_for(body["persons"][0]["insz"]), seats=1
        )
        summary = await staff.summary()
        assert summary["registered"] == 1
        assert summary["invited"] == 1
        assert summary["by_region"]["VLG"] == 1
        assert summary["by_centre"]


class TestGroup:
    async def test_a_group_is_invited_as_one_unit(self, client: Client, staff: Staff) -> None:
        """R-REG-C: the leader gets the invitation for the whole group."""
        body = registration(
            staff.centre_id,
            kind="group",
            persons=[
                person(first_name="Mia", born=dt.date(1944, 2, 1)),
                person(first_name="Jef", born=dt.date(1941, 3, 2), reachable=False),
            ],
        )
        receipt = await staff.register(body)
        assert len(receipt["persons"]) == 2
        await staff.confirm(receipt["id"])
        await staff.work()
        await _invite_and_book(
            client, staff, receipt["id"], code_for(body["persons"][0]["insz"]), seats=2
        )
        summary = await staff.summary()
        assert summary["groups"] == 1
        assert summary["registered"] == 2


class TestCompanion:
    async def test_a_companion_comes_first(self, client: Client, staff: Staff) -> None:
        """R-REG-D, R-RANK: a companion is invited before an older person."""
        older = registration(staff.centre_id, persons=[person(born=dt.date(1930, 1, 1))])
        companion = registration(
            staff.centre_id,
            kind="companion",
            persons=[person(born=dt.date(1980, 1, 1))],
            availability=[{"date": TODAY.isoformat(), "half_day": "evening"}],
            companion_of="BOOK-1234-ABCD",
        )
        first = await staff.register(older)
        second = await staff.register(companion)
        for receipt in (first, second):
            await staff.confirm(receipt["id"])
        await staff.work()
        await _invite_and_book(
            client, staff, second["id"], code_for(companion["persons"][0]["insz"]), seats=1
        )
        assert (await staff.manage_view(first["id"]))["status"] == "active"


class TestThirdParty:
    async def test_the_third_party_is_invited(self, client: Client, staff: Staff) -> None:
        """R-REG-E: someone registers a third party, who gets the invitation."""
        body = registration(
            staff.centre_id,
            kind="third_party",
            language="de",
            persons=[person(first_name="Anna", last_name="Schmitz")],
            contact={"last_name": "Lentz", "first_name": "Karl", "email": "karl@example.org"},
        )
        receipt = await staff.register(body)
        await staff.confirm(receipt["id"])
        await staff.work()
        view = await staff.manage_view(receipt["id"])
        assert view["contact_name"] == "Karl Lentz"
        await _invite_and_book(
            client, staff, receipt["id"], code_for(body["persons"][0]["insz"]), seats=1
        )
        assert (await staff.summary())["third_party_invitations"] == 1


class TestPatient:
    async def test_a_doctor_registers_a_patient(self, client: Client, staff: Staff) -> None:
        """R-REG-F: needs a doctor token; no confirmation step for the patient."""
        body = registration(staff.centre_id, kind="patient", invite="patient")
        receipt = await staff.register(body, headers=staff.tokens["doctor"])
        await staff.work()
        view = await staff.manage_view(receipt["id"])
        assert view["confirmed"] is True
        assert view["status"] == "active"
        await _invite_and_book(
            client, staff, receipt["id"], code_for(body["persons"][0]["insz"]), seats=1
        )

    async def test_without_a_doctor_token_a_patient_is_refused(
        self, client: Client, staff: Staff
    ) -> None:
        body = registration(staff.centre_id, kind="patient", invite="patient")
        anonymous = await client.post("/api/v1/registrations", json=body)
        assert anonymous.status_code == 401
        as_centre = await client.post(
            "/api/v1/registrations", json=body, headers=staff.tokens["centre"]
        )
        assert as_centre.status_code == 403
        assert as_centre.headers["content-type"].startswith("application/problem+json")


class TestOpenSlots:
    async def test_claims_until_none_is_left(self, client: Client, staff: Staff) -> None:
        """R-REG-A, R-INVA-1: two slots, two claims, the third is 409."""
        announced = await client.post(
            f"/api/v1/centres/{staff.centre_id}/open-slots",
            json={"date": TODAY.isoformat(), "start": "15:00", "end": "19:00", "slots": 2},
            headers=staff.tokens["centre"],
        )
        assert announced.status_code == 201, announced.text
        slot = announced.json()
        assert slot["available"] == 2

        listed = await client.get("/api/v1/open-slots", params={"postcode": "9000"})
        assert [s["id"] for s in listed.json()] == [slot["id"]]
        elsewhere = await client.get("/api/v1/open-slots", params={"postcode": "1000"})
        assert elsewhere.json() == []

        for expected in (201, 201, 409):
            claimant = person()
            make_eligible(staff.runtime, claimant["insz"])
            claim = await client.post(
                f"/api/v1/open-slots/{slot['id']}/claims",
                json={"person": claimant, "language": "nl"},
            )
            assert claim.status_code == expected, claim.text
        claimed = claim.json()
        assert claimed["code"] == "slot.none_left"
        assert (await client.get("/api/v1/open-slots")).json() == []
        await staff.work()
        assert (await staff.summary())["invited"] >= 2

    async def test_a_claim_answer_names_the_centre_and_hours(
        self, client: Client, staff: Staff
    ) -> None:
        slot = (
            await client.post(
                f"/api/v1/centres/{staff.centre_id}/open-slots",
                json={"date": TODAY.isoformat(), "start": "15:00", "end": "19:00", "slots": 1},
                headers=staff.tokens["centre"],
            )
        ).json()
        claimant = person()
        make_eligible(staff.runtime, claimant["insz"])
        claim = await client.post(
            f"/api/v1/open-slots/{slot['id']}/claims", json={"person": claimant, "language": "fr"}
        )
        assert claim.status_code == 201
        body = claim.json()
        assert body["status"] == "invited"
        assert body["centre"]["short_code"] == "GENT"
        assert (body["date"], body["start"], body["end"]) == (TODAY.isoformat(), "15:00", "19:00")

    async def test_an_unknown_slot_is_404(self, client: Client) -> None:
        response = await client.post(
            "/api/v1/open-slots/nope/claims", json={"person": person(), "language": "nl"}
        )
        assert response.status_code == 404


class TestManage:
    async def test_availability_is_replaced_and_reconfirmed(
        self, client: Client, staff: Staff
    ) -> None:
        """R-AVAIL."""
        receipt = await staff.register(registration(staff.centre_id))
        token = staff.manage_token(receipt["id"])
        new = [{"date": (TODAY + dt.timedelta(days=3)).isoformat(), "half_day": "afternoon"}]
        response = await client.put(
            f"/api/v1/manage/{token}/availability", json={"availability": new}
        )
        assert response.status_code == 200, response.text
        assert response.json()["availability"] == new

    async def test_withdrawal_erases_and_forgets(self, client: Client, staff: Staff) -> None:
        """N-GDPR: after withdrawal nothing personal is left to show."""
        receipt = await staff.register(registration(staff.centre_id))
        token = staff.manage_token(receipt["id"])
        assert (await client.delete(f"/api/v1/manage/{token}")).status_code == 204
        view = await client.get(f"/api/v1/manage/{token}")
        assert view.status_code == 200
        assert view.json()["status"] == "withdrawn"
        assert view.json()["persons"] == []
        assert view.json()["availability"] == []
        assert (await client.delete(f"/api/v1/manage/{token}")).status_code == 204

    async def test_an_unknown_token_is_404(self, client: Client) -> None:
        response = await client.get("/api/v1/manage/not-a-real-token")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    async def test_a_duplicate_registration_answers_the_same(
        self, client: Client, staff: Staff
    ) -> None:
        """No enumeration: the same 202 and the same shape for an INSZ already listed."""
        body = registration(staff.centre_id)
        first = await staff.register(body)
        again = await client.post("/api/v1/registrations", json=body)
        assert again.status_code == 202
        second = again.json()
        assert second.keys() == first.keys()
        assert second["status"] == first["status"]
        assert second["persons"] == first["persons"]


class TestInviteMore:
    async def test_the_next_candidate_is_invited(self, client: Client, staff: Staff) -> None:
        """R-NOTIFY: the centre offers more slots; the next person on the list is invited."""
        for born in (dt.date(1940, 1, 1), dt.date(1960, 1, 1)):
            receipt = await staff.register(
                registration(staff.centre_id, persons=[person(born=born)])
            )
            await staff.confirm(receipt["id"])
        await staff.work()
        session = await staff.open_session(slots=1)
        assert session["invited"] == 1
        more = await client.post(
            f"/api/v1/sessions/{session['id']}/invite-more",
            json={"count": 1},
            headers=staff.tokens["centre"],
        )
        assert more.status_code == 200, more.text
        assert more.json()["slots"] == 2
        assert more.json()["invited"] == 2

    async def test_a_cancelled_booking_passes_the_seat_on(
        self, client: Client, staff: Staff, clock: FixedClock
    ) -> None:
        """R-NOTIFY: the seat of a cancelled invitation goes to the next person."""
        bodies = [
            registration(staff.centre_id, persons=[person(born=dt.date(1940, 1, 1))]),
            registration(staff.centre_id, persons=[person(born=dt.date(1960, 1, 1))]),
        ]
        for body in bodies:
            receipt = await staff.register(body)
            await staff.confirm(receipt["id"])
        await staff.work()
        session = await staff.open_session(slots=1)
        await staff.work(1)
        clock.advance(dt.timedelta(minutes=5))
        await staff.book(code_for(bodies[0]["persons"][0]["insz"]), status="cancelled")
        response = await client.get(
            f"/api/v1/sessions/{session['id']}/invitations", headers=staff.tokens["centre"]
        )
        lines = response.json()
        assert [line["status"] for line in lines] == ["cancelled", "sent"]
        assert "40.01.01" in lines[0]["persons"][0]
        assert "60.01.01" in lines[1]["persons"][0]

    async def test_booking_events_are_idempotent_and_unknown_codes_ignored(
        self, staff: Staff
    ) -> None:
        await staff.book("UNKNOWN-CODE-1")
        await staff.book("UNKNOWN-CODE-1")
