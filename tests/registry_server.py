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

It can also misbehave, as a broken server or a hostile one would:

* a fault on one page (`FakeRegistry.fail`): a status, headers and body of one's choosing, a
  dropped connection, an answer that waits (``delay``), headers that trickle in a byte at a
  time (``header_pause``), a body made as it is sent (``chunks``: `padded` for a huge page,
  `gzip_bomb`, `gzipped`) and sent slowly (``chunk_pause``);
* ``cycle = (m, n)``: page m offers the token page n - 1 offered, so paging goes round;
* ``endless = "wrap"`` (pages past the end start again from the first study) or ``"new"``
  (pages past the end are copies of the last study under new NCT IDs), each with a fresh token;
  ``count_total = False`` leaves ``totalCount`` out;
* ``/api/v2/loop/a`` and ``/api/v2/loop/b`` redirect to each other (`REDIRECT_LOOP`).

Every slow or endless answer is bounded here too (`MAX_SLOW_S`), and stops when the client
hangs up.

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
import zlib
from collections.abc import Callable, Iterator
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
#: The longest any slow or endless answer goes on, whatever the client does.
MAX_SLOW_S = 20.0
#: Headers of a gzip-encoded answer.
GZIP = {"Content-Encoding": "gzip"}
#: A fault that sends the client into a redirect loop.
REDIRECT_LOOP = {"Location": "/api/v2/loop/a"}

Chunks = Callable[[bytes], Iterator[bytes]]


def padded(size: int) -> Chunks:
    """The page, then spaces up to ``size`` bytes: still valid JSON, just huge."""

    def chunks(page: bytes) -> Iterator[bytes]:
        yield page
        left = size - len(page)
        block = b" " * 65536
        while left > 0:
            yield block[:left]
            left -= len(block)

    return chunks


def gzipped(page: bytes) -> Iterator[bytes]:
    """The page, gzip-compressed (send with `GZIP` headers)."""
    yield zlib.compress(page, 6, wbits=zlib.MAX_WBITS | 16)


