"""What every page shares: languages, rendering, the page CSP, CSRF and the staff cookie."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter, QueryParameter

from lmb.application.clock import BRUSSELS
from lmb.application.errors import ApplicationError, InvalidInput
from lmb.domain.errors import DomainError, InvalidFields
from lmb.entrypoints.http.i18n import negotiate, translate
from lmb.entrypoints.http.pages.texts import LANGUAGE_NAMES, PAGE_LANGUAGES, TEXTS
from lmb.entrypoints.services import Services

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

CSRF_COOKIE = "lmb_csrf"
CSRF_FIELD = "csrf_token"
STAFF_COOKIE = "lmb_staff"

#: Pages load only their own stylesheet; no inline style or script anywhere.
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)

_WEEKDAYS = {
    "nl": ("ma", "di", "wo", "do", "vr", "za", "zo"),
    "fr": ("lun", "mar", "mer", "jeu", "ven", "sam", "dim"),
    "de": ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
}

_env: Environment | None = None
_ACTIONS = ("/centres/import", "/tokens", "/sessions", "/invite-more", "/open-slots")

Lang = Annotated[str, PathParameter(max_length=5)]
PathId = Annotated[str, PathParameter(max_length=200)]
Query = Annotated[str | None, QueryParameter(max_length=40)]


def environment() -> Environment:
    global _env
    if _env is None:
        _env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
    return _env


def page_language(lang: str) -> str:
    if lang not in PAGE_LANGUAGES:
        raise NotFoundException()
    return lang


def preferred_language(request: Request[Any, Any, Any]) -> str:
    """nl, fr or de from Accept-Language; Dutch when none of them is asked for."""
    chosen = negotiate(request.headers.get("accept-language"))
    return chosen if chosen in PAGE_LANGUAGES else "nl"


def services_of(request: Request[Any, Any, Any]) -> Services:
    services: Services = request.app.state.services
    return services


def today_of(services: Services) -> dt.date:
    return services.ctx.clock.now().astimezone(BRUSSELS).date()


def short_date(day: dt.date, lang: str) -> str:
    return f"{_WEEKDAYS[lang][day.weekday()]} {day:%d/%m}"


def long_date(day: dt.date, lang: str) -> str:
    sep = "." if lang == "de" else "/"
    return day.strftime(f"%d{sep}%m{sep}%Y")


def local_time(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.astimezone(BRUSSELS).strftime("%H:%M")


def local_moment(moment: dt.datetime | None, lang: str) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(BRUSSELS)
    return f"{long_date(local.date(), lang)} {local:%H:%M}"


def _secure(request: Request[Any, Any, Any]) -> bool:
    public_url: str = services_of(request).ctx.settings.public_url
    return request.url.scheme == "https" or public_url.lower().startswith("https://")


def csrf_token(request: Request[Any, Any, Any]) -> tuple[str, bool]:
    """The request's CSRF token and whether it is new (and must be set as a cookie)."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and 20 <= len(existing) <= 100:
        return existing, False
    return secrets.token_urlsafe(32), True


def csrf_ok(request: Request[Any, Any, Any], form: Mapping[str, Any]) -> bool:
    """Double submit: the form field must equal the SameSite=Strict, HttpOnly cookie."""
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    field = form.get(CSRF_FIELD)
    return bool(cookie) and isinstance(field, str) and hmac.compare_digest(cookie, field)


def field_id(field: str) -> str:
    """The id of the input an error belongs to (``persons[1].insz`` → ``persons-1-insz``)."""
    if field.startswith("availability"):
        return "availability"
    if field.startswith("centre_ids"):
        return "centre_ids"
    out = field.replace("[", "-").replace("]", "").replace(".", "-")
    return out or "main"


def error_list(exc: Exception, lang: str) -> list[tuple[str, str]]:
    """(input id, message) for every error of a failed use case, in the page's language."""
    if isinstance(exc, InvalidFields):
        errors: list[DomainError] = list(exc.errors)
    elif isinstance(exc, InvalidInput):
        errors = list(exc.errors)
    elif isinstance(exc, DomainError):
        errors = [exc]
    elif isinstance(exc, ApplicationError):
        return [("main", translate(exc.code, lang, detail=exc.detail))]
    else:
        raise exc
    seen: dict[str, str] = {}
    for error in errors:
        key = field_id(error.field or "")
        message = translate(error.code, lang, params=error.params, detail=error.detail)
        seen.setdefault(key, message)
    return list(seen.items())


def render(
    request: Request[Any, Any, Any],
    template: str,
    lang: str,
    *,
    status: int = 200,
    switch: Mapping[str, str] | None = None,
    **context: Any,
) -> Response[str]:
    """A page in ``lang``; ``switch`` maps each language to this page's address in it."""
    token, new = csrf_token(request)
    path = request.url.path
    if switch is None:
        rest = path[3:] if len(path) >= 3 and path[1:3] in PAGE_LANGUAGES else "/"
        if request.method != "GET":
            # A form's action is no page: switch to the page the form was on.
            for action in _ACTIONS:
                if rest.endswith(action) and rest.count("/") > 2:
                    rest = rest[: -len(action)]
                    break
        switch = {code: f"/{code}{rest}" for code in PAGE_LANGUAGES}
    errors: list[tuple[str, str]] = context.pop("errors", [])
    html = (
        environment()
        .get_template(template)
        .render(
            t=TEXTS[lang],
            lang=lang,
            languages=LANGUAGE_NAMES,
            switch=switch,
            csrf=token,
            csrf_field=CSRF_FIELD,
            errors=errors,
            error_for=dict(errors),
            values=context.pop("values", {}),
            **context,
        )
    )
    response: Response[str] = Response(
        html,
        status_code=status,
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": PAGE_CSP, "Content-Language": lang},
    )
    if new:
        response.set_cookie(
            Cookie(
                key=CSRF_COOKIE,
                value=token,
                path="/",
                httponly=True,
                secure=_secure(request),
                samesite="strict",
            )
        )
    return response


def staff_cookie(request: Request[Any, Any, Any], value: str, *, max_age: int = 8 * 3600) -> Cookie:
    return Cookie(
        key=STAFF_COOKIE,
        value=value,
        path="/",
        httponly=True,
        secure=_secure(request),
        samesite="strict",
        max_age=max_age,
    )


def form_text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""
