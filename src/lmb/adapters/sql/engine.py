"""Building the async engine for SQLite (embedded) or PostgreSQL (production)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

#: How long a SQLite unit of work waits for the one before it, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Seconds a pooled PostgreSQL connection may sit unused before it is pinged on checkout.
PING_AFTER_IDLE = 5.0
#: What every PostgreSQL connection of lmb sets for itself. The session query's cost is
#: estimated far too high (the planner cannot know how few units a tier window holds):
#: with JIT on it was compiled for half a second, and from the sixth run of the
#: prepared statement PostgreSQL switched to a generic plan that took 380 ms instead of
#: 15 ms. lmb's statements are short: no JIT, and always a plan for the actual values.
SERVER_SETTINGS = {"jit": "off", "plan_cache_mode": "force_custom_plan"}


def create_engine(url: str | URL, **options: Any) -> AsyncEngine:
    """An AsyncEngine for ``sqlite+aiosqlite`` or ``postgresql+asyncpg`` URLs.

    - SQLite: WAL journal, a busy timeout, foreign keys enforced, and every
      transaction opened with ``BEGIN IMMEDIATE`` (SQLAlchemy's documented recipe:
      the driver's own BEGIN is switched off and the ``begin`` event emits ours), so
      that two units of work never interleave their writes: the second waits.
    - PostgreSQL: a bounded, recycled connection pool. A connection that sat unused
      in the pool for more than ``ping_after_idle`` seconds is pinged before it is
      handed out and replaced if the server no longer answers (a restart, a dropped
      idle connection). Connections in steady use are not pinged: SQLAlchemy's
      ``pool_pre_ping`` costs three round trips (BEGIN, ping, ROLLBACK) on every
      checkout, more than a short unit of work itself. Each connection runs with
      ``SERVER_SETTINGS``.

    ``options`` go to ``create_async_engine`` and override these defaults;
    ``busy_timeout_ms`` sets SQLite's wait for the lock.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ValueError("lmb needs a SQLite file (an in-memory database has one connection)")
        busy_timeout_ms = int(options.pop("busy_timeout_ms", SQLITE_BUSY_TIMEOUT_MS))
        engine = create_async_engine(parsed, **options)
        _serialise_sqlite(engine, busy_timeout_ms)
        return engine
    ping_after_idle = float(options.pop("ping_after_idle", PING_AFTER_IDLE))
    settings: dict[str, Any] = {
        "pool_size": 10,
        "max_overflow": 10,
        "pool_timeout": 30,
        "pool_recycle": 1800,
    }
    settings.update(options)
    connect_args = dict(settings.get("connect_args") or {})
    server_settings = {**SERVER_SETTINGS, **connect_args.get("server_settings", {})}
    settings["connect_args"] = {**connect_args, "server_settings": server_settings}
    engine = create_async_engine(parsed, **settings)
    if not settings.get("pool_pre_ping"):
        _ping_when_idle(engine, ping_after_idle)
    return engine


_IDLE_SINCE = "lmb_idle_since"


def _ping_when_idle(engine: AsyncEngine, after: float) -> None:
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < after:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool drops this connection and checks out a fresh one.
            raise exc.DisconnectionError("the pooled connection did not answer") from error


def _serialise_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Stop the driver from emitting BEGIN itself (and committing before DDL).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
