"""Simulated external systems for demos and embedded mode: a VCDB, a booking system, an SMS gateway.

They answer deterministically from their input, remember what they were told, and can
be made slow or flaky (seeded, so a demo is repeatable) to show the retry path.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import random
from collections import deque

from attrs import frozen

from lmb.adapters.notifier import SmsGateway
from lmb.application.ports import (
    BookingSystem,
    EligibilityAnswer,
    EligibilityService,
    InvitationReport,
    ServiceUnavailable,
)
from lmb.domain.insz import Insz
from lmb.domain.person import VaccinationCode, VcdbStatus

#: Letters and digits nobody mistakes for one another (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: Born after this day: not in the target group (R-ELIG).
YOUNGEST_BIRTH_DATE = dt.date(2010, 12, 31)


class _Flaky:
    """Optional latency and a seeded failure rate, shared by the simulators."""

    service = "simulator"

    def __init__(self, *, failure_rate: float, latency: float, seed: int | None) -> None:
        if not 0.0 <= failure_rate <= 1.0:
            raise ValueError("failure_rate is a probability")
        self.failure_rate = failure_rate
        self.latency = latency
        #: Set to True to play a service that is down (R-ASYNC fallback demos).
        self.down = False
        self.calls = 0
        self._random = random.Random(seed)

    async def _call(self) -> None:
        self.calls += 1
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        if self.down or (self.failure_rate and self._random.random() < self.failure_rate):
            raise ServiceUnavailable(f"{self.service}: simulated outage")


def _aware(moment: dt.datetime) -> None:
    """The HTTP adapters refuse naive datetimes; so do the simulators, to catch it early."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetimes sent to other systems must be timezone-aware")


def _digest(key: bytes, text: str) -> bytes:
    return hashlib.blake2b(text.encode(), key=key, digest_size=32).digest()


def simulated_code(insz: Insz, *, key: bytes = b"") -> VaccinationCode:
    """A code that looks real (``ABCD-EFGH-JKMN-PQRS``), the same for the same INSZ and key."""
    digest = _digest(key, "code:" + insz.digits)
    letters = "".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in digest[:16])
    return VaccinationCode.parse("-".join(letters[i : i + 4] for i in range(0, 16, 4)))


@frozen
class MarkedInvited:
    """One ``mark_invited`` call the simulated VCDB received."""

    code: VaccinationCode
    invited_at: dt.datetime
    centre_id: str
    date: dt.date


class SimulatedVcdb(_Flaky, EligibilityService):
    """A VCDB that decides from a hash of the INSZ (contract section 3).

    - Born after 2010: ``not_eligible``.
    - Otherwise, by hash: about 90% ``eligible``, 4% ``not_eligible`` (no code),
      3% ``vaccinated``, 3% ``booked``.
    - ``answers`` overrides the answer for given INSZ digits (tests, demos).
    - ``invitations`` records every ``mark_invited``.

    Args:
        key: mixed into the hash; another key gives another population.
        failure_rate: share of calls that raise ServiceUnavailable.
        latency: seconds every call takes.
        seed: seeds the failure draws.
    """

    service = "simulated VCDB"

    def __init__(
        self,
        *,
        key: bytes = b"",
        failure_rate: float = 0.0,
        latency: float = 0.0,
        seed: int | None = None,
    ) -> None:
        super().__init__(failure_rate=failure_rate, latency=latency, seed=seed)
        self.key = key
        self.answers: dict[str, EligibilityAnswer] = {}
        self.invitations: list[MarkedInvited] = []

    def answer_for(self, insz: Insz) -> EligibilityAnswer:
        """The answer ``check`` gives, without latency or failures."""
        if insz.digits in self.answers:
            return self.answers[insz.digits]
        born = insz.birth_date
        if born is not None and born > YOUNGEST_BIRTH_DATE:
            return EligibilityAnswer(VcdbStatus.NOT_ELIGIBLE, None)
        bucket = int.from_bytes(_digest(self.key, "status:" + insz.digits)[:4], "big") % 100
        if bucket < 90:
            status = VcdbStatus.ELIGIBLE
        elif bucket < 94:
            return EligibilityAnswer(VcdbStatus.NOT_ELIGIBLE, None)
        elif bucket < 97:
            status = VcdbStatus.VACCINATED
        else:
            status = VcdbStatus.BOOKED
        return EligibilityAnswer(status, simulated_code(insz, key=self.key))

    async def check(self, insz: Insz) -> EligibilityAnswer:
        await self._call()
        return self.answer_for(insz)

    async def mark_invited(
        self, code: VaccinationCode, *, invited_at: dt.datetime, centre_id: str, date: dt.date
    ) -> None:
        _aware(invited_at)
        await self._call()
        self.invitations.append(MarkedInvited(code, invited_at, centre_id, date))


class SimulatedBookingSystem(_Flaky, BookingSystem):
    """A booking system that keeps each report once per idempotency key.

    ``reports`` maps idempotency key to the first report received with it;
    ``deliveries`` counts every call that got through, duplicates included.
    """

    service = "simulated booking system"

    def __init__(
        self, *, failure_rate: float = 0.0, latency: float = 0.0, seed: int | None = None
    ) -> None:
        super().__init__(failure_rate=failure_rate, latency=latency, seed=seed)
        self.reports: dict[str, InvitationReport] = {}
        self.deliveries = 0

    async def report_invitation(self, report: InvitationReport, *, idempotency_key: str) -> None:
        _aware(report.invited_at)
        if report.expires_at is not None:
            _aware(report.expires_at)
        await self._call()
        self.deliveries += 1
        self.reports.setdefault(idempotency_key, report)


@frozen
class SentSms:
    to: str
    text: str

    def __repr__(self) -> str:
        return "SentSms(***)"


class SimulatedSmsGateway(_Flaky, SmsGateway):
    """An SMS gateway that keeps the last ``keep`` messages in ``sent``; it logs nothing."""

    service = "simulated SMS gateway"

    def __init__(
        self,
        *,
        keep: int = 1000,
        failure_rate: float = 0.0,
        latency: float = 0.0,
        seed: int | None = None,
    ) -> None:
        super().__init__(failure_rate=failure_rate, latency=latency, seed=seed)
        self.sent: deque[SentSms] = deque(maxlen=keep)

    async def send(self, to: str, text: str) -> None:
        await self._call()
        self.sent.append(SentSms(to, text))
