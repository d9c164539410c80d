"""A local stand-in for the ClinicalTrials.gov API v2, serving real recorded study records.

    with running_registry() as registry:
        client = RegistryClient(registry.base_url, min_interval=0)
        ...
        registry.requests          # what the server saw: path, params, status, monotonic time
        registry.fail(page=2, status=503, times=1)   # inject faults

It is a real HTTP server on 127.0.0.1 (a free port, a background thread) that answers
``/api/v2/studies`` and ``/api/v2/studies/{nctId}`` the way the API does: ``pageSize``, an
opaque ``nextPageToken`` tied to its query, ``totalCount`` with ``countTotal=true``, the filters
``query.cond`` / ``query.term`` (case-insensitive substring), ``filter.overallStatus``,
``filter.advanced=AREA[LastUpdatePostDate]RANGE[from,to]`` and ``sort=LastUpdatePostDate``.
A parameter the API does not take, or a page token from another query, is a 400, as there.

The records are the real API v2 exports in ../shared/data/ctgov-api-v2-exports (289 studies,
one per NCT ID); they are read from there, never copied.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.conftest import DATA

EXPORTS = DATA / "ctgov-api-v2-exports"

_PARAMS = frozenset(
    {
        "format",
        "query.cond",
        "query.term",
        "filter.overallStatus",
        "filter.advanced",
        "sort",
        "pageSize",
        "pageToken",
        "countTotal",
    }
)
_RANGE = re.compile(r"^AREA\[LastUpdatePostDate\]RANGE\[([^,\]]+),\s*([^\]]+)\]$")
_DEFAULT_PAGE_SIZE = 10
_MAX_PAGE_SIZE = 1000


@cache
def _recorded() -> tuple[dict[str, Any], ...]:
    by_id: dict[str, dict[str, Any]] = {}
    for path in sorted(EXPORTS.rglob("ctg-studies*.json")):
        for study in json.loads(path.read_bytes()):
            by_id.setdefault(nct_of(study), study)
    return tuple(by_id[nct] for nct in sorted(by_id))


def recorded_studies() -> list[dict[str, Any]]:
    """The real recorded studies, one per NCT ID, sorted by NCT ID. Shared: do not mutate them."""
    return list(_recorded())


def nct_of(study: dict[str, Any]) -> str:
    return str(study["protocolSection"]["identificationModule"]["nctId"])


def last_update_of(study: dict[str, Any]) -> str:
    """The study's lastUpdatePostDate ('' if it has none)."""
    status = study.get("protocolSection", {}).get("statusModule", {})
    return str(status.get("lastUpdatePostDateStruct", {}).get("date", ""))


@dataclass(frozen=True)
class SeenRequest:
    """One request as the server saw it."""

    time: float  # time.monotonic() when it arrived
    path: str
    params: dict[str, str]
    status: int


@dataclass
class Fault:
    """Answer a page of ``/studies`` (1 = the first) wrongly, ``times`` times, then normally.

    ``status`` with ``headers`` and ``body`` as given; ``drop`` closes the connection unanswered.
    """

    page: int
    status: int = 503
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    drop: bool = False


