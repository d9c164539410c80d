"""The live ClinicalTrials.gov API v2: page through studies matching a query, politely.

`RegistryClient` asks the public registry for study records and nothing else: no patient
detail is ever part of a request. It is polite by default (at most one request a second),
retries what may pass (HTTP 429 and 5xx, dropped connections, timeouts, a body that does not
decompress) with capped, jittered exponential backoff, honours ``Retry-After``, and raises
`RegistryError` once it gives up. An answer that is not what API v2 promises raises
`RegistryResponseError`.

Nothing a server does can make it run forever or swell:

* every request has an overall deadline (``request_timeout``, 120 s), headers and body
  together, however slowly the bytes trickle in (``timeout``, 30 s, is the wait for any one read);
* a response is read as a stream and decompressed here, and a page of more than
  ``max_page_bytes`` (`MAX_PAGE_BYTES`, 64 MiB) *after* decompression is refused, so a gzip
  bomb stops at the bound; an error answer is read up to 64 KiB;
* redirects are followed at most ``max_redirects`` (5) times; a loop is a `RegistryError`;
* paging stops with `RegistryResponseError` when a next-page token comes back (a cycle), when
  more studies arrive than ``totalCount`` said plus a slack for studies updated meanwhile
  (a tenth, at least two pages), or when `MAX_STALE_PAGES` pages in a row bring no study not
  already received;
* one paging run (one sync) has a deadline too (``deadline``, `DEFAULT_DEADLINE`: 6 h), after
  which it stops with a `RegistryError` saying so.

    query = StudyQuery(condition="lung cancer", statuses=(OverallStatus.RECRUITING,))
    for item in RegistryClient().iter_records(query):
        ...  # RawRecord (one study's JSON) or Rejection

Pages come sorted by last update (oldest first), so a caller storing them as they arrive can
remember how far it got (see `trialscout.store.sync`).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx
import msgspec
import orjson

from trialscout.errors import RegistryError, RegistryResponseError
from trialscout.model.enums import OverallStatus, SourceFormat
from trialscout.model.nct import normalise_nct_id
from trialscout.settings import DEFAULT_API
from trialscout.sources.files import RawRecord, Rejection, unsupported_reason

DEFAULT_USER_AGENT = "trialscout/0.1 (local copy of public ClinicalTrials.gov records)"
#: The most studies API v2 returns in one page.
MAX_PAGE_SIZE = 1000
#: Longest wait between two attempts, whatever the attempt number or the server asks.
MAX_BACKOFF = 60.0

#: The largest page accepted, counted after decompression.
MAX_PAGE_BYTES = 64 * 1024 * 1024
#: The longest one paging run (so one sync) may take, by default: generous, but not forever.
DEFAULT_DEADLINE = 6 * 3600.0
#: Pages in a row that bring no study not already received before paging stops.
MAX_STALE_PAGES = 3

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_MAX_ERROR_BYTES = 64 * 1024
_HEADROOM = 1024 * 1024  # what one request may read beyond the page: headers, a redirect or two


class StudyQuery(msgspec.Struct, frozen=True, kw_only=True):
    """Which studies to ask the registry for.

    ``updated_since`` keeps studies whose last update was posted on or after that day; it is
    what an incremental sync moves forward, so it is not part of `key`.
    """

    condition: str | None = None
    term: str | None = None
    statuses: tuple[OverallStatus, ...] = ()
    updated_since: dt.date | None = None
    page_size: int = 100

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {self.page_size}")

    def params(self, page_token: str | None = None) -> dict[str, str]:
        """The API v2 ``/studies`` parameters for one page (the first when no token)."""
        params: dict[str, str] = {"format": "json"}
        if self.condition:
            params["query.cond"] = self.condition
        if self.term:
            params["query.term"] = self.term
        if self.statuses:
            params["filter.overallStatus"] = "|".join(str(status) for status in self.statuses)
        if self.updated_since is not None:
            params["filter.advanced"] = f"AREA[LastUpdatePostDate]RANGE[{self.updated_since.isoformat()},MAX]"
        params["sort"] = "LastUpdatePostDate:asc"
        params["pageSize"] = str(self.page_size)
        if page_token is None:
            params["countTotal"] = "true"
        else:
            params["pageToken"] = page_token
        return params

    def key(self) -> str:
        """What this query asks for, without the date or the page size: stable across syncs."""
        parts = {
            "cond": _squeeze(self.condition),
            "term": _squeeze(self.term),
            "status": ",".join(sorted({str(status) for status in self.statuses})),
        }
        return " ".join(f"{name}={value}" for name, value in parts.items() if value) or "all"


def _squeeze(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


class StudyPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of ``/studies``: its studies, the token to the next page and where it came from."""

    number: int
    url: str
    studies: list[dict[str, Any]]
    next_page_token: str | None
    total_count: int | None

    def records(self) -> Iterator[RawRecord | Rejection]:
        """Each study as a RawRecord, or a Rejection saying why it is not a study."""
        for index, study in enumerate(self.studies):
            label = f"page {self.number} [{index}]"
            protocol = study.get("protocolSection")
            if not isinstance(protocol, dict):
                yield Rejection(self.url, label, unsupported_reason(study))
                continue
            ident = protocol.get("identificationModule")
            nct = ident.get("nctId") if isinstance(ident, dict) else None
            if isinstance(nct, str):
                label = f"{label} {nct}"
            yield RawRecord(self.url, label, SourceFormat.CTGOV_API_V2_JSON, orjson.dumps(study))


