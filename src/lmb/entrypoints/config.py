"""Configuration from the environment (contract section 1); read once, at start-up."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from attrs import frozen

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./lmb.db"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
DEFAULT_BOOKING_PUBLIC_URL = "https://booking.example.invalid/"
DEFAULT_MAIL_FROM = "lmb@localhost"


class ConfigError(Exception):
    """The configuration cannot work; the message says which variable."""


def _bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false")


@frozen
class Config:
    database_url: str = DEFAULT_DATABASE_URL
    public_url: str = DEFAULT_PUBLIC_URL
    admin_token: str | None = None
    secret_key: str = ""
    old_secret_keys: tuple[str, ...] = ()
    vcdb_url: str | None = None
    vcdb_token: str | None = None
    booking_url: str | None = None
    booking_token: str | None = None
    booking_public_url: str = DEFAULT_BOOKING_PUBLIC_URL
    smtp_host: str | None = None
    smtp_port: int = 25
    mail_from: str = DEFAULT_MAIL_FROM
    sms_url: str | None = None
    sms_token: str | None = None
    invitation_ttl: dt.timedelta = dt.timedelta(seconds=1800)
    groups_enabled: bool = True
    #: N-GDPR: days lapsed, ineligible and booked registrations are kept after their
    #: last change (``LMB_RETENTION_DAYS``)
    retention_days: int = 30

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def is_memory(self) -> bool:
        return self.database_url == "memory://"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        """Read ``LMB_*`` variables; in embedded mode a missing secret key is generated
        once and kept in ``lmb.secret`` beside the SQLite file."""
        env = dict(os.environ if env is None else env)
        _load_dotenv(env)

        def get(name: str) -> str | None:
            value = env.get(name)
            return value if value not in (None, "") else None

        database_url = get("LMB_DATABASE_URL") or DEFAULT_DATABASE_URL
        try:
            ttl = int(get("LMB_INVITATION_TTL") or 1800)
            smtp_port = int(get("LMB_SMTP_PORT") or 25)
            retention_days = int(get("LMB_RETENTION_DAYS") or 30)
        except ValueError:
            raise ConfigError(
                "LMB_INVITATION_TTL, LMB_SMTP_PORT and LMB_RETENTION_DAYS are whole numbers"
            ) from None
        if retention_days < 0:
            raise ConfigError("LMB_RETENTION_DAYS cannot be negative")
        if ttl <= 0:
            raise ConfigError("LMB_INVITATION_TTL must be positive")
        secret_key = get("LMB_SECRET_KEY")
        if secret_key is None:
            if not (database_url.startswith("sqlite") or database_url == "memory://"):
                raise ConfigError("LMB_SECRET_KEY is required outside embedded mode")
            secret_key = _embedded_secret(database_url)
        if len(secret_key) < 16:
            raise ConfigError("LMB_SECRET_KEY must be at least 16 characters")
        old_secret_keys = tuple(
            k.strip() for k in (get("LMB_OLD_SECRET_KEYS") or "").split(",") if k.strip()
        )
        return cls(
            database_url=database_url,
            old_secret_keys=old_secret_keys,
            public_url=(get("LMB_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/"),
            admin_token=get("LMB_ADMIN_TOKEN"),
            secret_key=secret_key,
            vcdb_url=get("LMB_VCDB_URL"),
            vcdb_token=get("LMB_VCDB_TOKEN"),
            booking_url=get("LMB_BOOKING_URL"),
            booking_token=get("LMB_BOOKING_TOKEN"),
            booking_public_url=get("LMB_BOOKING_PUBLIC_URL") or DEFAULT_BOOKING_PUBLIC_URL,
            smtp_host=get("LMB_SMTP_HOST"),
            smtp_port=smtp_port,
            mail_from=get("LMB_MAIL_FROM") or DEFAULT_MAIL_FROM,
            sms_url=get("LMB_SMS_URL"),
            sms_token=get("LMB_SMS_TOKEN"),
            invitation_ttl=dt.timedelta(seconds=ttl),
            groups_enabled=_bool(get("LMB_GROUPS_ENABLED") or "true", "LMB_GROUPS_ENABLED"),
            retention_days=retention_days,
        )


def _load_dotenv(env: dict[str, str]) -> None:
    """A ``.env`` file in the working directory fills in variables not set otherwise."""
    path = Path(".env")
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        env.setdefault(key.strip(), value.strip().strip("'\""))


def _embedded_secret(database_url: str) -> str:
    if database_url == "memory://":
        return secrets.token_urlsafe(32)
    db_path = database_url.split(":///", 1)[-1] if ":///" in database_url else "lmb.db"
    if db_path in ("", ":memory:"):
        return secrets.token_urlsafe(32)
    key_file = Path(db_path).resolve().parent / "lmb.secret"
    if key_file.is_file():
        return key_file.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(32)
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_text(key + "\n", encoding="utf-8")
    key_file.chmod(0o600)
    return key
