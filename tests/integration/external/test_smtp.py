"""The SMTP mailer and the notifier against a real SMTP server on loopback (R-NOTIFY, N-I18N)."""

from __future__ import annotations

import email
import email.policy
import logging
import time
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage

import pytest

from lmb.adapters.http import HttpSettings, HttpSmsGateway
from lmb.adapters.mail import LogMailer, SmtpMailer
from lmb.adapters.messages import MessageRenderer
from lmb.adapters.messages.gsm import septets
from lmb.adapters.notifier import MessageNotifier, OutgoingMail
from lmb.application.model import Message, MessageKind
from lmb.application.ports import ServiceRejected, ServiceUnavailable
from tests.integration.external.servers import (
    TOKEN,
    FakeRemote,
    SilentServer,
    SmtpSink,
    authenticator,
    free_port,
    self_signed_tls,
    start_smtp,
)

SENDER = "Last-minute vaccinatie <noreply@vaccinatie.example.be>"
MAIL = OutgoingMail(
    to="maria.peeters@example.be",
    to_name="Maria Peeters-Öztürk",
    language="nl",
    kind="invitation",
    subject="Boek vóór 15:30 uur: een vaccin voor u",
    text="Beste Maria,\n\nUw vaccinatiecode: ABCD-EFGH-JKMN-PQRS\n",
    html="<p>Beste Maria,</p><p>Uw vaccinatiecode: <b>ABCD-EFGH-JKMN-PQRS</b></p>",
)
INVITATION = Message(
    MessageKind.INVITATION,
    "fr",
    "Marie Dubois",
    "marie.dubois@example.be",
    "+32470123456",
    {
        "manage_url": "http://127.0.0.1:8000/r/tok3n-Abc",
        "centre_name": "Centre de vaccination Namur Expo",
        "centre_address": "Avenue Sergent Vrithoff 2, 5000 Namur",
        "centre_phone": "+3281234567",
        "date": "2021-04-12",
        "start": "15:00",
        "end": "19:00",
        "vaccination_codes": ["ABCD-EFGH-JKMN-PQRS"],
        "persons": ["Marie Dubois"],
        "booking_url": "https://booking.example.be",
        "ttl_minutes": 30,
        "deadline": "2021-04-12T13:30:00+00:00",
    },
)


