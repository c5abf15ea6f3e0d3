"""The acceptance journey in a real browser: register in French and German, confirm from the
mail, a centre opens a session in Dutch, the citizen sees the invitation (R-REG-C, R-REG-D,
R-SESSION, N-I18N)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from lmb.adapters.simulators import SimulatedVcdb, simulated_code
from lmb.application.clock import BRUSSELS
from lmb.domain.insz import Insz
from lmb.domain.person import VcdbStatus
from tests.browser.conftest import DESKTOP, MOBILE, Server, shoot
from tests.integration.api.support import insz

TOMORROW = (dt.datetime.now(BRUSSELS) + dt.timedelta(days=1)).date()


def eligible_insz(born: dt.date) -> str:
    """A valid INSZ that lmb's simulated VCDB finds eligible."""
    vcdb = SimulatedVcdb()
    while True:
        digits = insz(born)
        if vcdb.answer_for(Insz.parse(digits)).status is VcdbStatus.ELIGIBLE:
            return digits


def wait_for_text(page: Any, text: str, timeout: float = 30.0) -> None:
    """Reload until ``text`` shows (the worker runs every two seconds)."""
    deadline = time.monotonic() + timeout
    while text not in page.inner_text("main"):
        assert time.monotonic() < deadline, f"{text!r} never showed on {page.url}"
        time.sleep(1)
        page.reload()


def a_centre_with_staff(server: Server) -> tuple[str, str]:
    response = server.api.post(
        "/api/v1/centres",
        json={
            "name": "Centre de vaccination Namur Expo",
            "short_code": "NAMR",
            "region": "WAL",
            "address": "Avenue Sergent Vrithoff 2, 5000 Namur",
            "postcodes": ["5000", "5001", "5002"],
            "phone": "+3281000000",
        },
    )
    assert response.status_code == 201, response.text
    centre_id: str = response.json()["id"]
    issued = server.api.post(
        "/api/v1/tokens",
        json={"role": "centre", "name": "Accueil Namur Expo", "centre_ids": [centre_id]},
    )
    assert issued.status_code == 201, issued.text
    token: str = issued.json()["token"]
    return centre_id, token


def test_register_confirm_and_get_invited(server: Server, browser: Any) -> None:
    centre_id, centre_token = a_centre_with_staff(server)
    evening = f"#av-{TOMORROW.isoformat()}-evening"

    # A daughter registers her parents as a group, in French, on her phone.
    phone = browser.new_context(viewport=MOBILE, locale="fr-BE", is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(server.url + "/")
    assert page.url.endswith("/fr/")
    shoot(page, "fr-mobile-home")
    page.get_by_role("link", name="S'inscrire maintenant").click()
    page.get_by_label("Pour moi et ma famille ou mon groupe").check()
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Quel est le code postal").fill("5000")
    page.get_by_role("button", name="Continuer").click()
    page.fill("#persons-0-first_name", "Jeanne")
    page.fill("#persons-0-last_name", "Dubois")
    page.fill("#persons-0-insz", eligible_insz(dt.date(1948, 3, 2)))
    page.fill("#persons-0-email", "jeanne.dubois@example.org")
    page.fill("#persons-0-mobile", "0470 11 22 33")
    page.fill("#persons-1-first_name", "Marcel")
    page.fill("#persons-1-last_name", "Dubois")
    page.fill("#persons-1-insz", eligible_insz(dt.date(1946, 7, 9)))
    page.fill("#persons-1-postcode", "5000")
    page.check(evening)
    shoot(page, "fr-mobile-register-group")
    page.get_by_role("button", name="S'inscrire").click()
    assert "Regardez dans votre boîte mail" in page.inner_text("main")

    # Someone accompanying a booked person registers in German, on a desktop.
    desk = browser.new_context(viewport=DESKTOP, locale="de-BE")
    other = desk.new_page()
    other.goto(server.url + "/de/register")
    other.get_by_label("Als Begleitperson").check()
    other.get_by_role("button", name="Weiter").click()
    other.get_by_label("Welche Postleitzahl").fill("5000")
    other.get_by_role("button", name="Weiter").click()
    other.fill("#companion_of", str(simulated_code(Insz.parse(insz()))))
    other.fill("#persons-0-first_name", "Lukas")
    other.fill("#persons-0-last_name", "Schmitz")
    other.fill("#persons-0-insz", eligible_insz(dt.date(1960, 1, 15)))
    other.fill("#persons-0-email", "lukas.schmitz@example.org")
    other.fill("#persons-0-mobile", "0470 44 55 66")
    other.check(evening)
    shoot(other, "de-desktop-register-companion")
    other.get_by_role("button", name="Anmelden").click()
    assert "Schauen Sie in Ihr Postfach" in other.inner_text("main")

    # The group confirms through the link in the mail.
    page.goto(server.mailbox.manage_link("jeanne.dubois@example.org"))
    assert "En attente de confirmation" in page.inner_text("#status")
    page.get_by_role("button", name="Oui, c'est mon adresse").click()
    assert "Votre adresse est confirmée" in page.inner_text("main")
    wait_for_text(page, "Sur la liste")
    shoot(page, "fr-mobile-manage-active")
    manage_url = page.url

    # The centre opens a session for tomorrow evening, in Dutch.
    staff = browser.new_context(viewport=DESKTOP, locale="nl-BE")
    desk_page = staff.new_page()
    desk_page.goto(server.url + "/nl/staff")
    desk_page.get_by_label("Toegangscode").fill(centre_token)
    desk_page.get_by_role("button", name="Aanmelden").click()
    desk_page.get_by_role("link", name="Centre de vaccination Namur Expo").click()
    assert centre_id in desk_page.url
    desk_page.fill("#date", TOMORROW.isoformat())
    desk_page.fill("#start", "18:00")
    desk_page.fill("#end", "20:00")
    desk_page.fill("#slots", "2")
    desk_page.get_by_role("button", name="Sessie starten en uitnodigen").click()
    assert "Sessie live" in desk_page.inner_text("h1")
    assert desk_page.inner_text("#stat-invited") == "2"
    shoot(desk_page, "nl-desktop-session-live")

    # The citizen sees the invitation on the manage page.
    page.goto(manage_url)
    wait_for_text(page, "Invité")
    assert page.inner_text("#status") == "Invité"
    shoot(page, "fr-mobile-manage-invited")
    for context in (phone, desk, staff):
        context.close()
