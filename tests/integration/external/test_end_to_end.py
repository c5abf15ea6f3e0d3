"""The whole flow against real servers on loopback: VCDB, booking system, SMS and SMTP.

Acceptance of the external-systems issue: register → confirm → session → invitation →
booking event produces exactly the calls and messages of contract section 3.
"""

from __future__ import annotations

import datetime as dt
import email
from collections.abc import Iterator
from email.message import Message as MailMessage
from pathlib import Path

import pytest

from lmb.adapters.system import FixedClock
from lmb.application.centres import CentreInput
from lmb.application.registrations import AvailabilityInput, PersonInput, Register
from lmb.application.sessions import OpenSessionCommand
from lmb.domain.person import VcdbStatus
from lmb.entrypoints.config import Config
from lmb.entrypoints.container import build_runtime
from lmb.testing.builders import an_insz
from tests.integration.external.servers import TOKEN, FakeRemote, SmtpSink, start_smtp

NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    controller = start_smtp(sink)
    yield sink
    controller.stop()


def _mails(sink: SmtpSink) -> list[MailMessage]:
    return [email.message_from_bytes(e.content) for e in sink.envelopes]  # type: ignore[arg-type]


def _text(mail: MailMessage) -> str:
    for part in mail.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no plain-text part")


def code_in_sms(text: str, remote: FakeRemote, insz: object) -> bool:
    code = remote.vcdb.answer_for(insz).vaccination_code  # type: ignore[arg-type]
    return code is not None and code.value in text


async def test_one_invitation_end_to_end(
    remote: FakeRemote, remote_url: str, smtp: SmtpSink, tmp_path: Path
) -> None:
    config = Config(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'lmb.db'}",
        secret_key="end-to-end-secret-key-0123456789",
        public_url="https://lmb.example.be",
        vcdb_url=remote_url,
        vcdb_token=TOKEN,
        booking_url=remote_url,
        booking_token=TOKEN,
        booking_public_url="https://booking.example.be/",
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        mail_from="lmb@example.be",
        sms_url=remote_url,
        sms_token=TOKEN,
    )
    clock = FixedClock(NOW)
    runtime = await build_runtime(config, clock=clock)
    services = runtime.services
    try:
        admin = await services.staff.authenticate("x")
        assert admin is None
        issued = await services.staff.issue(role="admin", name="ops", actor="test")
        admin = issued.staff
        centre = await services.centres.create(
            CentreInput(
                "Vaccinatiecentrum Gent",
                "GENT",
                "VLG",
                "Zuiderlaan 13, 9000 Gent",
                ["9000"],
                "09 210 10 10",
            ),
            admin,
        )
        insz = next(
            i
            for i in (an_insz(dt.date(1941, 3, 2), s) for s in range(1, 200))
            if remote.vcdb.answer_for(i).status is VcdbStatus.ELIGIBLE
        )
        receipt = await services.register(
            Register(
                kind="self",
                language="fr",
                persons=[
                    PersonInput(
                        insz.digits,
                        "Dupont",
                        "Marie",
                        "9000",
                        "marie.dupont@example.be",
                        "+32470123456",
                    )
                ],
                centre_ids=[centre.id],
                availability=[AvailabilityInput("2026-11-23", "evening")],
            )
        )
        token = services.ctx.secrets.manage_token(receipt.id)
        await services.manage.confirm(token)
        for _ in range(2):
            await services.worker.run_once()
        vcdb_calls = [r for r in remote.requests if "vaccination-code" in r.path]
        assert [(r.method, r.path) for r in vcdb_calls] == [
            ("GET", f"/v1/persons/{insz.digits}/vaccination-code")
        ]
        assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in remote.requests)

        stats = await services.open_session(
            OpenSessionCommand(centre.id, "2026-11-23", "17:00", "20:00", 1), admin
        )
        assert stats.invited == 1
        clock.advance(dt.timedelta(minutes=1))
        for _ in range(2):
            await services.worker.run_once()

        sms = [r.json() for r in remote.requests if r.path == "/v1/messages"]
        assert len(sms) == 1
        assert sms[0]["to"] == "+32470123456"
        assert "09 210 10 10" in sms[0]["text"], sms[0]["text"]  # C-ONBOARD: the centre's phone
        assert code_in_sms(sms[0]["text"], remote, insz)

        reports = [r for r in remote.requests if r.path == "/v1/last-minute-invitations"]
        assert len(reports) == 1
        body = reports[0].json()
        code = remote.vcdb.answer_for(insz).vaccination_code
        assert code is not None
        assert body["vaccination_code"] == code.value
        assert body["centre_id"] == centre.id
        assert body["date"] == "2026-11-23"
        expires = dt.datetime.fromisoformat(body["expires_at"])
        assert expires == clock.now() + dt.timedelta(minutes=30)
        assert reports[0].headers["idempotency-key"]

        mails = _mails(smtp)
        subjects = [m["Subject"] for m in mails]
        assert len(mails) == 3, subjects  # confirm your address, listed, invitation
        assert all(
            m["To"].endswith("marie.dupont@example.be>") or m["To"] == "marie.dupont@example.be"
            for m in mails
        )
        invitation = _text(mails[-1])
        assert code.value in invitation
        assert "Vaccinatiecentrum Gent" in invitation
        assert "https://booking.example.be/" in invitation
        assert f"https://lmb.example.be/r/{token}" in invitation
        assert insz.digits not in invitation
        assert mails[-1]["Content-Language"] == "fr"

        await services.bookings(code.value, "booked", clock.now().isoformat())
        assert (await services.sessions.stats(stats.id, admin)).booked == 1
        # Nothing more goes out for a booking.
        before = len(remote.requests)
        await services.worker.run_once()
        assert len(remote.requests) == before
    finally:
        await runtime.aclose()
