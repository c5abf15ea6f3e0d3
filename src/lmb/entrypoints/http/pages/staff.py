"""Centre pages (R-SESSION, R-REG-A): sign in with a staff token, open a session, watch it live.

The staff token is kept in an HttpOnly, SameSite=Strict cookie and checked on every
request by the same ``StaffTokens`` use case the API uses. Single sign-on (R-SSO) can
later set the same cookie from an OIDC callback behind the same port.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect

from lmb.application.errors import ApplicationError
from lmb.application.model import Role, StaffToken
from lmb.application.sessions import OpenSessionCommand
from lmb.domain.errors import DomainError
from lmb.entrypoints.http.i18n import translate
from lmb.entrypoints.http.pages.texts import TEXTS
from lmb.entrypoints.http.pages.web import (
    STAFF_COOKIE,
    Lang,
    PathId,
    csrf_ok,
    error_list,
    form_text,
    local_moment,
    long_date,
    page_language,
    render,
    services_of,
    staff_cookie,
    today_of,
)

Req = Request[Any, Any, Any]
PUBLIC = {"rate_limit": "public"}
#: How often the live view of a session reloads itself, in seconds.
REFRESH_SECONDS = 15


def _number(text: str) -> object:
    """A whole number as the use cases expect it; anything else goes on, to be refused there."""
    return int(text) if text.isdigit() and len(text) < 7 else text


async def current_staff(request: Req) -> StaffToken | None:
    token = request.cookies.get(STAFF_COOKIE)
    if not token:
        return None
    return await services_of(request).staff.authenticate(token)


def sign_in_redirect(lang: Lang) -> Response[Any]:
    return Redirect(f"/{lang}/staff", status_code=303)


def _csrf_failed(request: Req, lang: Lang) -> Response[str]:
    t = TEXTS[lang]
    return render(
        request, "message.html", lang, status=403, title=t["csrf_title"], text=t["csrf_text"]
    )


@get("/{lang:str}/staff", opt=PUBLIC, include_in_schema=False)
async def sign_in_form(request: Req, lang: Lang) -> Response[Any]:
    lang = page_language(lang)
    if await current_staff(request) is not None:
        return Redirect(f"/{lang}/staff/home", status_code=303)
    return render(request, "staff_sign_in.html", lang)


@post("/{lang:str}/staff", opt=PUBLIC, include_in_schema=False)
async def sign_in(request: Req, lang: Lang) -> Response[Any]:
    lang = page_language(lang)
    form = await request.form()
    if not csrf_ok(request, form):
        return _csrf_failed(request, lang)
    token = form_text(form, "token")
    staff = await services_of(request).staff.authenticate(token)
    if staff is None:
        message = translate("auth.invalid", lang)
        return render(request, "staff_sign_in.html", lang, status=401, errors=[("token", message)])
    response: Response[Any] = Redirect(f"/{lang}/staff/home", status_code=303)
    response.set_cookie(staff_cookie(request, token))
    return response


@post("/{lang:str}/staff/sign-out", opt=PUBLIC, include_in_schema=False)
async def sign_out(request: Req, lang: Lang) -> Response[Any]:
    lang = page_language(lang)
    form = await request.form()
    if not csrf_ok(request, form):
        return _csrf_failed(request, lang)
    response: Response[Any] = Redirect(f"/{lang}/", status_code=303)
    response.set_cookie(staff_cookie(request, "", max_age=0))
    return response


@get("/{lang:str}/staff/home", include_in_schema=False)
async def staff_home(request: Req, lang: Lang) -> Response[Any]:
    lang = page_language(lang)
    staff = await current_staff(request)
    if staff is None:
        return sign_in_redirect(lang)
    services = services_of(request)
    if staff.role is Role.ADMIN:
        centres = await services.centres.list()
    else:
        centres = [c for c in await services.centres.list() if c.id in staff.centre_ids]
    return render(request, "staff_home.html", lang, staff=staff, centres=centres)


@get("/{lang:str}/centre/{centre_id:str}", include_in_schema=False)
async def centre_page(request: Req, lang: Lang, centre_id: PathId) -> Response[Any]:
    lang = page_language(lang)
    staff = await current_staff(request)
    if staff is None:
        return sign_in_redirect(lang)
    return await _centre(request, lang, staff, centre_id)


async def _centre(
    request: Req,
    lang: Lang,
    staff: StaffToken,
    centre_id: PathId,
    *,
    status: int = 200,
    errors: list[tuple[str, str]] | None = None,
    values: dict[str, Any] | None = None,
    notice: str | None = None,
) -> Response[str]:
    services = services_of(request)
    if not staff.may_act_for(centre_id):
        return render(request, "message.html", lang, status=403, title="403", text="")
    try:
        centre = await services.centres.get(centre_id)
    except (DomainError, ApplicationError):
        return render(request, "message.html", lang, status=404, title="404", text="")
    today = today_of(services).isoformat()
    return render(
        request,
        "centre.html",
        lang,
        status=status,
        centre=centre,
        values=values or {"date": today, "slot-date": today},
        errors=errors or [],
        notice=notice,
    )


@post("/{lang:str}/centre/{centre_id:str}/sessions", include_in_schema=False)
async def open_session(request: Req, lang: Lang, centre_id: PathId) -> Response[Any]:
    lang = page_language(lang)
    form = await request.form()
    if not csrf_ok(request, form):
        return _csrf_failed(request, lang)
    staff = await current_staff(request)
    if staff is None:
        return sign_in_redirect(lang)
    command = OpenSessionCommand(
        centre_id=centre_id,
        date=form_text(form, "date"),
        start=form_text(form, "start"),
        end=form_text(form, "end"),
        slots=_number(form_text(form, "slots")),
    )
    try:
        stats = await services_of(request).open_session(command, staff)
    except (DomainError, ApplicationError) as exc:
        return await _centre(
            request,
            lang,
            staff,
            centre_id,
            status=400,
            errors=error_list(exc, lang),
            values=dict(form.items()),
        )
    return Redirect(f"/{lang}/sessions/{stats.id}", status_code=303)


@post("/{lang:str}/centre/{centre_id:str}/open-slots", include_in_schema=False)
async def announce(request: Req, lang: Lang, centre_id: PathId) -> Response[Any]:
    lang = page_language(lang)
    form = await request.form()
    if not csrf_ok(request, form):
        return _csrf_failed(request, lang)
    staff = await current_staff(request)
    if staff is None:
        return sign_in_redirect(lang)
    try:
        await services_of(request).open_slots.announce(
            centre_id,
            form_text(form, "slot-date"),
            form_text(form, "slot-start"),
            form_text(form, "slot-end"),
            _number(form_text(form, "slot-slots")),
            staff,
        )
    except (DomainError, ApplicationError) as exc:
        errors = [(f"slot-{key}" if key != "main" else key, m) for key, m in error_list(exc, lang)]
        return await _centre(
            request, lang, staff, centre_id, status=400, errors=errors, values=dict(form.items())
        )
    return await _centre(request, lang, staff, centre_id, notice=TEXTS[lang]["announce"] + " ✓")


@get("/{lang:str}/sessions/{session_id:str}", include_in_schema=False)
async def session_live(request: Req, lang: Lang, session_id: PathId) -> Response[Any]:
    lang = page_language(lang)
    staff = await current_staff(request)
    if staff is None:
        return sign_in_redirect(lang)
    return await _session(request, lang, staff, session_id)


async def _session(
    request: Req,
    lang: Lang,
    staff: StaffToken,
    session_id: PathId,
    *,
    status: int = 200,
    errors: list[tuple[str, str]] | None = None,
) -> Response[str]:
    services = services_of(request)
    try:
        stats = await services.sessions.stats(session_id, staff)
        lines = await services.sessions.invitations(session_id, staff)
    except (DomainError, ApplicationError) as exc:
        return render(
            request, "message.html", lang, status=404, title="404", text=error_list(exc, lang)[0][1]
        )
    t = TEXTS[lang]
    rows = [
        {
            "persons": ", ".join(line.persons),
            "seats": line.seats,
            "status": t["invited"]
            if line.status == "sent"
            else t.get(f"invitation_{line.status}", line.status),
            "sent_at": local_moment(line.sent_at, lang),
            "expires_at": local_moment(line.expires_at, lang),
        }
        for line in lines
    ]
    return render(
        request,
        "session.html",
        lang,
        status=status,
        stats=stats,
        day=long_date(stats.date, lang),
        rows=rows,
        refresh=REFRESH_SECONDS,
        errors=errors or [],
    )


@post("/{lang:str}/sessions/{session_id:str}/invite-more", include_in_schema=False)
async def invite_more(request: Req, lang: Lang, session_id: PathId) -> Response[Any]:
    lang = page_language(lang)
    form = await request.form()
    if not csrf_ok(request, form):
        return _csrf_failed(request, lang)
    staff = await current_staff(request)
    if staff is None:
        return sign_in_redirect(lang)
    try:
        await services_of(request).invite_more(session_id, _number(form_text(form, "count")), staff)
    except (DomainError, ApplicationError) as exc:
        errors = [("count", m) for _, m in error_list(exc, lang)]
        return await _session(request, lang, staff, session_id, status=400, errors=errors)
    return Redirect(f"/{lang}/sessions/{session_id}", status_code=303)


STAFF_HANDLERS = [
    sign_in_form,
    sign_in,
    sign_out,
    staff_home,
    centre_page,
    open_session,
    announce,
    session_live,
    invite_more,
]