class FakeRegistry:
    """The registry's studies, the faults to inject and the requests seen."""

    def __init__(self, studies: list[dict[str, Any]] | None = None) -> None:
        self.studies = recorded_studies() if studies is None else studies
        self.requests: list[SeenRequest] = []
        self.faults: list[Fault] = []
        self.base_url = ""
        self.honour_sort = True  # False: page in NCT ID order whatever ``sort`` says
        self._tokens: dict[str, tuple[int, tuple[tuple[str, str], ...]]] = {}
        self._lock = threading.Lock()

    # --- for tests ---------------------------------------------------------------------

    def fail(
        self,
        page: int,
        status: int = 503,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        drop: bool = False,
    ) -> Fault:
        fault = Fault(page, status, times, headers or {}, body, drop)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Forget the requests seen and the faults still pending."""
        with self._lock:
            self.requests.clear()
            self.faults.clear()

    def study_requests(self) -> list[SeenRequest]:
        """The requests for pages of ``/studies`` (not single studies)."""
        return [r for r in self.requests if r.path == "/api/v2/studies"]

    def matching(self, params: dict[str, str]) -> list[dict[str, Any]]:
        """The studies a query matches, in the order the server pages them."""
        found = [s for s in self.studies if self._matches(s, params)]
        sort = params.get("sort", "")
        if sort.startswith("LastUpdatePostDate") and self.honour_sort:
            descending = sort.endswith(":desc")
            found.sort(key=lambda s: (last_update_of(s), _nct_or_empty(s)), reverse=descending)
        return found

    def update(self, nct_id: str, *, posted: str, brief_title: str) -> None:
        """Post a new version of a study, as the registry does when a sponsor updates it."""
        for index, study in enumerate(self.studies):
            if _nct_or_empty(study) == nct_id:
                changed = copy.deepcopy(study)  # the recorded studies are shared between servers
                protocol = changed["protocolSection"]
                protocol["identificationModule"]["briefTitle"] = brief_title
                protocol["statusModule"]["lastUpdatePostDateStruct"] = {"date": posted, "type": "ACTUAL"}
                protocol["statusModule"]["lastUpdateSubmitDate"] = posted
                self.studies[index] = changed
                return
        raise KeyError(nct_id)

    # --- answering -----------------------------------------------------------------------

    def answer(self, path: str, params: dict[str, str]) -> tuple[int, dict[str, str], bytes | None]:
        """(status, headers, body) for one GET; body None means: drop the connection."""
        if path == "/api/v2/studies":
            return self._studies(params)
        if path.startswith("/api/v2/studies/"):
            nct_id = path.rsplit("/", 1)[1]
            for study in self.studies:
                if _nct_or_empty(study) == nct_id:
                    return 200, {}, json.dumps(study).encode()
            return _error(404, f"Study {nct_id} not found")
        return _error(404, f"No endpoint at {path}")

    def _studies(self, params: dict[str, str]) -> tuple[int, dict[str, str], bytes | None]:
        unknown = sorted(set(params) - _PARAMS)
        if unknown:
            return _error(400, f"Unknown parameter(s): {', '.join(unknown)}")
        if params.get("format", "json") != "json":
            return _error(400, "format must be json")
        try:
            size = int(params.get("pageSize", _DEFAULT_PAGE_SIZE))
        except ValueError:
            return _error(400, "pageSize must be a number")
        if not 0 < size <= _MAX_PAGE_SIZE:
            return _error(400, f"pageSize must be between 1 and {_MAX_PAGE_SIZE}")
        advanced = params.get("filter.advanced")
        if advanced is not None and not _RANGE.match(advanced):
            return _error(400, f"Unsupported filter.advanced expression: {advanced}")
        signature = tuple(sorted((k, v) for k, v in params.items() if k not in {"pageToken", "countTotal"}))
        offset = 0
        if "pageToken" in params:
            with self._lock:
                known = self._tokens.get(params["pageToken"])
            if known is None or known[1] != signature:
                return _error(400, "pageToken is invalid for this query")
            offset = known[0]
        page = offset // size + 1
        with self._lock:
            fault = next((f for f in self.faults if f.page == page and f.times > 0), None)
            if fault is not None:
                fault.times -= 1
        if fault is not None:
            if fault.drop:
                return fault.status, {}, None
            body = (
                fault.body if fault.body is not None else json.dumps({"message": "injected fault"}).encode()
            )
            return fault.status, fault.headers, body

        found = self.matching(params)
        answer: dict[str, Any] = {}
        if params.get("countTotal") == "true":
            answer["totalCount"] = len(found)
        answer["studies"] = found[offset : offset + size]
        if offset + size < len(found):
            token = secrets.token_urlsafe(12)
            with self._lock:
                self._tokens[token] = (offset + size, signature)
            answer["nextPageToken"] = token
        return 200, {}, json.dumps(answer).encode()

    @staticmethod
    def _matches(study: dict[str, Any], params: dict[str, str]) -> bool:
        protocol = study.get("protocolSection")
        if not isinstance(protocol, dict):
            return not any(k in params for k in ("query.cond", "query.term", "filter.overallStatus"))
        cond = params.get("query.cond")
        if cond:
            conditions = protocol.get("conditionsModule", {})
            ident = protocol.get("identificationModule", {})
            texts = [
                *conditions.get("conditions", []),
                *conditions.get("keywords", []),
                ident.get("briefTitle", ""),
                ident.get("officialTitle", ""),
            ]
            if cond.lower() not in " | ".join(texts).lower():
                return False
        term = params.get("query.term")
        if term and term.lower() not in json.dumps(study).lower():
            return False
        statuses = params.get("filter.overallStatus")
        if statuses:
            wanted = set(re.split(r"[|,]", statuses))
            if protocol.get("statusModule", {}).get("overallStatus") not in wanted:
                return False
        advanced = params.get("filter.advanced")
        if advanced:
            match = _RANGE.match(advanced)
            assert match is not None  # checked before
            low, high = match.groups()
            date = last_update_of(study)
            if not date or (low != "MIN" and date < low) or (high != "MAX" and date > high):
                return False
        return True


def _nct_or_empty(study: dict[str, Any]) -> str:
    try:
        return nct_of(study)
    except (KeyError, TypeError):
        return ""


def _error(status: int, message: str) -> tuple[int, dict[str, str], bytes]:
    return status, {}, json.dumps({"message": message}).encode()


def _handler(registry: FakeRegistry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            arrived = time.monotonic()
            split = urlsplit(self.path)
            params = dict(parse_qsl(split.query, keep_blank_values=True))
            status, headers, body = registry.answer(split.path, params)
            with registry._lock:
                registry.requests.append(SeenRequest(arrived, split.path, params, status))
            if body is None:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: tests read registry.requests instead

    return Handler


@contextmanager
def running_registry(studies: list[dict[str, Any]] | None = None) -> Iterator[FakeRegistry]:
    """Serve a FakeRegistry on 127.0.0.1 for the duration of the block."""
    registry = FakeRegistry(studies)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(registry))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    registry.base_url = f"http://127.0.0.1:{server.server_address[1]}/api/v2"
    try:
        yield registry
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
