"""Browser fixtures: a real trialscout server over the session's store, and Chromium driven by
Playwright, kept off the internet, with axe-core's accessibility check.

- ``live_server``: the base URL (``http://127.0.0.1:<port>``) of ``uvicorn`` serving
  ``create_app(db)`` over the ``full_load`` store, in a subprocess, once per test session (per
  pytest-xdist worker);
- ``browser``: Debian's ``/usr/bin/chromium``, launched once per session (``make test``
  installs it; Playwright downloads no browser);
- ``new_context(**options)``: a fresh browser context on the server (JavaScript on, relative
  URLs such as ``page.goto("/docs")``), every request off 127.0.0.1 aborted and recorded in
  ``offsite``; the test fails when any was attempted;
- ``context``, ``page``, ``no_js_page`` (JavaScript off) and ``phone_page`` (375 x 812, a
  touch phone): the usual starting points, each in its own context;
- ``assert_accessible(page)``: axe-core over the page (evaluated past the page's CSP); fails
  listing each "serious" or "critical" violation.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Route,
    WebSocketRoute,
    sync_playwright,
)

from tests.net import free_port
from trialscout.store.load import LoadReport

REPO = Path(__file__).resolve().parents[2]
#: Debian's Chromium (`make test` installs it when missing).
CHROMIUM = Path("/usr/bin/chromium")
#: axe-core from the npm registry, pinned in package-lock.json (`make test` runs npm ci).
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
#: Chromium's flags: headless, and none of its own calls home, which stall on a closed network.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: The only host a page may reach.
HOST = "127.0.0.1"
#: A phone's screen in CSS pixels (an iPhone X-sized one).
PHONE = {"width": 375, "height": 812}
#: The axe-core impacts that fail a test; "minor" and "moderate" ones are left to review.
FAILING_IMPACTS = ("serious", "critical")
#: How long the server may take to answer /health (opening the store and the index, and the
#: place box's tables, take a few seconds).
SERVER_START_S = 120.0


# --- the server -------------------------------------------------------------------------------


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _start_server(db: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """uvicorn serving create_app(db) on a free port of 127.0.0.1, once /health answers."""
    env = {**os.environ, "TRIALSCOUT_DB": str(db.resolve())}
    env.pop("TRIALSCOUT_INDEX", None)  # the index beside the store, as create_app(db) opens it
    for _ in range(3):  # another process may take the free port before uvicorn binds it
        port = free_port()
        base = f"http://{HOST}:{port}"
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "trialscout.web.app:app_from_settings",
            "--factory",
            "--host",
            HOST,
            "--port",
            str(port),
            "--log-level",
            "warning",
        ]
        with log.open("wb") as out:
            server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + SERVER_START_S
        while server.poll() is None and time.monotonic() < deadline:
            if _answers(f"{base}/health"):
                return server, base
            time.sleep(0.1)
        if server.poll() is None:
            _stop(server)
            pytest.fail(f"the server did not answer {base}/health in {SERVER_START_S:.0f} s:\n{_tail(log)}")
        if "address already in use" not in log.read_text(errors="replace").lower():
            break
    pytest.fail(f"the server exited with status {server.returncode}:\n{_tail(log)}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _tail(log: Path) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-40:])


@pytest.fixture(scope="session")
def live_server(
    full_load: tuple[Path, LoadReport], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL of a real trialscout server over the session's full store."""
    log = tmp_path_factory.mktemp("live-server") / "server.log"
    server, base = _start_server(full_load[0], log)
    try:
        yield base
    finally:
        _stop(server)


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless, one per session."""
    if not CHROMIUM.exists():
        fix = "rm -f .venv/.chromium-stamp; make browsers"
        pytest.fail(f"no Chromium at {CHROMIUM}: `{fix}` installs it (as root)")
    opened = playwright.chromium.launch(
        executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS), headless=True, timeout=60_000
    )
    yield opened
    opened.close()


@dataclass
class Offsite:
    """The requests this test's pages tried to send off 127.0.0.1; each was aborted."""

    urls: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname == HOST:
            route.continue_()
        else:
            self.urls.append(route.request.url)
            route.abort("blockedbyclient")

    def route_web_socket(self, socket: WebSocketRoute) -> None:
        if urlsplit(socket.url).hostname == HOST:
            socket.connect_to_server()
        else:
            self.urls.append(socket.url)
            socket.close()


@pytest.fixture
def offsite() -> Offsite:
    return Offsite()


@pytest.fixture
def new_context(
    browser: Browser, live_server: str, offsite: Offsite
) -> Iterator[Callable[..., BrowserContext]]:
    """Opens a browser context on the server (Playwright's `new_context` options, such as
    ``java_script_enabled=False``); each is closed after the test, and the test fails when a
    page tried to reach anything but 127.0.0.1."""
    opened: list[BrowserContext] = []

    def open_context(**options: Any) -> BrowserContext:
        # service workers would fetch past the routes: none may register
        context = browser.new_context(base_url=live_server, service_workers="block", **options)
        context.route("**/*", offsite.route)
        context.route_web_socket(lambda url: True, offsite.route_web_socket)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()
    if offsite.urls:
        pytest.fail("pages tried to leave 127.0.0.1 (aborted):\n  " + "\n  ".join(offsite.urls))


@pytest.fixture
def context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A page with JavaScript on, in its own context."""
    return context.new_page()


@pytest.fixture
def no_js_page(new_context: Callable[..., BrowserContext]) -> Page:
    """A page with JavaScript off: what a page shows before, or without, its scripts."""
    return new_context(java_script_enabled=False).new_page()


@pytest.fixture
def phone_page(new_context: Callable[..., BrowserContext]) -> Page:
    """A page on a 375 x 812 touch phone (a page with no ``<meta name="viewport">`` lays out
    980 px wide there, as on a real phone)."""
    return new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()


# --- accessibility ----------------------------------------------------------------------------


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (every impact)."""
    if not AXE.is_file():
        pytest.fail(f"no axe-core at {AXE}: `make browsers` installs it (npm ci)")
    if page.evaluate("() => typeof window.axe") != "object":
        # Evaluated by the browser's debugging protocol, as Playwright's evaluate is, so the
        # page's Content-Security-Policy (scripts from its own server only) does not block it;
        # a <script> tag from the test would be refused, as it should be.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    violations: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return violations


def assert_accessible(page: Page) -> None:
    """Fails, listing them, when axe-core finds a "serious" or "critical" violation."""
    failing = [v for v in axe_violations(page) if v.get("impact") in FAILING_IMPACTS]
    if failing:
        pytest.fail(f"{page.url}: {len(failing)} accessibility violations\n" + _describe(failing))


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        rule = f"{violation['impact']}: {violation['id']}: {violation['help']}"
        lines.append(f"- {rule} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)
