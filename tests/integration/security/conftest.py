"""The API fixtures (apps over memory and SQLite, a staff kit, the INSZ leak check)."""

from tests.integration.api.conftest import (
    client,
    clock,
    memory_client,
    memory_runtime,
    memory_staff,
    migrated_sqlite,
    runtime,
    staff,
)

__all__ = [
    "client",
    "clock",
    "memory_client",
    "memory_runtime",
    "memory_staff",
    "migrated_sqlite",
    "runtime",
    "staff",
]
