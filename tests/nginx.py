"""Debian's nginx in front of a `trialscout serve`, configured exactly as docs/deployment.md
says, for the tests and benchmarks that need the deployment as written:

    with running_nginx(folder, upstream="127.0.0.1:8000") as nginx:
        httpx.get(nginx.base_url + "/health")
        nginx.upstream_failures()   # what nginx logged of requests a worker dropped

Only what a real host has and a test cannot is swapped: it listens on a free port of
127.0.0.1 without TLS, proxies to ``upstream``, and keeps its logs and temporary files in
``folder``. ``edit`` changes the configuration's text further (a benchmark's variant).
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.net import free_port

DEPLOYMENT = Path(__file__).resolve().parents[1] / "docs" / "deployment.md"
NGINX = Path("/usr/sbin/nginx")  # Debian's; `make test` installs it
#: How long nginx may take to start answering.
START_S = 20.0


def documented_conf(deployment: Path = DEPLOYMENT) -> str:
    """The nginx configuration block of docs/deployment.md, as written."""
    fenced = re.search(r"```nginx\n(.*?)```", deployment.read_text(), re.DOTALL)
    assert fenced is not None, f"{deployment} has no nginx configuration"
    return fenced.group(1)


def local_conf(conf: str, folder: Path, port: int, upstream: str) -> str:
    """``conf`` (the documented block) as a whole nginx.conf for this machine."""
    swaps = {
        "listen 443 ssl;": f"listen 127.0.0.1:{port};",
        "server 127.0.0.1:8000 max_fails=0;": f"server {upstream} max_fails=0;",
        "/var/log/nginx/trialscout.log": str(folder / "access.log"),
    }
    for documented, here in swaps.items():
        assert documented in conf, f"the nginx configuration has no {documented!r}"
        conf = conf.replace(documented, here)
    conf = "\n".join(line for line in conf.splitlines() if not line.strip().startswith("ssl_certificate"))
    temporary = "".join(
        f"    {kind}_temp_path {folder / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root nginx would hand its workers to "nobody", who cannot enter pytest's folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"events {{ worker_connections 1024; }}\nhttp {{\n{temporary}{conf}}}\n"
    )


@dataclass
class Nginx:
    process: subprocess.Popen[str]
    port: int
    error_log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def upstream_failures(self) -> list[str]:
        """What nginx logged of requests a worker dropped (each one it then sent on again, or
        answered with a 502 when it had no try left)."""
        if not self.error_log.exists():
            return []
        lines = self.error_log.read_text().splitlines()
        return [line for line in lines if "[error]" in line and "upstream" in line]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def running_nginx(
    folder: Path, upstream: str, edit: Callable[[str], str] = lambda conf: conf
) -> Iterator[Nginx]:
    """nginx, in the foreground, in front of ``upstream``, until the block ends."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    path = folder / "nginx.conf"
    path.write_text(local_conf(edit(documented_conf()), folder, port, upstream))
    error_log = folder / "error.log"
    process = subprocess.Popen(
        [str(NGINX), "-c", str(path), "-e", str(error_log), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    nginx = Nginx(process, port, error_log)
    try:
        deadline = time.monotonic() + START_S
        while process.poll() is None and not _answers(nginx.base_url + "/health"):
            assert time.monotonic() < deadline, "nginx did not answer"
            time.sleep(0.1)
        assert process.poll() is None, process.communicate()[1]
        yield nginx
    finally:
        process.terminate()
        process.wait(timeout=10)
