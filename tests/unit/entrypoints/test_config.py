"""Configuration from the environment (contract section 1)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lmb.adapters.system import HmacSecrets
from lmb.entrypoints.config import Config, ConfigError


class TestConfig:
    def test_defaults_are_the_embedded_mode(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        config = Config.from_env({})
        assert config.database_url == "sqlite+aiosqlite:///./lmb.db"
        assert config.invitation_ttl == dt.timedelta(minutes=30)
        assert config.groups_enabled is True
        assert config.vcdb_url is None
        assert config.sms_url is None
        assert config.booking_public_url == "https://booking.example.invalid/"
        assert config.mail_from == "lmb@localhost"
        assert config.public_url == "http://127.0.0.1:8000"

    def test_the_embedded_secret_is_generated_once_and_kept(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        first = Config.from_env({}).secret_key
        assert Config.from_env({}).secret_key == first
        assert (tmp_path / "lmb.secret").stat().st_mode & 0o777 == 0o600

    def test_postgres_demands_a_secret_key(self) -> None:
        with pytest.raises(ConfigError, match="LMB_SECRET_KEY"):
            Config.from_env({"LMB_DATABASE_URL": "postgresql+asyncpg://db/lmb"})

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("LMB_INVITATION_TTL", "soon"),
            ("LMB_INVITATION_TTL", "0"),
            ("LMB_GROUPS_ENABLED", "maybe"),
        ],
    )
    def test_nonsense_is_refused_by_name(
        self, name: str, value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        with pytest.raises(ConfigError, match=name):
            Config.from_env({name: value})

    def test_variables_are_read(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        config = Config.from_env(
            {
                "LMB_INVITATION_TTL": "600",
                "LMB_GROUPS_ENABLED": "false",
                "LMB_PUBLIC_URL": "https://lmb.example.be/",
                "LMB_SMS_URL": "http://127.0.0.1:9/sms",
            }
        )
        assert config.invitation_ttl == dt.timedelta(minutes=10)
        assert config.groups_enabled is False
        assert config.public_url == "https://lmb.example.be"
        assert config.sms_url == "http://127.0.0.1:9/sms"


class TestHmacSecrets:
    def test_manage_tokens_are_derived_long_and_distinct(self) -> None:
        secrets = HmacSecrets(b"k" * 32)
        token = secrets.manage_token("r1")
        assert token == secrets.manage_token("r1")
        assert token != secrets.manage_token("r2")
        assert token != HmacSecrets(b"q" * 32).manage_token("r1")
        assert len(token) >= 22  # at least 128 bits in base64url

    def test_digests_are_keyed(self) -> None:
        assert HmacSecrets(b"k" * 32).digest("85073003328") != HmacSecrets(b"q" * 32).digest(
            "85073003328"
        )

    def test_a_short_key_is_refused(self) -> None:
        with pytest.raises(ValueError, match="16 bytes"):
            HmacSecrets(b"short")
