"""Citizen pages (R-INFO, R-REG-A..E, N-GDPR): HTML forms over the use cases the API calls."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect

from lmb.application.errors import ApplicationError, NotFound
from lmb.application.registrations import (
    AvailabilityInput,
    ContactInput,
    PersonInput,
    Register,
    RegistrationView,
)
from lmb.domain.errors import DomainError
from lmb.entrypoints.http.pages.texts import PAGE_LANGUAGES, TEXTS
from lmb.entrypoints.http.pages.web import (
    Lang,
    PathId,
    Query,
    csrf_ok,
    error_list,
    form_text,
    local_moment,
    local_time,
    long_date,
    page_language,
    preferred_language,
    render,
    services_of,
    short_date,
    today_of,
)
from lmb.entrypoints.services import Services

Req = Request[Any, Any, Any]
KINDS = ("self", "group", "companion", "third_party")
HALF_DAYS = ("morning", "afternoon", "evening")
#: How many person blocks each kind of form shows.
PERSON_BLOCKS = {"self": 1, "group": 4, "companion": 1, "third_party": 1}
PUBLIC = {"rate_limit": "public"}
MANAGE = {"rate_limit": "manage"}


def _csrf_failed(request: Req, lang: Lang) -> Response[str]:
    t = TEXTS[lang]
    return render(
        request, "message.html", lang, status=403, title=t["csrf_title"], text=t["csrf_text"]
    )


def calendar(services: Services, lang: Lang) -> list[tuple[str, str]]:
    """(ISO date, label) for today and the 14 days after it (R-AVAIL)."""
    today = today_of(services)
    days = [today + dt.timedelta(days=n) for n in range(15)]
    return [(d.isoformat(), short_date(d, lang)) for d in days]


@get("/", opt=PUBLIC, include_in_schema=False)
async def root(request: Req) -> Redirect:
    return Redirect(f"/{preferred_language(request)}/", status_code=303)


@get("/{lang:str}", opt=PUBLIC, include_in_schema=False)
async def home(request: Req, lang: Lang) -> Response[str]:
    return render(request, "home.html", page_language(lang))


@get("/{lang:str}/privacy", opt=PUBLIC, include_in_schema=False)
async def privacy(request: Req, lang: Lang) -> Response[str]:
    return render(request, "privacy.html", page_language(lang))


@get("/{lang:str}/centres", opt=PUBLIC, include_in_schema=False)
async def centres(request: Req, lang: Lang, postcode: Query = None) -> Response[str]:
    lang = page_language(lang)
    code = (postcode or "").strip()[:10]
    found = await services_of(request).centres.list(code) if code else []
    return render(request, "centres.html", lang, postcode=code, centres=found, searched=bool(code))


@get("/{lang:str}/register", opt=PUBLIC, include_in_schema=False)
async def choose(request: Req, lang: Lang) -> Response[str]:
    return render(request, "choose.html", page_language(lang), kinds=KINDS)


@get("/{lang:str}/register/form", opt=PUBLIC, include_in_schema=False)
async def register_form(
    request: Req, lang: Lang, kind: Query = None, postcode: Query = None
) -> Response[str]:
    lang = page_language(lang)
    t = TEXTS[lang]
    if kind not in KINDS:
        errors = [("kind-self", t["choose_title"])] if kind is not None else []
        return render(
            request, "choose.html", lang, kinds=KINDS, errors=errors, status=400 if errors else 200
        )
    code = (postcode or "").strip()[:10]
    if postcode is None or not code:
        errors = [("postcode", t["postcode_title"])] if postcode is not None else []
        return render(request, "postcode.html", lang, kind=kind, errors=errors)
    return await _form(request, lang, kind, code)


_PERSON_FIELDS = ("first_name", "last_name", "insz", "postcode", "email", "mobile")
#: The inputs of the registration form, top to bottom: the error summary follows it.
FORM_ORDER = (
    "main",
    "kind",
    "invite",
    *(f"contact-{name}" for name in ("first_name", "last_name", "email", "mobile")),
    "companion_of",
    *(f"persons-{i}-{name}" for i in range(4) for name in _PERSON_FIELDS),
    "persons",
    "centre_ids",
    "availability",
)


def in_form_order(errors: list[tuple[str, str]]) -> list[tuple[str, str]]:
    def position(item: tuple[str, str]) -> int:
        return FORM_ORDER.index(item[0]) if item[0] in FORM_ORDER else len(FORM_ORDER)

    return sorted(errors, key=position)


async def _form(
    request: Req,
    lang: Lang,
    kind: str,
    postcode: str,
    *,
    values: dict[str, Any] | None = None,
    errors: list[tuple[str, str]] | None = None,
) -> Response[str]:
    services = services_of(request)
    found = await services.centres.list(postcode)
    return render(
        request,
        "register.html",
        lang,
        status=400 if errors else 200,
        kind=kind,
        postcode=postcode,
        centres=found,
        blocks=PERSON_BLOCKS[kind],
        days=calendar(services, lang),
        half_days=HALF_DAYS,
        values=values or {"persons-0-postcode": postcode},
        errors=in_form_order(errors or []),
    )


def person_from_form(form: FormMultiDict, index: int) -> PersonInput | None:
    prefix = f"persons-{index}-"
    fields = {
        name: form_text(form, prefix + name)
        for name in ("insz", "last_name", "first_name", "postcode", "email", "mobile")
    }
    if index > 0 and not any(fields[n] for n in ("insz", "last_name", "first_name")):
        return None
    return PersonInput(**{k: (v or None) for k, v in fields.items()})


def availability_from_form(form: FormMultiDict) -> list[AvailabilityInput]:
    entries = []
    for value in form.getall("availability", []):
        day, _, half = str(value).partition("/")
        entries.append(AvailabilityInput(date=day, half_day=half))
    return entries


def form_values(form: FormMultiDict) -> dict[str, Any]:
    values: dict[str, Any] = {k: v for k, v in form.items() if k != "availability"}
    values["availability"] = set(form.getall("availability", []))
    values["centre_ids"] = set(form.getall("centre_ids", []))
    return values


@post("/{lang:str}/register/form", opt=PUBLIC, include_in_schema=False)
async def register(request: Req, lang: Lang) -> Response[str]:
    lang = page_language(lang)
    form = await request.form()
    if not csrf_ok(request, form):
        return _csrf_failed(request, lang)
    kind = form_text(form, "kind")
    if kind not in KINDS:
        return render(request, "choose.html", lang, kinds=KINDS)
    postcode = form_text(form, "postcode")[:10]
    persons = [
        p for i in range(PERSON_BLOCKS[kind]) if (p := person_from_form(form, i)) is not None
    ]
    contact = None
    if kind == "third_party":
        contact = ContactInput(
            last_name=form_text(form, "contact-last_name") or None,
            first_name=form_text(form, "contact-first_name") or None,
            email=form_text(form, "contact-email") or None,
            mobile=form_text(form, "contact-mobile") or None,
        )
    command = Register(
        kind=kind,
        language=lang,
        persons=persons,
        centre_ids=list(form.getall("centre_ids", [])),
        availability=availability_from_form(form),
        contact=contact,
        companion_of=form_text(form, "companion_of") or None if kind == "companion" else None,
    )
    services = services_of(request)
    try:
        receipt = await services.register(command)
    except (DomainError, ApplicationError) as exc:
        return await _form(
            request, lang, kind, postcode, values=form_values(form), errors=error_list(exc, lang)
        )
    until = receipt.availability_until
    return render(
        request,
        "done.html",
        lang,
        until=local_moment(until, lang) if until else "",
    )


# -- the manage page (/r/{token}) -------------------------------------------------------


def _manage_language(request: Req, view: RegistrationView | None) -> str:
    asked = request.query_params.get("lang")
    if asked in PAGE_LANGUAGES:
        return str(asked)
    if view is not None and view.language in PAGE_LANGUAGES:
        return view.language
    return preferred_language(request)


async def _centre_names(services: Services, ids: list[str]) -> dict[str, str]:
    names = {}
    for centre_id in ids:
        try:
            names[centre_id] = (await services.centres.get(centre_id)).name
        except (NotFound, DomainError):
            names[centre_id] = centre_id
    return names


async def _manage_page(
    request: Req,
    token: PathId,
    view: RegistrationView,
    lang: Lang,
    *,
    notice: str | None = None,
    errors: list[tuple[str, str]] | None = None,
) -> Response[str]:
    services = services_of(request)
    t = TEXTS[lang]
    ids = list(view.centre_ids) + [i.centre_id for i in view.invitations if i.centre_id]
    names = await _centre_names(services, ids)
    invitations = []
    for inv in view.invitations:
        status = t.get(f"invitation_{inv.status}", inv.status)
        if inv.status == "sent":
            status = (
                t["invitation_sent"].format(expires=local_time(inv.expires_at))
                if inv.expires_at
                else t["invitation_queued"]
            )
        invitations.append(
            {
                "centre": names.get(inv.centre_id or "", ""),
                "line": t["invitation_line"].format(
                    date=long_date(inv.date, lang) if inv.date else "",
                    start=inv.start.strftime("%H:%M") if inv.start else "",
                    end=inv.end.strftime("%H:%M") if inv.end else "",
                    status=status,
                ),
            }
        )
    chosen = {f"{s.date.isoformat()}/{s.half_day.value}" for s in view.availability}
    return render(
        request,
        "manage.html",
        lang,
        status=400 if errors else 200,
        switch={code: f"/r/{token}?lang={code}" for code in PAGE_LANGUAGES},
        token=token,
        view=view,
        status_text=t.get(f"status_{view.status}", view.status),
        centre_names=[names[c] for c in view.centre_ids],
        invitations=invitations,
        days=calendar(services, lang),
        half_days=HALF_DAYS,
        values={"availability": chosen},
        until=local_moment(view.availability_until, lang),
        notice=notice,
        errors=errors or [],
    )


def _not_found(request: Req, lang: Lang) -> Response[str]:
    t = TEXTS[lang]
    return render(
        request,
        "message.html",
        lang,
        status=404,
        title=t["not_found_title"],
        text=t["not_found_text"],
    )


#: Notices the manage page shows after a successful post (post, redirect, get).
NOTICES = ("confirmed", "availability_saved")


def _back_to_manage(token: str, lang: str, notice: str) -> Response[Any]:
    return Redirect(f"/r/{token}?lang={lang}&notice={notice}", status_code=303)


@get("/r/{token:str}", opt=MANAGE, include_in_schema=False)
async def manage(request: Req, token: PathId, notice: Query = None) -> Response[str]:
    try:
        view = await services_of(request).manage.view(token)
    except (NotFound, DomainError):
        return _not_found(request, _manage_language(request, None))
    lang = _manage_language(request, view)
    shown = TEXTS[lang][notice] if notice in NOTICES else None
    return await _manage_page(request, token, view, lang, notice=shown)


@post("/r/{token:str}/confirm", opt=MANAGE, include_in_schema=False)
async def confirm(request: Req, token: PathId) -> Response[Any]:
    form = await request.form()
    lang = _manage_language(request, None)
    if not csrf_ok(request, form):
        return _csrf_failed(request, lang)
    services = services_of(request)
    try:
        view = await services.manage.confirm(token)
    except NotFound:
        return _not_found(request, lang)
    except (DomainError, ApplicationError) as exc:
        view = await services.manage.view(token)
        lang = _manage_language(request, view)
        return await _manage_page(request, token, view, lang, errors=error_list(exc, lang))
    return _back_to_manage(token, _manage_language(request, view), "confirmed")


@post("/r/{token:str}/availability", opt=MANAGE, include_in_schema=False)
async def availability(request: Req, token: PathId) -> Response[Any]:
    form = await request.form()
    lang = _manage_language(request, None)
    if not csrf_ok(request, form):
        return _csrf_failed(request, lang)
    services = services_of(request)
    try:
        view = await services.manage.replace_availability(token, availability_from_form(form))
    except NotFound:
        return _not_found(request, lang)
    except (DomainError, ApplicationError) as exc:
        view = await services.manage.view(token)
        lang = _manage_language(request, view)
        return await _manage_page(request, token, view, lang, errors=error_list(exc, lang))
    return _back_to_manage(token, _manage_language(request, view), "availability_saved")


@post("/r/{token:str}/withdraw", opt=MANAGE, include_in_schema=False)
async def withdraw(request: Req, token: PathId) -> Response[str]:
    form = await request.form()
    lang = _manage_language(request, None)
    if not csrf_ok(request, form):
        return _csrf_failed(request, lang)
    services = services_of(request)
    try:
        view = await services.manage.view(token)
    except (NotFound, DomainError):
        return _not_found(request, lang)
    lang = _manage_language(request, view)
    if form_text(form, "sure") != "yes":
        return await _manage_page(
            request, token, view, lang, errors=[("sure", TEXTS[lang]["withdraw_check"])]
        )
    await services.manage.withdraw(token)
    t = TEXTS[lang]
    return render(
        request,
        "message.html",
        lang,
        title=t["withdrawn_title"],
        text=t["withdrawn_text"],
        switch={code: f"/{code}/" for code in PAGE_LANGUAGES},
    )


# -- open slots (R-REG-A) ---------------------------------------------------------------


@get("/{lang:str}/open-slots", opt=PUBLIC, include_in_schema=False)
async def open_slots(request: Req, lang: Lang, postcode: Query = None) -> Response[str]:
    lang = page_language(lang)
    services = services_of(request)
    code = (postcode or "").strip()[:10]
    slots = await services.open_slots.list(code or None)
    names = await _centre_names(services, list({s.centre_id for s in slots}))
    rows = [
        {
            "id": s.id,
            "centre": names.get(s.centre_id, ""),
            "date": long_date(s.date, lang),
            "start": s.start.strftime("%H:%M"),
            "end": s.end.strftime("%H:%M"),
            "available": s.available,
        }
        for s in slots
    ]
    return render(request, "slots.html", lang, postcode=code, slots=rows)


@get("/{lang:str}/open-slots/{slot_id:str}", opt=PUBLIC, include_in_schema=False)
async def claim_form(request: Req, lang: Lang, slot_id: PathId) -> Response[str]:
    return render(request, "claim.html", page_language(lang), slot_id=slot_id)


@post("/{lang:str}/open-slots/{slot_id:str}", opt=PUBLIC, include_in_schema=False)
async def claim(request: Req, lang: Lang, slot_id: PathId) -> Response[str]:
    lang = page_language(lang)
    form = await request.form()
    if not csrf_ok(request, form):
        return _csrf_failed(request, lang)
    person = person_from_form(form, 0)
    assert person is not None
    services = services_of(request)
    try:
        claimed = await services.open_slots.claim(slot_id, person, lang)
    except (DomainError, ApplicationError) as exc:
        return render(
            request,
            "claim.html",
            lang,
            status=400,
            slot_id=slot_id,
            values=dict(form.items()),
            errors=error_list(exc, lang),
        )
    text = TEXTS[lang]["claimed_text"].format(
        centre=claimed.centre.name,
        date=long_date(claimed.date, lang),
        start=claimed.start.strftime("%H:%M"),
        end=claimed.end.strftime("%H:%M"),
    )
    return render(request, "message.html", lang, title=TEXTS[lang]["claimed_title"], text=text)


CITIZEN_HANDLERS = [
    root,
    home,
    privacy,
    centres,
    choose,
    register_form,
    register,
    manage,
    confirm,
    availability,
    withdraw,
    open_slots,
    claim_form,
    claim,
]
