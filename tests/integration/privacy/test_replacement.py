"""C-REGISTRY: a replaced INSZ is followed without the registration losing its place."""

from __future__ import annotations

import datetime as dt

import pytest

from lmb.adapters.sql import AesGcmCipher, SqlUnitOfWorkFactory
from lmb.application.ports import UnitOfWorkFactory
from lmb.application.sessions import OpenSessionCommand
from lmb.testing.builders import an_insz
from tests.integration.storage.support import Store
from tests.unit.application.support import TODAY, Lmb, build_lmb, person, register_self

BORN = dt.date(1940, 5, 6)


@pytest.fixture
def uow(store: Store) -> UnitOfWorkFactory:
    """Each storage flavour (conftest ``store``); SQL ones encrypt as in production."""
    if store.engine is None:
        return store.uow
    return SqlUnitOfWorkFactory(store.engine, cipher=AesGcmCipher("replacement-secret-0123456789"))


async def _register(lmb: Lmb, centre: str, serial: int) -> str:
    receipt = await lmb.services.register(register_self(person(BORN, serial), centre))
    await lmb.services.manage.confirm(lmb.token_for(receipt.id))
    return receipt.id


async def test_a_replaced_insz_keeps_the_registration_and_its_place(
    uow: UnitOfWorkFactory,
) -> None:
    lmb = await build_lmb(uow)
    centre = await lmb.centre()
    staff = await lmb.staff(centre)
    old, new = an_insz(BORN, 1), an_insz(BORN, 901)
    lmb.vcdb.replaced[old.digits] = new
    first = await _register(lmb, centre, 1)
    async with lmb.ctx.uow() as uow:
        before = await uow.registrations.get(first)
    assert before is not None
    await lmb.run_worker(2)  # the check answers: replaced by ``new``
    lmb.advance(minutes=5)
    second = await _register(lmb, centre, 2)
    await lmb.run_worker(2)

    async with lmb.ctx.uow() as uow:
        after = await uow.registrations.get(first)
        assert after is not None
        assert after.persons[0].person.insz == new
        assert after.persons[0].id == before.persons[0].id
        assert after.listed_at is not None and after.listed_at < lmb.clock.now()
        assert after.status.value == "active"
        digest = lmb.ctx.secrets.digest
        assert await uow.registrations.listed_with_insz(digest(new.digits)) == first
        assert await uow.registrations.listed_with_insz(digest(old.digits)) is None
    assert lmb.vcdb.checked.count(old.digits) == 1

    # The next check asks about the new number.
    lmb.vcdb.replaced.clear()
    async with lmb.ctx.uow() as uow:
        fresh = await uow.registrations.get(first)
    assert fresh is not None
    answer = await lmb.vcdb.check(fresh.persons[0].person.insz)
    assert lmb.vcdb.checked[-1] == new.digits and answer.replaced_by is None

    # Same birth date, registered first: still invited first.
    stats = await lmb.services.open_session(
        OpenSessionCommand(centre, TODAY.isoformat(), "15:00", "19:00", 1), staff
    )
    assert stats.invited == 1
    await lmb.run_worker(1)
    assert lmb.mails("invitation") == ["jan.1@example.be"]
    async with lmb.ctx.uow() as uow:
        invited = await uow.invitations.for_registration(first)
        assert [i.registration_id for i in invited] == [first]
        assert await uow.invitations.for_registration(second) == []
