"""The live ClinicalTrials.gov API v2: page through studies matching a query, politely.

`RegistryClient` asks the public registry for study records and nothing else: no patient
detail is ever part of a request. It is polite by default (at most one request a second),
retries what may pass (HTTP 429 and 5xx, dropped connections, timeouts) with capped,
jittered exponential backoff, honours ``Retry-After``, and raises `RegistryError` once it
gives up. An answer that is not what API v2 promises raises `RegistryResponseError`.

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
import time
from collections.abc import Callable, Iterator
from typing import Any

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

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


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
    ``max_retries`` how many times one request is tried again before giving up. ``transport``,
    ``sleep`` and ``clock`` can be replaced, so tests run against a local server without waiting.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_API,
        *,
        transport: httpx.BaseTransport | None = None,
        min_interval: float = 1.0,
        max_retries: int = 5,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        user_agent: str = DEFAULT_USER_AGENT,
        backoff: float = 1.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.min_interval = min_interval
        self.max_retries = max_retries
        self.backoff = backoff
        self._sleep = sleep
        self._clock = clock
        self._random = random.Random()
        self._last_request: float | None = None
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": user_agent, "Accept": "application/json"},
            follow_redirects=True,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- what callers use ----------------------------------------------------------------

    def iter_pages(self, query: StudyQuery) -> Iterator[StudyPage]:
        """Every page of studies matching ``query``, following ``nextPageToken`` to the end."""
        url = self.query_url(query)
        token: str | None = None
        number = 0
        while True:
            number += 1
            body = self._get_json(f"{self.base_url}/studies", query.params(token))
            page = _page_from(body, number, url)
            yield page
            if page.next_page_token is None:
                return
            if page.next_page_token == token:
                raise RegistryResponseError(f"{url}: page {number} points to itself as the next page")
            token = page.next_page_token

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
            body = self._get_json(url, {"format": "json"})
        except _NotFound as exc:
            raise RegistryError(f"the registry has no study {normalised} ({exc.url})") from None
        if not isinstance(body, dict) or not isinstance(body.get("protocolSection"), dict):
            raise RegistryResponseError(f"{url}: the answer is not an API v2 study ({_shape(body)})")
        return body

    def query_url(self, query: StudyQuery) -> str:
        """The address of a query's results, without paging: where its records say they came from."""
        params = {k: v for k, v in query.params().items() if k != "countTotal"}
        return str(httpx.URL(f"{self.base_url}/studies", params=params))

    # --- one request, with politeness and retries ----------------------------------------

    def _get_json(self, url: str, params: dict[str, str]) -> Any:
        response = self._get(url, params)
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            kind = response.headers.get("content-type", "no content type")
            raise RegistryResponseError(f"{response.url}: the answer is not JSON ({kind}): {exc}") from None

    def _get(self, url: str, params: dict[str, str]) -> httpx.Response:
        attempt = 0
        while True:
            self._wait_turn()
            response: httpx.Response | None = None
            try:
                response = self._http.get(url, params=params)
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            finally:
                self._last_request = self._clock()
            wait: float | None = None
            if response is not None:
                if response.is_success:
                    return response
                last = _retryable(response)
                wait = _retry_after(response)
            if attempt >= self.max_retries:
                full = httpx.URL(url, params=params)
                raise RegistryError(f"{full}: gave up after {attempt + 1} attempts; last answer: {last}")
            if wait is None:
                wait = self._backoff(attempt)
            elif wait > MAX_BACKOFF:
                raise RegistryError(
                    f"{url}: the registry asks to wait {wait:.0f} s before asking again ({last}); try later"
                )
            attempt += 1
            self._sleep(wait)

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


class _NotFound(RegistryError):
    """HTTP 404: `get_study` turns it into "no such study"; elsewhere it is a plain RegistryError."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{url}: the registry has nothing at this address (HTTP 404): {message}")
        self.url = url


def _retry_after(response: httpx.Response) -> float | None:
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


def _retryable(response: httpx.Response) -> str:
    """Describe a failed answer worth trying again; raise RegistryError for one that is not."""
    status = response.status_code
    if status == 404:
        raise _NotFound(str(response.url), _message(response))
    if status not in _RETRY_STATUSES:
        reason = _message(response)
        raise RegistryError(f"{response.url}: the registry refused the request (HTTP {status}): {reason}")
    return f"HTTP {status} {response.reason_phrase}".rstrip()


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


def _message(response: httpx.Response) -> str:
    """The registry's own words about a refused request, short."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        text = response.text.strip()
    else:
        text = ""
        if isinstance(body, dict):
            for key in ("message", "error", "detail"):
                if isinstance(body.get(key), str):
                    text = body[key]
                    break
        text = text or response.text.strip()
    text = " ".join(text.split())
    return (text[:300] + "…") if len(text) > 300 else (text or "no message")
