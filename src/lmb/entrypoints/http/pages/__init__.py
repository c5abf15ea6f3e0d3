"""Server-rendered pages for citizens and staff, in Dutch, French and German (N-I18N, N-A11Y)."""

from __future__ import annotations

from litestar import Router
from litestar.handlers import HTTPRouteHandler
from litestar.static_files import create_static_files_router

from lmb.entrypoints.http.pages.citizen import CITIZEN_HANDLERS
from lmb.entrypoints.http.pages.office import OFFICE_HANDLERS
from lmb.entrypoints.http.pages.staff import STAFF_HANDLERS
from lmb.entrypoints.http.pages.web import STATIC


def page_handlers() -> list[HTTPRouteHandler | Router]:
    """Every page route and the stylesheet, ready to mount on the app."""
    static = create_static_files_router(
        path="/static", directories=[STATIC], include_in_schema=False
    )
    return [*CITIZEN_HANDLERS, *STAFF_HANDLERS, *OFFICE_HANDLERS, static]
