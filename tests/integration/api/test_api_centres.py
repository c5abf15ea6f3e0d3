"""Centres, their import from CSV, and staff tokens (R-CENTRES, C-ONBOARD)."""

from __future__ import annotations

from tests.integration.api.support import ADMIN, Client, bearer, centre_body

CSV = (
    "name,short_code,region,address,postcodes,phone\n"
    'Vaccinatiecentrum Leuven,LEUV,VLG,"Markt 1, 3000 Leuven",3000;3001;3010,+3216000000\n'
    "Centre de vaccination Namur,NAMU,WAL,Place d'Armes 1,5000;5001,\n"
)


class TestCentres:
    async def test_a_centre_is_created_and_listed_by_postcode(self, client: Client) -> None:
        created = await client.post("/api/v1/centres", json=centre_body(), headers=ADMIN)
        assert created.status_code == 201
        centre = created.json()
        assert centre["short_code"] == "GENT"
        assert centre["postcodes"] == ["9000", "9050"]
        assert centre["phone"] == "+3292100000"
        assert (await client.get("/api/v1/centres")).json() == [centre]
        assert (await client.get("/api/v1/centres", params={"postcode": "9050"})).json() == [centre]
        assert (await client.get("/api/v1/centres", params={"postcode": "1000"})).json() == []

    async def test_a_bad_centre_names_its_fields(self, client: Client) -> None:
        body = centre_body() | {"short_code": "TOOLONG", "postcodes": ["9000", "0001"]}
        response = await client.post(
            "/api/v1/centres", json=body, headers={**ADMIN, "Accept-Language": "nl"}
        )
        assert response.status_code == 422
        [error] = response.json()["errors"]
        assert error["field"] == "postcodes[1]"


class TestImport:
    async def test_centres_are_created_then_updated_from_csv(self, client: Client) -> None:
        headers = {**ADMIN, "Content-Type": "text/csv"}
        first = await client.post("/api/v1/centres/import", content=CSV, headers=headers)
        assert first.status_code == 200, first.text
        assert first.json() == {"created": 2, "updated": 0}
        again = await client.post(
            "/api/v1/centres/import", content=CSV.replace("5000;5001", "5000"), headers=headers
        )
        assert again.json() == {"created": 0, "updated": 2}
        namur = (await client.get("/api/v1/centres", params={"postcode": "5000"})).json()
        assert [c["postcodes"] for c in namur] == [["5000"]]

    async def test_a_bad_row_rejects_the_whole_file(self, client: Client) -> None:
        bad = CSV + "Broken,BRK,XXX,Nowhere,9000,\n"
        response = await client.post(
            "/api/v1/centres/import",
            content=bad,
            headers={**ADMIN, "Content-Type": "text/csv"},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "rows[2].region"
        assert (await client.get("/api/v1/centres")).json() == []

    async def test_a_file_without_the_header_is_refused(self, client: Client) -> None:
        response = await client.post(
            "/api/v1/centres/import",
            content="a,b\n1,2\n",
            headers={**ADMIN, "Content-Type": "text/csv"},
        )
        assert response.status_code == 422
        assert {e["field"] for e in response.json()["errors"]} >= {"header.name"}

    async def test_only_csv_is_accepted(self, client: Client) -> None:
        response = await client.post("/api/v1/centres/import", json={"rows": []}, headers=ADMIN)
        assert response.status_code == 415
        latin1 = await client.post(
            "/api/v1/centres/import",
            content="name\n\xe9".encode("latin-1"),
            headers={**ADMIN, "Content-Type": "text/csv"},
        )
        assert latin1.status_code == 400


class TestTokens:
    async def test_a_token_is_shown_once_and_works(self, client: Client) -> None:
        issued = await client.post(
            "/api/v1/tokens", json={"role": "reporting", "name": "Dashboard"}, headers=ADMIN
        )
        assert issued.status_code == 201
        body = issued.json()
        assert body["role"] == "reporting"
        assert len(body["token"]) >= 32
        summary = await client.get("/api/v1/reports/summary", headers=bearer(body["token"]))
        assert summary.status_code == 200

    async def test_a_centre_token_needs_known_centres(self, client: Client) -> None:
        missing = await client.post(
            "/api/v1/tokens", json={"role": "centre", "name": "Desk"}, headers=ADMIN
        )
        assert missing.status_code == 422
        assert missing.json()["errors"][0]["field"] == "centre_ids"
        unknown = await client.post(
            "/api/v1/tokens",
            json={"role": "centre", "name": "Desk", "centre_ids": ["nope"]},
            headers=ADMIN,
        )
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["field"] == "centre_ids[0]"

    async def test_a_doctor_token_needs_a_nihdi_number(self, client: Client) -> None:
        response = await client.post(
            "/api/v1/tokens",
            json={"role": "doctor", "name": "Dr. X"},
            headers={**ADMIN, "Accept-Language": "nl"},
        )
        assert response.status_code == 422
        [error] = response.json()["errors"]
        assert error["field"] == "nihdi_number"
        assert error["message"] == "Een artsentoken heeft het RIZIV-nummer nodig."
