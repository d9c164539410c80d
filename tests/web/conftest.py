"""Fixtures for the web tests: the application over the session's full store, in process and
served by a real uvicorn on 127.0.0.1."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from tests.net import free_port
from trialscout.store.load import LoadReport
from trialscout.web.app import create_app


@pytest.fixture(scope="module")
def v2_client(full_load: tuple[Path, LoadReport]) -> Iterator[TestClient]:
    """The application over every real record, in process (its lifespan run)."""
    with TestClient(create_app(full_load[0])) as client:
        yield client


@pytest.fixture(scope="module")
def served(full_load: tuple[Path, LoadReport]) -> Iterator[str]:
    """A real server on 127.0.0.1 (uvicorn in a background thread); yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(full_load[0]), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/health", timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline or not thread.is_alive():
                raise
            time.sleep(0.1)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=20)
