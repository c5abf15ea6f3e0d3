"""The Notifier: renders a message in its language, then hands it to a mailer or SMS gateway."""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from attrs import frozen

from lmb.adapters.messages import MessageRenderer, RenderedMessage, RenderError
from lmb.application.model import Message
from lmb.application.ports import Notifier, ServiceRejected

log = logging.getLogger("lmb.adapters.notifier")


@frozen
class OutgoingMail:
    """A rendered e-mail for one citizen, ready for a mailer."""

    to: str
    to_name: str
    language: str
    kind: str
    subject: str
    text: str
    html: str

    def __repr__(self) -> str:
        return f"OutgoingMail(kind={self.kind!r}, language={self.language!r})"


@runtime_checkable
class Mailer(Protocol):
    """Hands a mail to a mail server (or keeps it, when none is configured).

    - Returns once the server accepted the mail.
    - Raises ServiceUnavailable when it may work later, ServiceRejected when never.
    """

    async def send(self, mail: OutgoingMail) -> None: ...


@runtime_checkable
class SmsGateway(Protocol):
    """Hands a text message to an SMS gateway; same errors as ``Mailer``."""

    async def send(self, to: str, text: str) -> None: ...


class MessageNotifier(Notifier):
    """E-mail and SMS to citizens in their language (R-NOTIFY, N-I18N).

    Args:
        renderer: turns a ``Message`` into subject, text, HTML and SMS.
        mailer: ``SmtpMailer`` or, without an SMTP server, ``LogMailer``.
        sms_gateway: ``HttpSmsGateway``, a simulator, or None to switch SMS off.
    """

    def __init__(
        self, renderer: MessageRenderer, mailer: Mailer, sms_gateway: SmsGateway | None = None
    ) -> None:
        self.renderer = renderer
        self.mailer = mailer
        self.sms_gateway = sms_gateway

    @property
    def sms_enabled(self) -> bool:
        return self.sms_gateway is not None

    async def send_email(self, message: Message) -> None:
        """Render and send; returns when the mail server accepted it.

        Raises:
            ServiceRejected: no address, or the message cannot be rendered.
            ServiceUnavailable: the mail server cannot take it now.
        """
        if not message.email:
            raise ServiceRejected(f"no e-mail address for a {message.kind.value} message")
        rendered = self._render(message)
        await self.mailer.send(
            OutgoingMail(
                to=message.email,
                to_name=message.name,
                language=rendered.language,
                kind=message.kind.value,
                subject=rendered.subject,
                text=rendered.text,
                html=rendered.html,
            )
        )

    async def send_sms(self, message: Message) -> None:
        """Render and send the SMS; returns when the gateway accepted it.

        Raises:
            ServiceRejected: SMS switched off, no mobile number, or not renderable.
            ServiceUnavailable: the gateway cannot take it now.
        """
        if self.sms_gateway is None:
            raise ServiceRejected("SMS is switched off")
        if not message.mobile:
            raise ServiceRejected(f"no mobile number for a {message.kind.value} message")
        rendered = self._render(message)
        await self.sms_gateway.send(message.mobile, rendered.sms)

    def _render(self, message: Message) -> RenderedMessage:
        try:
            return self.renderer.render(message)
        except RenderError as exc:
            raise ServiceRejected(f"cannot render a {message.kind.value} message: {exc}") from None
