"""N-SEC at the HTTP edge: rate limits, body limits, headers, request ids, quiet logs."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import pytest
from attrs import evolve
from litestar.testing import AsyncTestClient

from lmb.entrypoints.config import ConfigError
from lmb.entrypoints.container import Runtime
from lmb.entrypoints.http import HttpSettings, create_app
from lmb.entrypoints.http.observability import JsonFormatter
from lmb.entrypoints.http.security import SlidingWindowLimiter
from tests.integration.api.support import ADMIN, Client, Staff, registration


@pytest.fixture
async def strict_client(memory_runtime: Runtime) -> AsyncIterator[Client]:
    app = create_app(memory_runtime, HttpSettings(public_rate_limit=3, manage_rate_limit=2))
    async with AsyncTestClient(app) as client:
        yield client


class TestRateLimits:
    async def test_public_endpoints_answer_429_past_the_budget(self, strict_client: Client) -> None:
        statuses = [(await strict_client.get("/api/v1/centres")).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = await strict_client.get("/api/v1/open-slots", headers={"Accept-Language": "de"})
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["detail"].startswith("Zu viele Anfragen")

    async def test_manage_lookups_have_a_stricter_budget(self, strict_client: Client) -> None:
        """Guessing manage tokens is slowed down more than browsing."""
        statuses = [
            (await strict_client.get(f"/api/v1/manage/guess-{i}")).status_code for i in range(3)
        ]
        assert statuses == [404, 404, 429]
        # the public budget is separate
        assert (await strict_client.get("/api/v1/centres")).status_code == 200

    async def test_operations_and_staff_endpoints_are_not_limited(
        self, strict_client: Client
    ) -> None:
        for _ in range(6):
            assert (await strict_client.get("/health/live")).status_code == 200

    async def test_rate_limits_count_in_the_metrics(self, strict_client: Client) -> None:
        for _ in range(4):
            await strict_client.get("/api/v1/centres")
        metrics = (await strict_client.get("/metrics")).text
        assert 'lmb_http_rate_limited_total{bucket="public"} 1.0' in metrics

    def test_the_window_slides(self) -> None:
        limiter = SlidingWindowLimiter(2, 10.0)
        assert limiter.hit("a", now=0.0) is None
        assert limiter.hit("a", now=1.0) is None
        assert limiter.hit("a", now=2.0) == pytest.approx(8.0)
        assert limiter.hit("b", now=2.0) is None
        assert limiter.hit("a", now=10.5) is None

    def test_memory_is_bounded(self) -> None:
        limiter = SlidingWindowLimiter(1, 60.0, max_keys=3)
        for key in "abcde":
            limiter.hit(key, now=0.0)
        assert limiter.hit("a", now=1.0) is None  # forgotten, so allowed again
        assert limiter.hit("e", now=1.0) is not None

    def test_settings_come_from_the_environment(self) -> None:
        settings = HttpSettings.from_env(
            {"LMB_RATE_LIMIT_PUBLIC": "7", "LMB_RATE_LIMIT_MANAGE": "2", "LMB_CORS_ORIGINS": ""}
        )
        assert (settings.public_rate_limit, settings.manage_rate_limit) == (7, 2)
        assert settings.cors_origins == ()
        defaults = HttpSettings.from_env({})
        assert defaults == HttpSettings()
        with pytest.raises(ConfigError, match="LMB_RATE_LIMIT_PUBLIC"):
            HttpSettings.from_env({"LMB_RATE_LIMIT_PUBLIC": "many"})


class TestBodies:
    async def test_a_large_json_body_is_413(self, memory_client: Client) -> None:
        body = b'{"kind": "self", "padding": "' + b"x" * (70 * 1024) + b'"}'
        response = await memory_client.post(
            "/api/v1/registrations", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 413
        assert response.json()["code"] == "body.too_large"

    async def test_a_csv_import_may_be_larger_but_not_unbounded(
        self, memory_client: Client
    ) -> None:
        header = "name,short_code,region,address,postcodes,phone\n"
        big = header + "Leuven,LEUV,VLG,Markt 1,3000,\n" + "#" * (200 * 1024) + "\n"
        ok = await memory_client.post(
            "/api/v1/centres/import",
            content=big,
            headers={**ADMIN, "Content-Type": "text/csv"},
        )
        assert ok.status_code != 413
        huge = header + "x" * (2 * 1024 * 1024)
        refused = await memory_client.post(
            "/api/v1/centres/import",
            content=huge,
            headers={**ADMIN, "Content-Type": "text/csv"},
        )
        assert refused.status_code == 413


class TestHeaders:
    async def test_security_headers_are_on_every_answer(self, memory_client: Client) -> None:
        for path in ("/api/v1/centres", "/api/v1/nothing", "/health/live"):
            response = await memory_client.get(path)
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["referrer-policy"] == "no-referrer"
            assert "default-src 'none'" in response.headers["content-security-policy"]
            assert "strict-transport-security" not in response.headers
            assert "access-control-allow-origin" not in response.headers

    async def test_hsts_when_published_over_https(self, memory_runtime: Runtime) -> None:
        published = evolve(
            memory_runtime, config=evolve(memory_runtime.config, public_url="https://lmb.be")
        )
        async with AsyncTestClient(create_app(published)) as client:
            response = await client.get("/health/live")
        assert response.headers["strict-transport-security"].startswith("max-age=")

    async def test_cors_is_off_by_default_and_can_be_opened(
        self, memory_client: Client, memory_runtime: Runtime
    ) -> None:
        preflight = {
            "Origin": "https://portal.example.be",
            "Access-Control-Request-Method": "POST",
        }
        closed = await memory_client.options("/api/v1/registrations", headers=preflight)
        assert "access-control-allow-origin" not in closed.headers
        app = create_app(memory_runtime, HttpSettings(cors_origins=("https://portal.example.be",)))
        async with AsyncTestClient(app) as client:
            opened = await client.options("/api/v1/registrations", headers=preflight)
        assert opened.headers["access-control-allow-origin"] == "https://portal.example.be"


class TestRequestIds:
    async def test_a_request_id_is_echoed_or_made(self, memory_client: Client) -> None:
        given = await memory_client.get("/health/live", headers={"X-Request-ID": "abc-123"})
        assert given.headers["x-request-id"] == "abc-123"
        made = await memory_client.get("/health/live")
        assert len(made.headers["x-request-id"]) == 32
        hostile = await memory_client.get("/health/live", headers={"X-Request-ID": "a\tb" * 50})
        assert hostile.headers["x-request-id"] != "a\tb" * 50


class TestLogs:
    async def test_one_line_per_request_without_personal_data(
        self, memory_client: Client, memory_staff: Staff, caplog: pytest.LogCaptureFixture
    ) -> None:
        body = registration(memory_staff.centre_id)
        digits = body["persons"][0]["insz"]
        receipt = await memory_staff.register(body)
        token = memory_staff.manage_token(receipt["id"])
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="lmb.http.access"):
            await memory_client.get(f"/api/v1/manage/{token}", headers={"X-Request-ID": "r-1"})
        [record] = [r for r in caplog.records if r.name == "lmb.http.access"]
        fields = record.fields  # type: ignore[attr-defined]
        assert fields["route"] == "/api/v1/manage/{token}"
        assert fields["status"] == 200
        assert fields["method"] == "GET"
        assert fields["request_id"] == "r-1"
        assert fields["duration_ms"] >= 0
        formatter = JsonFormatter()
        everything = "\n".join(formatter.format(r) for r in caplog.records)
        assert token not in everything
        assert digits not in everything

    def test_the_formatter_writes_one_json_object(self) -> None:
        record = logging.LogRecord("lmb.http.access", logging.INFO, "x", 1, "GET %s", ("/x",), None)
        record.fields = {"status": 200}
        line = JsonFormatter().format(record)
        assert "\n" not in line
        parsed = json.loads(line)
        assert parsed["message"] == "GET /x"
        assert parsed["status"] == 200
