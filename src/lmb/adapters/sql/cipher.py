"""Field-level protection of personal data at rest, switchable without touching mappers."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


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
    """Stores values as they are: the default until encryption at rest is switched on."""

    def encrypt(self, value: str) -> str:
        return value

    def decrypt(self, value: str) -> str:
        return value

    def index(self, value: str) -> str:
        return value