def parse(sink: SmtpSink, index: int = 0) -> EmailMessage:
    content = sink.envelopes[index].original_content
    assert content is not None
    parsed = email.message_from_bytes(content, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    controller = start_smtp(sink)
    yield sink
    controller.stop()


def mailer_for(sink: SmtpSink) -> SmtpMailer:
    return SmtpMailer("127.0.0.1", sink.port, sender=SENDER, timeout=2)


class TestSmtpMailer:
    async def test_a_mail_is_multipart_alternative_with_proper_headers(
        self, sink: SmtpSink
    ) -> None:
        await mailer_for(sink).send(MAIL)

        envelope = sink.envelopes[0]
        assert envelope.rcpt_tos == ["maria.peeters@example.be"]
        assert envelope.mail_from == "noreply@vaccinatie.example.be"
        mail = parse(sink)
        assert mail.get_content_type() == "multipart/alternative"
        assert mail["Subject"] == MAIL.subject
        assert mail["To"].addresses[0].display_name == "Maria Peeters-Öztürk"
        assert mail["From"] == SENDER
        assert mail["Content-Language"] == "nl"
        assert mail["Date"] is not None
        assert mail["Message-ID"].endswith("@vaccinatie.example.be>")
        plain, html = (part for part in mail.iter_parts())
        assert plain.get_content_type() == "text/plain"
        assert plain.get_content().replace("\r\n", "\n") == MAIL.text
        assert html.get_content_type() == "text/html"
        assert "<b>ABCD-EFGH-JKMN-PQRS</b>" in html.get_content()

    async def test_starttls_and_login_when_the_server_asks_for_them(self) -> None:
        tls = self_signed_tls()
        sink = SmtpSink()
        controller = start_smtp(
            sink,
            tls_context=tls.server,
            require_starttls=True,
            auth_required=True,
            authenticator=authenticator("lmb", "pa55word"),
        )
        try:
            mailer = SmtpMailer(
                "127.0.0.1",
                sink.port,
                sender=SENDER,
                username="lmb",
                password="pa55word",
                tls_context=tls.client,
                timeout=2,
            )
            await mailer.send(MAIL)
        finally:
            controller.stop()

        assert len(sink.envelopes) == 1

    async def test_a_wrong_password_is_a_configuration_fault_not_the_mails(self) -> None:
        tls = self_signed_tls()
        sink = SmtpSink()
        controller = start_smtp(
            sink,
            tls_context=tls.server,
            require_starttls=True,
            auth_required=True,
            authenticator=authenticator("lmb", "pa55word"),
        )
        try:
            mailer = SmtpMailer(
                "127.0.0.1",
                sink.port,
                sender=SENDER,
                username="lmb",
                password="wrong",
                tls_context=tls.client,
                timeout=2,
            )
            with pytest.raises(ServiceUnavailable, match="SMTPAuthenticationError"):
                await mailer.send(MAIL)
        finally:
            controller.stop()

    async def test_a_refused_recipient_is_rejected_for_good(self, sink: SmtpSink) -> None:
        sink.refuse["maria.peeters@example.be"] = "550 5.1.1 No such user"

        with pytest.raises(ServiceRejected, match="550"):
            await mailer_for(sink).send(MAIL)

    async def test_a_greylisted_recipient_is_tried_again_later(self, sink: SmtpSink) -> None:
        sink.refuse["maria.peeters@example.be"] = "450 4.2.0 Greylisted, try again later"

        with pytest.raises(ServiceUnavailable, match="450"):
            await mailer_for(sink).send(MAIL)

    async def test_a_silent_server_times_out(self) -> None:
        silent = SilentServer()
        started = time.monotonic()
        try:
            mailer = SmtpMailer("127.0.0.1", silent.port, sender=SENDER, timeout=0.3)
            with pytest.raises(ServiceUnavailable):
                await mailer.send(MAIL)
        finally:
            silent.close()
        assert time.monotonic() - started < 2

    async def test_no_server_is_unavailable(self) -> None:
        mailer = SmtpMailer("127.0.0.1", free_port(), sender=SENDER, timeout=1)

        with pytest.raises(ServiceUnavailable):
            await mailer.send(MAIL)


class TestLogMailer:
    async def test_keeps_the_mail_and_logs_neither_address_nor_body(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        mailer = LogMailer(keep=2)

        for _ in range(3):
            await mailer.send(MAIL)

        assert list(mailer.sent) == [MAIL, MAIL]
        assert "kind=invitation language=nl" in caplog.text
        for secret in (MAIL.to, "Maria", "ABCD-EFGH-JKMN-PQRS"):
            assert secret not in caplog.text


class TestMessageNotifier:
    @pytest.fixture
    async def gateway(self, remote_url: str) -> AsyncIterator[HttpSmsGateway]:
        gateway = HttpSmsGateway(remote_url, TOKEN, settings=HttpSettings(attempts=1))
        yield gateway
        await gateway.aclose()

    async def test_an_invitation_reaches_the_mail_server_in_french(
        self, sink: SmtpSink, gateway: HttpSmsGateway
    ) -> None:
        """R-NOTIFY, N-I18N: the mail is rendered in the person's language."""
        notifier = MessageNotifier(MessageRenderer(), mailer_for(sink), gateway)

        await notifier.send_email(INVITATION)

        mail = parse(sink)
        assert mail["Content-Language"] == "fr"
        assert mail["Subject"].startswith("Réservez avant 15:30")
        plain, html = (part for part in mail.iter_parts())
        text = plain.get_content()
        assert "ABCD-EFGH-JKMN-PQRS" in text
        assert "Centre de vaccination Namur Expo" in text
        assert "ne peuvent pas être modifiés" in text
        assert "http://127.0.0.1:8000/r/tok3n-Abc" in html.get_content()
        assert '<html lang="fr">' in html.get_content()

    async def test_an_invitation_sms_reaches_the_gateway(
        self, sink: SmtpSink, gateway: HttpSmsGateway, remote: FakeRemote
    ) -> None:
        notifier = MessageNotifier(MessageRenderer(), mailer_for(sink), gateway)
        assert notifier.sms_enabled

        await notifier.send_sms(INVITATION)

        sent = remote.requests[0].json()
        assert sent["to"] == "+32470123456"
        assert "ABCD-EFGH-JKMN-PQRS" in sent["text"]
        assert "081 23 45 67" in sent["text"]
        assert septets(sent["text"]) <= 306
