"""Shared pieces of the benchmarks: where the data is, the machine, peak memory of a process tree."""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("TRIALSCOUT_DATA") or REPO / ".." / "shared" / "data").resolve()
WORK = REPO / "benchmarks" / ".work"
DOCS = REPO / "docs" / "benchmarks"


def machine() -> str:
    """One line naming the machine the figures were measured on."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(
            next(
                ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")
            ).split()[1]
        )
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        pass
    system = f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    return f"{cpu}, {os.cpu_count()} cores{memory}, {system}"


def today() -> str:
    return dt.date.today().isoformat()


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KiB."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    break
            for task in Path(f"/proc/{p}/task").iterdir():
                children = (task / "children").read_text().split()
                stack.extend(int(c) for c in children)
        except (OSError, ValueError):
            continue
    return total


class RunResult:
    def __init__(self, seconds: float, peak_mib: float, stdout: str) -> None:
        self.seconds = seconds
        self.peak_mib = peak_mib
        self.stdout = stdout


def run_measured(command: Sequence[str], env: dict[str, str] | None = None) -> RunResult:
    """Run a command; return its wall time and the peak resident memory of its process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kib(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}): {err[-2000:]}")
    return RunResult(seconds, peak / 1024, out)


class SampledRun(RunResult):
    """A run's wall time, peak memory and output, with the memory of its process tree over time:
    ``samples`` holds (seconds since the start, resident KiB) every ``interval`` seconds."""

    def __init__(
        self, seconds: float, peak_mib: float, stdout: str, samples: list[tuple[float, int]]
    ) -> None:
        super().__init__(seconds, peak_mib, stdout)
        self.samples = samples

    def peak_between(self, start: float, end: float) -> float:
        """The peak resident memory (MiB) sampled from ``start`` to ``end`` seconds in."""
        inside = [kib for t, kib in self.samples if start <= t <= end]
        return max(inside, default=0) / 1024


def run_sampled(
    command: Sequence[str], env: dict[str, str] | None = None, interval: float = 0.02
) -> SampledRun:
    """As `run_measured`, keeping every memory sample, so that a caller can tell the peak of
    each stage of a long command from the times it reports. stderr goes to a file, not a pipe,
    so that a chatty command cannot fill a pipe nobody reads."""
    import tempfile

    with tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, text=True, env=env)
        samples: list[tuple[float, int]] = []
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                samples.append((time.perf_counter() - started, _tree_rss_kib(process.pid)))
                time.sleep(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out, _ = process.communicate()
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        if process.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}): {err.read()[-2000:]}")
    return SampledRun(seconds, max((k for _, k in samples), default=0) / 1024, out, samples)


def tree_bytes(folder: Path) -> int:
    """Bytes on disk of the files under ``folder`` (0 if there is none)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def trialscout(*args: str) -> list[str]:
    return [sys.executable, "-m", "trialscout", *args]


def write_page(name: str, title: str, body: str) -> Path:
    DOCS.mkdir(parents=True, exist_ok=True)
    page = DOCS / f"{name}.md"
    page.write_text(f"# {title}\n\nMeasured on {today()} on {machine()}.\n\n{body.strip()}\n")
    return page
