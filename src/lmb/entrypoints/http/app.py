"""The Litestar app factory: one app per runtime, nothing built at import time."""

from __future__ import annotations

from typing import Any, Protocol

from litestar import Litestar, Request
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide

from lmb.application.model import StaffToken
from lmb.entrypoints.config import Config
from lmb.entrypoints.http.controllers import CONTROLLERS
from lmb.entrypoints.http.observability import Metrics, ObservedApp
from lmb.entrypoints.http.openapi import openapi_config
from lmb.entrypoints.http.pages import page_handlers
from lmb.entrypoints.http.problems import exception_handlers
from lmb.entrypoints.http.security import (
    HttpSettings,
    SlidingWindowLimiter,
    protect,
    security_headers,
    staff_of,
)
from lmb.entrypoints.services import Services


class AppRuntime(Protocol):
    """What the app needs of the composition root's runtime."""

    services: Services
    config: Config

    async def ready(self) -> bool: ...


def create_app(runtime: AppRuntime, settings: HttpSettings | None = None) -> Litestar:
    """Build the HTTP app (contract section 2) over a built runtime.

    The caller owns the runtime (builds and closes it). ``app.state.metrics`` holds the
    app's Prometheus registry; the CLI's in-process worker records its passes there.
    """
    http = settings or HttpSettings()
    services = runtime.services
    metrics = Metrics()

    def provide_services() -> Services:
        return services

    def provide_staff(request: Request[Any, Any, Any]) -> StaffToken:
        return staff_of(request)

    app = Litestar(
        route_handlers=[*CONTROLLERS, *page_handlers()],
        dependencies={
            "services": Provide(provide_services, sync_to_thread=False, use_cache=True),
            "staff": Provide(provide_staff, sync_to_thread=False),
        },
        guards=[protect],
        exception_handlers=exception_handlers(),
        openapi_config=openapi_config(),
        cors_config=CORSConfig(allow_origins=list(http.cors_origins))
        if http.cors_origins
        else None,
        request_max_body_size=http.max_json_body,
        state=State(
            {
                "runtime": runtime,
                "services": services,
                "metrics": metrics,
                "http_settings": http,
                "limiters": {
                    bucket: SlidingWindowLimiter(http.limit_for(bucket), http.rate_window)
                    for bucket in ("public", "manage")
                },
            }
        ),
        logging_config=None,
        debug=False,
    )
    # Wrapping the app's own handler (not a route middleware) lets request ids, security
    # headers, metrics and the access log cover unmatched routes and early errors too.
    app.asgi_handler = ObservedApp(
        app.asgi_handler, metrics, security_headers(runtime.config.public_url)
    )
    return app
