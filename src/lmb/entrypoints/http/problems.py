"""RFC 9457 problem documents: every error the API answers, translated (N-I18N, N-SEC).

One table maps error classes to HTTP statuses; no stack trace ever reaches a client.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)
from litestar.types import ExceptionHandlersMap

from lmb.application.errors import (
    ApplicationError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unavailable,
)
from lmb.domain.errors import (
    DomainError,
    InvalidFields,
    NoSlotLeft,
    StateConflict,
    ValidationFailed,
)
from lmb.entrypoints.http.i18n import negotiate, title, translate

log = logging.getLogger("lmb.http")

PROBLEM_MEDIA_TYPE = "application/problem+json"

#: Error class → HTTP status; the first class the error is an instance of wins.
STATUS_BY_ERROR: tuple[tuple[type[Exception], int], ...] = (
    (InvalidInput, 422),
    (ValidationFailed, 422),
    (NoSlotLeft, 409),
    (StateConflict, 409),
    (NotFound, 404),
    (Forbidden, 403),
    (Unavailable, 503),
    (DomainError, 422),
)


class FieldError(msgspec.Struct):
    """One bad field: its path as sent (``persons[1].insz``), a stable code, a message."""

    field: str
    code: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem document; ``code`` is the stable machine-readable reason."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldError] = msgspec.field(default_factory=list)


class HttpProblem(Exception):
    """An error of the HTTP layer itself (authentication, rate limits, bodies)."""

    def __init__(
        self,
        status: int,
        code: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        errors: Sequence[tuple[str, str, Mapping[str, Any]]] = (),
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.params = dict(params or {})
        self.headers = dict(headers or {})
        #: (field, code, params) of each bad field
        self.errors = list(errors)


def status_for(exc: Exception) -> int:
    for kind, status in STATUS_BY_ERROR:
        if isinstance(exc, kind):
            return status
    return 500


def problem_type(code: str) -> str:
    return f"urn:lmb:problem:{code}"


def language_of(request: Request[Any, Any, Any]) -> str:
    return negotiate(request.headers.get("accept-language"))


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    *,
    params: Mapping[str, Any] | None = None,
    detail: str | None = None,
    errors: Sequence[FieldError] = (),
    headers: Mapping[str, str] | None = None,
) -> Response[Problem]:
    language = language_of(request)
    problem = Problem(
        type=problem_type(code),
        title=title(status, language),
        status=status,
        detail=translate(code, language, params=params, detail=detail),
        code=code,
        errors=list(errors),
    )
    return Response(
        problem,
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers={"Content-Language": language, **(headers or {})},
    )


def _domain_field_error(error: DomainError, language: str) -> FieldError:
    return FieldError(
        field=error.field or "",
        code=error.code,
        message=translate(error.code, language, params=error.params, detail=error.detail),
    )


def _handle_domain(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    if isinstance(exc, InvalidFields):
        exc = InvalidInput(exc.errors)
    status = status_for(exc)
    language = language_of(request)
    if isinstance(exc, InvalidInput):
        errors = [_domain_field_error(e, language) for e in exc.errors]
        if len(exc.errors) == 1:
            only = exc.errors[0]
            return problem_response(
                request, status, only.code, params=only.params, detail=only.detail, errors=errors
            )
        return problem_response(request, status, "validation.summary", errors=errors)
    if isinstance(exc, DomainError):
        errors = [_domain_field_error(exc, language)] if exc.field else []
        return problem_response(
            request, status, exc.code, params=exc.params, detail=exc.detail, errors=errors
        )
    assert isinstance(exc, ApplicationError)
    return problem_response(request, status, exc.code, detail=exc.detail)


def _handle_http_problem(request: Request[Any, Any, Any], exc: HttpProblem) -> Response[Problem]:
    language = language_of(request)
    errors = [
        FieldError(field, code, translate(code, language, params=params))
        for field, code, params in exc.errors
    ]
    return problem_response(
        request, exc.status, exc.code, params=exc.params, errors=errors, headers=exc.headers
    )


_MISSING = re.compile(r"missing required field `([^`]+)`")


def _client_field(key: str, source: str | None) -> str:
    key = key.removeprefix("data.").removeprefix("data")
    key = key.lstrip(".").replace("$.", "")
    return key if source in (None, "body") else f"{source}.{key}"


def _handle_validation(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[Problem]:
    """Litestar's own checks of bodies, queries and paths, in the same problem format."""
    language = language_of(request)
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors: list[FieldError] = []
    for item in extra:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", ""))
        key = str(item.get("key") or "")
        source = item.get("source")
        missing = _MISSING.search(message)
        if missing:
            path = ".".join(p for p in (key, missing.group(1)) if p)
            errors.append(
                FieldError(
                    _client_field(path, source),
                    "field.missing",
                    translate("field.missing", language),
                )
            )
        elif key:
            errors.append(
                FieldError(
                    _client_field(key, source),
                    "field.invalid",
                    translate("field.invalid", language),
                )
            )
    if errors:
        code = errors[0].code if len(errors) == 1 else "validation.summary"
        return problem_response(request, 422, code, errors=errors)
    return problem_response(request, 400, "body.malformed")


def _handle_http_exception(
    request: Request[Any, Any, Any], exc: HTTPException
) -> Response[Problem]:
    status = exc.status_code
    headers = dict(exc.headers or {})
    if isinstance(exc, NotFoundException):
        return problem_response(request, 404, "route.not_found", headers=headers)
    if isinstance(exc, MethodNotAllowedException):
        return problem_response(request, 405, "method.not_allowed", headers=headers)
    if status == 413:
        return problem_response(request, 413, "body.too_large", headers=headers)
    if status == 415:
        return problem_response(request, 415, "media_type.unsupported", headers=headers)
    if status >= 500:
        log.error("http error %s", status)
        return problem_response(request, status, "internal")
    if status == 400:
        return problem_response(request, 400, "body.malformed", headers=headers)
    return problem_response(request, status, "http.error", headers=headers)


def _handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    # The traceback stays in the server log; the client learns nothing of it.
    log.error("unhandled %s", type(exc).__name__, exc_info=exc)
    return problem_response(request, 500, "internal")


def exception_handlers() -> ExceptionHandlersMap:
    return {
        DomainError: _handle_domain,
        ApplicationError: _handle_domain,
        HttpProblem: _handle_http_problem,
        ValidationException: _handle_validation,
        HTTPException: _handle_http_exception,
        Exception: _handle_unexpected,
    }
