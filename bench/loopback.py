"""Loopback servers for the HTTP intake benchmark, each run as its own process.

- ``vcdb PORT``: the VCDB contract (``GET /v1/persons/{insz}/vaccination-code``),
  answered by ``SimulatedVcdb``: lmb's worker calls it for every new person.
- ``bare PORT``: a bare Litestar app with one JSON POST endpoint, the ceiling the
  intake is compared with (same server, same uvicorn settings, no lmb).

Usage: python -m bench.loopback vcdb|bare PORT
"""

from __future__ import annotations

import re
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


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    app = Litestar([vaccination_code] if kind == "vcdb" else [bare])
    uvicorn.run(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, server_header=False
    )


if __name__ == "__main__":
    main()
