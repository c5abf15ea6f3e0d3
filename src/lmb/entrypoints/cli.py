"""The ``lmb`` command (contract section 1): serve, worker, db upgrade, demo, tokens, import.

Exit codes: 0 done; 2 usage or configuration error (the message says what is wrong);
1 the work itself failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import evolve

from lmb.application.errors import ApplicationError, InvalidInput
from lmb.domain.errors import DomainError
from lmb.entrypoints import process
from lmb.entrypoints.config import Config, ConfigError

if TYPE_CHECKING:
    from lmb.entrypoints.container import Runtime
    from lmb.entrypoints.http import HttpSettings

log = logging.getLogger("lmb.cli")
T = TypeVar("T")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
#: Seconds between two passes of the background work.
WORKER_INTERVAL = 2.0
#: Seconds ``serve --workers`` gives its processes to finish before killing them.
SERVE_STOP_TIMEOUT = 30.0


class UsageError(Exception):
    """Bad arguments or configuration: exit 2 with this message."""


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr for every logger (N-MON)."""
    from lmb.entrypoints.http.observability import JsonFormatter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn's own access log would print raw paths, manage tokens included.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _config() -> Config:
    try:
        return Config.from_env()
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


async def _runtime(config: Config, *, migrate: bool | None = None) -> Runtime:
    from lmb.entrypoints.container import build_runtime

    return await build_runtime(config, migrate=migrate)


def _cli_actor() -> Any:
    from lmb.entrypoints.demo import DEMO_ACTOR

    return evolve(DEMO_ACTOR, id="cli", name="command line")


# -- serve --------------------------------------------------------------------------------


async def run_worker_loop(
    run_once: Callable[[], Awaitable[Any]],
    stop: asyncio.Event,
    *,
    interval: float = WORKER_INTERVAL,
    on_tick: Callable[[Any], None] | None = None,
    on_error: Callable[[], None] | None = None,
) -> None:
    """Call ``run_once`` every ``interval`` seconds until ``stop`` is set."""
    while not stop.is_set():
        try:
            tick = await run_once()
        except Exception:
            log.exception("worker pass failed")
            if on_error is not None:
                on_error()
        else:
            if on_tick is not None:
                on_tick(tick)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


def _serve_settings() -> tuple[Config, HttpSettings, str | None]:
    """The configuration of ``serve``; an admin token is generated when none is set."""
    from lmb.entrypoints.http import HttpSettings

    config = _config()
    try:
        http_settings = HttpSettings.from_env()
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    generated_admin = None
    if config.admin_token is None:
        generated_admin = secrets.token_urlsafe(32)
        config = evolve(config, admin_token=generated_admin)
    return config, http_settings, generated_admin


def _announce(host: str, port: int, generated_admin: str | None, workers: int = 1) -> None:
    url = f"http://{host}:{port}"
    processes = f", {workers} processes" if workers > 1 else ""
    print(
        f"lmb serving on {url} (API under {url}/api/v1, schema {url}/schema/openapi.json)"
        f"{processes}"
    )
    if generated_admin is not None:
        print(f"admin token for this run (set LMB_ADMIN_TOKEN to choose one): {generated_admin}")
    sys.stdout.flush()


async def serve(host: str, port: int) -> int:
    config, http_settings, generated_admin = _serve_settings()
    return await _serve_process(
        config,
        http_settings,
        host=host,
        port=port,
        on_started=lambda: _announce(host, port, generated_admin),
    )


