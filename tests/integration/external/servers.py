"""Real servers on 127.0.0.1 for the adapter tests: a scriptable HTTP remote and an SMTP sink.

No mocks: the adapters open real sockets. The HTTP remote speaks the contract of
section 3 (VCDB, booking system, SMS gateway) unless told to fail, hang or talk nonsense.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import re
import socket
import ssl
import tempfile
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from attrs import define, field
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from lmb.adapters.simulators import SimulatedVcdb
from lmb.domain.insz import Insz

TOKEN = "test-token-7f3a"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@define
class Recorded:
    """One request the remote received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@define
class Reply:
    """A scripted answer: a status and a raw body."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"

    @classmethod
    def json(cls, status: int, value: Any) -> Reply:
        return cls(status, json.dumps(value).encode())


#: Scripted behaviours besides a Reply.
HANG = "hang"  # never answer (until the test ends)
OK = "ok"  # answer as the contract says


@define
class FakeRemote:
    """One HTTP server playing VCDB, booking system and SMS gateway at once.

    ``script`` holds the next behaviours, one per request (then ``default``).
    """

    vcdb: SimulatedVcdb = field(factory=SimulatedVcdb)
    requests: list[Recorded] = field(factory=list)
    script: deque[Reply | str] = field(factory=deque)
    default: Reply | str = OK
    bookings: dict[str, Any] = field(factory=dict)
    released: bool = False

    def reset(self) -> None:
        self.requests.clear()
        self.script.clear()
        self.default = OK
        self.bookings.clear()
        self.vcdb = SimulatedVcdb()
        self.released = False

    def then(self, *behaviours: Reply | str) -> None:
        self.script.extend(behaviours)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        recorded = Recorded(scope["method"], scope["path"], headers, body)
        self.requests.append(recorded)
        behaviour = self.script.popleft() if self.script else self.default
        if behaviour == HANG:
            deadline = time.monotonic() + 5
            # The flag is set from the test's thread: an asyncio.Event would not do.
            while not self.released and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
            return
        reply = behaviour if isinstance(behaviour, Reply) else self._contract(recorded)
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [(b"content-type", reply.content_type.encode())],
            }
        )
        await send({"type": "http.response.body", "body": reply.body})

    def _contract(self, request: Recorded) -> Reply:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return Reply.json(401, {"title": "unauthorized"})
        path = request.path
        if m := re.search(r"/v1/persons/(\d{11})/vaccination-code$", path):
            if request.method != "GET":
                return Reply(405)
            insz = Insz.parse(m.group(1))
            answer = self.vcdb.answer_for(insz)
            code = answer.vaccination_code
            return Reply.json(
                200,
                {
                    "insz": insz.digits,
                    "vaccination_code": None if code is None else code.value,
                    "status": answer.status.value,
                },
            )
        if re.search(r"/v1/vaccination-codes/[A-Z0-9-]+/invitations$", path):
            payload = request.json()
            if set(payload) != {"invited_at", "centre_id", "date"}:
                return Reply.json(422, {"title": "bad body"})
            return Reply(204)
        if path.endswith("/v1/last-minute-invitations"):
            key = request.headers.get("idempotency-key")
            if not key:
                return Reply.json(400, {"title": "Idempotency-Key required"})
            self.bookings.setdefault(key, request.json())
            return Reply(201)
        if path.endswith("/v1/messages"):
            payload = request.json()
            if not isinstance(payload.get("to"), str) or not isinstance(payload.get("text"), str):
                return Reply.json(422, {"title": "bad body"})
            return Reply.json(202, {"id": f"msg-{len(self.requests)}"})
        return Reply.json(404, {"title": "not found"})


class HttpServerThread:
    """Runs an ASGI app with uvicorn on a free 127.0.0.1 port in a background thread."""

    def __init__(self, app: FakeRemote) -> None:
        self.app = app
        self.port = free_port()
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test HTTP server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.app.released = True
        self.server.should_exit = True
        self.thread.join(timeout=5)


class FakeClock:
    """Monotonic seconds the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Sleeps:
    """Records the backoff delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


# -- SMTP ------------------------------------------------------------------------------


@define
class SmtpSink:
    """An aiosmtpd handler that keeps every mail; some recipients can be refused."""

    envelopes: list[Envelope] = field(factory=list)
    refuse: dict[str, str] = field(factory=dict)
    port: int = 0

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def start_smtp(sink: SmtpSink, **kwargs: Any) -> Controller:
    sink.port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port, **kwargs)
    controller.start()
    return controller


def authenticator(user: str, password: str) -> Callable[..., AuthResult]:
    def check(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == user
            and data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False)

    return check


@define
class TlsFiles:
    """A self-signed certificate for 127.0.0.1 and contexts for both ends."""

    server: ssl.SSLContext
    client: ssl.SSLContext


def self_signed_tls() -> TlsFiles:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = Path(tempfile.mkdtemp(prefix="lmb-tls-"))
    cert_file = folder / "cert.pem"
    key_file = folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return TlsFiles(server=server, client=client)


class SilentServer:
    """Accepts TCP connections and never says a word (an SMTP server that hangs)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port: int = self.sock.getsockname()[1]

    def close(self) -> None:
        self.sock.close()
