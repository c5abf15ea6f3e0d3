"""What every use case is handed: the unit of work factory, clock, secrets and settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from attrs import field, frozen

from lmb.application.model import AuditEntry, Message, MessageKind, OutboxMessage, Topic
from lmb.application.ports import Clock, Secrets, UnitOfWork, UnitOfWorkFactory
from lmb.domain.invitation import DEFAULT_TTL, DELIVERY_GRACE, Invitation
from lmb.domain.ranking import DEFAULT_POLICY, RankingPolicy

#: The payload key of a message composed at delivery (``Context.notify_later``).
RENDER = "render"


@frozen
class Settings:
    """Behaviour switches from configuration (contract section 1)."""

    public_url: str = "http://127.0.0.1:8000"
    booking_public_url: str = "https://booking.example.invalid/"
    invitation_ttl: dt.timedelta = DEFAULT_TTL
    delivery_grace: dt.timedelta = DELIVERY_GRACE
    groups_enabled: bool = True
    sms_enabled: bool = False
    #: N-GDPR: lapsed, ineligible and booked registrations are erased this long after
    #: their last change (``LMB_RETENTION_DAYS``)
    retention: dt.timedelta = dt.timedelta(days=30)
    policy: RankingPolicy = field(default=DEFAULT_POLICY)


@frozen
class Notice:
    """A message for a person, with what it concerns (see ``Context.notify``)."""

    message: Message
    registration_id: str | None
    invitation_id: str | None = None
    #: also by SMS, when SMS is switched on and the person gave a mobile number
    sms: bool = False


@frozen
class Context:
    uow: UnitOfWorkFactory
    clock: Clock
    secrets: Secrets
    settings: Settings

    def manage_url(self, registration_id: str) -> str:
        token = self.secrets.manage_token(registration_id)
        return f"{self.settings.public_url.rstrip('/')}/r/{token}"

    async def queue(
        self,
        uow: UnitOfWork,
        topic: Topic,
        payload: dict[str, Any],
        *,
        now: dt.datetime,
        registration_id: str | None = None,
        invitation_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> OutboxMessage:
        message = OutboxMessage.new(
            id=self.secrets.new_id(),
            topic=topic,
            payload=payload,
            now=now,
            idempotency_key=idempotency_key,
            registration_id=registration_id,
            invitation_id=invitation_id,
        )
        await uow.outbox.add(message)
        return message

    async def notify(
        self,
        uow: UnitOfWork,
        message: Message,
        *,
        now: dt.datetime,
        registration_id: str | None,
        invitation_id: str | None = None,
        sms: bool = False,
    ) -> None:
        """Queue the e-mail, and the SMS too when asked for and switched on."""
        await self.notify_many(uow, [Notice(message, registration_id, invitation_id, sms)], now=now)

    async def notify_many(
        self, uow: UnitOfWork, notices: Sequence[Notice], *, now: dt.datetime
    ) -> None:
        """``notify`` for each notice, queued in one write (a session's invitations)."""
        queued: list[OutboxMessage] = []
        for notice in notices:
            message = notice.message
            topics = [Topic.EMAIL] if message.email else []
            if notice.sms and self.settings.sms_enabled and message.mobile:
                topics.append(Topic.SMS)
            payload = message.to_payload() if topics else {}
            queued.extend(
                OutboxMessage.new(
                    id=self.secrets.new_id(),
                    topic=topic,
                    payload=payload,
                    now=now,
                    registration_id=notice.registration_id,
                    invitation_id=notice.invitation_id,
                )
                for topic in topics
            )
        await uow.outbox.add_many(queued)

    async def notify_later(
        self,
        uow: UnitOfWork,
        kind: MessageKind,
        invitations: Sequence[Invitation],
        *,
        now: dt.datetime,
        sms: bool = False,
    ) -> None:
        """Queue a message of ``kind`` about each invitation, composed at delivery.

        The payload names only the kind and the invitation (``RENDER``); the worker
        builds the message from the stores when it hands it over, so a session's 200
        invitations queue 200-400 small rows without reading anyone's personal data
        (N-SCALE), and the outbox holds no copy of it (N-GDPR). An invitation message
        is tied to its invitation: its hand-over starts the deadline.
        """
        topics = [Topic.EMAIL]
        if sms and self.settings.sms_enabled:
            topics.append(Topic.SMS)
        tied = kind is MessageKind.INVITATION
        await uow.outbox.add_many(
            [
                OutboxMessage.new(
                    id=self.secrets.new_id(),
                    topic=topic,
                    payload={RENDER: kind.value, "invitation_id": invitation.id},
                    now=now,
                    registration_id=invitation.registration_id,
                    invitation_id=invitation.id if tied else None,
                )
                for invitation in invitations
                for topic in topics
            ]
        )

    async def audit(
        self,
        uow: UnitOfWork,
        *,
        actor: str,
        action: str,
        target: str | None = None,
        now: dt.datetime,
        **detail: Any,
    ) -> None:
        await uow.audit.append(
            AuditEntry(
                id=self.secrets.new_id(),
                at=now,
                actor=actor,
                action=action,
                target=target,
                detail=detail,
            )
        )
