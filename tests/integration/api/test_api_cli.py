"""The ``lmb`` command (contract section 1), run as a user runs it: as a process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bench.intake import child_pids

LMB = str(Path(sys.executable).parent / "lmb")
CSV = (
    "name,short_code,region,address,postcodes,phone\n"
    'Vaccinatiecentrum Leuven,LEUV,VLG,"Markt 1, 3000 Leuven",3000;3001,\n'
)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMB_")}
    env.update(extra)
    return env


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LMB, *args],
        cwd=cwd,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_serve_answers_ready_and_stops_on_sigterm(tmp_path: Path, free_port: int) -> None:
    """With no configuration: embedded SQLite in the working directory, migrated, ready."""
    process = subprocess.Popen(
        [LMB, "serve", "--port", str(free_port)],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{free_port}"
    try:
        _wait_ready(base, process)
        assert process.stdout is not None
        first, second = process.stdout.readline(), process.stdout.readline()
        assert base in first
        token = second.rsplit(" ", 1)[-1].strip()
        summary = httpx.get(
            f"{base}/api/v1/reports/summary", headers={"Authorization": f"Bearer {token}"}
        )
        assert summary.status_code == 200
        assert (tmp_path / "lmb.db").is_file()
        assert (tmp_path / "lmb.secret").is_file()
    finally:
        code = _stop(process, timeout=15)
    assert code == 0
    assert process.stderr is not None
    logs = process.stderr.read()
    assert '"route": "/api/v1/reports/summary"' in logs
    assert token not in logs


def test_db_upgrade_then_token_then_import(tmp_path: Path) -> None:
    upgraded = _run(["db", "upgrade"], tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    issued = _run(["token", "create", "--role", "reporting", "--name", "Dashboard"], tmp_path)
    assert issued.returncode == 0, issued.stderr
    assert len(issued.stdout.strip()) >= 32
    (tmp_path / "centres.csv").write_text(CSV, encoding="utf-8")
    imported = _run(["import-centres", "centres.csv"], tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "created 1" in imported.stdout
    again = _run(["import-centres", "centres.csv"], tmp_path)
    assert "updated 1" in again.stdout


def test_a_token_is_revoked_by_its_id(tmp_path: Path) -> None:
    """N-SEC: a leaked staff token is revoked from the command line."""
    assert _run(["db", "upgrade"], tmp_path).returncode == 0
    issued = _run(["token", "create", "--role", "reporting", "--name", "Dashboard"], tmp_path)
    token_id = issued.stderr.rsplit("lmb token revoke):", 1)[1].split()[0]
    revoked = _run(["token", "revoke", token_id], tmp_path)
    assert revoked.returncode == 0, revoked.stderr
    assert f"revoked {token_id} (reporting, Dashboard)" in revoked.stdout
    unknown = _run(["token", "revoke", "no-such-token"], tmp_path)
    assert unknown.returncode == 2
    assert "no such staff token" in unknown.stderr


def test_a_centre_token_names_known_centres(tmp_path: Path) -> None:
    refused = _run(
        ["token", "create", "--role", "centre", "--name", "Desk", "--centre", "nope"], tmp_path
    )
    assert refused.returncode == 2
    assert "centre_ids[0]" in refused.stderr


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["frobnicate"], {}, "invalid choice"),
        (["serve", "--port", "http"], {}, "port"),
        (["serve", "--workers", "0"], {}, "workers"),
        (["serve", "--workers", "2"], {}, "PostgreSQL"),
        (["serve"], {"LMB_SERVE_WORKERS": "2"}, "PostgreSQL"),
        (["serve"], {"LMB_SERVE_WORKERS": "many"}, "LMB_SERVE_WORKERS"),
        (["worker", "--once"], {"LMB_INVITATION_TTL": "soon"}, "LMB_INVITATION_TTL"),
        (["import-centres", "missing.csv"], {}, "cannot read"),
        (["db", "upgrade"], {"LMB_DATABASE_URL": "postgresql+asyncpg://x/y"}, "LMB_SECRET_KEY"),
    ],
)
def test_usage_and_configuration_errors_exit_2(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    result = _run(args, tmp_path, **env)
    assert result.returncode == 2
    assert message in result.stderr


def test_worker_once_runs_one_pass(tmp_path: Path) -> None:
    result = _run(["worker", "--once"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "delivered 0" in result.stdout


def test_demo_loads_centres_in_every_region(tmp_path: Path) -> None:
    from lmb.entrypoints.demo import ANCHORS, demo_centre_rows, insz_for

    rows = demo_centre_rows()
    assert len(rows) == len(ANCHORS) >= 30
    assert {r["region"] for r in rows} == {"VLG", "BRU", "WAL", "OOS"}
    served = [p for r in rows for p in r["postcodes"].split(";")]
    assert len(served) == len(set(served)) > 1000
    assert insz_for(__import__("datetime").date(1985, 7, 30), 33) == "85073003328"
    result = _run(["demo", "--registrations", "40"], tmp_path, LMB_DATABASE_URL="memory://")
    assert result.returncode == 0, result.stderr
    assert "centres_created 30" in result.stdout
    assert "registrations 40" in result.stdout


@pytest.mark.slow
def test_worker_loops_until_sigterm(tmp_path: Path) -> None:
    assert _run(["db", "upgrade"], tmp_path).returncode == 0
    process = subprocess.Popen(
        [LMB, "worker", "--interval", "0.2"],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Wait for the signal handlers before sending SIGTERM: a loaded machine may take
        # seconds to import and start.
        assert process.stderr is not None
        started = ""
        deadline = time.monotonic() + 60
        while "worker started" not in started and time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line and process.poll() is not None:
                break
            started += line
        assert "worker started" in started, started
        time.sleep(0.5)
        assert process.poll() is None
    finally:
        code = _stop(process, timeout=15)
    assert code == 0
    assert process.stderr is not None
    assert "worker stopped" in process.stderr.read()


@pytest.mark.slow
@pytest.mark.postgres
def test_serve_with_workers_runs_them_and_stops_them_all(tmp_path: Path, free_port: int) -> None:
    """``serve --workers 2`` on PostgreSQL: two server processes answer on one port, and
    SIGTERM ends them all."""
    from tests.integration.conftest import postgres_url, run_in_own_loop

    server, database = postgres_url().rsplit("/", 1)[0], f"lmb_test_serve_{os.getpid()}"

    async def admin(sql: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(server.replace("+asyncpg", "") + "/postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    run_in_own_loop(lambda: admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    run_in_own_loop(lambda: admin(f'CREATE DATABASE "{database}"'))
    env = {
        "LMB_DATABASE_URL": f"{server}/{database}",
        "LMB_SECRET_KEY": "a-test-secret-key-of-enough-length",
    }
    try:
        assert _run(["db", "upgrade"], tmp_path, **env).returncode == 0
        process = subprocess.Popen(
            [LMB, "serve", "--port", str(free_port), "--workers", "2"],
            cwd=tmp_path,
            env=_env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _wait_ready(f"http://127.0.0.1:{free_port}", process)
            for _ in range(20):  # a new connection each time, spread over the processes
                assert httpx.get(f"http://127.0.0.1:{free_port}/health/ready").is_success
            assert len(child_pids(process.pid)) == 2
            assert process.stdout is not None
            assert "2 processes" in process.stdout.readline()
        finally:
            code = _stop(process, timeout=40)
        assert code == 0
        assert child_pids(process.pid) == []
    finally:
        run_in_own_loop(lambda: admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


def _wait_ready(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).is_success:
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        time.sleep(0.2)
    raise AssertionError("lmb serve did not become ready")


def _stop(process: subprocess.Popen[str], *, timeout: float) -> int:
    """SIGTERM, then the exit code; killed (and the test failed) if it does not stop."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
