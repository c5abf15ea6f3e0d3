"""Property-based check of the whole API against its own OpenAPI document (N-SEC).

Bounded: 20 generated requests per operation, on in-memory storage, with an admin
token so that staff operations get past authentication.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation.case import Case
from schemathesis.schemas import BaseSchema

from lmb.adapters.system import FixedClock
from lmb.entrypoints.config import Config
from lmb.entrypoints.container import build_runtime
from lmb.entrypoints.http import create_app
from tests.integration.api.support import ADMIN, ADMIN_TOKEN, NOW, RELAXED, SECRET_KEY


def _schema() -> BaseSchema:
    config = Config(database_url="memory://", secret_key=SECRET_KEY, admin_token=ADMIN_TOKEN)
    runtime = asyncio.run(build_runtime(config, clock=FixedClock(NOW)))
    return schemathesis.openapi.from_asgi("/schema/openapi.json", create_app(runtime, RELAXED))


schema = _schema()


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_keeps_its_schema_and_never_fails(case: Case[Any]) -> None:
    case.call_and_validate(
        headers=ADMIN,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
        ],
    )