async def _serve_process(
    config: Config,
    http_settings: HttpSettings,
    *,
    host: str,
    port: int,
    sockets: list[socket.socket] | None = None,
    background: bool = True,
    on_started: Callable[[], None] | None = None,
) -> int:
    """One server process until SIGTERM or SIGINT; ``background`` runs the worker loop."""
    import uvicorn

    from lmb.entrypoints.http import create_app

    runtime = await _runtime(config)
    app = create_app(runtime, http_settings)
    process.settle()
    metrics = app.state.metrics
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            server_header=False,
            lifespan="on",
        )
    )
    if on_started is not None:
        on_started()
    stop = asyncio.Event()
    worker = (
        asyncio.create_task(
            run_worker_loop(
                runtime.services.worker.run_once,
                stop,
                on_tick=metrics.record_tick,
                on_error=metrics.worker_errors.inc,
            )
        )
        if background
        else None
    )

    def request_exit(signum: int, frame: object) -> None:
        server.should_exit = True

    # uvicorn re-raises the signal that stopped it once it is done; with these handlers
    # in place that lands here instead of killing the process before the cleanup below.
    previous = {s: signal.signal(s, request_exit) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        await server.serve(sockets=sockets)
    finally:
        stop.set()
        if worker is not None:
            await worker
        await runtime.aclose()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return EXIT_OK


def serve_workers(host: str, port: int, workers: int) -> int:
    """``workers`` server processes sharing one listening socket (PostgreSQL only).

    The parent binds the socket, forks the processes and restarts one that dies; the
    first process also runs the background work (the others only serve HTTP: the
    background work is safe in several processes, but one loop per machine is enough,
    and ``lmb worker`` processes add more). SIGTERM or SIGINT stops them all.
    """
    import multiprocessing
    from multiprocessing.connection import wait

    config, http_settings, generated_admin = _serve_settings()
    if config.is_sqlite or config.is_memory:
        raise UsageError(
            "--workers above 1 needs PostgreSQL (LMB_DATABASE_URL=postgresql+asyncpg://...): "
            "SQLite takes one writer at a time"
        )
    if "fork" not in multiprocessing.get_all_start_methods() or not hasattr(socket, "SO_REUSEPORT"):
        raise UsageError("--workers above 1 needs a system with fork and SO_REUSEPORT")
    # Holds the port (bound, not listening: it takes no connections) while the
    # processes come and go, and says at once when the address is taken.
    reserved = _bind(host, port, listen=False)
    port = reserved.getsockname()[1]
    forking = multiprocessing.get_context("fork")

    def start(index: int) -> multiprocessing.process.BaseProcess:
        process = forking.Process(
            target=_serve_child,
            args=(config, http_settings, host, port, index == 0),
            name=f"lmb-serve-{index}",
        )
        process.start()
        return process

    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    processes = {index: start(index) for index in range(workers)}
    _announce(host, port, generated_admin, workers)
    try:
        while not stopping:
            wait([p.sentinel for p in processes.values()], timeout=0.5)
            for index, process in list(processes.items()):
                if process.exitcode is not None and not stopping:
                    log.error(
                        "server process %s ended (exit code %s); starting it again",
                        index,
                        process.exitcode,
                    )
                    process.close()
                    time.sleep(1)
                    processes[index] = start(index)
    finally:
        for process in processes.values():
            if process.exitcode is None:
                process.terminate()
        deadline = time.monotonic() + SERVE_STOP_TIMEOUT
        for process in processes.values():
            process.join(max(deadline - time.monotonic(), 0.1))
            if process.exitcode is None:
                process.kill()
                process.join()
        reserved.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return EXIT_OK


def _bind(host: str, port: int, *, listen: bool) -> socket.socket:
    """A socket on ``host:port`` that other processes may bind too (``SO_REUSEPORT``).

    Each server process listens on a socket of its own and the kernel spreads new
    connections over them; one shared listening socket would let the process that
    wakes first accept nearly every connection of a burst.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, so that asyncio turns Nagle off on accepted connections
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        if listen:
            sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return sock


def _serve_child(
    config: Config,
    http_settings: HttpSettings,
    host: str,
    port: int,
    background: bool,
) -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    listener = _bind(host, port, listen=True)
    code = run_loop(
        _serve_process(
            config,
            http_settings,
            host=host,
            port=port,
            sockets=[listener],
            background=background,
        )
    )
    sys.exit(code)


# -- worker -------------------------------------------------------------------------------


async def work(once: bool, interval: float) -> int:
    config = _config()
    runtime = await _runtime(config)
    if not once:
        process.settle()
    try:
        if once:
            tick = await runtime.services.worker.run_once()
            print(
                f"delivered {tick.delivered}, failed {tick.failed}, expired {tick.expired},"
                f" lapsed {tick.lapsed}, reminded {tick.reminded}, purged {tick.purged}"
            )
            return EXIT_OK
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        log.info("worker started")
        await run_worker_loop(runtime.services.worker.run_once, stop, interval=interval)
        log.info("worker stopped")
        return EXIT_OK
    finally:
        await runtime.aclose()


# -- db, demo, tokens, import ---------------------------------------------------------------


async def db_upgrade() -> int:
    config = _config()
    if config.is_memory:
        print("memory:// storage has no schema to migrate")
        return EXIT_OK
    from lmb.adapters.sql import upgrade

    await upgrade(config.database_url)
    print("database schema is up to date")
    return EXIT_OK


async def db_reencrypt() -> int:
    """Rewrite every encrypted value under the current ``LMB_SECRET_KEY`` (rotation)."""
    config = _config()
    if config.is_memory:
        print("memory:// storage holds nothing at rest")
        return EXIT_OK
    from lmb.adapters.sql.rotation import reencrypt

    runtime = await _runtime(config)
    try:
        rows = await reencrypt(
            runtime.container.engine(),
            runtime.container.cipher(),
            digest=runtime.services.ctx.secrets.digest,
        )
    finally:
        await runtime.aclose()
    print(f"{rows} rows re-encrypted under the current key")
    return EXIT_OK


async def demo(registrations: int, seed: int) -> int:
    from lmb.entrypoints.demo import load_demo, summarize

    runtime = await _runtime(_config())
    try:
        result = await load_demo(runtime.services, registrations=registrations, seed=seed)
    finally:
        await runtime.aclose()
    print(", ".join(f"{k} {v}" for k, v in summarize(result).items()))
    return EXIT_OK


async def token_create(role: str, name: str, centre_ids: Sequence[str], nihdi: str | None) -> int:
    runtime = await _runtime(_config())
    try:
        issued = await runtime.services.staff.issue(
            role=role,
            name=name,
            centre_ids=list(centre_ids) or None,
            nihdi_number=nihdi,
            actor="cli",
        )
    finally:
        await runtime.aclose()
    print(issued.token)
    # stderr, so that scripts reading the token from stdout are not disturbed
    print(f"token id (for lmb token revoke): {issued.staff.id}", file=sys.stderr)
    return EXIT_OK


async def token_revoke(token_id: str) -> int:
    runtime = await _runtime(_config())
    try:
        staff = await runtime.services.staff.revoke(token_id, actor="cli")
    finally:
        await runtime.aclose()
    print(f"revoked {staff.id} ({staff.role.value}, {staff.name})")
    return EXIT_OK


async def import_centres(path: Path) -> int:
    from lmb.entrypoints.http.controllers import parse_centre_csv
    from lmb.entrypoints.http.problems import HttpProblem

    try:
        body = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    try:
        rows = parse_centre_csv(body)
    except HttpProblem as exc:
        raise UsageError(f"{path}: {exc.params.get('reason', exc.code)}") from None
    runtime = await _runtime(_config())
    try:
        result = await runtime.services.centres.import_rows(rows, _cli_actor())
    finally:
        await runtime.aclose()
    print(f"centres created {result.created}, updated {result.updated}")
    return EXIT_OK


# -- argument parsing -----------------------------------------------------------------------


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("a port is a whole number") from None
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError("a port lies between 1 and 65535")
    return value


def _workers(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("the number of workers is a whole number, at least 1")
    return int(text)


def serve_workers_of(args: argparse.Namespace) -> int:
    """``--workers``, else ``LMB_SERVE_WORKERS``, else 1."""
    if args.workers is not None:
        return int(args.workers)
    raw = os.environ.get("LMB_SERVE_WORKERS", "").strip()
    if not raw:
        return 1
    try:
        return _workers(raw)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"LMB_SERVE_WORKERS: {exc}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lmb", description="Last-minute booking for vaccination campaigns."
    )
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING"])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("serve", help="HTTP server, with the background work in-process")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=_port, default=8000)
    p.add_argument(
        "--workers",
        type=_workers,
        default=None,
        help="server processes sharing the port, PostgreSQL only"
        " (default: LMB_SERVE_WORKERS, else 1)",
    )

    p = commands.add_parser("worker", help="background work only, until SIGTERM or SIGINT")
    p.add_argument("--once", action="store_true", help="one pass, then exit")
    p.add_argument("--interval", type=float, default=WORKER_INTERVAL, help="seconds per pass")

    p = commands.add_parser("db", help="database schema")
    db = p.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db.add_parser("upgrade", help="apply schema migrations")
    db.add_parser("reencrypt", help="rewrite personal data under the current secret key")

    p = commands.add_parser("demo", help="load demo centres and registrations")
    p.add_argument("--registrations", type=int, default=300)
    p.add_argument("--seed", type=int, default=2021)

    p = commands.add_parser("token", help="staff tokens")
    tokens = p.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    t = tokens.add_parser("create", help="issue a staff token and print it (shown once)")
    t.add_argument(
        "--role",
        required=True,
        choices=["admin", "centre", "doctor", "booking_system", "reporting"],
    )
    t.add_argument("--name", required=True)
    t.add_argument("--centre", dest="centres", action="append", default=[], metavar="ID")
    t.add_argument("--nihdi", default=None)
    t = tokens.add_parser("revoke", help="revoke a staff token by its id (refused at once)")
    t.add_argument("token_id", metavar="ID")

    p = commands.add_parser("import-centres", help="create or update centres from a CSV file")
    p.add_argument("file", type=Path)
    return parser


def _dispatch(args: argparse.Namespace) -> Awaitable[int]:
    match args.command:
        case "serve":
            return serve(args.host, args.port)
        case "worker":
            if args.interval <= 0:
                raise UsageError("--interval must be positive")
            return work(args.once, args.interval)
        case "db":
            return db_reencrypt() if args.db_command == "reencrypt" else db_upgrade()
        case "demo":
            if args.registrations < 0:
                raise UsageError("--registrations cannot be negative")
            return demo(args.registrations, args.seed)
        case "token":
            if getattr(args, "token_id", None) is not None:
                return token_revoke(args.token_id)
            return token_create(args.role, args.name, args.centres, args.nihdi)
        case _:
            return import_centres(args.file)


def _describe(exc: Exception) -> str:
    if isinstance(exc, InvalidInput):
        return "; ".join(f"{e.field or 'input'}: {e.detail}" for e in exc.errors)
    if isinstance(exc, DomainError):
        return f"{exc.field + ': ' if exc.field else ''}{exc.detail}"
    return str(exc)


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` on uvloop where it is installed (Linux, macOS), else on asyncio's
    own loop: the same code, a faster event loop for the server and the worker."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency where it builds
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_USAGE
    configure_logging(args.log_level)

    async def run() -> int:
        return await _dispatch(args)

    try:
        if args.command == "serve" and (workers := serve_workers_of(args)) > 1:
            # forked before any event loop exists: each process starts its own
            return serve_workers(args.host, args.port, workers)
        return run_loop(run())
    except UsageError as exc:
        print(f"lmb: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (DomainError, ApplicationError) as exc:
        print(f"lmb: {_describe(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_OK
    except Exception:
        log.exception("lmb %s failed", args.command)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
