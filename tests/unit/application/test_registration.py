"""Registering, confirming, changing and withdrawing (R-REG-B..F, R-ELIG, R-AVAIL, N-GDPR)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest

from lmb.application.errors import InvalidInput, NotFound
from lmb.application.ports import NewRegistration
from lmb.application.registrations import ContactInput, Receipt, Register
from lmb.domain.person import VcdbStatus
from lmb.testing.builders import an_insz
from tests.unit.application.support import TODAY, Lmb, free, person, register_self


class TestRegisterForList:
    async def test_a_registration_waits_for_confirmation_and_the_vcdb(self, lmb: Lmb) -> None:
        """R-ELIG, R-ASYNC: stored pending; the VCDB check runs in the worker."""
        centre = await lmb.centre()
        receipt = await lmb.services.register(register_self(person(dt.date(1950, 5, 1)), centre))
        assert receipt.status == "pending"
        assert receipt.persons == [("50.05.01-***.**", "pending")]
        assert lmb.vcdb.checked == []
        await lmb.run_worker()
        view = await lmb.services.manage.view(lmb.token_for(receipt.id))
        assert view.status == "pending"  # address not confirmed yet
        assert lmb.mails("contact_confirmation") == ["jan.33@example.be"]
        view = await lmb.services.manage.confirm(lmb.token_for(receipt.id))
        assert view.status == "active"
        await lmb.run_worker()
        assert lmb.mails("registration_listed") == ["jan.33@example.be"]

    async def test_every_bad_field_is_named_at_once(self, lmb: Lmb) -> None:
        centre = await lmb.centre()
        bad = Register(
            kind="self",
            language="nl",
            persons=[person(dt.date(1950, 5, 1))],
            centre_ids=[centre],
            availability=free("afternoon", day=TODAY + dt.timedelta(days=15)),
        )
        broken = bad.persons[0]
        bad = Register(
            kind="self",
            language="xx",
            persons=[
                type(broken)(
                    insz="12345678901",
                    last_name="",
                    first_name="Jan",
                    postcode="0000",
                    email="not-an-address",
                    mobile=broken.mobile,
                )
            ],
            centre_ids=[centre],
            availability=bad.availability,
        )
        with pytest.raises(InvalidInput) as caught:
            await lmb.services.register(bad)
        fields = {e.field for e in caught.value.errors}
        assert {"language", "persons[0].insz", "availability[0].date"} <= fields

    async def test_an_unknown_centre_is_refused(self, lmb: Lmb) -> None:
        await lmb.centre()
        with pytest.raises(InvalidInput) as caught:
            await lmb.services.register(register_self(person(dt.date(1950, 5, 1)), "nowhere"))
        assert [e.field for e in caught.value.errors] == ["centre_ids[0]"]

    async def test_a_duplicate_answers_alike_and_tells_the_owner_on_file(self, lmb: Lmb) -> None:
        """No enumeration: same answer; the first registrant is told by mail."""
        centre = await lmb.centre()
        first = await lmb.services.register(register_self(person(dt.date(1950, 5, 1)), centre))
        again = person(dt.date(1950, 5, 1), email="someone.else@example.be")
        second = await lmb.services.register(register_self(again, centre))
        assert (second.status, second.persons) == (first.status, first.persons)
        assert second.id != first.id
        with pytest.raises(NotFound):
            await lmb.services.manage.view(lmb.token_for(second.id))
        await lmb.run_worker()
        assert lmb.mails("duplicate_notice") == ["jan.33@example.be"]
        assert "someone.else@example.be" not in [m.to for m in lmb.mailer.sent]

    async def test_an_ineligible_group_member_drops_out(self, lmb: Lmb) -> None:
        """R-ELIG: in a group, who may no longer be invited leaves; the rest stay."""
        centre = await lmb.centre()
        leader, other = person(dt.date(1940, 1, 1), 1), person(dt.date(1942, 2, 2), 2)
        lmb.vcdb.answers[an_insz(dt.date(1942, 2, 2), 2).digits] = VcdbStatus.VACCINATED
        receipt = await lmb.services.register(
            Register(
                kind="group",
                language="fr",
                persons=[leader, other],
                centre_ids=[centre],
                availability=free("afternoon"),
            )
        )
        token = lmb.token_for(receipt.id)
        await lmb.services.manage.confirm(token)
        await lmb.run_worker()
        view = await lmb.services.manage.view(token)
        assert view.status == "active"
        assert [p.status for p in view.persons] == ["eligible", "ineligible"]

    async def test_all_ineligible_is_told(self, lmb: Lmb) -> None:
        centre = await lmb.centre()
        p = person(dt.date(1950, 5, 1))
        lmb.vcdb.answers[str(p.insz)] = VcdbStatus.NOT_ELIGIBLE
        receipt = await lmb.services.register(register_self(p, centre))
        await lmb.services.manage.confirm(lmb.token_for(receipt.id))
        await lmb.run_worker()
        assert (await lmb.services.manage.view(lmb.token_for(receipt.id))).status == "ineligible"
        assert lmb.mails("registration_ineligible") == ["jan.33@example.be"]

    async def test_third_parties_need_a_contact(self, lmb: Lmb) -> None:
        centre = await lmb.centre()
        cmd = Register(
            kind="third_party",
            language="de",
            persons=[person(dt.date(1930, 3, 3), 3), person(dt.date(1931, 4, 4), 4)],
            centre_ids=[centre],
            availability=free("morning"),
        )
        with pytest.raises(InvalidInput):
            await lmb.services.register(cmd)
        contact = ContactInput("Janssens", "An", "an@example.be", None)
        receipt = await lmb.services.register(
            Register(
                kind=cmd.kind,
                language=cmd.language,
                persons=cmd.persons,
                centre_ids=cmd.centre_ids,
                availability=cmd.availability,
                contact=contact,
            )
        )
        await lmb.run_worker()
        assert lmb.mails("contact_confirmation") == ["an@example.be"]
        assert len(receipt.persons) == 2

    async def test_a_companion_gives_exactly_one_half_day(self, lmb: Lmb) -> None:
        """R-REG-D."""
        centre = await lmb.centre()
        with pytest.raises(InvalidInput) as caught:
            await lmb.services.register(
                register_self(
                    person(dt.date(1950, 5, 1)),
                    centre,
                    kind="companion",
                    companion_of="ABCD-EFGH-JKLM-NPQR",
                )
            )
        assert [e.field for e in caught.value.errors] == ["availability"]

    async def test_groups_can_be_switched_off(self, lmb: Lmb) -> None:
        from attrs import evolve

        object.__setattr__(lmb.ctx, "settings", evolve(lmb.ctx.settings, groups_enabled=False))
        centre = await lmb.centre()
        with pytest.raises(InvalidInput) as caught:
            await lmb.services.register(
                Register(
                    kind="group",
                    language="nl",
                    persons=[person(dt.date(1940, 1, 1), 1), person(dt.date(1941, 1, 1), 2)],
                    centre_ids=[centre],
                    availability=free("afternoon"),
                )
            )
        assert caught.value.errors[0].code == "group.disabled"


class TestManageRegistration:
    async def test_availability_lapses_after_two_weeks_unless_confirmed(self, lmb: Lmb) -> None:
        """R-AVAIL: a reminder two days before, then the lapse; re-confirming revives it."""
        centre = await lmb.centre()
        receipt = await lmb.services.register(register_self(person(dt.date(1950, 5, 1)), centre))
        token = lmb.token_for(receipt.id)
        await lmb.services.manage.confirm(token)
        await lmb.run_worker()
        lmb.advance(days=12, minutes=1)
        await lmb.run_worker()
        assert lmb.mails("availability_reminder") == ["jan.33@example.be"]
        lmb.advance(days=2)
        await lmb.run_worker()
        assert (await lmb.services.manage.view(token)).status == "lapsed"
        view = await lmb.services.manage.replace_availability(
            token, free("morning", day=TODAY + dt.timedelta(days=15))
        )
        assert view.status == "active"
        assert view.availability_until == lmb.clock.now() + dt.timedelta(days=14)

    async def test_withdrawal_erases_personal_data(self, lmb: Lmb) -> None:
        """N-GDPR: withdrawn at once; the link shows nothing personal any more."""
        centre = await lmb.centre()
        receipt = await lmb.services.register(register_self(person(dt.date(1950, 5, 1)), centre))
        token = lmb.token_for(receipt.id)
        await lmb.services.manage.withdraw(token)
        view = await lmb.services.manage.view(token)
        assert view.status == "withdrawn"
        assert view.persons == []
        await lmb.run_worker()
        assert lmb.mails("withdrawal_confirmed") == ["jan.33@example.be"]
        # The contact confirmation queued before the withdrawal is never sent.
        assert lmb.mails("contact_confirmation") == []

    async def test_a_wrong_link_finds_nothing(self, lmb: Lmb) -> None:
        with pytest.raises(NotFound):
            await lmb.services.manage.view("not-a-token")


class TestRegistrationsArrivingTogether:
    """N-SCALE: registrations that arrive together are written in one transaction."""

    async def test_each_is_listed_and_answered(self, lmb: Lmb) -> None:
        centre = await lmb.centre()
        receipts = await asyncio.gather(
            *(
                lmb.services.register(register_self(person(dt.date(1950, 5, 1), n), centre))
                for n in range(1, 7)
            )
        )
        assert len({r.id for r in receipts}) == 6
        for receipt in receipts:
            view = await lmb.services.manage.view(lmb.token_for(receipt.id))
            assert view.status == "pending"
        await lmb.run_worker()
        assert sorted(lmb.mails("contact_confirmation")) == sorted(
            f"jan.{n}@example.be" for n in range(1, 7)
        )
        assert len(lmb.vcdb.checked) == 6

    async def test_an_unknown_centre_fails_only_its_own_registration(self, lmb: Lmb) -> None:
        centre = await lmb.centre()
        first, refused, last = await asyncio.gather(
            lmb.services.register(register_self(person(dt.date(1950, 5, 1), 1), centre)),
            lmb.services.register(register_self(person(dt.date(1950, 5, 1), 2), "nowhere")),
            lmb.services.register(register_self(person(dt.date(1950, 5, 1), 3), centre)),
            return_exceptions=True,
        )
        assert isinstance(refused, InvalidInput)
        assert [e.field for e in refused.errors] == ["centre_ids[0]"]
        for receipt in (first, last):
            assert isinstance(receipt, Receipt)
            view = await lmb.services.manage.view(lmb.token_for(receipt.id))
            assert view.status == "pending"

    async def test_the_same_person_twice_is_listed_once(self, lmb: Lmb) -> None:
        """No enumeration, also within one transaction: the second is told out of band."""
        centre = await lmb.centre()
        again = person(dt.date(1950, 5, 1), email="someone.else@example.be")
        first, second = await asyncio.gather(
            lmb.services.register(register_self(person(dt.date(1950, 5, 1)), centre)),
            lmb.services.register(register_self(again, centre)),
        )
        assert (second.status, second.persons) == (first.status, first.persons)
        await lmb.services.manage.view(lmb.token_for(first.id))
        with pytest.raises(NotFound):
            await lmb.services.manage.view(lmb.token_for(second.id))
        await lmb.run_worker()
        assert lmb.mails("duplicate_notice") == ["jan.33@example.be"]

    async def test_a_registration_the_store_refuses_fails_alone(
        self, lmb: Lmb, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The failed transaction is retried registration by registration."""
        centre = await lmb.centre()
        async with lmb.ctx.uow() as uow:
            repository = type(uow.registrations)
        add_many = repository.add_many

        async def refuse_one(self: Any, registrations: Sequence[NewRegistration]) -> None:
            if any(n.registration.persons[0].person.last_name == "Kapot" for n in registrations):
                raise RuntimeError("the store refuses this one")
            await add_many(self, registrations)

        monkeypatch.setattr(repository, "add_many", refuse_one)
        first, refused, last = await asyncio.gather(
            lmb.services.register(register_self(person(dt.date(1950, 5, 1), 1), centre)),
            lmb.services.register(
                register_self(person(dt.date(1950, 5, 1), 2, last="Kapot"), centre)
            ),
            lmb.services.register(register_self(person(dt.date(1950, 5, 1), 3), centre)),
            return_exceptions=True,
        )
        assert isinstance(refused, RuntimeError)
        for receipt in (first, last):
            assert isinstance(receipt, Receipt)
            await lmb.services.manage.view(lmb.token_for(receipt.id))
        await lmb.run_worker()
        assert sorted(lmb.mails("contact_confirmation")) == ["jan.1@example.be", "jan.3@example.be"]

    async def test_a_caller_that_goes_away_leaves_the_others_alone(self, lmb: Lmb) -> None:
        centre = await lmb.centre()
        gone = asyncio.ensure_future(
            lmb.services.register(register_self(person(dt.date(1950, 5, 1), 1), centre))
        )
        stays = asyncio.ensure_future(
            lmb.services.register(register_self(person(dt.date(1950, 5, 1), 2), centre))
        )
        await asyncio.sleep(0)
        gone.cancel()
        receipt = await stays
        await lmb.services.manage.view(lmb.token_for(receipt.id))
        with pytest.raises(asyncio.CancelledError):
            await gone
