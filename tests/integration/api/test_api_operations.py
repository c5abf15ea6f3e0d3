"""N-MON: health, readiness, metrics, and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from attrs import define
from litestar.testing import AsyncTestClient

from lmb.entrypoints.config import Config
from lmb.entrypoints.container import Runtime
from lmb.entrypoints.http import create_app
from lmb.entrypoints.services import Services
from tests.integration.api.support import Client, Staff, registration


@define
class DatabaseDown:
    services: Services
    config: Config

    async def ready(self) -> bool:
        return False


class TestHealth:
    async def test_live_and_ready(self, client: Client) -> None:
        live = await client.get("/health/live")
        assert (live.status_code, live.json()) == (200, {"status": "ok"})
        ready = await client.get("/health/ready")
        assert (ready.status_code, ready.json()) == (200, {"status": "ok"})

    async def test_not_ready_without_a_database(self, memory_runtime: Runtime) -> None:
        down = DatabaseDown(memory_runtime.services, memory_runtime.config)
        async with AsyncTestClient(create_app(down)) as client:
            assert (await client.get("/health/live")).status_code == 200
            ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json() == {"status": "unavailable"}


class TestMetrics:
    async def test_requests_and_store_counts_are_exposed(
        self, client: Client, staff: Staff
    ) -> None:
        await staff.register(registration(staff.centre_id))
        token = staff.manage_token("nothing")
        await client.get(f"/api/v1/manage/{token}")
        response = await client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        text = response.text
        assert (
            'lmb_http_requests_total{method="POST",route="/api/v1/registrations",status="202"} 1.0'
            in text
        )
        assert 'route="/api/v1/manage/{token}",status="404"' in text
        assert token not in text
        assert "lmb_http_request_duration_seconds_bucket" in text
        assert 'lmb_registrations{status="pending"} 1.0' in text
        assert 'lmb_persons{state="registered"} 1.0' in text
        assert 'lmb_invitations{status="expired"} 0.0' in text
        assert 'lmb_outbox_messages{status="pending"}' in text
        assert "lmb_store_up 1.0" in text

    async def test_each_app_has_its_own_registry(self, memory_runtime: Runtime) -> None:
        first, second = create_app(memory_runtime), create_app(memory_runtime)
        assert first.state.metrics.registry is not second.state.metrics.registry

    async def test_worker_passes_are_counted(self, memory_runtime: Runtime) -> None:
        app = create_app(memory_runtime)
        tick = await memory_runtime.services.worker.run_once()
        app.state.metrics.record_tick(tick)
        async with AsyncTestClient(app) as client:
            text = (await client.get("/metrics")).text
        assert "lmb_worker_runs_total 1.0" in text
        assert 'lmb_worker_items_total{kind="delivered"}' in text


CONTRACT = {
    ("get", "/api/v1/centres"),
    ("post", "/api/v1/centres"),
    ("post", "/api/v1/centres/import"),
    ("get", "/api/v1/open-slots"),
    ("post", "/api/v1/open-slots/{slot_id}/claims"),
    ("post", "/api/v1/registrations"),
    ("get", "/api/v1/manage/{token}"),
    ("post", "/api/v1/manage/{token}/confirm"),
    ("put", "/api/v1/manage/{token}/availability"),
    ("delete", "/api/v1/manage/{token}"),
    ("post", "/api/v1/tokens"),
    ("post", "/api/v1/centres/{centre_id}/open-slots"),
    ("post", "/api/v1/centres/{centre_id}/sessions"),
    ("get", "/api/v1/sessions/{session_id}"),
    ("get", "/api/v1/sessions/{session_id}/invitations"),
    ("post", "/api/v1/sessions/{session_id}/invite-more"),
    ("post", "/api/v1/booking-events"),
    ("get", "/api/v1/reports/summary"),
    ("get", "/health/live"),
    ("get", "/health/ready"),
    ("get", "/metrics"),
}


class TestOpenApi:
    async def test_every_contract_endpoint_is_documented(self, memory_client: Client) -> None:
        response = await memory_client.get("/schema/openapi.json")
        assert response.status_code == 200
        schema: dict[str, Any] = response.json()
        documented = {
            (method, path)
            for path, item in schema["paths"].items()
            for method in item
            if method in ("get", "post", "put", "delete")
        }
        assert documented >= CONTRACT
        assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"

    async def test_request_bodies_have_examples_and_errors_are_problems(
        self, memory_client: Client
    ) -> None:
        schema: dict[str, Any] = (await memory_client.get("/schema/openapi.json")).json()
        for path, item in schema["paths"].items():
            for method, operation in item.items():
                if "requestBody" in operation:
                    [content] = operation["requestBody"]["content"].values()
                    examples = content.get("examples") or content["schema"].get("examples")
                    if not examples and "$ref" in content["schema"]:
                        name = content["schema"]["$ref"].rsplit("/", 1)[-1]
                        examples = schema["components"]["schemas"][name].get("examples")
                    assert examples, (method, path)
                for status, answer in operation["responses"].items():
                    if status.startswith(("4", "5")) and path != "/health/ready":
                        assert "application/problem+json" in answer["content"], (path, status)

    async def test_staff_operations_declare_the_bearer_scheme(self, memory_client: Client) -> None:
        schema: dict[str, Any] = (await memory_client.get("/schema/openapi.json")).json()
        operation = schema["paths"]["/api/v1/reports/summary"]["get"]
        assert operation["security"] == [{"bearer": []}]
        assert "401" in operation["responses"]
        assert "403" in operation["responses"]
