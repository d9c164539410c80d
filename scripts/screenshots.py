"""Screenshots of the web app's main pages, for docs/screenshots/ and the README.

    .venv/bin/python -m scripts.screenshots trialscout.db [docs/screenshots]

Serves the store on 127.0.0.1 (a free port) with `trialscout serve`, drives Debian's Chromium with
Playwright (as the browser tests do: no browser download, nothing off this machine), and saves
a desktop (1280 wide) and a phone (375 wide) picture of each page.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Route, sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGES = {
    "search": "/?q=lung+cancer&near=Chicago%2C+IL&radius=250mi&status=RECRUITING",
    "trial": "/trials/NCT02465060?near=Boston%2C+MA",
    "qualify": "/trials/NCT02778893/qualify",
    "compare": "/compare?ids=NCT05813925%2C+NCT05482516&near=Boston%2C+MA",
    "match": "/match",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _this_machine_only(route: Route) -> None:
    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


def main(db: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "trialscout",
            "--db",
            str(db),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(base + "/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            for size, viewport in (("desktop", (1280, 900)), ("phone", (375, 812))):
                context = browser.new_context(
                    base_url=base, viewport={"width": viewport[0], "height": viewport[1]}
                )
                context.route(
                    "**/*",
                    lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort(),
                )
                page = context.new_page()
                for name, url in PAGES.items():
                    page.goto(url)
                    page.wait_for_load_state("networkidle")
                    target = out / f"{name}-{size}.png"
                    page.screenshot(path=str(target), full_page=False)
                    print(target)
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2] if len(sys.argv) > 2 else "docs/screenshots"))
