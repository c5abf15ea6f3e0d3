"""N-GDPR retention: lapsed, ineligible and booked registrations are erased after
``LMB_RETENTION_DAYS`` from their last change; reports keep counting them."""

from __future__ import annotations

import datetime as dt

import pytest

from lmb.adapters.sql import AesGcmCipher, SqlUnitOfWorkFactory
from lmb.application.ports import UnitOfWorkFactory
from lmb.domain.person import VcdbStatus
from lmb.entrypoints.config import Config, ConfigError
from lmb.testing.builders import an_insz
from tests.integration.storage.support import Store
from tests.unit.application.support import Lmb, build_lmb, person, register_self


@pytest.fixture
def uow(store: Store) -> UnitOfWorkFactory:
    """Each storage flavour (conftest ``store``); SQL ones encrypt as in production."""
    if store.engine is None:
        return store.uow
    return SqlUnitOfWorkFactory(store.engine, cipher=AesGcmCipher("retention-secret-0123456789"))


async def _register(lmb: Lmb, centre: str, born: dt.date, serial: int) -> str:
    receipt = await lmb.services.register(register_self(person(born, serial), centre))
    await lmb.services.manage.confirm(lmb.token_for(receipt.id))
    return receipt.id


async def _persons(lmb: Lmb, registration_id: str) -> int:
    async with lmb.ctx.uow() as uow:
        registration = await uow.registrations.get(registration_id)
    assert registration is not None
    return len(registration.persons)


async def test_registrations_are_erased_after_the_retention_and_still_counted(
    uow: UnitOfWorkFactory,
) -> None:
    lmb = await build_lmb(uow)
    centre = await lmb.centre()
    lmb.vcdb.answers[an_insz(dt.date(1950, 1, 1), 1).digits] = VcdbStatus.NOT_ELIGIBLE
    ineligible = await _register(lmb, centre, dt.date(1950, 1, 1), 1)
    listed = await _register(lmb, centre, dt.date(1951, 1, 1), 2)
    await lmb.run_worker(2)
    async with lmb.ctx.uow() as uow:
        before = await uow.reports.summary()
        provinces = (await uow.reports.breakdown()).by_province
    assert before.registered == 2 and before.by_status["ineligible"] == 1

    lmb.advance(days=29)
    assert (await lmb.services.worker.run_once()).purged == 0
    assert await _persons(lmb, ineligible) == 1
    # that pass also lapsed the listed one (no re-confirmation within 14 days): its
    # retention counts from day 29

    lmb.advance(days=2)
    tick = await lmb.services.worker.run_once()
    assert tick.purged == 1
    assert await _persons(lmb, ineligible) == 0
    assert await _persons(lmb, listed) == 1
    assert await lmb.services.worker.purge() == 0  # nothing left due: an empty look-up

    lmb.advance(days=27)
    assert await lmb.services.worker.purge() == 0
    lmb.advance(days=2)
    assert await lmb.services.worker.purge() == 1
    assert await _persons(lmb, listed) == 0
    async with lmb.ctx.uow() as uow:
        after = await uow.reports.summary()
        assert (await uow.reports.breakdown()).by_province == provinces
        assert await uow.registrations.due_for_purge(lmb.clock.now(), 10) == []
    assert after.registered == before.registered
    assert after.by_region == before.by_region
    assert after.by_centre == before.by_centre
    assert after.by_status["ineligible"] == 1 and after.by_status["lapsed"] == 1


def test_the_retention_is_configured_in_days() -> None:
    env = {"LMB_DATABASE_URL": "memory://", "LMB_SECRET_KEY": "s" * 32}
    assert Config.from_env(env).retention_days == 30
    assert Config.from_env({**env, "LMB_RETENTION_DAYS": "7"}).retention_days == 7
    assert Config.from_env({**env, "LMB_OLD_SECRET_KEYS": "a, b,"}).old_secret_keys == ("a", "b")
    for bad in ("x", "-1"):
        with pytest.raises(ConfigError, match="LMB_RETENTION_DAYS"):
            Config.from_env({**env, "LMB_RETENTION_DAYS": bad})