class RegistryClient:
    """A polite client for the public ClinicalTrials.gov API v2.

    ``min_interval`` is the least time between two requests (retries included);
    ``max_retries`` how many times one request is tried again before giving up. ``timeout`` is
    the longest wait for any one read, ``request_timeout`` the longest one request may take in
    all, ``deadline`` the longest one run of `iter_pages` may take (None: no limit) and
    ``max_page_bytes`` the largest page accepted, decompressed. ``transport``, ``sleep`` and
    ``clock`` can be replaced, so tests run against a local server without waiting (with a
    transport of one's own, ``request_timeout`` is checked between chunks of the body only).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_API,
        *,
        transport: httpx.BaseTransport | None = None,
        min_interval: float = 1.0,
        max_retries: int = 5,
        timeout: float = 30.0,
        request_timeout: float = 120.0,
        deadline: float | None = DEFAULT_DEADLINE,
        max_page_bytes: int = MAX_PAGE_BYTES,
        max_redirects: int = 5,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        user_agent: str = DEFAULT_USER_AGENT,
        backoff: float = 1.0,
    ) -> None:
        if request_timeout <= 0 or timeout <= 0:
            raise ValueError("timeouts must be positive")
        if deadline is not None and deadline <= 0:
            raise ValueError(f"the deadline must be positive, not {deadline}")
        if max_page_bytes < 1:
            raise ValueError(f"max_page_bytes must be positive, not {max_page_bytes}")
        self.base_url = base_url.rstrip("/")
        self.min_interval = min_interval
        self.max_retries = max_retries
        self.backoff = backoff
        self.request_timeout = request_timeout
        self.deadline = deadline
        self.max_page_bytes = max_page_bytes
        self.max_redirects = max_redirects
        self._sleep = sleep
        self._clock = clock
        self._random = random.Random()
        self._last_request: float | None = None
        self._network = _Deadlines(clock)
        self._http = httpx.Client(
            transport=transport or _DeadlineTransport(self._network),
            timeout=timeout,
            headers={
                "User-Agent": user_agent,
                "Accept": "application/json",
                "Accept-Encoding": "gzip, deflate",
            },
            follow_redirects=True,
            max_redirects=max_redirects,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- what callers use ----------------------------------------------------------------

    def iter_pages(self, query: StudyQuery, *, deadline: float | None = None) -> Iterator[StudyPage]:
        """Every page of studies matching ``query``, following ``nextPageToken`` to the end.

        ``deadline`` (seconds from the first request; default: the client's) bounds the whole
        run. Raises `RegistryResponseError` when the pages go round (a token offered again),
        run past ``totalCount`` plus slack, or stop bringing new studies; pages yielded before
        stay yielded.
        """
        url = self.query_url(query)
        seconds = self.deadline if deadline is None else deadline
        run = _Run(url, seconds, None if seconds is None else self._clock() + seconds)
        token: str | None = None
        offered: dict[str, int] = {}  # token -> the page that offered it
        seen: set[int | str] = set()
        received = stale = 0
        total: int | None = None
        while True:
            run.pages += 1
            number = run.pages
            body = self._get_json(f"{self.base_url}/studies", query.params(token), run)
            page = _page_from(body, number, url)
            if number == 1:
                total = page.total_count
            received += len(page.studies)
            stale = 0 if _note_new(page.studies, seen) else stale + 1
            yield page
            run.stored = number
            following = page.next_page_token
            if following is None:
                return
            if following == token:
                raise RegistryResponseError(f"{url}: page {number} points to itself as the next page")
            if following in offered:
                raise RegistryResponseError(
                    f"{url}: page {number} offers the next-page token that page {offered[following]} "
                    f"offered: the pages go round in a cycle; stopped after {number} pages"
                )
            offered[following] = number
            if total is not None:
                slack = max(total // 10, 2 * query.page_size)
                if received > total + slack:
                    raise RegistryResponseError(
                        f"{url}: the registry said {total:,} studies match but has sent {received:,} in "
                        f"{number} pages (allowing {slack:,} more for studies updated meanwhile) and "
                        "still offers a next page; stopped"
                    )
            if stale >= MAX_STALE_PAGES:
                raise RegistryResponseError(
                    f"{url}: {stale} pages in a row brought no study not already received, yet a next "
                    f"page is offered; stopped after {number} pages"
                )
            token = following

    def iter_records(self, query: StudyQuery) -> Iterator[RawRecord | Rejection]:
        """Every study matching ``query``, one record at a time, page after page."""
        for page in self.iter_pages(query):
            yield from page.records()

    def get_study(self, nct_id: str) -> dict[str, Any]:
        """One study record, as the registry has it now."""
        normalised = normalise_nct_id(nct_id)
        if normalised is None:
            raise RegistryError(
                f"{nct_id!r} is not an NCT ID (NCT and eight digits); the registry has no such study"
            )
        url = f"{self.base_url}/studies/{normalised}"
        try:
            body = self._get_json(url, {"format": "json"}, None)
        except _NotFound as exc:
            raise RegistryError(f"the registry has no study {normalised} ({exc.url})") from None
        if not isinstance(body, dict) or not isinstance(body.get("protocolSection"), dict):
            raise RegistryResponseError(f"{url}: the answer is not an API v2 study ({_shape(body)})")
        return body

    def query_url(self, query: StudyQuery) -> str:
        """The address of a query's results, without paging: where its records say they came from."""
        params = {k: v for k, v in query.params().items() if k != "countTotal"}
        return str(httpx.URL(f"{self.base_url}/studies", params=params))

    # --- one request, with politeness, retries and bounds ---------------------------------

    def _get_json(self, url: str, params: dict[str, str], run: _Run | None) -> Any:
        answer = self._get(url, params, run)
        try:
            return orjson.loads(answer.body)
        except orjson.JSONDecodeError as exc:
            kind = answer.headers.get("content-type", "no content type")
            raise RegistryResponseError(f"{answer.url}: the answer is not JSON ({kind}): {exc}") from None

    def _get(self, url: str, params: dict[str, str], run: _Run | None) -> _Answer:
        attempt = 0
        bad_body = False
        while True:
            if run is not None:
                run.check(self._clock())
            self._wait_turn()
            until = self._clock() + self.request_timeout
            if run is not None and run.until is not None:
                until = min(until, run.until)
            answer: _Answer | None = None
            try:
                self._network.limit(until, self.max_page_bytes + _MAX_ERROR_BYTES + _HEADROOM)
                answer = self._attempt(url, params, until)
            except httpx.TooManyRedirects:
                full = httpx.URL(url, params=params)
                raise RegistryError(
                    f"{full}: redirected more than {self.max_redirects} times (a redirect loop?); "
                    "check the base URL"
                ) from None
            except (httpx.TransportError, httpx.DecodingError, _BadAnswer) as exc:
                bad_body = isinstance(exc, (httpx.DecodingError, _BadBody))
                if isinstance(exc, (httpx.TimeoutException, _TooSlow)) and self._clock() >= until:
                    last = f"no complete answer within {self.request_timeout:g} s ({type(exc).__name__})"
                else:
                    last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            except httpx.HTTPError as exc:
                raise RegistryError(f"{httpx.URL(url, params=params)}: {type(exc).__name__}: {exc}") from None
            finally:
                self._network.limit(None, None)
                self._last_request = self._clock()
            wait: float | None = None
            if answer is not None:
                if answer.ok:
                    return answer
                bad_body = False
                last = _retryable(answer)
                wait = _retry_after(answer)
            if run is not None:
                run.check(self._clock())
            if attempt >= self.max_retries:
                full = httpx.URL(url, params=params)
                error = RegistryResponseError if bad_body else RegistryError
                raise error(f"{full}: gave up after {attempt + 1} attempts; last answer: {last}")
            if wait is None:
                wait = self._backoff(attempt)
            elif wait > MAX_BACKOFF:
                raise RegistryError(
                    f"{url}: the registry asks to wait {wait:.0f} s before asking again ({last}); try later"
                )
            if run is not None:
                run.check(self._clock() + wait)
            attempt += 1
            self._sleep(wait)

    def _attempt(self, url: str, params: dict[str, str], until: float) -> _Answer:
        """One request, its body read as a stream: bounded in size (decompressed) and in time."""
        with self._http.stream("GET", url, params=params) as response:
            ok = response.is_success
            limit = self.max_page_bytes if ok else _MAX_ERROR_BYTES
            inflater = _Inflater(response.headers.get("content-encoding", ""), strict=ok)
            body = bytearray()
            for chunk in response.iter_raw():
                if not inflater.feed(chunk, body, limit):
                    if not ok:
                        break  # an error answer's first 64 KiB say enough
                    raise RegistryResponseError(
                        f"{response.url}: the page is larger than {_size(limit)} once decompressed "
                        "(max_page_bytes, the most one page may be); ask for fewer studies per page"
                    )
                if self._clock() > until:
                    raise _TooSlow(f"the body was still arriving after {self.request_timeout:g} s")
            else:
                inflater.finish()
            return _Answer(
                str(response.url), response.status_code, response.reason_phrase, response.headers, body
            )

    def _wait_turn(self) -> None:
        if self._last_request is None or self.min_interval <= 0:
            return
        wait = self.min_interval - (self._clock() - self._last_request)
        if wait > 0:
            self._sleep(wait)

    def _backoff(self, attempt: int) -> float:
        """Exponential, capped, with jitter: between half and all of backoff * 2**attempt."""
        ceiling = min(MAX_BACKOFF, self.backoff * 2.0**attempt)
        return ceiling / 2 + self._random.uniform(0, ceiling / 2)


class _Run:
    """One paging run: its deadline (on the client's clock) and how far it got."""

    def __init__(self, url: str, seconds: float | None, until: float | None) -> None:
        self.url = url
        self.seconds = seconds
        self.until = until
        self.pages = 0
        self.stored = 0

    def check(self, when: float) -> None:
        """Raise RegistryError if ``when`` is at or past the run's deadline."""
        if self.until is None or self.seconds is None or when < self.until:
            return
        raise RegistryError(
            f"{self.url}: the sync passed its deadline ({_duration(self.seconds)}) after {self.stored} "
            f"page{'' if self.stored == 1 else 's'}; what was stored stays stored, and running it "
            "again goes on from its checkpoint"
        )


@dataclass(frozen=True)
class _Answer:
    url: str
    status: int
    reason: str
    headers: httpx.Headers
    body: bytearray  # not copied into bytes: a page may be up to max_page_bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class _BadAnswer(Exception):
    """An answer that broke off or could not be read: worth trying again, like a 5xx."""


class _BadBody(_BadAnswer):
    """A body that does not decompress as its Content-Encoding says."""


class _TooSlow(_BadAnswer):
    """A body still arriving when the request's deadline passed."""


class _Inflater:
    """Decompress a body as it arrives, never holding more than the limit (plus one byte)."""

    def __init__(self, encoding: str, *, strict: bool) -> None:
        self.encoding = encoding.strip().lower()
        self._strict = strict
        self._z: Any = None
        self._first = False
        if self.encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif self.encoding == "deflate":
            self._z = zlib.decompressobj()
            self._first = True
        elif self.encoding not in ("", "identity") and strict:
            raise RegistryResponseError(
                f"the answer is encoded as {encoding!r}, which trialscout does not read"
            )

    def feed(self, data: bytes, out: bytearray, limit: int) -> bool:
        """Add ``data`` to ``out``, decompressed; False once ``out`` would pass ``limit``."""
        if self._z is None:
            out += data[: limit + 1 - len(out)]
            return len(out) <= limit
        while data:
            try:
                piece = self._z.decompress(data, limit + 1 - len(out))
            except zlib.error as exc:
                if self.encoding == "deflate" and self._first:  # some servers send raw deflate
                    self._first = False
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                if not self._strict:
                    return False
                raise _BadBody(f"the body is not valid {self.encoding} ({exc})") from None
            self._first = False
            out += piece
            if len(out) > limit:
                return False
            data = self._z.unconsumed_tail
            if self._z.eof:
                break
        return True

    def finish(self) -> None:
        if self._z is not None and self._strict and not self._z.eof:
            raise _BadBody(f"the {self.encoding} body ends before its end")


class _Deadlines(httpcore.NetworkBackend):
    """Network I/O that never waits past the deadline of the request in progress (``until``),
    nor reads more than its ``budget`` of bytes (redirect bodies included, which httpx reads
    whole before it follows them)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._inner = httpcore.SyncBackend()
        self._clock = clock
        self._local = threading.local()

    @property
    def until(self) -> float | None:
        value: float | None = getattr(self._local, "until", None)
        return value

    @until.setter
    def until(self, value: float | None) -> None:
        self._local.until = value

    def limit(self, until: float | None, budget: int | None) -> None:
        """Bound the next request (None, None: unbounded again)."""
        self._local.until = until
        self._local.budget = budget
        self._local.allowed = budget

    def spend(self, data: bytes) -> bytes:
        budget: int | None = getattr(self._local, "budget", None)
        if budget is not None:
            self._local.budget = budget = budget - len(data)
            if budget < 0:
                raise httpcore.ReadError(f"more than {_size(self._local.allowed)} arrived for one request")
        return data

    def bound(self, timeout: float | None, error: type[Exception]) -> float | None:
        until = self.until
        if until is None:
            return timeout
        left = until - self._clock()
        if left <= 0:
            raise error("the request passed its deadline")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, self.bound(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _DeadlineStream(stream, self)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(
            path, self.bound(timeout, httpcore.ConnectTimeout), socket_options
        )
        return _DeadlineStream(stream, self)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadlines: _Deadlines) -> None:
        self._inner = inner
        self._deadlines = deadlines

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = self._inner.read(max_bytes, self._deadlines.bound(timeout, httpcore.ReadTimeout))
        return self._deadlines.spend(data)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadlines.bound(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        bound = self._deadlines.bound(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, bound), self._deadlines)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineTransport(httpx.HTTPTransport):
    """httpx's own transport, over a network backend that keeps to each request's deadline."""

    def __init__(self, deadlines: _Deadlines) -> None:
        super().__init__()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=deadlines,
        )


class _NotFound(RegistryError):
    """HTTP 404: `get_study` turns it into "no such study"; elsewhere it is a plain RegistryError."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{url}: the registry has nothing at this address (HTTP 404): {message}")
        self.url = url


