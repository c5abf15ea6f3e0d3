"""Turn raw input into domain values, collecting every bad field at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from lmb.application.errors import InvalidInput
from lmb.domain.errors import DomainError, InvalidFields, ValidationFailed

T = TypeVar("T")


class Collector:
    """Runs parsers and keeps their errors, each placed at its field."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def take(self, field: str, parse: Callable[[], T]) -> T | None:
        try:
            return parse()
        except DomainError as exc:
            placed = exc.at(field) if field else exc
            if isinstance(placed, InvalidFields):
                self.errors.extend(placed.errors)
            else:
                self.errors.append(placed)
            return None

    def add(self, error: DomainError) -> None:
        self.errors.append(error)

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)


def parse_date(text: object) -> dt.date:
    if isinstance(text, dt.date) and not isinstance(text, dt.datetime):
        return text
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise ValidationFailed("a date is written YYYY-MM-DD") from None


def parse_time(text: object) -> dt.time:
    if isinstance(text, dt.time):
        return text
    value = str(text)
    try:
        parsed = dt.time.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("an hour is written HH:MM") from None
    if len(value) != 5 or parsed.second or parsed.microsecond:
        raise ValidationFailed("an hour is written HH:MM")
    return parsed
