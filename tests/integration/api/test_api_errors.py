"""Problem documents: every bad field named, translated, never a 500 (N-I18N, N-SEC)."""

from __future__ import annotations

import datetime as dt

import pytest

from lmb.application import errors as application_errors
from lmb.domain import errors as domain_errors
from lmb.entrypoints.http.i18n import LANGUAGES, MESSAGES, negotiate, translate
from tests.integration.api.support import (
    ADMIN,
    TODAY,
    Client,
    Staff,
    person,
    registration,
)


def _bad_group(centre_id: str) -> dict[str, object]:
    return registration(
        centre_id,
        kind="group",
        persons=[
            person(insz="12345678901"),
            person(postcode="0000"),
            person(email="not-an-address"),
        ],
        availability=[
            {"date": (TODAY - dt.timedelta(days=1)).isoformat(), "half_day": "evening"},
            {"date": TODAY.isoformat(), "half_day": "evening"},
        ],
    )


class TestValidation:
    @pytest.mark.parametrize("language", ["nl", "fr", "de", "en"])
    async def test_every_bad_field_is_named_in_the_requested_language(
        self, memory_client: Client, memory_staff: Staff, language: str
    ) -> None:
        response = await memory_client.post(
            "/api/v1/registrations",
            json=_bad_group(memory_staff.centre_id),
            headers={"Accept-Language": f"{language}-BE,en;q=0.5"},
        )
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["content-language"] == language
        problem = response.json()
        assert {"type", "title", "status", "detail", "errors"} <= problem.keys()
        assert problem["status"] == 422
        fields = {e["field"]: e for e in problem["errors"]}
        assert set(fields) == {
            "persons[0].insz",
            "persons[1].postcode",
            "persons[2].email",
            "availability[0].date",
        }
        assert fields["persons[0].insz"]["code"] == "insz.invalid"
        assert fields["persons[1].postcode"]["code"] == "postcode.unknown"
        if language != "en":
            expected = translate("insz.invalid", language)
            assert fields["persons[0].insz"]["message"] == expected
        if language == "nl":
            assert "0000 is geen Belgische postcode" in fields["persons[1].postcode"]["message"]
            assert fields["availability[0].date"]["message"].startswith("Kies een dag van 23/11")
        if language == "de":
            assert problem["title"] == "Ungültige Eingabe"
            assert "22.11.2026" not in fields["availability[0].date"]["message"]
            assert "23.11.2026" in fields["availability[0].date"]["message"]

    async def test_bad_input_changes_nothing(
        self, memory_client: Client, memory_staff: Staff
    ) -> None:
        await memory_client.post("/api/v1/registrations", json=_bad_group(memory_staff.centre_id))
        assert (await memory_staff.summary())["registered"] == 0

    async def test_an_unknown_centre_is_named(self, memory_client: Client) -> None:
        response = await memory_client.post(
            "/api/v1/registrations", json=registration("no-such-centre")
        )
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["centre_ids[0]"]

    async def test_a_missing_field_is_named(self, memory_client: Client) -> None:
        body = registration("x")
        del body["persons"][0]["insz"]
        response = await memory_client.post(
            "/api/v1/registrations", json=body, headers={"Accept-Language": "fr"}
        )
        assert response.status_code == 422
        [error] = response.json()["errors"]
        assert error == {
            "field": "persons[0].insz",
            "code": "field.missing",
            "message": "Ce champ est obligatoire.",
        }

    async def test_a_wrong_type_is_named(self, memory_client: Client) -> None:
        body = registration("x")
        body["persons"][0]["postcode"] = 9000
        response = await memory_client.post("/api/v1/registrations", json=body)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "persons[0].postcode"

    async def test_an_unknown_kind_is_refused(self, memory_client: Client) -> None:
        response = await memory_client.post(
            "/api/v1/registrations", json=registration("x", kind="open_slot")
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "kind"

    async def test_a_duplicate_short_code_is_a_conflict(self, memory_staff: Staff) -> None:
        from tests.integration.api.support import centre_body

        again = await memory_staff.client.post(
            "/api/v1/centres", json=centre_body("GENT"), headers=ADMIN
        )
        assert again.status_code == 409
        assert again.json()["errors"][0]["field"] == "short_code"


MALFORMED = [
    b"{",
    b"",
    b"null",
    b"[]",
    b'"text"',
    b"42",
    b'{"kind": []}',
    b'{"kind": "self", "language": "nl", "persons": "everyone"}',
    b'{"kind": "self", "language": "nl", "persons": [null]}',
    b'{"kind": "self", "language": "nl", "persons": [], "availability": [{"date": 5}]}',
    b'{"kind": "self", "language": "xx", "persons": []}',
    b"\xff\xfe\x00",
    b'{"person": {"insz": {"$gt": ""}}, "language": "nl"}',
]

JSON_ENDPOINTS = [
    ("POST", "/api/v1/registrations"),
    ("POST", "/api/v1/open-slots/x/claims"),
    ("PUT", "/api/v1/manage/x/availability"),
    ("POST", "/api/v1/centres"),
    ("POST", "/api/v1/tokens"),
    ("POST", "/api/v1/booking-events"),
]


class TestMalformed:
    @pytest.mark.parametrize(("method", "path"), JSON_ENDPOINTS)
    async def test_malformed_bodies_are_4xx_problems(
        self, memory_client: Client, memory_staff: Staff, method: str, path: str
    ) -> None:
        headers = {"Content-Type": "application/json", **ADMIN}
        if path == "/api/v1/booking-events":
            headers.update(memory_staff.tokens["booking_system"])
        for body in MALFORMED:
            response = await memory_client.request(method, path, content=body, headers=headers)
            assert 400 <= response.status_code < 500, (body, response.status_code, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            problem = response.json()
            assert problem["status"] == response.status_code
            assert "Traceback" not in response.text

    async def test_malformed_json_is_400(self, memory_client: Client) -> None:
        response = await memory_client.post(
            "/api/v1/registrations",
            content=b'{"kind": ',
            headers={"Content-Type": "application/json", "Accept-Language": "nl"},
        )
        assert response.status_code == 400
        assert response.json()["detail"] == "De inhoud van de aanvraag is geen geldige JSON."

    async def test_bad_query_and_path_values_are_4xx(self, memory_client: Client) -> None:
        for url in (
            "/api/v1/centres?postcode=" + "9" * 50,
            "/api/v1/open-slots?postcode=abc",
            "/api/v1/manage/" + "x" * 300,
            "/api/v1/centres?postcode=%00",
        ):
            response = await memory_client.get(url)
            assert 400 <= response.status_code < 500, (url, response.text)

    async def test_an_unknown_route_and_method_are_problems(self, memory_client: Client) -> None:
        missing = await memory_client.get("/api/v1/nothing-here")
        assert missing.status_code == 404
        assert missing.json()["code"] == "route.not_found"
        wrong = await memory_client.patch("/api/v1/centres")
        assert wrong.status_code == 405
        assert wrong.headers["content-type"].startswith("application/problem+json")

    async def test_an_unexpected_error_is_a_bare_500(
        self, memory_client: Client, memory_staff: Staff, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        async def explode(*args: object, **kwargs: object) -> None:
            raise RuntimeError("secret internals /home/lmb/app.py line 12")

        monkeypatch.setattr(memory_staff.runtime.services.centres, "list", explode)
        response = await memory_client.get("/api/v1/centres")
        assert response.status_code == 500
        assert response.json()["code"] == "internal"
        assert "secret internals" not in response.text
        assert "Traceback" not in response.text


class TestTranslationTable:
    def test_every_error_code_has_a_message_in_every_language(self) -> None:
        codes = {
            cls.code
            for module in (domain_errors, application_errors)
            for cls in vars(module).values()
            if isinstance(cls, type) and hasattr(cls, "code") and isinstance(cls.code, str)
        }
        assert codes, "no error codes found"
        for code in codes:
            assert code in MESSAGES, code
            assert set(MESSAGES[code]) == set(LANGUAGES), code

    def test_parameters_are_filled_in(self) -> None:
        message = translate(
            "date.out_of_range",
            "fr",
            params={"first": dt.date(2021, 4, 11), "last": dt.date(2021, 4, 16)},
        )
        assert message == "Choisissez une date du 11/04/2021 au 16/04/2021."
        assert translate("slots.invalid", "de", params={}) == (
            "Geben Sie eine ganze Zahl von Plätzen von 1 bis … an."
        )

    @pytest.mark.parametrize(
        ("header", "language"),
        [
            (None, "en"),
            ("", "en"),
            ("fr-BE", "fr"),
            ("nl;q=0.2, de;q=0.8", "de"),
            ("es, it", "en"),
            ("es, nl-BE;q=0.5", "nl"),
            ("fr;q=0", "en"),
            ("de;q=abc, nl", "nl"),
        ],
    )
    def test_accept_language_is_negotiated(self, header: str | None, language: str) -> None:
        assert negotiate(header) == language
