"""The pages render in Dutch, French and German; forms post, show errors, refuse forgeries."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from lmb.entrypoints.container import Runtime
from tests.integration.api.support import TODAY, TOMORROW, insz, make_eligible

Client = AsyncTestClient[Any]
LANGS = ("nl", "fr", "de")
PUBLIC_PAGES = (
    "/{lang}/",
    "/{lang}/privacy",
    "/{lang}/centres?postcode=9000",
    "/{lang}/open-slots",
    "/{lang}/register",
    "/{lang}/register/form?kind=self",
    "/{lang}/register/form?kind=self&postcode=9000",
    "/{lang}/register/form?kind=group&postcode=9000",
    "/{lang}/register/form?kind=companion&postcode=9000",
    "/{lang}/register/form?kind=third_party&postcode=9000",
    "/{lang}/staff",
)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def csrf_of(client: Client, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    found = CSRF.search(page.text)
    assert found is not None
    return found.group(1)


def manage_token(runtime: Runtime) -> str:
    """The manage token from the last mail the runtime's LogMailer kept."""
    mailer = runtime.adapter("mailer")
    for mail in reversed(mailer.sent):
        found = re.search(r"/r/([A-Za-z0-9_\-.]+)", mail.text)
        if found:
            return found.group(1)
    raise AssertionError("no mail with a manage link")


async def deliver(runtime: Runtime) -> None:
    for _ in range(3):
        await runtime.services.worker.run_once()


def self_form(centre_id: str, token: str, digits: str, **extra: Any) -> dict[str, Any]:
    return {
        "csrf_token": token,
        "kind": "self",
        "postcode": "9000",
        "persons-0-first_name": "Marie",
        "persons-0-last_name": "Claes",
        "persons-0-insz": digits,
        "persons-0-postcode": "9000",
        "persons-0-email": "marie.claes@example.org",
        "persons-0-mobile": "0470 12 34 56",
        "centre_ids": centre_id,
        "availability": [f"{TODAY.isoformat()}/evening", f"{TOMORROW.isoformat()}/morning"],
        **extra,
    }


