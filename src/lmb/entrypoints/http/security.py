"""Protection of the API (N-SEC): bearer tokens and roles, rate limits, security headers.

Every route handler says what it needs in its ``opt``:
- ``roles``: the staff roles allowed (a bearer token is then required);
- ``optional_auth``: a bearer token may be given (and must then be valid);
- ``rate_limit``: the name of the per-client budget it spends (``public``, ``manage``).
One guard, run before the body is read, enforces all three.
"""

from __future__ import annotations

import math
import os
import time
from collections import OrderedDict, deque
from collections.abc import Mapping
from typing import Any

from attrs import fields, frozen
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from lmb.application.model import StaffToken
from lmb.entrypoints.config import ConfigError
from lmb.entrypoints.http.problems import HttpProblem

BEARER_CHALLENGE = 'Bearer realm="lmb"'


@frozen
class HttpSettings:
    """Limits of the HTTP layer; ``from_env`` reads ``LMB_RATE_LIMIT_*`` and friends.

    Rate limits are requests per client address per ``rate_window`` seconds.
    """

    public_rate_limit: int = 120
    manage_rate_limit: int = 30
    rate_window: float = 60.0
    max_json_body: int = 64 * 1024
    max_csv_body: int = 1024 * 1024
    cors_origins: tuple[str, ...] = ()
    #: Take the client address from X-Forwarded-For (only behind a trusted proxy).
    trust_forwarded_for: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> HttpSettings:
        values = os.environ if env is None else env
        # Class attributes of a slotted attrs class are descriptors, not the defaults.
        defaults = fields(cls)

        def number(name: str, default: int) -> int:
            raw = values.get(name, "").strip()
            if not raw:
                return default
            if not raw.isdigit() or int(raw) <= 0:
                raise ConfigError(f"{name} must be a positive whole number")
            return int(raw)

        origins = tuple(
            o.strip() for o in values.get("LMB_CORS_ORIGINS", "").split(",") if o.strip()
        )
        forwarded = values.get("LMB_TRUST_FORWARDED_FOR", "").strip().lower()
        return cls(
            public_rate_limit=number("LMB_RATE_LIMIT_PUBLIC", defaults.public_rate_limit.default),
            manage_rate_limit=number("LMB_RATE_LIMIT_MANAGE", defaults.manage_rate_limit.default),
            cors_origins=origins,
            trust_forwarded_for=forwarded in ("1", "true", "yes", "on"),
        )

    def limit_for(self, bucket: str) -> int:
        return self.manage_rate_limit if bucket == "manage" else self.public_rate_limit


class SlidingWindowLimiter:
    """At most ``limit`` hits per key in any ``window`` seconds, in this process.

    Memory is bounded: at most ``max_keys`` clients are remembered, the least recently
    seen are forgotten first.
    """

    def __init__(self, limit: int, window: float, *, max_keys: int = 50_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def hit(self, key: str, now: float | None = None) -> float | None:
        """Count one hit; None if allowed, else the seconds to wait before retrying."""
        moment = time.monotonic() if now is None else now
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
            if len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)
        else:
            self._hits.move_to_end(key)
        horizon = moment - self.window
        while hits and hits[0] <= horizon:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(hits[0] + self.window - moment, 0.0)
        hits.append(moment)
        return None


def client_address(connection: ASGIConnection[Any, Any, Any, Any], trust_forwarded: bool) -> str:
    if trust_forwarded:
        forwarded = connection.headers.get("x-forwarded-for", "")
        first = forwarded.split(",")[0].strip()
        if first:
            return first[:64]
    client = connection.scope.get("client")
    return str(client[0]) if client else "unknown"


def _bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HttpProblem(
            401,
            "auth.invalid",
            headers={"WWW-Authenticate": f'{BEARER_CHALLENGE}, error="invalid_request"'},
        )
    return token.strip()


async def _authenticate(
    connection: ASGIConnection[Any, Any, Any, Any], *, required: bool
) -> StaffToken | None:
    token = _bearer_token(connection)
    if token is None:
        if required:
            raise HttpProblem(401, "auth.required", headers={"WWW-Authenticate": BEARER_CHALLENGE})
        return None
    services = connection.app.state.services
    staff: StaffToken | None = await services.staff.authenticate(token)
    if staff is None:
        raise HttpProblem(
            401,
            "auth.invalid",
            headers={"WWW-Authenticate": f'{BEARER_CHALLENGE}, error="invalid_token"'},
        )
    return staff


async def protect(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """The one guard: rate limit first, then authentication and role."""
    opt = handler.opt
    state = connection.app.state
    bucket = opt.get("rate_limit")
    if bucket:
        settings: HttpSettings = state.http_settings
        limiter: SlidingWindowLimiter = state.limiters[bucket]
        key = client_address(connection, settings.trust_forwarded_for)
        wait = limiter.hit(key)
        if wait is not None:
            state.metrics.rate_limited.labels(bucket=bucket).inc()
            raise HttpProblem(429, "rate_limited", headers={"Retry-After": str(math.ceil(wait))})
    roles: frozenset[str] | None = opt.get("roles")
    if roles is not None:
        staff = await _authenticate(connection, required=True)
        assert staff is not None
        if staff.role.value not in roles:
            raise HttpProblem(403, "auth.role")
        connection.state.staff = staff
    elif opt.get("optional_auth"):
        connection.state.staff = await _authenticate(connection, required=False)


def staff_of(connection: ASGIConnection[Any, Any, Any, Any]) -> StaffToken:
    """The authenticated staff member of a route with ``roles`` (set by ``protect``)."""
    staff: StaffToken = connection.state.staff
    return staff


def optional_staff_of(connection: ASGIConnection[Any, Any, Any, Any]) -> StaffToken | None:
    staff: StaffToken | None = connection.state.get("staff")
    return staff


def security_headers(public_url: str) -> list[tuple[bytes, bytes]]:
    """Headers on every answer; HSTS only when lmb is published over HTTPS."""
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (
            b"content-security-policy",
            b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"cache-control", b"no-store"),
    ]
    if public_url.lower().startswith("https://"):
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers
