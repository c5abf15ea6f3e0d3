"""axe-core on every public page in each language, on a phone and on a desktop (N-A11Y).

Zero serious or critical violations; a screenshot of each page is kept as an artefact.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from lmb.application.clock import BRUSSELS
from tests.browser.conftest import DESKTOP, MOBILE, Server, shoot
from tests.integration.api.support import insz

PAGES = {
    "home": "/{lang}/",
    "privacy": "/{lang}/privacy",
    "choose": "/{lang}/register",
    "postcode": "/{lang}/register/form?kind=self",
    "register-self": "/{lang}/register/form?kind=self&postcode=9000",
    "register-group": "/{lang}/register/form?kind=group&postcode=9000",
    "register-companion": "/{lang}/register/form?kind=companion&postcode=9000",
    "register-third-party": "/{lang}/register/form?kind=third_party&postcode=9000",
    "centres": "/{lang}/centres?postcode=9000",
    "open-slots": "/{lang}/open-slots",
    "staff-sign-in": "/{lang}/staff",
}


@pytest.fixture(scope="module")
def centre(server: Server) -> str:
    """A centre for 9000, so that the forms show their centre choice too."""
    response = server.api.post(
        "/api/v1/centres",
        json={
            "name": "Vaccinatiecentrum Gent",
            "short_code": "GENT",
            "region": "VLG",
            "address": "Maaltekouter 1, 9051 Gent",
            "postcodes": ["9000", "9050"],
            "phone": "+3292100000",
        },
    )
    assert response.status_code == 201, response.text
    centre_id: str = response.json()["id"]
    return centre_id


def manage_page(server: Server, centre_id: str, lang: str) -> str:
    """The manage link of a fresh registration in ``lang``, from the mail it got."""
    address = f"axe.{lang}@example.org"
    today = dt.datetime.now(BRUSSELS).date() + dt.timedelta(days=1)
    response = httpx.post(
        server.url + "/api/v1/registrations",
        json={
            "kind": "self",
            "language": lang,
            "persons": [
                {
                    "insz": insz(),
                    "last_name": "Maes",
                    "first_name": "Lotte",
                    "postcode": "9000",
                    "email": address,
                    "mobile": "+32470123456",
                }
            ],
            "centre_ids": [centre_id],
            "availability": [{"date": today.isoformat(), "half_day": "evening"}],
        },
    )
    assert response.status_code == 202, response.text
    return server.mailbox.manage_link(address)


def serious(page: Any, axe_source: str) -> list[str]:
    page.add_script_tag(content=axe_source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("lang", ["nl", "fr", "de"])
def test_public_pages_have_no_serious_violations(
    server: Server, browser: Any, axe_source: str, centre: str, lang: str
) -> None:
    found: dict[str, list[str]] = {}
    pages = {**PAGES, "manage": manage_page(server, centre, lang)}
    for viewport_name, viewport in (("mobile", MOBILE), ("desktop", DESKTOP)):
        # axe is injected as a script: only the test's own context bypasses the CSP.
        context = browser.new_context(viewport=viewport, bypass_csp=True)
        page = context.new_page()
        for name, path in pages.items():
            page.goto(path if path.startswith("http") else server.url + path.format(lang=lang))
            if violations := serious(page, axe_source):
                found[f"{viewport_name} {name}"] = violations
            if viewport_name == "desktop" or name == "home":
                shoot(page, f"{lang}-{viewport_name}-{name}")
        # The same form again, sent empty: the error summary must be accessible too.
        page.goto(server.url + PAGES["register-self"].format(lang=lang))
        page.locator("form button[type=submit]").click()
        assert page.locator(".error-summary").is_visible()
        if violations := serious(page, axe_source):
            found[f"{viewport_name} errors"] = violations
        shoot(page, f"{lang}-{viewport_name}-errors")
        context.close()
    assert not found, found
