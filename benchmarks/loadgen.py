"""A small, bounded HTTP/1.1 load generator for a server on this machine.

C clients, each on its own keep-alive connection, share one list of paths and one budget: a
fixed number of requests, or a fixed duration, whichever is given. Each request's latency
(from writing the request to reading the last byte of the body) and status are kept; the summary
is the median, the p95, requests per second over the whole run, and the errors (a status that is
not 2xx, a broken connection, a timeout).

It is plain asyncio streams (no HTTP library): one process, one thread, a few hundred
microseconds of CPU per request, so on a 2-core machine it leaves the server most of the CPU.
Run it in its own process, away from the server:

    python -m benchmarks.loadgen --port 8000 --concurrency 10 --requests 500 paths.txt
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: A request that takes longer than this counts as an error (status 0).
TIMEOUT_S = 30.0


@dataclass(frozen=True)
class LoadResult:
    """What a run measured: every request's latency (ms) and status, and the run's wall time."""

    concurrency: int
    wall_s: float
    cpu_s: float  # the load generator's own CPU time over the run
    latencies_ms: list[float] = field(repr=False)
    statuses: list[int] = field(repr=False)

    @property
    def requests(self) -> int:
        return len(self.statuses)

    @property
    def errors(self) -> int:
        return sum(1 for s in self.statuses if not 200 <= s < 300)

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.wall_s if self.wall_s > 0 else 0.0

    def summary(self) -> dict[str, float | int]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "median_ms": percentile(self.latencies_ms, 50),
            "p95_ms": percentile(self.latencies_ms, 95),
            "max_ms": max(self.latencies_ms, default=math.nan),
            "requests_per_s": self.requests_per_s,
            "wall_s": self.wall_s,
            "cpu_share": self.cpu_s / self.wall_s if self.wall_s > 0 else 0.0,
        }


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile (the value at least p% of the values are at or below); the
    median is the usual mid-point median. NaN for no values."""
    if not values:
        return math.nan
    if p == 50:
        return statistics.median(values)
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class _Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        """One GET on the kept-alive connection (opened again when the server closed it); its status."""
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.reader, self.writer
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode("latin-1"))
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            await reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def run_load(
    host: str,
    port: int,
    paths: Sequence[str],
    *,
    concurrency: int,
    requests: int | None = None,
    duration_s: float | None = None,
) -> LoadResult:
    """Send GETs for ``paths`` (in turn, from the start again when they run out) from
    ``concurrency`` clients until ``requests`` have been sent or ``duration_s`` has passed."""
    if (requests is None) == (duration_s is None):
        raise ValueError("give exactly one of requests and duration_s")
    if not paths or concurrency < 1:
        raise ValueError("need at least one path and one client")
    latencies: list[float] = []
    statuses: list[int] = []
    sent = 0
    started, cpu = time.perf_counter(), time.process_time()
    deadline = started + duration_s if duration_s is not None else math.inf

    def next_path() -> str | None:
        nonlocal sent
        if (requests is not None and sent >= requests) or time.perf_counter() >= deadline:
            return None
        sent += 1
        return paths[(sent - 1) % len(paths)]

    async def client() -> None:
        connection = _Connection(host, port)
        try:
            while (path := next_path()) is not None:
                begun = time.perf_counter()
                try:
                    status = await asyncio.wait_for(connection.get(path), TIMEOUT_S)
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                    status = 0
                    connection.close()
                latencies.append((time.perf_counter() - begun) * 1000)
                statuses.append(status)
        finally:
            connection.close()

    await asyncio.gather(*(client() for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return LoadResult(concurrency, wall, cpu, latencies, statuses)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", type=Path, help="a file of request paths, one a line (/api/v1/...)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=1)
    bound = parser.add_mutually_exclusive_group(required=True)
    bound.add_argument("--requests", type=int)
    bound.add_argument("--duration", type=float, help="seconds")
    parser.add_argument("--latencies", action="store_true", help="include every latency in the JSON")
    args = parser.parse_args(argv)
    paths = [line for line in args.paths.read_text().splitlines() if line.strip()]
    result = asyncio.run(
        run_load(
            args.host,
            args.port,
            paths,
            concurrency=args.concurrency,
            requests=args.requests,
            duration_s=args.duration,
        )
    )
    out: dict[str, object] = {"concurrency": result.concurrency, **result.summary()}
    if args.latencies:
        out |= {k: v for k, v in asdict(result).items() if k in ("latencies_ms", "statuses")}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
