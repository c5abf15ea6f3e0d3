"""Field-level protection of personal data at rest, switchable without touching mappers."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


@runtime_checkable
class FieldCipher(Protocol):
    """Turns a personal-data value into what is stored, and back.

    - ``encrypt``/``decrypt``: ``decrypt(encrypt(v)) == v``; may be randomised.
    - ``index``: a deterministic keyed digest of a value, stored beside the ciphertext
      for equality look-ups (vaccination codes); never reversible when keyed.
    """

    def encrypt(self, value: str) -> str: ...

    def decrypt(self, value: str) -> str: ...

    def index(self, value: str) -> str: ...


class PlainCipher(FieldCipher):
    """Stores values as they are: for tests that read rows, never in a built runtime."""

    def encrypt(self, value: str) -> str:
        return value

    def decrypt(self, value: str) -> str:
        return value

    def index(self, value: str) -> str:
        return value


class CipherError(Exception):
    """A stored value cannot be decrypted: unknown key id, tampered or not ciphertext."""


_PREFIX = "v1"
_NONCE = 12


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


def key_id(secret: str) -> str:
    """A short public name of a secret key: stored in each value, reveals nothing."""
    return _derive(secret.encode(), b"lmb key id").hex()[:8]


class AesGcmCipher(FieldCipher):
    """AES-256-GCM per value, keys derived with HKDF-SHA256 from the secret key.

    Values are stored as ``v1:<key-id>:<base64(nonce|ciphertext)>`` with a random
    96-bit nonce, so equal values give different ciphertexts. ``index`` is an
    HMAC-SHA256 under a separate derived key, for equality look-ups.

    Rotation: ``secret`` is the current key (encrypts, indexes); ``old_secrets`` only
    decrypt values written under them, until ``needs_reencrypt`` rows are rewritten.
    The index key stays derived from the *current* key, so indexes are rewritten
    with the rows (see ``lmb.adapters.sql.rotation.reencrypt``).
    """

    def __init__(self, secret: str, old_secrets: Sequence[str] = ()) -> None:
        if len(secret) < 16:
            raise ValueError("the secret key must hold at least 16 characters")
        self.key_id = key_id(secret)
        self._current = AESGCM(_derive(secret.encode(), b"lmb field encryption"))
        self._index_key = _derive(secret.encode(), b"lmb field index")
        self._keys: dict[str, AESGCM] = {self.key_id: self._current}
        for old in old_secrets:
            aead = AESGCM(_derive(old.encode(), b"lmb field encryption"))
            self._keys.setdefault(key_id(old), aead)

    def encrypt(self, value: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._current.encrypt(nonce, value.encode(), None)
        body = base64.b64encode(nonce + sealed).decode()
        return f"{_PREFIX}:{self.key_id}:{body}"

    def decrypt(self, value: str) -> str:
        prefix, _, rest = value.partition(":")
        kid, _, body = rest.partition(":")
        if prefix != _PREFIX or not body:
            raise CipherError("not a v1 ciphertext")
        aead = self._keys.get(kid)
        if aead is None:
            raise CipherError(f"no key with id {kid}: add the old key to LMB_OLD_SECRET_KEYS")
        try:
            raw = base64.b64decode(body, validate=True)
            return aead.decrypt(raw[:_NONCE], raw[_NONCE:], None).decode()
        except (binascii.Error, ValueError, InvalidTag) as exc:
            raise CipherError("the value cannot be decrypted") from exc

    def index(self, value: str) -> str:
        return hmac.new(self._index_key, value.encode(), hashlib.sha256).hexdigest()

    def is_current(self, value: str) -> bool:
        """The value was encrypted under the current key."""
        return value.startswith(f"{_PREFIX}:{self.key_id}:")
