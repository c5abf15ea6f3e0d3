"""The ``lmb`` command (contract section 1): serve, worker, db upgrade, demo, tokens, import.

Exit codes: 0 done; 2 usage or configuration error (the message says what is wrong);
1 the work itself failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import secrets
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import evolve

from lmb.application.errors import ApplicationError, InvalidInput
from lmb.domain.errors import DomainError
from lmb.entrypoints.config import Config, ConfigError

if TYPE_CHECKING:
    from lmb.entrypoints.container import Runtime

log = logging.getLogger("lmb.cli")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
#: Seconds between two passes of the background work.
WORKER_INTERVAL = 2.0


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


async def serve(host: str, port: int) -> int:
    import uvicorn

    from lmb.entrypoints.http import HttpSettings, create_app

    config = _config()
    try:
        http_settings = HttpSettings.from_env()
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    generated_admin = None
    if config.admin_token is None:
        generated_admin = secrets.token_urlsafe(32)
        config = evolve(config, admin_token=generated_admin)
    runtime = await _runtime(config)
    app = create_app(runtime, http_settings)
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
    url = f"http://{host}:{port}"
    print(f"lmb serving on {url} (API under {url}/api/v1, schema {url}/schema/openapi.json)")
    if generated_admin is not None:
        print(f"admin token for this run (set LMB_ADMIN_TOKEN to choose one): {generated_admin}")
    sys.stdout.flush()
    stop = asyncio.Event()
    worker = asyncio.create_task(
        run_worker_loop(
            runtime.services.worker.run_once,
            stop,
            on_tick=metrics.record_tick,
            on_error=metrics.worker_errors.inc,
        )
    )

    def request_exit(signum: int, frame: object) -> None:
        server.should_exit = True

    # uvicorn re-raises the signal that stopped it once it is done; with these handlers
    # in place that lands here instead of killing the process before the cleanup below.
    previous = {s: signal.signal(s, request_exit) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        await server.serve()
    finally:
        stop.set()
        await worker
        await runtime.aclose()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return EXIT_OK


# -- worker -------------------------------------------------------------------------------


async def work(once: bool, interval: float) -> int:
    config = _config()
    runtime = await _runtime(config)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lmb", description="Last-minute booking for vaccination campaigns."
    )
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING"])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("serve", help="HTTP server, with the background work in-process")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=_port, default=8000)

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
        return asyncio.run(run())
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
