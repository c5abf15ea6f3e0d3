"""The notifier renders and hands over; without a gateway there is no SMS (R-NOTIFY)."""

from __future__ import annotations

import pytest

from lmb.adapters.mail import LogMailer
from lmb.adapters.messages import MessageRenderer
from lmb.adapters.notifier import MessageNotifier
from lmb.adapters.simulators import SimulatedSmsGateway
from lmb.application.model import Message, MessageKind
from lmb.application.ports import Notifier, ServiceRejected, ServiceUnavailable
from tests.unit.messages.samples import message


@pytest.fixture
def mailer() -> LogMailer:
    return LogMailer()


@pytest.fixture
def gateway() -> SimulatedSmsGateway:
    return SimulatedSmsGateway()


@pytest.fixture
def notifier(mailer: LogMailer, gateway: SimulatedSmsGateway) -> MessageNotifier:
    return MessageNotifier(MessageRenderer(), mailer, gateway)


class TestMessageNotifier:
    def test_it_implements_the_port(self, notifier: MessageNotifier) -> None:
        assert isinstance(notifier, Notifier)

    async def test_a_mail_is_rendered_in_the_persons_language(
        self, notifier: MessageNotifier, mailer: LogMailer
    ) -> None:
        await notifier.send_email(message(MessageKind.INVITATION, "de"))

        (mail,) = mailer.sent
        assert (mail.to, mail.to_name, mail.language) == (
            "maria.peeters@example.be",
            "Maria Peeters",
            "de",
        )
        assert mail.kind == "invitation"
        assert "Impfcode" in mail.text
        assert "<html" in mail.html

    async def test_an_sms_goes_to_the_mobile_number(
        self, notifier: MessageNotifier, gateway: SimulatedSmsGateway
    ) -> None:
        await notifier.send_sms(message(MessageKind.INVITATION, "nl"))

        (sms,) = gateway.sent
        assert sms.to == "+32470123456"
        assert "ABCD-EFGH-JKMN-PQRS" in sms.text

    async def test_without_a_gateway_sms_is_switched_off(self, mailer: LogMailer) -> None:
        notifier = MessageNotifier(MessageRenderer(), mailer)

        assert not notifier.sms_enabled
        with pytest.raises(ServiceRejected, match="switched off"):
            await notifier.send_sms(message(MessageKind.INVITATION, "nl"))

    async def test_no_address_is_rejected(self, notifier: MessageNotifier) -> None:
        base = message(MessageKind.INVITATION, "nl")
        nobody = Message(base.kind, base.language, base.name, None, None, base.data)

        with pytest.raises(ServiceRejected, match="e-mail"):
            await notifier.send_email(nobody)
        with pytest.raises(ServiceRejected, match="mobile"):
            await notifier.send_sms(nobody)

    async def test_a_message_that_cannot_be_rendered_is_rejected_for_good(
        self, notifier: MessageNotifier
    ) -> None:
        with pytest.raises(ServiceRejected, match="booking_url"):
            await notifier.send_email(message(MessageKind.INVITATION, "nl", booking_url=None))

    async def test_a_gateway_outage_is_passed_on(
        self, notifier: MessageNotifier, gateway: SimulatedSmsGateway
    ) -> None:
        gateway.down = True

        with pytest.raises(ServiceUnavailable):
            await notifier.send_sms(message(MessageKind.INVITATION, "nl"))

    async def test_a_message_survives_the_outbox_round_trip(
        self, notifier: MessageNotifier, mailer: LogMailer
    ) -> None:
        original = message(MessageKind.AVAILABILITY_REMINDER, "fr")

        await notifier.send_email(Message.from_payload(original.to_payload()))

        assert mailer.sent[0].subject.startswith("Êtes-vous toujours disponible")
