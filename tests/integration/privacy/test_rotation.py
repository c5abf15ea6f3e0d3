"""Encryption at rest: the AES-GCM cipher and key rotation on the SQL store."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from pathlib import Path

import pytest

from lmb.adapters.sql import AesGcmCipher, SqlUnitOfWorkFactory, create_engine, upgrade
from lmb.adapters.sql.cipher import CipherError
from lmb.adapters.sql.rotation import reencrypt
from lmb.domain.person import VaccinationCode
from tests.integration.storage.support import a_self, listed

OLD = "the-old-secret-key-0123456789"
NEW = "the-new-secret-key-9876543210"


def _digest(key: str, value: str) -> str:
    return hmac.new(key.encode(), value.encode(), "sha256").hexdigest()


class TestAesGcmCipher:
    def test_round_trip_with_a_random_nonce_and_a_key_id(self) -> None:
        cipher = AesGcmCipher(NEW)
        one, two = cipher.encrypt("Janssens"), cipher.encrypt("Janssens")
        assert one != two
        assert one.startswith(f"v1:{cipher.key_id}:")
        assert "Janssens" not in one
        assert cipher.decrypt(one) == cipher.decrypt(two) == "Janssens"
        assert cipher.is_current(one)

    def test_the_index_is_a_keyed_digest(self) -> None:
        cipher = AesGcmCipher(NEW)
        assert cipher.index("VC-1") == cipher.index("VC-1") != AesGcmCipher(OLD).index("VC-1")
        assert cipher.index("VC-1") != hashlib.sha256(b"VC-1").hexdigest()
        assert len(cipher.index("VC-1")) == 64

    def test_old_keys_only_decrypt(self) -> None:
        stored = AesGcmCipher(OLD).encrypt("0470123456")
        rotated = AesGcmCipher(NEW, [OLD])
        assert rotated.decrypt(stored) == "0470123456"
        assert not rotated.is_current(stored)
        assert rotated.is_current(rotated.encrypt("x"))
        with pytest.raises(CipherError, match="LMB_OLD_SECRET_KEYS"):
            AesGcmCipher(NEW).decrypt(stored)

    def test_tampering_and_plain_text_are_refused(self) -> None:
        cipher = AesGcmCipher(NEW)
        stored = cipher.encrypt("Janssens")
        flipped = stored[:-2] + ("A" if stored[-2] != "A" else "B") + stored[-1]
        for bad in (flipped, "Janssens", f"v1:{cipher.key_id}:!!"):
            with pytest.raises(CipherError):
                cipher.decrypt(bad)

    def test_short_keys_are_refused(self) -> None:
        with pytest.raises(ValueError, match="16 characters"):
            AesGcmCipher("short")


async def test_reencrypt_moves_every_value_to_the_new_key(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'lmb.db'}"
    await upgrade(url)
    engine = create_engine(url)
    try:
        registration = listed(a_self("r1", dt.date(1941, 3, 2)))
        insz = registration.persons[0].person.insz.digits
        code = VaccinationCode.parse("VC-R1-0")
        old = SqlUnitOfWorkFactory(engine, cipher=AesGcmCipher(OLD))
        async with old() as uow:
            await uow.registrations.add(
                registration, manage_digest="m1", insz_digests=[_digest(OLD, insz)]
            )
            await uow.commit()

        rotated = AesGcmCipher(NEW, [OLD])
        both = SqlUnitOfWorkFactory(engine, cipher=rotated)
        async with both() as uow:  # old rows still read
            got = await uow.registrations.get("r1")
            assert got is not None and got.persons[0].person.insz.digits == insz

        rows = await reencrypt(engine, rotated, digest=lambda v: _digest(NEW, v))
        assert rows >= 2  # the registration and its person

        new_only = SqlUnitOfWorkFactory(engine, cipher=AesGcmCipher(NEW))
        async with new_only() as uow:
            got = await uow.registrations.get("r1")
            assert got is not None
            assert got.persons[0].person.last_name == registration.persons[0].person.last_name
            assert [r.id for r in await uow.registrations.by_vaccination_code(code)] == ["r1"]
            assert await uow.registrations.listed_with_insz(_digest(NEW, insz)) == "r1"
            assert await uow.registrations.listed_with_insz(_digest(OLD, insz)) is None
        assert await reencrypt(engine, AesGcmCipher(NEW), digest=lambda v: _digest(NEW, v)) == rows
    finally:
        await engine.dispose()
