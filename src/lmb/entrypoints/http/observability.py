"""Monitoring (N-MON): Prometheus metrics, one JSON log line per request, request ids.

Nothing personal is logged: the route template is logged, never the raw path (manage
tokens live in paths), and neither bodies nor query strings are.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

if TYPE_CHECKING:
    from lmb.application.worker import Tick

access_log = logging.getLogger("lmb.http.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_STATUSES = ("pending", "delivered", "dead", "skipped")


class Metrics:
    """The metrics of one app, in its own registry (tests build many apps)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "lmb_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "lmb_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=r,
        )
        self.rate_limited = Counter(
            "lmb_http_rate_limited",
            "Requests refused by a rate limit, by budget.",
            ["bucket"],
            registry=r,
        )
        self.registrations = Gauge(
            "lmb_registrations",
            "Registrations by status, read from the store at scrape time.",
            ["status"],
            registry=r,
        )
        self.persons = Gauge(
            "lmb_persons",
            "Persons registered and persons invited (N-REPORT), at scrape time.",
            ["state"],
            registry=r,
        )
        self.invitations = Gauge(
            "lmb_invitations",
            "Invitations by status (sent, booked, expired, cancelled, late), at scrape time.",
            ["status"],
            registry=r,
        )
        self.outbox = Gauge(
            "lmb_outbox_messages",
            "Outbox messages by status (dead ones need attention), at scrape time.",
            ["status"],
            registry=r,
        )
        self.vcdb_circuit = Gauge(
            "lmb_vcdb_circuit_state",
            "1 for the current state of the VCDB circuit breaker (closed, open, half_open).",
            ["state"],
            registry=r,
        )
        self.store_up = Gauge(
            "lmb_store_up", "1 when the last scrape could read the store.", registry=r
        )
        self.worker_runs = Counter(
            "lmb_worker_runs", "Passes of the in-process background worker.", registry=r
        )
        self.worker_items = Counter(
            "lmb_worker_items",
            "What the in-process worker did: outbox messages delivered or failed,"
            " invitations expired, availabilities lapsed, reminders queued.",
            ["kind"],
            registry=r,
        )
        self.worker_errors = Counter(
            "lmb_worker_errors", "Worker passes that failed unexpectedly.", registry=r
        )

    def record_tick(self, tick: Tick) -> None:
        self.worker_runs.inc()
        for kind in ("delivered", "failed", "expired", "lapsed", "reminded"):
            self.worker_items.labels(kind=kind).inc(getattr(tick, kind))

    async def refresh(self, runtime: Any) -> None:
        """Read the counts kept in the store (and the VCDB circuit) for a scrape."""
        try:
            async with runtime.services.ctx.uow() as uow:
                summary = await uow.reports.summary()
                outbox = await uow.outbox.counts()
        except Exception:  # a scrape must answer even when the store does not
            logging.getLogger("lmb.http").warning("metrics: the store cannot be read")
            self.store_up.set(0)
        else:
            self.store_up.set(1)
            self.registrations.clear()
            for status, count in summary.by_status.items():
                self.registrations.labels(status=status).set(count)
            self.persons.labels(state="registered").set(summary.registered)
            self.persons.labels(state="invited").set(summary.invited)
            for status, count in summary.invitations.items():
                self.invitations.labels(status=status).set(count)
            for status in _STATUSES:
                self.outbox.labels(status=status).set(outbox.get(status, 0))
            for status, count in outbox.items():
                self.outbox.labels(status=status).set(count)
        state = _circuit_state(runtime)
        self.vcdb_circuit.clear()
        if state is not None:
            for name in ("closed", "open", "half_open"):
                self.vcdb_circuit.labels(state=name).set(1 if state == name else 0)


def _circuit_state(runtime: Any) -> str | None:
    adapter = getattr(runtime, "adapter", None)
    if adapter is None:
        return None
    try:
        vcdb = adapter("eligibility")
    except Exception:  # the circuit state is optional information
        return None
    state = getattr(vcdb, "circuit_state", None)
    if state is None:
        return None
    return str(getattr(state, "value", state)).replace("-", "_")


class JsonFormatter(logging.Formatter):
    """One JSON object per line; a record's ``fields`` extra is merged in."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def request_id_from(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _REQUEST_ID.match(candidate):
                return candidate
            break
    return uuid.uuid4().hex


class ObservedApp:
    """Wraps the whole app (not only matched routes): request id, security headers,
    metrics and the access log also cover 404s and errors raised before routing."""

    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        headers: list[tuple[bytes, bytes]],
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.headers = headers
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        started = self.clock()
        request_id = request_id_from(scope)
        scope["state"]["request_id"] = request_id
        status = 500

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                present = {name.lower() for name, _ in message.get("headers", ())}
                extra = [(b"x-request-id", request_id.encode())]
                extra += [(n, v) for n, v in self.headers if n not in present]
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            duration = self.clock() - started
            route = str(scope.get("path_template") or "unmatched")
            method = str(scope.get("method", ""))
            self.metrics.requests.labels(method=method, route=route, status=str(status)).inc()
            self.metrics.latency.labels(method=method, route=route).observe(duration)
            access_log.info(
                "%s %s %s",
                method,
                route,
                status,
                extra={
                    "fields": {
                        "event": "request",
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(duration * 1000, 2),
                        "request_id": request_id,
                    }
                },
            )