class TestEveryPage:
    @pytest.mark.parametrize("lang", LANGS)
    @pytest.mark.parametrize("path", PUBLIC_PAGES)
    async def test_renders_in_the_language_with_a_strict_csp(
        self, client: Client, lang: str, path: str
    ) -> None:
        """N-I18N, N-SEC: a page in each language, a switcher, no unsafe-inline."""
        response = await client.get(path.format(lang=lang))
        assert response.status_code == 200, response.text
        assert f'<html lang="{lang}">' in response.text
        assert 'aria-current="true"' in response.text
        for other in LANGS:
            assert f'hreflang="{other}"' in response.text or other == lang
        csp = response.headers["content-security-policy"]
        assert "unsafe-inline" not in csp and "form-action 'self'" in csp
        assert "style=" not in response.text and "<script" not in response.text

    async def test_the_root_picks_the_language_from_accept_language(self, client: Client) -> None:
        response = await client.get(
            "/", headers={"Accept-Language": "de-BE,fr;q=0.5"}, follow_redirects=False
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/de/"

    async def test_an_unknown_language_is_not_found(self, client: Client) -> None:
        assert (await client.get("/xx/privacy")).status_code == 404

    async def test_the_csrf_cookie_is_httponly_and_samesite(self, client: Client) -> None:
        response = await client.get("/nl/")
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie

    async def test_the_stylesheet_is_served(self, client: Client) -> None:
        response = await client.get("/static/lmb.css")
        assert response.status_code == 200 and ".button" in response.text


class TestRegistrationForm:
    async def test_a_post_without_the_csrf_token_is_refused(
        self, client: Client, centre_id: str
    ) -> None:
        """N-SEC: a forged post changes nothing."""
        await client.get("/nl/")
        response = await client.post(
            "/nl/register/form", data=self_form(centre_id, "forged-token-value-1234567", insz())
        )
        assert response.status_code == 403
        assert "Uw sessie is verlopen" in response.text

    @pytest.mark.parametrize(
        ("lang", "title"),
        [("nl", "Er is een probleem"), ("fr", "Il y a un problème"), ("de", "Es gibt ein Problem")],
    )
    async def test_errors_are_summarised_at_the_top_and_link_to_each_field(
        self, client: Client, centre_id: str, lang: str, title: str
    ) -> None:
        token = await csrf_of(client, f"/{lang}/register/form?kind=self&postcode=9000")
        form = self_form(centre_id, token, "12345678901", availability=[])
        form["persons-0-email"] = "not-an-address"
        response = await client.post(f"/{lang}/register/form", data=form)
        assert response.status_code == 400
        assert 'class="error-summary"' in response.text and title in response.text
        assert 'href="#persons-0-insz"' in response.text
        assert 'href="#availability"' in response.text
        assert 'aria-invalid="true"' in response.text
        assert 'value="Marie"' in response.text  # what was typed is kept

    async def test_register_confirm_change_availability_and_withdraw(
        self, client: Client, runtime: Runtime, centre_id: str
    ) -> None:
        """R-REG-B, R-AVAIL, N-GDPR: the whole life of a registration through the pages."""
        digits = insz()
        make_eligible(runtime, digits)
        token = await csrf_of(client, "/fr/register/form?kind=self&postcode=9000")
        response = await client.post("/fr/register/form", data=self_form(centre_id, token, digits))
        assert response.status_code == 200, response.text
        assert "Regardez dans votre boîte mail" in response.text
        await deliver(runtime)
        manage = manage_token(runtime)

        page = await client.get(f"/r/{manage}")
        assert page.status_code == 200 and "En attente de confirmation" in page.text
        assert digits not in page.text
        confirmed = await client.post(f"/r/{manage}/confirm", data={"csrf_token": token})
        assert "Votre adresse est confirmée" in confirmed.text
        await deliver(runtime)
        assert "Sur la liste" in (await client.get(f"/r/{manage}")).text

        later = (TODAY + dt.timedelta(days=3)).isoformat()
        changed = await client.post(
            f"/r/{manage}/availability?lang=de",
            data={"csrf_token": token, "availability": f"{later}/afternoon"},
        )
        assert "Ihre Verfügbarkeit ist gespeichert" in changed.text
        assert f'value="{later}/afternoon" id="av-{later}-afternoon" ' in changed.text

        unsure = await client.post(f"/r/{manage}/withdraw", data={"csrf_token": token})
        assert unsure.status_code == 400 and 'href="#sure"' in unsure.text
        gone = await client.post(f"/r/{manage}/withdraw", data={"csrf_token": token, "sure": "yes"})
        assert "Vos données sont effacées" in gone.text
        after = await client.get(f"/r/{manage}")
        assert "Arrêté" in after.text and "Claes" not in after.text

    async def test_a_group_a_companion_and_a_third_party_can_register(
        self, client: Client, runtime: Runtime, centre_id: str
    ) -> None:
        """R-REG-C, R-REG-D, R-REG-E."""
        token = await csrf_of(client, "/nl/staff")
        people = [insz() for _ in range(3)]
        for digits in people:
            make_eligible(runtime, digits)
        slot = f"{TOMORROW.isoformat()}/evening"
        base = {"csrf_token": token, "postcode": "9000", "centre_ids": centre_id}
        group = {
            **base,
            "kind": "group",
            "availability": [slot],
            "persons-0-first_name": "An",
            "persons-0-last_name": "Peeters",
            "persons-0-insz": people[0],
            "persons-0-postcode": "9000",
            "persons-0-email": "an@example.org",
            "persons-0-mobile": "0470 12 34 57",
            "persons-1-first_name": "Bart",
            "persons-1-last_name": "Peeters",
            "persons-1-insz": people[1],
            "persons-1-postcode": "9000",
        }
        third = {
            **base,
            "kind": "third_party",
            "availability": [slot],
            "contact-first_name": "Els",
            "contact-last_name": "Wouters",
            "contact-email": "els@example.org",
            "contact-mobile": "0470 12 34 58",
            "persons-0-first_name": "Jos",
            "persons-0-last_name": "Wouters",
            "persons-0-insz": people[2],
            "persons-0-postcode": "9000",
            "persons-0-email": "jos@example.org",
            "persons-0-mobile": "0470 12 34 59",
        }
        for form in (group, third):
            response = await client.post("/de/register/form", data=form)
            assert response.status_code == 200, response.text
            assert "Schauen Sie in Ihr Postfach" in response.text
        companion_digits = insz()
        make_eligible(runtime, companion_digits)
        companion = {
            **self_form(centre_id, token, companion_digits),
            "kind": "companion",
            "companion_of": "ABCD-EFGH-JKMN-PQRS",
            "availability": [slot],
        }
        response = await client.post("/nl/register/form", data=companion)
        assert response.status_code == 200, response.text
        assert "Kijk in uw mailbox" in response.text

    async def test_choosing_nothing_asks_again(self, client: Client) -> None:
        response = await client.get("/nl/register/form?kind=")
        assert response.status_code == 400 and 'href="#kind-self"' in response.text


class TestCentrePages:
    async def test_staff_sign_in_open_a_session_and_watch_it(
        self, client: Client, runtime: Runtime, centre_id: str
    ) -> None:
        """R-SESSION: a centre opens a session from the page and sees it live."""
        token = await csrf_of(client, "/nl/staff")
        refused = await client.post("/nl/staff", data={"csrf_token": token, "token": "wrong"})
        assert refused.status_code == 401 and 'href="#token"' in refused.text
        from tests.integration.api.support import ADMIN_TOKEN

        signed = await client.post("/nl/staff", data={"csrf_token": token, "token": ADMIN_TOKEN})
        assert signed.status_code == 200 and "Vaccinatiecentrum Gent" in signed.text
        cookie = signed.history[0].headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        page = await client.get(f"/nl/centre/{centre_id}")
        assert page.status_code == 200
        bad = await client.post(
            f"/nl/centre/{centre_id}/sessions",
            data={"csrf_token": token, "date": TODAY.isoformat(), "start": "7pm", "end": "19:00"},
        )
        assert bad.status_code == 400 and 'class="error-summary"' in bad.text
        opened = await client.post(
            f"/nl/centre/{centre_id}/sessions",
            data={
                "csrf_token": token,
                "date": TODAY.isoformat(),
                "start": "17:00",
                "end": "19:00",
                "slots": "2",
            },
        )
        assert opened.status_code == 200, opened.text
        assert "Sessie live" in opened.text and 'http-equiv="refresh"' in opened.text
        more = await client.post(
            str(opened.url) + "/invite-more", data={"csrf_token": token, "count": "1"}
        )
        assert more.status_code == 200, more.text

    async def test_centre_pages_need_a_sign_in(self, client: Client, centre_id: str) -> None:
        response = await client.get(f"/fr/centre/{centre_id}", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/fr/staff"


async def sign_in(client: Client, lang: str, token: str) -> str:
    csrf = await csrf_of(client, f"/{lang}/staff")
    signed = await client.post(f"/{lang}/staff", data={"csrf_token": csrf, "token": token})
    assert signed.status_code == 200, signed.text
    return csrf


class TestDoctorPages:
    async def test_a_doctor_registers_a_patient_and_chooses_who_is_invited(
        self, client: Client, runtime: Runtime, centre_id: str
    ) -> None:
        """R-REG-F: the doctor's page, through the same use case as the API."""
        issued = await runtime.services.staff.issue(
            role="doctor", name="Dr. Janssens", nihdi_number="1-23456-78-901", actor="test"
        )
        csrf = await sign_in(client, "de", issued.token)
        page = await client.get("/de/doctor/register?postcode=9000")
        assert page.status_code == 200 and "Wer bekommt die Einladung?" in page.text
        digits = insz()
        make_eligible(runtime, digits)
        form = {
            **self_form(centre_id, csrf, digits),
            "kind": "patient",
            "invite": "doctor",
            "contact-first_name": "Eva",
            "contact-last_name": "Janssens",
            "contact-email": "dr.janssens@example.org",
            "contact-mobile": "0470 99 88 77",
        }
        done = await client.post("/de/doctor/register", data=form)
        assert done.status_code == 200, done.text
        assert "Ihr Patient steht auf der Liste" in done.text
        listing = await client.get("/de/doctor/patients")
        assert listing.status_code == 200
        assert "Meine Patienten" in listing.text
        assert digits not in listing.text
        assert f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}-***.**" in listing.text
        assert "Wartet auf Bestätigung" in listing.text  # the VCDB check is still to come
        other = await runtime.services.staff.issue(
            role="doctor", name="Dr. Peeters", nihdi_number="1-99999-99-999", actor="test"
        )
        await client.post("/de/staff/sign-out", data={"csrf_token": csrf})
        await sign_in(client, "de", other.token)
        theirs = await client.get("/de/doctor/patients")
        assert "Sie haben noch keine Patienten angemeldet." in theirs.text

    async def test_citizens_cannot_reach_the_doctor_page(self, client: Client) -> None:
        response = await client.get("/nl/doctor/register", follow_redirects=False)
        assert response.status_code == 303


class TestAdminPages:
    async def test_import_centres_issue_a_token_and_read_the_report(
        self, client: Client, centre_id: str
    ) -> None:
        """N-REPORT: an admin imports centres, issues a token, reads the chart."""
        from tests.integration.api.support import ADMIN_TOKEN

        csrf = await sign_in(client, "fr", ADMIN_TOKEN)
        csv_text = (
            "name,short_code,region,address,postcodes,phone\n"
            'Centre Liège,LIEG,WAL,"Rue 1, 4000 Liège",4000;4020,+3242000000\n'
        )
        imported = await client.post(
            "/fr/admin/centres/import", data={"csrf_token": csrf, "csv": csv_text}
        )
        assert imported.status_code == 200, imported.text
        assert "1 nouveaux" in imported.text and "Centre Liège" in imported.text
        assert 'href="/nl/admin"' in imported.text
        refused = await client.post(
            "/fr/admin/tokens", data={"csrf_token": csrf, "role": "centre", "name": "Accueil"}
        )
        assert refused.status_code == 400 and 'href="#centre_ids"' in refused.text
        issued = await client.post(
            "/fr/admin/tokens",
            data={
                "csrf_token": csrf,
                "role": "centre",
                "name": "Accueil",
                "centre_ids": centre_id,
            },
        )
        assert issued.status_code == 200 and 'id="issued-token"' in issued.text
        report = await client.get("/fr/admin/report")
        assert report.status_code == 200
        assert '<svg class="chart"' in report.text and "Inscriptions par région" in report.text

    async def test_a_centre_token_does_not_open_the_admin_pages(
        self, client: Client, runtime: Runtime, centre_id: str
    ) -> None:
        issued = await runtime.services.staff.issue(
            role="centre", name="Desk", centre_ids=[centre_id], actor="test"
        )
        await sign_in(client, "nl", issued.token)
        assert (await client.get("/nl/admin")).status_code == 403


class TestOpenSlotPages:
    async def test_a_centre_announces_slots_and_a_citizen_claims_one(
        self, client: Client, runtime: Runtime, centre_id: str
    ) -> None:
        """R-REG-A: announced on the centre page, claimed on the public page."""
        from tests.integration.api.support import ADMIN_TOKEN

        csrf = await sign_in(client, "nl", ADMIN_TOKEN)
        announced = await client.post(
            f"/nl/centre/{centre_id}/open-slots",
            data={
                "csrf_token": csrf,
                "slot-date": TOMORROW.isoformat(),
                "slot-start": "14:00",
                "slot-end": "16:00",
                "slot-slots": "3",
            },
        )
        assert announced.status_code == 200, announced.text
        listing = await client.get("/fr/open-slots?postcode=9000")
        found = re.search(r'href="(/fr/open-slots/[^"]+)"', listing.text)
        assert found is not None and "3 libre(s)" in listing.text
        digits = insz()
        make_eligible(runtime, digits)
        form = {
            key: value
            for key, value in self_form(centre_id, csrf, digits).items()
            if key.startswith("persons-0-") or key == "csrf_token"
        }
        claimed = await client.post(found.group(1), data=form)
        assert claimed.status_code == 200, claimed.text
        assert "Vous avez une place" in claimed.text
