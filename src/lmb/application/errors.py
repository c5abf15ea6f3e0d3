"""Application errors: what a use case refuses, beyond the domain's own rules."""

from __future__ import annotations

from collections.abc import Sequence

from lmb.domain.errors import DomainError


class ApplicationError(Exception):
    code = "application.error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(ApplicationError):
    code = "not_found"


class Forbidden(ApplicationError):
    code = "forbidden"


class Unavailable(ApplicationError):
    """An external system needed right now cannot answer (HTTP 503)."""

    code = "unavailable"


class InvalidInput(ApplicationError):
    """One or more fields are wrong; every error names its field."""

    code = "validation.failed"

    def __init__(self, errors: Sequence[DomainError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.detail}" for e in errors))
        self.errors = list(errors)
