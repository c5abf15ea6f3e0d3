"""HTTP adapters for the external systems of contract section 3, on one resilient client."""

from lmb.adapters.http.booking import HttpBookingSystem
from lmb.adapters.http.client import CircuitBreaker, CircuitState, HttpSettings, ResilientClient
from lmb.adapters.http.sms import HttpSmsGateway
from lmb.adapters.http.vcdb import HttpVcdb

__all__ = [
    "CircuitBreaker",
    "CircuitState",
    "HttpBookingSystem",
    "HttpSettings",
    "HttpSmsGateway",
    "HttpVcdb",
    "ResilientClient",
]
