"""Stolen staff tokens (N-SEC): an admin revokes a token and it is refused at once."""

from __future__ import annotations

from tests.integration.api.support import ADMIN, Client, Json, Staff, bearer


async def _issue(client: Client, role: str = "reporting") -> Json:
    issued = await client.post(
        "/api/v1/tokens", json={"role": role, "name": f"{role} laptop"}, headers=ADMIN
    )
    assert issued.status_code == 201, issued.text
    body: Json = issued.json()
    return body


class TestRevocation:
    async def test_a_revoked_token_is_refused_at_once(self, client: Client, staff: Staff) -> None:
        issued = await _issue(client)
        token = bearer(issued["token"])
        assert (await client.get("/api/v1/reports/summary", headers=token)).status_code == 200
        revoked = await client.delete(f"/api/v1/tokens/{issued['id']}", headers=ADMIN)
        assert revoked.status_code == 204, revoked.text
        refused = await client.get("/api/v1/reports/summary", headers=token)
        assert refused.status_code == 401
        assert refused.json()["code"] == "auth.invalid"

    async def test_revoking_is_audited_and_idempotent(self, client: Client, staff: Staff) -> None:
        issued = await _issue(client)
        for _ in range(2):
            response = await client.delete(f"/api/v1/tokens/{issued['id']}", headers=ADMIN)
            assert response.status_code == 204
        entries = (await client.get("/api/v1/audit", headers=ADMIN)).json()
        revocations = [e for e in entries if e["action"] == "token.revoked"]
        assert [e["target"] for e in revocations] == [issued["id"], issued["id"]]
        assert revocations[0]["detail"] == {"role": "reporting"}
        assert issued["token"] not in str(entries)

    async def test_an_unknown_token_id_is_404(self, client: Client, staff: Staff) -> None:
        response = await client.delete("/api/v1/tokens/no-such-token", headers=ADMIN)
        assert response.status_code == 404

    async def test_only_an_admin_revokes(self, client: Client, staff: Staff) -> None:
        issued = await _issue(client)
        for role in ("centre", "doctor", "booking_system", "reporting"):
            response = await client.delete(
                f"/api/v1/tokens/{issued['id']}", headers=staff.tokens[role]
            )
            assert response.status_code == 403, role
        assert (
            await client.get("/api/v1/reports/summary", headers=bearer(issued["token"]))
        ).status_code == 200
