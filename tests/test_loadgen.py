"""The API benchmark's load generator: its percentiles, its bounds, keep-alive and errors."""

from __future__ import annotations

import asyncio
import math
import socket
import threading
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import pytest

from benchmarks.loadgen import percentile, run_load

T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run the load generator on a thread of its own, as its command runs it: a test before this
    one in the same worker (the browser tests' Playwright) may have left an event loop running
    on this thread, where asyncio.run refuses to start."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as uvicorn serves

    def do_GET(self) -> None:
        self.server.connections.add(self.client_address)  # type: ignore[attr-defined]
        if self.path.startswith("/slow"):
            time.sleep(0.05)
        status = 500 if self.path.startswith("/fail") else 200
        body = b'{"ok": true}' * (3 if self.path.startswith("/big") else 1)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.connections = set()  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_percentiles_are_nearest_rank_and_the_median_is_the_mid_point() -> None:
    values = [float(v) for v in range(100, 0, -1)]  # 1..100, unsorted
    assert percentile(values, 95) == 95.0
    assert percentile(values, 100) == 100.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([7.0], 95) == 7.0
    assert math.isnan(percentile([], 95))


def test_a_fixed_number_of_requests_one_kept_alive_connection_per_client(server: ThreadingHTTPServer) -> None:
    port = server.server_address[1]
    paths = ["/a", "/big", "/fail", "/b"]
    result = _run(run_load("127.0.0.1", port, paths, concurrency=3, requests=40))
    summary = result.summary()
    assert summary["requests"] == 40
    assert summary["errors"] == 10  # every fourth path answers 500
    assert len(server.connections) == 3  # type: ignore[attr-defined]
    assert 0 < summary["median_ms"] <= summary["p95_ms"] <= summary["max_ms"]
    assert summary["requests_per_s"] == pytest.approx(40 / summary["wall_s"])


def test_a_duration_bounds_the_run(server: ThreadingHTTPServer) -> None:
    port = server.server_address[1]
    result = _run(run_load("127.0.0.1", port, ["/slow"], concurrency=2, duration_s=0.5))
    assert 0.5 <= result.wall_s < 1.5
    assert 10 <= result.requests <= 24  # 2 clients, 50 ms each, for half a second
    assert result.errors == 0
    assert percentile(result.latencies_ms, 50) >= 50


def test_a_server_that_is_not_there_gives_errors_not_a_crash() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = _run(run_load("127.0.0.1", port, ["/"], concurrency=2, requests=5))
    assert result.requests == 5
    assert result.errors == 5


def test_exactly_one_bound_is_required() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        _run(run_load("127.0.0.1", 1, ["/"], concurrency=1))