def gzip_bomb(inflated: int) -> Chunks:
    """The page, then spaces up to ``inflated`` bytes, gzip-compressed as it is sent: about a
    thousandth of that on the wire (send with `GZIP` headers)."""

    def chunks(page: bytes) -> Iterator[bytes]:
        z = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        yield z.compress(page)
        block = b" " * (1 << 20)
        for _ in range(max(0, inflated - len(page)) >> 20):
            out = z.compress(block)
            if out:
                yield out
        yield z.flush()

    return chunks


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

    ``status`` with ``headers`` and ``body`` as given (a 2xx without a body: the page the server
    would have sent); ``drop`` closes the connection unanswered. ``chunks`` makes the body from
    that page as it is sent; ``delay`` waits before answering, ``header_pause`` between bytes
    of the status line and headers, ``chunk_pause`` between chunks of the body.
    """

    page: int
    status: int = 503
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    drop: bool = False
    chunks: Chunks | None = None
    delay: float = 0.0
    header_pause: float = 0.0
    chunk_pause: float = 0.0


@dataclass
class Reply:
    """What the server sends for one request; ``body`` None with no ``chunks``: hang up."""

    status: int
    headers: dict[str, str]
    body: bytes | None
    chunks: Iterator[bytes] | None = None
    delay: float = 0.0
    header_pause: float = 0.0
    chunk_pause: float = 0.0


class FakeRegistry:
    """The registry's studies, the faults to inject and the requests seen."""

    def __init__(self, studies: list[dict[str, Any]] | None = None) -> None:
        self.studies = recorded_studies() if studies is None else studies
        self.requests: list[SeenRequest] = []
        self.faults: list[Fault] = []
        self.base_url = ""
        self.honour_sort = True  # False: page in NCT ID order whatever ``sort`` says
        self.cycle: tuple[int, int] | None = None  # (m, n): page m offers the token to page n
        self.endless: str | None = None  # "wrap" or "new": pages never end
        self.count_total = True  # False: no totalCount even when asked
        self._offset_tokens: dict[tuple[int, tuple[tuple[str, str], ...]], str] = {}
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
        chunks: Chunks | None = None,
        delay: float = 0.0,
        header_pause: float = 0.0,
        chunk_pause: float = 0.0,
    ) -> Fault:
        fault = Fault(
            page, status, times, headers or {}, body, drop, chunks, delay, header_pause, chunk_pause
        )
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Forget the requests seen, the faults still pending and any misbehaviour: healthy again."""
        with self._lock:
            self.requests.clear()
            self.faults.clear()
            self.cycle = None
            self.endless = None
            self.count_total = True

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

    def answer(self, path: str, params: dict[str, str]) -> Reply:
        """What to send for one GET."""
        if path == "/api/v2/studies":
            return self._studies(params)
        if path.startswith("/api/v2/studies/"):
            nct_id = path.rsplit("/", 1)[1]
            for study in self.studies:
                if _nct_or_empty(study) == nct_id:
                    return Reply(200, {}, json.dumps(study).encode())
            return _error(404, f"Study {nct_id} not found")
        if path in ("/api/v2/loop/a", "/api/v2/loop/b"):
            other = "b" if path.endswith("a") else "a"
            return Reply(302, {"Location": f"/api/v2/loop/{other}"}, b"")
        return _error(404, f"No endpoint at {path}")

    def _studies(self, params: dict[str, str]) -> Reply:
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
        body = self._page(params, signature, offset, size, page)
        if fault is None:
            return Reply(200, {}, body)
        if fault.drop:
            return Reply(fault.status, {}, None, delay=fault.delay)
        chunks = fault.chunks(body) if fault.chunks is not None else None
        if chunks is None and (fault.body is not None or not 200 <= fault.status < 300):
            body = (
                fault.body if fault.body is not None else json.dumps({"message": "injected fault"}).encode()
            )
        return Reply(
            fault.status, fault.headers, body, chunks, fault.delay, fault.header_pause, fault.chunk_pause
        )

    def _page(
        self,
        params: dict[str, str],
        signature: tuple[tuple[str, str], ...],
        offset: int,
        size: int,
        page: int,
    ) -> bytes:
        """The page of studies from ``offset``, as JSON, with its next-page token if any."""
        found = self.matching(params)
        answer: dict[str, Any] = {}
        if params.get("countTotal") == "true" and self.count_total:
            answer["totalCount"] = len(found)
        answer["studies"] = self._slice(found, offset, size)
        following = offset + size
        if self.cycle is not None and page >= self.cycle[0]:
            following = (self.cycle[1] - 1) * size
        if following < len(found) or self.endless:
            with self._lock:
                token = self._offset_tokens.get((following, signature)) if self.cycle else None
                if token is None:
                    token = secrets.token_urlsafe(12)
                    self._tokens[token] = (following, signature)
                    self._offset_tokens[(following, signature)] = token
            answer["nextPageToken"] = token
        return json.dumps(answer).encode()

    def _slice(self, found: list[dict[str, Any]], offset: int, size: int) -> list[dict[str, Any]]:
        if offset + size <= len(found) or not self.endless or not found:
            return found[offset : offset + size]
        if self.endless == "wrap":
            return [found[i % len(found)] for i in range(offset, offset + size)]
        studies = found[offset : offset + size]
        for number in range(max(offset, len(found)), offset + size):
            copied = copy.deepcopy(found[-1])
            copied["protocolSection"]["identificationModule"]["nctId"] = f"NCT9{number:07d}"
            studies.append(copied)
        return studies

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


def _error(status: int, message: str) -> Reply:
    return Reply(status, {}, json.dumps({"message": message}).encode())


def _pieces(body: bytes, pause: float) -> Iterator[bytes]:
    """The body at once, or in small pieces when it is to be sent slowly."""
    if not pause:
        yield body
        return
    for start in range(0, len(body), 64):
        yield body[start : start + 64]


def _handler(registry: FakeRegistry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            arrived = time.monotonic()
            split = urlsplit(self.path)
            params = dict(parse_qsl(split.query, keep_blank_values=True))
            reply = registry.answer(split.path, params)
            with registry._lock:
                registry.requests.append(SeenRequest(arrived, split.path, params, reply.status))
            try:
                self._send(reply, arrived + MAX_SLOW_S)
            except OSError:
                self.close_connection = True  # the client hung up: what a bounded client does

        def _send(self, reply: Reply, give_up: float) -> None:
            if reply.delay:
                time.sleep(min(reply.delay, MAX_SLOW_S))
            if reply.body is None and reply.chunks is None:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            lines = [f"HTTP/1.0 {reply.status} {self.responses.get(reply.status, ('',))[0]}"]
            lines.append("Content-Type: application/json")
            if reply.chunks is None:
                assert reply.body is not None
                lines.append(f"Content-Length: {len(reply.body)}")
            lines += [f"{name}: {value}" for name, value in reply.headers.items()]
            head = ("\r\n".join(lines) + "\r\n\r\n").encode()
            if reply.header_pause:
                for index in range(len(head)):
                    if time.monotonic() > give_up:
                        return
                    self.wfile.write(head[index : index + 1])
                    self.wfile.flush()
                    time.sleep(reply.header_pause)
            else:
                self.wfile.write(head)
            self.close_connection = True
            chunks = (
                reply.chunks if reply.chunks is not None else _pieces(reply.body or b"", reply.chunk_pause)
            )
            for chunk in chunks:
                if time.monotonic() > give_up:
                    return
                self.wfile.write(chunk)
                if reply.chunk_pause:
                    self.wfile.flush()
                    time.sleep(reply.chunk_pause)

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
