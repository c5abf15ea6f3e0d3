"""N-REPORT: the numbers that follow the process, and the audit trail of staff actions."""

from __future__ import annotations

from attrs import frozen

from lmb.application.context import Context
from lmb.application.model import AuditEntry, StaffToken
from lmb.application.ports import Breakdown, Summary

#: The most audit entries one read returns.
MAX_AUDIT_ENTRIES = 1000


@frozen
class Report:
    """The summary of the contract plus its breakdown by kind, province, centre and day."""

    summary: Summary
    breakdown: Breakdown

    @property
    def doctor_registrations(self) -> int:
        return self.breakdown.by_kind.get("patient", 0)

    @property
    def bookings(self) -> int:
        return self.summary.invitations.get("booked", 0)

    @property
    def expiries(self) -> int:
        return self.summary.invitations.get("expired", 0)


class Reports:
    """What admin and reporting staff read; every read is itself audited.

    - Counts only: no report carries a citizen's personal data.
    - The audit log is read newest first, at most MAX_AUDIT_ENTRIES at a time.
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def summary(self, actor: StaffToken) -> Report:
        now = self._ctx.clock.now()
        async with self._ctx.uow() as uow:
            report = Report(await uow.reports.summary(), await uow.reports.breakdown())
            await self._ctx.audit(uow, actor=actor.id, action="report.read", now=now)
            await uow.commit()
        return report

    async def audit(self, actor: StaffToken, limit: int = 100) -> list[AuditEntry]:
        now = self._ctx.clock.now()
        bounded = max(1, min(limit, MAX_AUDIT_ENTRIES))
        async with self._ctx.uow() as uow:
            entries = await uow.audit.list(limit=bounded)
            await self._ctx.audit(uow, actor=actor.id, action="audit.read", now=now, limit=bounded)
            await uow.commit()
        return entries
