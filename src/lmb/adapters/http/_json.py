"""Small helpers shared by the HTTP adapters: wire formats and masked paths."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from lmb.application.ports import ServiceRejected


def iso_datetime(value: dt.datetime) -> str:
    """ISO 8601 with its UTC offset, to the second (``2021-04-11T13:05:00+00:00``).

    Raises:
        ValueError: a naive datetime, whose moment nobody could know.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetimes sent to other systems must be timezone-aware")
    return value.astimezone(dt.UTC).isoformat(timespec="seconds")


def json_object(response: httpx.Response, *, service: str, what: str) -> dict[str, Any]:
    """The response body as a JSON object, or ServiceRejected for anything else."""
    try:
        body = response.json()
    except ValueError:  # JSONDecodeError and UnicodeDecodeError both are
        raise ServiceRejected(f"{service}: {what} answered something that is not JSON") from None
    if not isinstance(body, dict):
        raise ServiceRejected(f"{service}: {what} answered JSON that is not an object")
    return body
