"""Loopback servers for the HTTP intake benchmark, each run as its own process.

- ``vcdb PORT``: the VCDB contract (``GET /v1/persons/{insz}/vaccination-code``),
  answered by ``SimulatedVcdb``: lmb's worker calls it for every new person.
- ``bare PORT [PROCESSES]``: a bare Litestar app with one JSON POST endpoint, the
  ceiling the intake is compared with (same server, same uvicorn settings, no lmb),
  in as many processes as ``lmb serve --workers`` runs, each on its own
  ``SO_REUSEPORT`` socket as there.

Usage: python -m bench.loopback vcdb|bare PORT [PROCESSES]
"""

from __future__ import annotations

import multiprocessing
import re
import signal
import socket
import sys
from typing import Any

import uvicorn
from litestar import Litestar, Request, get, post

from lmb.adapters.simulators import SimulatedVcdb
from lmb.domain.insz import Insz

TOKEN = "bench-vcdb-token"  # noqa: S105 - the loopback simulator's, nothing real
_VCDB = SimulatedVcdb()


@get("/v1/persons/{insz:str}/vaccination-code", sync_to_thread=False)
def vaccination_code(insz: str, request: Request[Any, Any, Any]) -> dict[str, Any]:
    if not re.fullmatch(r"\d{11}", insz):
        return {"insz": insz, "vaccination_code": None, "status": "unknown"}
    answer = _VCDB.answer_for(Insz.parse(insz))
    code = answer.vaccination_code
    return {
        "insz": insz,
        "vaccination_code": None if code is None else code.value,
        "status": answer.status.value,
    }


@post("/api/v1/registrations", status_code=201)
async def bare(data: dict[str, Any]) -> dict[str, Any]:
    return {"id": "bare", "status": "pending", "persons": len(data.get("persons", []))}


def _listener(port: int) -> socket.socket:
    # IPPROTO_TCP named, so that asyncio turns Nagle off on accepted connections
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(2048)
    return sock


def _serve(kind: str, port: int) -> None:
    app = Litestar([vaccination_code] if kind == "vcdb" else [bare])
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, server_header=False
    )
    uvicorn.Server(config).run(sockets=[_listener(port)])


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    processes = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    if processes == 1:
        _serve(kind, port)
        return
    forking = multiprocessing.get_context("fork")
    children = [forking.Process(target=_serve, args=(kind, port)) for _ in range(processes)]
    for child in children:
        child.start()

    def stop(signum: int, frame: object) -> None:
        for child in children:
            child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.join()


if __name__ == "__main__":
    main()
