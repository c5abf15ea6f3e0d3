"""Staff tokens: issued by an admin, stored as digests, checked on every request."""

from __future__ import annotations

import hmac

from attrs import frozen

from lmb.application.context import Context
from lmb.application.errors import InvalidInput, NotFound
from lmb.application.forms import Collector
from lmb.application.model import Role, StaffToken
from lmb.domain.errors import ValidationFailed

BOOTSTRAP_ADMIN_ID = "bootstrap-admin"


@frozen
class IssuedToken:
    token: str
    staff: StaffToken


class StaffTokens:
    """Issue and authenticate bearer tokens for the staff roles."""

    def __init__(self, ctx: Context, bootstrap_admin_token: str | None = None) -> None:
        self._ctx = ctx
        self._bootstrap = bootstrap_admin_token or None

    async def issue(
        self,
        *,
        role: object,
        name: object,
        centre_ids: list[str] | None = None,
        nihdi_number: object = None,
        actor: str,
    ) -> IssuedToken:
        ctx = self._ctx
        now = ctx.clock.now()
        c = Collector()
        the_role = c.take("role", lambda: _parse_role(role))
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            c.add(ValidationFailed("give the token a name", field="name"))
        if the_role is Role.CENTRE and not centre_ids:
            c.add(ValidationFailed("a centre token names its centres", field="centre_ids"))
        if the_role is Role.DOCTOR and not (isinstance(nihdi_number, str) and nihdi_number.strip()):
            c.add(ValidationFailed("a doctor token needs the NIHDI number", field="nihdi_number"))
        c.raise_if_any()
        assert the_role is not None and isinstance(name, str)
        async with ctx.uow() as uow:
            for index, centre_id in enumerate(centre_ids or []):
                if await uow.centres.get(centre_id) is None:
                    raise InvalidInput(
                        [ValidationFailed("unknown centre", field=f"centre_ids[{index}]")]
                    )
            token = ctx.secrets.new_token()
            staff = StaffToken(
                id=ctx.secrets.new_id(),
                digest=ctx.secrets.digest(f"staff:{token}"),
                role=the_role,
                name=name.strip(),
                created_at=now,
                centre_ids=frozenset(centre_ids or []) if the_role is Role.CENTRE else frozenset(),
                nihdi_number=str(nihdi_number).strip() if the_role is Role.DOCTOR else None,
            )
            await uow.staff_tokens.add(staff)
            await ctx.audit(
                uow,
                actor=actor,
                action="token.issued",
                target=staff.id,
                now=now,
                role=the_role.value,
            )
            await uow.commit()
        return IssuedToken(token, staff)

    async def revoke(self, token_id: str, *, actor: str) -> StaffToken:
        """Revoke a staff token at once, on every instance; revoking twice changes nothing.

        Raises:
            NotFound: no token has this id (the bootstrap admin token is configuration,
                not stored: unset ``LMB_ADMIN_TOKEN`` to withdraw it).
        """
        ctx = self._ctx
        now = ctx.clock.now()
        async with ctx.uow() as uow:
            staff = await uow.staff_tokens.revoke(token_id, now)
            if staff is None:
                raise NotFound("no such staff token")
            await ctx.audit(
                uow,
                actor=actor,
                action="token.revoked",
                target=staff.id,
                now=now,
                role=staff.role.value,
            )
            await uow.commit()
        return staff

    async def authenticate(self, token: str) -> StaffToken | None:
        if not token or len(token) > 200:
            return None
        if self._bootstrap is not None and hmac.compare_digest(
            token.encode(), self._bootstrap.encode()
        ):
            return StaffToken(
                id=BOOTSTRAP_ADMIN_ID,
                digest="",
                role=Role.ADMIN,
                name="bootstrap admin",
                created_at=self._ctx.clock.now(),
            )
        digest = self._ctx.secrets.digest(f"staff:{token}")
        async with self._ctx.uow() as uow:
            staff = await uow.staff_tokens.by_digest(digest)
        if staff is None or staff.revoked_at is not None:
            return None
        return staff


def _parse_role(value: object) -> Role:
    try:
        return Role(str(value))
    except ValueError:
        raise ValidationFailed(
            "role is admin, centre, doctor, booking_system or reporting"
        ) from None
