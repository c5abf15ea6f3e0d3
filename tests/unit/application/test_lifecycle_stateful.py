"""The invitation lifecycle under random sequences of everything that can happen.

R-RANK, R-NOTIFY, R-ASYNC, N-GDPR, N-REPORT: after every step, no session holds more
seats than it has, nobody holds two open invitations, every invitation has exactly one
e-mail in the outbox, withdrawn persons leave no personal data, and the report equals
a recount.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections import Counter

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

from lmb.application.errors import InvalidInput, NotFound
from lmb.application.model import Topic
from lmb.application.registrations import Register
from lmb.application.sessions import OpenSessionCommand
from lmb.domain.errors import RegistrationClosed
from lmb.domain.invitation import InvitationStatus
from lmb.domain.ranking import seats_taken
from lmb.testing.builders import an_insz
from tests.unit.application.support import (
    TODAY,
    Lmb,
    build_lmb,
    code_for,
    free,
    person,
)

BIRTHS = [dt.date(1930 + 7 * i, 1 + i, 1 + i) for i in range(8)]


class InvitationLifecycle(RuleBasedStateMachine):
    registrations = Bundle("registrations")
    sessions = Bundle("sessions")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.lmb: Lmb = self.run(build_lmb())
        self.centre = ""
        self.staff = self.lmb.admin
        self.registration_ids: list[str] = []
        self.session_ids: list[str] = []

    def run(self, coroutine):  # type: ignore[no-untyped-def]
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        self.loop.close()

    @initialize()
    def centre_opens(self) -> None:
        self.centre = self.run(self.lmb.centre())
        self.staff = self.run(self.lmb.staff(self.centre))

    @rule(
        target=registrations,
        who=st.sampled_from(range(8)),
        half=st.sampled_from(["afternoon", "evening"]),
    )
    def register_self(self, who: int, half: str) -> str:
        cmd = Register(
            kind="self",
            language="nl",
            persons=[person(BIRTHS[who], who + 1)],
            centre_ids=[self.centre],
            availability=free(half),
        )
        receipt = self.run(self.lmb.services.register(cmd))
        self.registration_ids.append(receipt.id)
        return receipt.id

    @rule(
        target=registrations,
        who=st.sampled_from(range(8)),
        half=st.sampled_from(["afternoon", "evening"]),
    )
    def register_confirm_and_check(self, who: int, half: str) -> str:
        """The common path, in one step: registered, confirmed, checked by the VCDB."""
        registration = self.register_self(who, half)
        self.confirm(registration)
        self.worker_runs()
        return registration

    @rule(target=registrations, a=st.sampled_from(range(8)), b=st.sampled_from(range(8)))
    def register_group(self, a: int, b: int) -> str:
        cmd = Register(
            kind="group",
            language="fr",
            persons=[person(BIRTHS[a], a + 1), person(BIRTHS[b], b + 1)],
            centre_ids=[self.centre],
            availability=free("afternoon", "evening"),
        )
        try:
            receipt = self.run(self.lmb.services.register(cmd))
        except InvalidInput:
            assert a == b
            return ""
        self.registration_ids.append(receipt.id)
        return receipt.id

    @rule(registration=registrations)
    def confirm(self, registration: str) -> None:
        # NotFound: a duplicate's answer, never stored; RegistrationClosed: withdrawn.
        with contextlib.suppress(NotFound, RegistrationClosed):
            self.run(self.lmb.services.manage.confirm(self.lmb.token_for(registration)))

    @rule(registration=registrations)
    def withdraw(self, registration: str) -> None:
        with contextlib.suppress(NotFound):
            self.run(self.lmb.services.manage.withdraw(self.lmb.token_for(registration)))

    @rule(down=st.booleans())
    def vcdb_up_or_down(self, down: bool) -> None:
        self.lmb.vcdb.down = down

    @rule(minutes=st.integers(1, 40))
    def time_passes(self, minutes: int) -> None:
        self.lmb.advance(minutes=minutes)

    @rule()
    def worker_runs(self) -> None:
        self.run(self.lmb.services.worker.run_once())

    @rule(target=sessions, slots=st.integers(1, 3))
    def open_session(self, slots: int) -> str:
        if self.lmb.clock.now().date() != TODAY:
            return ""
        stats = self.run(
            self.lmb.services.open_session(
                OpenSessionCommand(self.centre, TODAY.isoformat(), "15:00", "19:00", slots),
                self.staff,
            )
        )
        self.session_ids.append(stats.id)
        return stats.id

    @rule(session=sessions, count=st.integers(1, 2))
    def invite_more(self, session: str, count: int) -> None:
        if session:
            self.run(self.lmb.services.invite_more(session, count, self.staff))

    @rule(who=st.sampled_from(range(8)), status=st.sampled_from(["booked", "cancelled"]))
    def booking_event(self, who: int, status: str) -> None:
        code = code_for(an_insz(BIRTHS[who], who + 1))
        self.run(self.lmb.services.bookings(code, status, self.lmb.clock.now().isoformat()))

    # -- invariants ----------------------------------------------------------------------

    async def _invitations(self):  # type: ignore[no-untyped-def]
        async with self.lmb.ctx.uow() as uow:
            by_session = {s: await uow.invitations.for_session(s) for s in self.session_ids}
            sessions = {s: await uow.sessions.get(s) for s in self.session_ids}
            outbox = {
                i.id: await uow.outbox.for_invitation(i.id)
                for invs in by_session.values()
                for i in invs
            }
            registrations = {r: await uow.registrations.get(r) for r in set(self.registration_ids)}
            summary = await uow.reports.summary()
        return by_session, sessions, outbox, registrations, summary

    @invariant()
    def everything_holds(self) -> None:
        by_session, sessions, outbox, registrations, summary = self.run(self._invitations())
        open_by_person: Counter[str] = Counter()
        open_by_insz: Counter[str] = Counter()
        for session_id, invitations in by_session.items():
            session = sessions[session_id]
            assert session is not None
            assert seats_taken(invitations) <= session.slots, "a session's slots were exceeded"
            for invitation in invitations:
                mails = [m for m in outbox[invitation.id] if m.topic is Topic.EMAIL]
                assert len(mails) == 1, "an invitation has exactly one e-mail"
                if invitation.status is InvitationStatus.SENT:
                    registration = registrations.get(invitation.registration_id)
                    for pid in invitation.person_ids:
                        open_by_person[pid] += 1
                        if registration is not None and registration.persons:
                            open_by_insz[registration.person(pid).person.insz.digits] += 1
        assert all(n == 1 for n in open_by_person.values()), "a person holds two invitations"
        assert all(n == 1 for n in open_by_insz.values()), "a citizen holds two invitations"
        registered = 0
        for registration in registrations.values():
            if registration is None:
                continue
            if registration.withdrawn_at is not None:
                assert registration.persons == []
                assert registration.contact is None
            else:
                registered += len(registration.persons)
        assert summary.registered == registered, "the report equals a recount"


InvitationLifecycle.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestInvitationLifecycle = InvitationLifecycle.TestCase
