"""Browser fixtures: ``lmb serve`` on loopback with mail caught by aiosmtpd, Debian's chromium.

Without chromium, playwright or axe-core the browser tests skip with the reason, unless
``LMB_REQUIRE_BROWSER=1`` (CI sets it): then they fail.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("LMB_CHROMIUM", "/usr/bin/chromium"))
AXE_DIR = ROOT / ".cache" / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
AXE_VERSION = "4"
ARTEFACTS = ROOT / "artifacts" / "screenshots"
ADMIN_TOKEN = "admin-token-for-the-browser-tests"
MOBILE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def missing(reason: str) -> None:
    if os.environ.get("LMB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"LMB_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class MailBox:
    """What the SMTP server received, as parsed messages."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def text_to(self, address: str) -> list[str]:
        out = []
        for message in self.messages:
            if address in str(message["To"]):
                body = message.get_body(preferencelist=("plain",))
                out.append(body.get_content() if body is not None else "")
        return out

    def manage_link(self, address: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for text in self.text_to(address):
                found = re.search(r"https?://\S+/r/[A-Za-z0-9_\-.]+", text)
                if found:
                    return found.group(0)
            time.sleep(0.25)
        raise AssertionError(f"no mail with a manage link to {address}")


class Server:
    def __init__(self, url: str, mailbox: MailBox) -> None:
        self.url = url
        self.mailbox = mailbox
        self.api = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10
        )


@pytest.fixture(scope="session")
def chromium_path() -> str:
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing("the playwright package is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is missing (apt-get install chromium)")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from the npm registry, installed once under .cache/axe."""
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            missing("axe-core is not installed and npm is missing")
        assert npm is not None
        subprocess.run(
            [
                npm,
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(AXE_DIR),
                f"axe-core@{AXE_VERSION}",
            ],
            check=False,
            timeout=180,
        )
        if not AXE_JS.exists():
            missing("axe-core could not be installed from the npm registry")
    return AXE_JS.read_text()


@pytest.fixture(scope="session")
def server(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``lmb serve`` on a free loopback port, its mail going to an aiosmtpd server."""
    from aiosmtpd.controller import Controller

    mailbox = MailBox()
    smtp_port = free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    db = tmp_path_factory.mktemp("serve") / "lmb.db"
    env = {
        **os.environ,
        "LMB_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "LMB_PUBLIC_URL": url,
        "LMB_ADMIN_TOKEN": ADMIN_TOKEN,
        "LMB_SECRET_KEY": "a-secret-key-for-the-browser-tests-only",
        "LMB_SMTP_HOST": "127.0.0.1",
        "LMB_SMTP_PORT": str(smtp_port),
        "LMB_RATE_LIMIT_PUBLIC": "100000",
        "LMB_RATE_LIMIT_MANAGE": "100000",
    }
    log = (tmp_path_factory.getbasetemp() / "serve.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lmb.entrypoints.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=db.parent,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("lmb serve did not start; see serve.log")
            time.sleep(0.2)
        yield Server(url, mailbox)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        smtp.stop()
        log.close()


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    """Per module: sync playwright runs an event loop, which must be gone before the
    asyncio tests that follow."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(
            executable_path=chromium_path, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


def shoot(page: Any, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)
