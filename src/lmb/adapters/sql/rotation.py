"""Key rotation: rewrite every encrypted value (and keyed index) under the current key."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from lmb.adapters.sql import tables as t
from lmb.adapters.sql.cipher import FieldCipher

_REGISTRATION_COLUMNS = (
    "companion_of",
    "contact_last_name",
    "contact_first_name",
    "contact_email",
    "contact_mobile",
)
_PERSON_COLUMNS = ("insz", "last_name", "first_name", "email", "mobile", "vaccination_code")
_BATCH = 500


async def reencrypt(
    engine: AsyncEngine, cipher: FieldCipher, *, digest: Callable[[str], str] | None = None
) -> int:
    """Decrypt every personal value (with the current or an old key) and store it again
    under the current key; recompute ``vaccination_code_index`` and, given ``digest``
    (``Secrets.digest`` under the current key), ``insz_digest``.

    Runs in batches of short transactions, so the service may keep running; values
    written meanwhile are already under the current key. Returns the rows rewritten.
    """
    rewritten = 0
    rewritten += await _table(engine, cipher, t.registrations, _REGISTRATION_COLUMNS, None)
    rewritten += await _table(engine, cipher, t.persons, _PERSON_COLUMNS, digest)
    rewritten += await _table(engine, cipher, t.outbox, ("payload",), None)
    return rewritten


async def _table(
    engine: AsyncEngine,
    cipher: FieldCipher,
    table: sa.Table,
    names: tuple[str, ...],
    digest: Callable[[str], str] | None,
) -> int:
    count = 0
    last = ""
    while True:
        async with engine.begin() as conn:
            cols = [table.c.id, *(table.c[n] for n in names)]
            if table is t.persons:
                cols.append(table.c.insz_digest)
            rows = (
                (
                    await conn.execute(
                        sa.select(*cols).where(table.c.id > last).order_by(table.c.id).limit(_BATCH)
                    )
                )
                .mappings()
                .all()
            )
            if not rows:
                return count
            for row in rows:
                plain = {n: None if row[n] is None else cipher.decrypt(row[n]) for n in names}
                values: dict[str, str | None] = {
                    n: None if v is None else cipher.encrypt(v) for n, v in plain.items()
                }
                if table is t.persons:
                    code = plain["vaccination_code"]
                    values["vaccination_code_index"] = None if code is None else cipher.index(code)
                    if digest is not None and row["insz_digest"] is not None and plain["insz"]:
                        values["insz_digest"] = digest(plain["insz"])
                await conn.execute(sa.update(table).where(table.c.id == row["id"]).values(values))
                count += 1
            last = rows[-1]["id"]