def _note_new(studies: list[dict[str, Any]], seen: set[int | str]) -> bool:
    """Remember the studies' NCT IDs (as numbers where they can be); True if any was new."""
    new = False
    for study in studies:
        protocol = study.get("protocolSection")
        ident = protocol.get("identificationModule") if isinstance(protocol, dict) else None
        nct = ident.get("nctId") if isinstance(ident, dict) else None
        if not isinstance(nct, str):
            continue
        key: int | str = int(nct[3:]) if nct[3:].isdigit() and nct[:3] == "NCT" else nct
        if key not in seen:
            seen.add(key)
            new = True
    return new


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    if seconds >= 60:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def _retry_after(response: _Answer) -> float | None:
    """Seconds the server asks to wait (Retry-After: seconds or an HTTP date), if it says."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _retryable(response: _Answer) -> str:
    """Describe a failed answer worth trying again; raise RegistryError for one that is not."""
    status = response.status
    if status == 404:
        raise _NotFound(response.url, _message(response))
    if status not in _RETRY_STATUSES:
        reason = _message(response)
        raise RegistryError(f"{response.url}: the registry refused the request (HTTP {status}): {reason}")
    return f"HTTP {status} {response.reason}".rstrip()


def _page_from(body: Any, number: int, url: str) -> StudyPage:
    where = f"{url} (page {number})"
    if not isinstance(body, dict):
        raise RegistryResponseError(f"{where}: the answer is not an API v2 page of studies ({_shape(body)})")
    studies = body.get("studies", [])
    if not isinstance(studies, list) or not all(isinstance(study, dict) for study in studies):
        raise RegistryResponseError(f"{where}: 'studies' is not a list of study objects")
    token = body.get("nextPageToken")
    if token is not None and (not isinstance(token, str) or not token):
        raise RegistryResponseError(f"{where}: 'nextPageToken' is not a token ({token!r})")
    total = body.get("totalCount")
    if total is not None and (not isinstance(total, int) or isinstance(total, bool)):
        raise RegistryResponseError(f"{where}: 'totalCount' is not a number ({total!r})")
    return StudyPage(number=number, url=url, studies=studies, next_page_token=token, total_count=total)


def _shape(body: Any) -> str:
    if isinstance(body, dict):
        keys = ", ".join(sorted(str(key) for key in body)[:5])
        return f"an object with keys {keys}" if keys else "an empty object"
    return f"a JSON {type(body).__name__}"


def _message(response: _Answer) -> str:
    """The registry's own words about a refused request, short."""
    raw = response.body.decode("utf-8", "replace")
    try:
        body = orjson.loads(response.body)
    except orjson.JSONDecodeError:
        text = raw.strip()
    else:
        text = ""
        if isinstance(body, dict):
            for key in ("message", "error", "detail"):
                if isinstance(body.get(key), str):
                    text = body[key]
                    break
        text = text or raw.strip()
    text = " ".join(text.split())
    return (text[:300] + "…") if len(text) > 300 else (text or "no message")
