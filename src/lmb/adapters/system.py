"""The real clock and the keyed secrets (HMAC-SHA256)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import uuid

from attrs import define

from lmb.application.ports import Clock, Secrets


class SystemClock(Clock):
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@define
class FixedClock(Clock):
    """A clock that moves only when told: for tests, demos and simulations."""

    current: dt.datetime

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, delta: dt.timedelta) -> None:
        self.current = self.current + delta


class HmacSecrets(Secrets):
    """Random ids and tokens; keyed digests with HMAC-SHA256 under the secret key.

    Manage tokens are derived from the key and the registration id, so they are never
    stored: a copy of the database does not hold them, only their digests.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the secret key must hold at least 16 bytes")
        self._key = key

    def new_id(self) -> str:
        return str(uuid.uuid4())

    def new_token(self) -> str:
        return secrets.token_urlsafe(32)

    def digest(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()

    def manage_token(self, registration_id: str) -> str:
        raw = hmac.new(self._key, f"manage:{registration_id}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")
