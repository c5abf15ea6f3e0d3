"""HTTP intake: ``wrk`` posting valid registrations to ``lmb serve --workers N``.

N is what an operator runs on this machine: one server process per core (2 on the
2-core benchmark machine). The VCDB is a loopback simulator (``bench.loopback vcdb``);
lmb serve runs its background work in its first process as in production, so
eligibility checks against the simulator happen during the load. The same wrk script
is then pointed at a bare Litestar JSON endpoint in as many processes
(``bench.loopback bare PORT N``) for the ratio. The RSS of every lmb server process is
sampled from ``/proc`` every 100 ms; the row reports the largest process, not the sum.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.loopback import TOKEN

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).resolve().parent / "wrk" / "registrations.lua"
_CLI = "import sys; from lmb.entrypoints.cli import main; sys.exit(main())"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback only
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not come up")


@contextlib.contextmanager
def _process(args: list[str], env: dict[str, str], ready: str) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_http(ready)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def serve_workers() -> int:
    """One lmb server process per core (at least 1)."""
    return max(1, os.cpu_count() or 1)


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:  # the process is gone
        pass
    return 0.0


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from ``/proc``)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                # the command name (field 2) may hold spaces: the parent pid follows ')'
                ppid = int(f.read().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            found.append(int(entry))
    return found


def _largest_rss_mb(pid: int) -> float:
    """The largest RSS among ``pid`` and its child processes (the server processes)."""
    return max(_rss_mb(p) for p in [pid, *child_pids(pid)])


def wrk(
    url: str,
    seconds: int,
    connections: int,
    env: dict[str, str],
    on_tick: Callable[[], None] | None = None,
) -> dict[str, Any]:
    proc = subprocess.Popen(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(SCRIPT), url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    while proc.poll() is None:
        if on_tick:
            on_tick()
        time.sleep(0.1)
    out = proc.stdout.read() if proc.stdout else ""
    line = next((ln for ln in out.splitlines() if ln.startswith("JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk said: {out}")
    result: dict[str, Any] = json.loads(line[5:])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


async def run(
    url: str, *, smoke: bool, say: Callable[[str], None], workers: int | None = None
) -> list[Any]:
    from bench.run import Row

    workers = workers or serve_workers()
    if shutil.which("wrk") is None:
        say("wrk not installed (apt-get install -y wrk): HTTP intake not measured")
        return [Row("HTTP intake", 0, 0, ">= 1000 req/s", "NOT MEASURED (no wrk)")]
    seconds, connections = (3, 8) if smoke else (30, 64)
    vcdb_port, lmb_port, bare_port = free_port(), free_port(), free_port()
    day = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    base_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    lmb_env = {
        **base_env,
        "LMB_DATABASE_URL": url,
        "LMB_SECRET_KEY": "benchmark-secret-key-0123456789abcdef",
        "LMB_VCDB_URL": f"http://127.0.0.1:{vcdb_port}",
        "LMB_VCDB_TOKEN": TOKEN,
        "LMB_RATE_LIMIT_PUBLIC": "1000000000",
    }
    wrk_env = {**base_env, "LMB_BENCH_DAY": day, "LMB_BENCH_CENTRE": "centre-000"}
    py = sys.executable
    rss: list[float] = []
    with (
        _process(
            [py, "-m", "bench.loopback", "vcdb", str(vcdb_port)],
            base_env,
            f"http://127.0.0.1:{vcdb_port}/",
        ),
        _process(
            [
                *(py, "-c", _CLI, "serve", "--host", "127.0.0.1", "--port", str(lmb_port)),
                *("--workers", str(workers)),
            ],
            lmb_env,
            f"http://127.0.0.1:{lmb_port}/health/live",
        ) as server,
    ):
        target = f"http://127.0.0.1:{lmb_port}/api/v1/registrations"
        wrk(target, 2, 4, {**wrk_env, "LMB_BENCH_OFFSET": "500000000"})  # warm-up
        lmb = wrk(
            target, seconds, connections, wrk_env, lambda: rss.append(_largest_rss_mb(server.pid))
        )
        # Half the connections: a closed loop's latency is its connections divided by
        # the rate, so this run shows the latency at a rate nearer the target's.
        steady = wrk(
            target,
            seconds,
            connections // 2,
            {**wrk_env, "LMB_BENCH_OFFSET": "200000000"},
            lambda: rss.append(_largest_rss_mb(server.pid)),
        )
    say("lmb intake measured")
    with _process(
        [py, "-m", "bench.loopback", "bare", str(bare_port), str(workers)],
        base_env,
        f"http://127.0.0.1:{bare_port}/",
    ):
        target = f"http://127.0.0.1:{bare_port}/api/v1/registrations"
        wrk(target, 2, 4, wrk_env)
        bare = wrk(target, seconds, connections, wrk_env)
    say("bare Litestar measured")
    ratio = lmb["rps"] / bare["rps"] if bare["rps"] else 0.0
    errors = sum(
        run[k]
        for run in (lmb, steady)
        for k in ("errors_status", "errors_timeout", "errors_connect")
    )
    steady_ok = steady["rps"] >= 1000 and steady["p99_us"] <= 100_000
    return [
        Row(
            f"HTTP intake, lmb serve --workers {workers}, wrk -c{connections} (req/s)",
            lmb["rps"],
            lmb["rps"],
            ">= 1000 req/s",
            "met" if lmb["rps"] >= 1000 else "MISSED",
        ),
        Row(
            "  intake latency",
            lmb["p50_us"] / 1000,
            lmb["p99_us"] / 1000,
            "p99 <= 100 ms",
            "met" if lmb["p99_us"] <= 100_000 else "MISSED",
        ),
        Row(
            f"HTTP intake, same server, wrk -c{connections // 2} (req/s)",
            steady["rps"],
            steady["rps"],
            ">= 1000 req/s",
            "met" if steady["rps"] >= 1000 else "MISSED",
        ),
        Row(
            "  intake latency",
            steady["p50_us"] / 1000,
            steady["p99_us"] / 1000,
            "p99 <= 100 ms",
            "met (both)" if steady_ok else "MISSED",
        ),
        Row(
            "  intake non-2xx/errors, both runs (count)",
            errors,
            errors,
            "0",
            "met" if errors == 0 else "MISSED",
        ),
        Row(
            f"bare Litestar JSON endpoint, {workers} processes (req/s)",
            bare["rps"],
            bare["rps"],
            "-",
            "-",
        ),
        Row("  bare latency", bare["p50_us"] / 1000, bare["p99_us"] / 1000, "-", "-"),
        Row("  ratio intake / bare (req/s)", ratio, ratio, "report", "-"),
        Row(
            "  lmb serve RSS per process, MB (largest, max sampled)",
            max(rss, default=0.0),
            max(rss, default=0.0),
            "<= 200 MB",
            "met" if max(rss, default=0.0) <= 200 else "MISSED",
        ),
    ]


if __name__ == "__main__":  # pragma: no cover - manual use
    print(asyncio.run(run(sys.argv[1], smoke=True, say=print)))
