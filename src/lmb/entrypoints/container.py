"""The composition root: the one place that decides which adapter serves each port."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from attrs import define
from dependency_injector import containers, providers

from lmb.adapters.http.booking import HttpBookingSystem
from lmb.adapters.http.sms import HttpSmsGateway
from lmb.adapters.http.vcdb import HttpVcdb
from lmb.adapters.mail import LogMailer, SmtpMailer
from lmb.adapters.memory import InMemoryStore
from lmb.adapters.messages import MessageRenderer
from lmb.adapters.notifier import MessageNotifier
from lmb.adapters.simulators import SimulatedBookingSystem, SimulatedVcdb
from lmb.adapters.sql import AesGcmCipher, SqlUnitOfWorkFactory, create_engine, upgrade
from lmb.adapters.system import HmacSecrets, SystemClock
from lmb.application.context import Context, Settings
from lmb.application.ports import Clock
from lmb.entrypoints.config import Config
from lmb.entrypoints.services import Services

log = logging.getLogger("lmb")


def _storage_kind(config: Config) -> str:
    return "memory" if config.is_memory else "sql"


def _present(value: str | None) -> str:
    return "real" if value else "simulated"


def _settings(config: Config, sms_enabled: bool) -> Settings:
    return Settings(
        public_url=config.public_url,
        booking_public_url=config.booking_public_url,
        invitation_ttl=config.invitation_ttl,
        groups_enabled=config.groups_enabled,
        sms_enabled=sms_enabled,
        retention=dt.timedelta(days=config.retention_days),
    )


class Container(containers.DeclarativeContainer):
    """Chooses every adapter from the configuration (contract section 1).

    No engine is built and nothing is read at import time: providers run when the
    runtime is built.
    """

    config = providers.Dependency(instance_of=Config)
    clock = providers.Singleton(SystemClock)
    secrets = providers.Singleton(lambda c: HmacSecrets(c.secret_key.encode()), config)

    engine = providers.Singleton(lambda c: create_engine(c.database_url), config)
    cipher = providers.Singleton(lambda c: AesGcmCipher(c.secret_key, c.old_secret_keys), config)
    uow = providers.Selector(
        providers.Callable(_storage_kind, config),
        memory=providers.Singleton(InMemoryStore),
        sql=providers.Singleton(SqlUnitOfWorkFactory, engine, cipher=cipher),
    )

    eligibility = providers.Selector(
        providers.Callable(lambda c: _present(c.vcdb_url), config),
        real=providers.Singleton(lambda c: HttpVcdb(c.vcdb_url, c.vcdb_token), config),
        simulated=providers.Singleton(SimulatedVcdb),
    )
    booking = providers.Selector(
        providers.Callable(lambda c: _present(c.booking_url), config),
        real=providers.Singleton(
            lambda c: HttpBookingSystem(c.booking_url, c.booking_token), config
        ),
        simulated=providers.Singleton(SimulatedBookingSystem),
    )
    mailer = providers.Selector(
        providers.Callable(lambda c: "smtp" if c.smtp_host else "log", config),
        smtp=providers.Singleton(
            lambda c: SmtpMailer(c.smtp_host, c.smtp_port, sender=c.mail_from), config
        ),
        log=providers.Singleton(LogMailer),
    )
    sms = providers.Selector(
        providers.Callable(lambda c: "on" if c.sms_url else "off", config),
        on=providers.Singleton(lambda c: HttpSmsGateway(c.sms_url, c.sms_token), config),
        off=providers.Object(None),
    )
    renderer = providers.Singleton(MessageRenderer)
    notifier = providers.Singleton(MessageNotifier, renderer, mailer, sms)

    settings = providers.Singleton(lambda c, s: _settings(c, s is not None), config, sms)
    context = providers.Singleton(Context, uow=uow, clock=clock, secrets=secrets, settings=settings)
    services = providers.Singleton(
        lambda ctx, e, b, n, c: Services.build(
            ctx, eligibility=e, booking=b, notifier=n, admin_token=c.admin_token
        ),
        context,
        eligibility,
        booking,
        notifier,
        config,
    )


@define
class Runtime:
    """A built lmb: the services plus what operations need (readiness, shutdown)."""

    config: Config
    container: Container
    services: Services

    @property
    def notifier(self) -> MessageNotifier:
        notifier: MessageNotifier = self.container.notifier()
        return notifier

    def adapter(self, name: str) -> Any:
        """The adapter serving a port (``eligibility``, ``booking``, ``mailer``…)."""
        return getattr(self.container, name)()

    async def ready(self) -> bool:
        """The database answers."""
        try:
            async with self.services.ctx.uow() as uow:
                await uow.centres.get("readiness-probe")
        except Exception:  # any failure means not ready
            log.warning("readiness probe failed", exc_info=True)
            return False
        return True

    async def aclose(self) -> None:
        for name in ("eligibility", "booking", "sms"):
            adapter = self.adapter(name)
            close = getattr(adapter, "aclose", None)
            if close is not None:
                await close()
        if not self.config.is_memory:
            await self.container.engine().dispose()


async def build_runtime(
    config: Config, *, clock: Clock | None = None, migrate: bool | None = None
) -> Runtime:
    """Build every adapter for ``config``.

    Args:
        clock: replaces the system clock (tests, simulations).
        migrate: apply migrations first; by default on SQLite only (``lmb db upgrade``
            does it for PostgreSQL).
    """
    container = Container(config=config)
    if clock is not None:
        container.clock.override(providers.Object(clock))
    if not config.is_memory and (migrate if migrate is not None else config.is_sqlite):
        await upgrade(config.database_url)
    return Runtime(config=config, container=container, services=container.services())
