"""N-REPORT: the numbers that follow the process."""

from __future__ import annotations

from lmb.application.context import Context
from lmb.application.model import StaffToken
from lmb.application.ports import Summary


class Reports:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def summary(self, actor: StaffToken) -> Summary:
        now = self._ctx.clock.now()
        async with self._ctx.uow() as uow:
            summary = await uow.reports.summary()
            await self._ctx.audit(uow, actor=actor.id, action="report.read", now=now)
            await uow.commit()
        return summary
