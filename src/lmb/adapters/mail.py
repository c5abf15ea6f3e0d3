"""Outgoing e-mail: over SMTP with aiosmtplib, or into the log when no server is configured."""

from __future__ import annotations

import collections
import logging
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

import aiosmtplib

from lmb.adapters.notifier import Mailer, OutgoingMail
from lmb.application.ports import ServiceRejected, ServiceUnavailable

log = logging.getLogger("lmb.adapters.mail")


def build_email(mail: OutgoingMail, *, sender: str) -> EmailMessage:
    """A multipart/alternative mail (plain text first, then HTML) with full headers."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = Address(display_name=mail.to_name, addr_spec=mail.to)
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "lmb.invalid"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.text, subtype="plain", charset="utf-8")
    message.add_alternative(mail.html, subtype="html", charset="utf-8")
    # After the body: setting content clears every Content-* header.
    message["Content-Language"] = mail.language
    return message


class SmtpMailer(Mailer):
    """Sends each mail over its own SMTP connection (``LMB_SMTP_HOST``, ``LMB_SMTP_PORT``).

    - STARTTLS is used whenever the server offers it (``start_tls=None``); True demands
      it, False never tries. ``use_tls`` is implicit TLS (port 465).
    - Credentials are optional; aiosmtplib logs in after STARTTLS.
    - 4xx answers, timeouts and lost connections are ServiceUnavailable; a recipient
      or content refused with a 5xx is ServiceRejected. A refused login or sender is a
      configuration fault, so ServiceUnavailable: the mail waits until it is fixed.

    Args:
        host: the SMTP server.
        port: its port.
        sender: the From header and envelope sender (``LMB_MAIL_FROM``); may carry a
            display name (``Vaccinatie <noreply@example.be>``).
        username: optional login.
        password: optional password.
        timeout: seconds for connecting and for each SMTP command.
        tls_context: custom TLS settings (e.g. a private CA).
    """

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        start_tls: bool | None = None,
        use_tls: bool = False,
        timeout: float = 10.0,
        validate_certs: bool = True,
        tls_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self._username = username or None
        self._password = password or None
        self._start_tls = start_tls
        self._use_tls = use_tls
        self._timeout = timeout
        self._validate_certs = validate_certs
        self._tls_context = tls_context
        self._local_hostname = local_hostname

    async def send(self, mail: OutgoingMail) -> None:
        """Hand the mail to the SMTP server; returns once it accepted it.

        Raises:
            ServiceUnavailable: the server cannot take it now.
            ServiceRejected: the server refused the recipient or content for good.
        """
        message = build_email(mail, sender=self.sender)
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self._username,
                password=self._password,
                start_tls=self._start_tls,
                use_tls=self._use_tls,
                timeout=self._timeout,
                validate_certs=self._validate_certs,
                tls_context=self._tls_context,
                local_hostname=self._local_hostname,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refused.code for refused in exc.recipients]
            raise _by_code(min(codes, default=450), "recipient refused", mail) from None
        except aiosmtplib.SMTPDataError as exc:
            raise _by_code(exc.code, "content refused", mail) from None
        except aiosmtplib.SMTPResponseException as exc:
            # Login, sender, HELO: configuration faults, not the mail's.
            raise ServiceUnavailable(f"SMTP: {type(exc).__name__} ({exc.code})") from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise ServiceUnavailable(f"SMTP: {type(exc).__name__}") from None
        log.info("mail accepted by the SMTP server: kind=%s language=%s", mail.kind, mail.language)


def _by_code(code: int, what: str, mail: OutgoingMail) -> ServiceRejected | ServiceUnavailable:
    detail = f"SMTP: {what} ({code}) for a {mail.kind} mail"
    return ServiceRejected(detail) if code >= 500 else ServiceUnavailable(detail)


class LogMailer(Mailer):
    """For when ``LMB_SMTP_HOST`` is unset: logs that a mail was due and keeps it in memory.

    Only the kind and the language are logged, never the address or the body. The last
    ``keep`` mails are in ``sent`` (newest last) for demos and tests.
    """

    def __init__(self, keep: int = 1000) -> None:
        self.sent: collections.deque[OutgoingMail] = collections.deque(maxlen=keep)

    async def send(self, mail: OutgoingMail) -> None:
        self.sent.append(mail)
        log.info("mail not sent (no SMTP server): kind=%s language=%s", mail.kind, mail.language)
