"""`trialscout serve`: the API under uvicorn, with one or more worker processes.

Each worker builds its own application from the settings (`app_from_settings`), so the store
location travels to the workers in $TRIALSCOUT_DB and $TRIALSCOUT_INDEX. uvicorn's own access
log is off (it would write query strings); trialscout's names method, path, status and time.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import uvicorn

from trialscout.settings import export_store

#: Logging for the server: uvicorn's messages and trialscout's access log, on stderr.
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"},
    },
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "trialscout": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_server(
    db: str | Path,
    *,
    index_folder: Path | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    access_log: bool = True,
) -> None:
    """Serve the store at ``db`` until interrupted (blocks)."""
    export_store(db, index_folder)
    config = dict(LOGGING)
    if not access_log:
        config = {**LOGGING, "loggers": {**LOGGING["loggers"], "trialscout.access": {"level": "WARNING"}}}
    uvicorn.run(
        "trialscout.web.app:app_from_settings",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=config,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
