"""Acceptance of encryption at rest (N-GDPR): a stolen dump or log reveals no person.

A person registers through the real services built by ``build_runtime``; the worker
runs so the mails are "sent"; then the raw SQLite file (or every row of every
PostgreSQL table, as text) and every captured log line are searched for the person's
INSZ, e-mail, mobile and last name.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from pathlib import Path

import pytest
import sqlalchemy as sa

from lmb.adapters.sql import create_engine
from lmb.adapters.system import FixedClock
from lmb.application.centres import CentreInput
from lmb.application.registrations import AvailabilityInput, PersonInput, Register
from lmb.entrypoints.config import Config
from lmb.entrypoints.container import Runtime, build_runtime
from lmb.testing.builders import an_insz
from tests.integration.conftest import postgres_url

NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
SECRET = "privacy-scan-secret-key-0123456789"
INSZ = an_insz(dt.date(1985, 7, 30), 33)
LAST_NAME = "Vanderstraeten"
EMAIL = "griet.vanderstraeten@example.be"
MOBILE_E164 = "+32470987654"
MOBILE_LOCAL = "0470987654"


def _needles() -> list[str]:
    d = INSZ.digits
    assert d == "85073003328"
    formatted = f"{d[0:2]}.{d[2:4]}.{d[4:6]}-{d[6:9]}.{d[9:11]}"
    assert formatted == "85.07.30-033.28"
    return [d, formatted, EMAIL, MOBILE_E164, MOBILE_LOCAL, "470987654", LAST_NAME]


def _leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [n for n in _needles() if n.lower() in lowered]


async def _register_and_work(runtime: Runtime) -> None:
    services = runtime.services
    admin = (await services.staff.issue(role="admin", name="ops", actor="test")).staff
    centre = await services.centres.create(
        CentreInput("Centrum Gent", "GENT", "VLG", "Zuiderlaan 13, 9000 Gent", ["9000"]),
        admin,
    )
    receipt = await services.register(
        Register(
            kind="self",
            language="nl",
            persons=[PersonInput(INSZ.digits, LAST_NAME, "Griet", "9000", EMAIL, MOBILE_LOCAL)],
            centre_ids=[centre.id],
            availability=[AvailabilityInput("2026-11-23", "evening")],
        )
    )
    await services.manage.confirm(services.ctx.secrets.manage_token(receipt.id))
    for _ in range(3):
        await services.worker.run_once()
    mailer = runtime.adapter("mailer")
    assert len(mailer.sent) >= 2  # confirm your address, then listed (or not eligible)
    view = await services.manage.view(services.ctx.secrets.manage_token(receipt.id))
    assert LAST_NAME in repr(view) or LAST_NAME in str(view)  # read back through the cipher


def _log_text(caplog: pytest.LogCaptureFixture) -> str:
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        parts.append(record.exc_text or "")
    return "\n".join([caplog.text, *parts])


async def test_a_sqlite_file_and_the_logs_hold_no_personal_data(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "lmb.db"
    config = Config(database_url=f"sqlite+aiosqlite:///{db}", secret_key=SECRET)
    runtime = await build_runtime(config, clock=FixedClock(NOW))
    try:
        await _register_and_work(runtime)
    finally:
        await runtime.aclose()

    files = _database_files(tmp_path)
    assert db.name in files
    for name, raw in files.items():
        assert _leaks(raw) == [], name
    assert "v1:" in files[db.name]  # ciphertext is there
    assert _leaks(_log_text(caplog)) == []


def _database_files(directory: Path) -> dict[str, str]:
    """The SQLite file and its journals, byte for byte (latin-1 keeps every byte)."""
    return {
        p.name: p.read_bytes().decode("latin-1")
        for p in sorted(directory.iterdir())
        if p.name.startswith("lmb.db")
    }


async def _fresh_database(url: str, name: str) -> str:
    import asyncpg

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{url.rsplit('/', 1)[0]}/{name}"


async def _drop_database(url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def _dump(url: str) -> str:
    """Every row of every table of the public schema, as text: what pg_dump would hold."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            names = (
                await conn.execute(
                    sa.text(
                        "SELECT table_name FROM information_schema.tables"
                        " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
                    )
                )
            ).scalars()
            lines = []
            for name in list(names):
                # names come from the catalogue, not from input
                rows = await conn.execute(sa.text(f'SELECT t::text FROM "{name}" t'))  # noqa: S608
                lines += [f"{name}: {row}" for row in rows.scalars()]
            return "\n".join(lines)
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_a_postgres_dump_and_the_logs_hold_no_personal_data(
    caplog: pytest.LogCaptureFixture,
) -> None:
    base = postgres_url()
    name = f"lmb_privacy_{secrets.token_hex(4)}"
    url = await _fresh_database(base, name)
    try:
        caplog.set_level(logging.DEBUG)
        config = Config(database_url=url, secret_key=SECRET)
        runtime = await build_runtime(config, clock=FixedClock(NOW), migrate=True)
        try:
            await _register_and_work(runtime)
        finally:
            await runtime.aclose()
        dump = await _dump(url)
        assert "registrations:" in dump and "persons:" in dump and "v1:" in dump
        assert _leaks(dump) == []
        assert _leaks(_log_text(caplog)) == []
    finally:
        await _drop_database(base, name)
