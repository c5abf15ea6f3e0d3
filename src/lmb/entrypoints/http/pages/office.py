"""Doctor pages (R-REG-F) and admin pages (centres, CSV import, staff tokens, N-REPORT)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post

from lmb.application.errors import ApplicationError
from lmb.application.model import Role, StaffToken
from lmb.application.registrations import ContactInput, Register
from lmb.domain.errors import DomainError
from lmb.entrypoints.http.controllers import parse_centre_csv
from lmb.entrypoints.http.pages.charts import bar_chart
from lmb.entrypoints.http.pages.citizen import (
    HALF_DAYS,
    availability_from_form,
    calendar,
    form_values,
    in_form_order,
    person_from_form,
)
from lmb.entrypoints.http.pages.staff import current_staff, sign_in_redirect
from lmb.entrypoints.http.pages.texts import TEXTS
from lmb.entrypoints.http.pages.web import (
    Lang,
    Query,
    csrf_ok,
    error_list,
    form_text,
    page_language,
    render,
    services_of,
)
from lmb.entrypoints.http.problems import HttpProblem

Req = Request[Any, Any, Any]
REGIONS = ("VLG", "BRU", "WAL", "OOS")
ROLES = ("centre", "doctor", "reporting", "booking_system", "admin")


def _forbidden(request: Req, lang: str) -> Response[str]:
    return render(request, "message.html", lang, status=403, title="403", text="")


async def _doctor(request: Req, lang: str) -> StaffToken | Response[Any]:
    staff = await current_staff(request)
    if staff is None:
        return sign_in_redirect(lang)
    if staff.role is not Role.DOCTOR:
        return _forbidden(request, lang)
    return staff


async def _patient_form(
    request: Req,
    lang: str,
    postcode: str,
    *,
    values: dict[str, Any] | None = None,
    errors: list[tuple[str, str]] | None = None,
) -> Response[str]:
    services = services_of(request)
    return render(
        request,
        "register.html",
        lang,
        status=400 if errors else 200,
        kind="patient",
        action=f"/{lang}/doctor/register",
        postcode=postcode,
        centres=await services.centres.list(postcode) if postcode else [],
        blocks=1,
        days=calendar(services, lang),
        half_days=HALF_DAYS,
        values=values or {"persons-0-postcode": postcode, "invite": "patient"},
        errors=in_form_order(errors or []),
    )


@get("/{lang:str}/doctor/register", include_in_schema=False)
async def patient_form(request: Req, lang: Lang, postcode: Query = None) -> Response[Any]:
    lang = page_language(lang)
    doctor = await _doctor(request, lang)
    if not isinstance(doctor, StaffToken):
        return doctor
    code = (postcode or "").strip()[:10]
    if not code:
        return render(request, "postcode.html", lang, kind="patient", action_get=request.url.path)
    return await _patient_form(request, lang, code)


@post("/{lang:str}/doctor/register", include_in_schema=False)
async def register_patient(request: Req, lang: Lang) -> Response[Any]:
    lang = page_language(lang)
    form = await request.form()
    if not csrf_ok(request, form):
        return render(request, "message.html", lang, status=403, title="403", text="")
    doctor = await _doctor(request, lang)
    if not isinstance(doctor, StaffToken):
        return doctor
    invite = form_text(form, "invite") or "patient"
    contact = None
    if invite == "doctor":
        contact = ContactInput(
            last_name=form_text(form, "contact-last_name") or None,
            first_name=form_text(form, "contact-first_name") or None,
            email=form_text(form, "contact-email") or None,
            mobile=form_text(form, "contact-mobile") or None,
        )
    person = person_from_form(form, 0)
    command = Register(
        kind="patient",
        language=lang,
        persons=[person] if person is not None else [],
        centre_ids=list(form.getall("centre_ids", [])),
        availability=availability_from_form(form),
        contact=contact,
        invite=invite,
    )
    try:
        await services_of(request).register(command, doctor=doctor)
    except (DomainError, ApplicationError) as exc:
        postcode = form_text(form, "postcode")[:10]
        return await _patient_form(
            request, lang, postcode, values=form_values(form), errors=error_list(exc, lang)
        )
    t = TEXTS[lang]
    return render(
        request, "message.html", lang, title=t["patient_done_title"], text=t["patient_done_text"]
    )


@get("/{lang:str}/doctor/patients", include_in_schema=False)
async def patient_list(request: Req, lang: Lang) -> Response[Any]:
    """R-REG-F: the doctor follows the statuses of their own patients."""
    lang = page_language(lang)
    doctor = await _doctor(request, lang)
    if not isinstance(doctor, StaffToken):
        return doctor
    patients = await services_of(request).patients(doctor)
    return render(request, "patients.html", lang, patients=patients)


# -- admin ----------------------------------------------------------------------------------


async def _admin(request: Req, lang: str, *roles: Role) -> StaffToken | Response[Any]:
    staff = await current_staff(request)
    if staff is None:
        return sign_in_redirect(lang)
    if staff.role not in (Role.ADMIN, *roles):
        return _forbidden(request, lang)
    return staff


async def _admin_page(
    request: Req,
    lang: str,
    *,
    status: int = 200,
    errors: list[tuple[str, str]] | None = None,
    notice: str | None = None,
    issued: str | None = None,
    values: dict[str, Any] | None = None,
) -> Response[str]:
    centres = await services_of(request).centres.list()
    return render(
        request,
        "admin.html",
        lang,
        status=status,
        centres=centres,
        roles=ROLES,
        errors=errors or [],
        notice=notice,
        issued=issued,
        values=values or {},
    )


@get("/{lang:str}/admin", include_in_schema=False)
async def admin_home(request: Req, lang: Lang) -> Response[Any]:
    lang = page_language(lang)
    admin = await _admin(request, lang)
    if not isinstance(admin, StaffToken):
        return admin
    return await _admin_page(request, lang)


@post("/{lang:str}/admin/centres/import", include_in_schema=False)
async def import_centres(request: Req, lang: Lang) -> Response[Any]:
    lang = page_language(lang)
    form = await request.form()
    if not csrf_ok(request, form):
        return _forbidden(request, lang)
    admin = await _admin(request, lang)
    if not isinstance(admin, StaffToken):
        return admin
    text = form_text(form, "csv")
    try:
        rows = parse_centre_csv(text.encode())
        result = await services_of(request).centres.import_rows(rows, admin)
    except HttpProblem as exc:
        message = [("csv", exc.code)]
        return await _admin_page(request, lang, status=400, errors=message, values={"csv": text})
    except (DomainError, ApplicationError) as exc:
        errors = [("csv", m) for _, m in error_list(exc, lang)]
        return await _admin_page(request, lang, status=400, errors=errors, values={"csv": text})
    notice = TEXTS[lang]["imported"].format(created=result.created, updated=result.updated)
    return await _admin_page(request, lang, notice=notice)


@post("/{lang:str}/admin/tokens", include_in_schema=False)
async def issue_token(request: Req, lang: Lang) -> Response[Any]:
    lang = page_language(lang)
    form = await request.form()
    if not csrf_ok(request, form):
        return _forbidden(request, lang)
    admin = await _admin(request, lang)
    if not isinstance(admin, StaffToken):
        return admin
    try:
        issued = await services_of(request).staff.issue(
            role=form_text(form, "role"),
            name=form_text(form, "name"),
            centre_ids=[str(c) for c in form.getall("centre_ids", [])],
            nihdi_number=form_text(form, "nihdi") or None,
            actor=admin.id,
        )
    except (DomainError, ApplicationError) as exc:
        errors = [
            ("centre_ids" if key.startswith("centre") else key, m)
            for key, m in error_list(exc, lang)
        ]
        return await _admin_page(
            request, lang, status=400, errors=errors, values=dict(form.items())
        )
    return await _admin_page(request, lang, issued=issued.token)


@get("/{lang:str}/admin/report", include_in_schema=False)
async def report(request: Req, lang: Lang) -> Response[Any]:
    lang = page_language(lang)
    staff = await _admin(request, lang, Role.REPORTING)
    if not isinstance(staff, StaffToken):
        return staff
    t = TEXTS[lang]
    data = await services_of(request).reports.summary(staff)
    summary = data.summary
    regions = [(r, summary.by_region.get(r, 0)) for r in REGIONS]
    days = sorted(data.breakdown.invitations_per_day.items())[-14:]
    return render(
        request,
        "report.html",
        lang,
        summary=summary,
        region_chart=bar_chart(regions, t["report_by_region"]),
        day_chart=bar_chart([(d[5:], n) for d, n in days], t["report_per_day"]),
    )


OFFICE_HANDLERS = [
    patient_form,
    register_patient,
    patient_list,
    admin_home,
    import_centres,
    issue_token,
    report,
]
