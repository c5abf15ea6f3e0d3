"""The HTTP API (contract section 2): ``create_app(runtime)`` builds the Litestar app."""

from lmb.entrypoints.http.app import AppRuntime, create_app
from lmb.entrypoints.http.security import HttpSettings

__all__ = ["AppRuntime", "HttpSettings", "create_app"]
