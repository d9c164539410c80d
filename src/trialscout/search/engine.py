"""Search the store: text, filters, distance, sorting, facets and pages, in one call.

`TrialSearch(store).search(SearchRequest(...))` is what the CLI and any other edge call. The
text index finds and ranks; the site columns answer distances; the store supplies what each
hit shows. Any query text gives results or a note saying why there are none; a place that
cannot be found raises `UnknownPlaceError` with close matches.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import math
import threading
from collections.abc import Iterable, Iterator, Sequence
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar

import msgspec
import tantivy

from trialscout.concepts.graph import STOP_WORDS, TUMOUR_WORDS, normal_name
from trialscout.errors import SearchInputError, StoreError
from trialscout.geo.distance import format_distance, parse_radius
from trialscout.model.enums import OPEN_STATUSES, OverallStatus, StudyType, parse_enum, phases_from_text
from trialscout.model.labels import label
from trialscout.model.nct import nct_from_key
from trialscout.model.trial import Trial
from trialscout.search import query as query_text
from trialscout.search.index import SearchIndex
from trialscout.search.query import QueryConcept
from trialscout.search.related import related_query
from trialscout.search.results import (
    FacetCount,
    NearestSite,
    ReadConcept,
    ResolvedPlace,
    SearchHit,
    SearchRequest,
    SearchResults,
    SiteFilter,
    SiteMatch,
    Sort,
)
from trialscout.search.schema import CELL_FIELDS, NO_MAXIMUM_AGE, NO_MINIMUM_AGE, day_number
from trialscout.store.base import SiteRow, TrialReader

FACETS = {"status": "status", "phase": "phase", "study_type": "study_type", "country": "country"}
MAX_PER_PAGE = 1000
#: Results past this rank are not served (a page that far would ask the index to rank and hold
#: every trial before it); narrowing the search reaches them.
MAX_RESULTS = 100_000
#: Radii tried in turn when sorting by distance without a radius: the nearest trials first.
_EXPANDING_RADII_KM = (50.0, 200.0, 1000.0, 5000.0, 21000.0)


def _read_as_note(concepts: Sequence[QueryConcept]) -> str:
    """How the query's words were read: which concepts, and what that includes and leaves out."""
    named = "; ".join(f"{c.text!r} as {c.label} ({', '.join(c.ids[:3])})" for c in concepts)
    broader = (
        " (and, ranked lower, trials about the broader tumour it is a kind of)"
        if any(c.parents for c in concepts)
        else ""
    )
    return (
        f"Read {named}: trials about it or a narrower kind of it are included{broader};"
        " trials only about a neighbouring kind are left out."
    )


def _count(searcher: tantivy.Searcher, query: tantivy.Query) -> int:
    """How many trials match (the stubs of tantivy 0.27 omit `SearchResult.count`)."""
    result: Any = searcher.search(query, limit=1, count=True)
    return int(result.count)


Ranked = tuple[int, float | None, float | None]  # trial key (NCT number), score, distance in km
#: At most this many grid cells narrow a radius search; a bigger circle uses bigger cells.
_MAX_CELLS = 80
#: The most trials a radius search checks one by one (the index narrows them first).
_MAX_CANDIDATES = 200_000


class _Geo(NamedTuple):
    place: ResolvedPlace
    sites: SiteFilter


def _at(key: int, distance: float | None) -> Ranked:
    return key, None, distance


def _filter(query: tantivy.Query) -> tuple[tantivy.Occur, tantivy.Query]:
    """A clause that must match but does not change the score."""
    return tantivy.Occur.Must, tantivy.Query.const_score_query(query, 0.0)


def _any_of(schema: tantivy.Schema, field: str, values: Iterable[str]) -> tantivy.Query:
    return query_text.any_term(schema, field, list(values))


def _int_range(schema: tantivy.Schema, field: str, low: int | None, high: int | None) -> tantivy.Query:
    return tantivy.Query.range_query(schema, field, tantivy.FieldType.Integer, low, high)


class _Version:
    """One published version of the index as searches use it, with what is worked out once
    for it (the note when it is behind the store, the places its sites name)."""

    __slots__ = ("behind", "index", "places")

    def __init__(self, store: TrialReader, index: SearchIndex) -> None:
        self.index = index
        self.behind = _behind_note(store, index)
        self.places: list[tuple[str, str | None, str, float, float]] | None = None


class TrialSearch:
    """Searches one store through its text index, read-only (the writer keeps it up to date).

    Each request runs on the index version published when it starts: when the writer publishes
    a new one, the next request opens it (`SearchIndex.latest`) and the ones in flight finish
    on the old one, so a long-running server follows the writer without a restart."""

    def __init__(self, store: TrialReader, index: SearchIndex | None = None) -> None:
        self.store = store
        self._at = _Version(store, index or SearchIndex.open(store))
        self._pinned = False  # a copy held on one version for the length of one request
        self._switch = threading.Lock()

    @property
    def index(self) -> SearchIndex:
        """The index version searches use now (the newest the writer has published)."""
        return self._now().index

    @property
    def schema(self) -> tantivy.Schema:
        return self._now().index.schema

    def _now(self) -> _Version:
        at = self._at
        if self._pinned:
            return at
        latest = at.index.latest()
        if latest is not at.index:
            with self._switch:
                if self._at.index is not latest:
                    self._at = _Version(self.store, latest)
                at = self._at
        return at

    def _on_one_version(self) -> TrialSearch:
        """This search held on the version published now, for one request."""
        pinned = copy.copy(self)
        pinned._at = self._now()
        pinned._pinned = True
        return pinned

    # --- the public call --------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
        """One page of results (see `SearchRequest`). Raises `SearchInputError` or a `GeoError`
        for a value that cannot be used, and `StoreError` when the index cannot be read."""
        pinned = self._on_one_version()
        with pinned._reading():
            return pinned._answer(request)

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            yield
        except (OSError, ValueError) as exc:  # tantivy reports a damaged file as ValueError
            raise StoreError(
                f"the search index at {self.index.folder} could not be read ({exc});"
                " rebuild it with: trialscout index --rebuild"
            ) from exc

    def _answer(self, request: SearchRequest) -> SearchResults:
        per_page = min(max(1, request.per_page), MAX_PER_PAGE)
        page = max(1, request.page)
        if (page - 1) * per_page >= MAX_RESULTS:
            raise SearchInputError(
                f"page {page} starts past result {MAX_RESULTS:,}; only the first {MAX_RESULTS:,}"
                " results are served: add words or filters to narrow the search"
            )
        behind = self._now().behind
        notes: list[str] = [behind] if behind else []
        searcher = self.index.searcher()

        parsed = query_text.parse(self._full_text(request))
        if request.ranked:
            parsed = msgspec.structs.replace(parsed, ranked=True)
        concepts = () if parsed.is_long else self._concepts(parsed.free)
        if concepts:
            notes.append(_read_as_note(concepts))
        text = query_text.build(parsed, self.schema, concepts=concepts)
        if parsed.is_empty and request.query.strip():
            notes.append(
                f"The query {request.query.strip()!r} has no searchable words;"
                " showing all trials that fit the filters."
            )

        place, site_filter = self._place(request), self._site_filter(request)
        filters = self._filters(request)
        sort = request.sort or _default_sort(parsed, place is not None)
        if sort is Sort.DISTANCE and place is None:
            raise SearchInputError("sorting by distance needs a place (--near)")
        geo = _Geo(place, site_filter) if place is not None else None

        combined = self._combine(text, filters)
        offset = (page - 1) * per_page
        total, page_hits, kept = self._page(searcher, combined, sort, geo, offset, per_page)
        if total == 0 and text is not None and not parsed.is_long and parsed.groups:
            for strictness in (query_text.Strictness.ANYWHERE, query_text.Strictness.MOST):
                looser = self._combine(query_text.build(parsed, self.schema, strictness, concepts), filters)
                total, page_hits, kept = self._page(searcher, looser, sort, geo, offset, per_page)
                if total:
                    if strictness is query_text.Strictness.ANYWHERE:
                        notes.append(
                            f"No trial that fits is about {request.query.strip()!r}; showing trials that"
                            " mention it elsewhere (in their summary or eligibility criteria, where it may"
                            " be a reason to exclude)."
                        )
                    else:
                        notes.append(
                            f"No trial matches every word of {request.query.strip()!r};"
                            " showing trials that match most of them."
                        )
                    combined = looser
                    break

        if request.facets and kept is not None:  # a radius: count exactly the trials kept
            combined = tantivy.Query.term_set_query(self.schema, "key", kept)
        facets = self._facets(searcher, combined) if request.facets else {}
        hits = self._hits(
            page_hits, place, site_filter, scored=sort is Sort.RELEVANCE, locations=request.locations
        )
        return SearchResults(
            total=total,
            page=page,
            per_page=per_page,
            sort=sort,
            hits=tuple(hits),
            facets=facets,
            place=place,
            notes=tuple(notes),
            concepts=tuple(ReadConcept(label=c.label, ids=c.ids, words=c.text) for c in concepts),
        )

    def _concepts(self, free: str) -> tuple[QueryConcept, ...]:
        """The concepts the free text names (see `trialscout.concepts`)."""
        if not free.strip():
            return ()
        graph = self.index.concepts
        words = normal_name(free).split()
        spans = graph.spans(free)
        # When the concepts name the whole query, they stand for all its words, however they
        # are spelt ("haemochromatosis" for the concept found under "hemochromatosis").
        named = sum(span.end - span.start for span in spans)
        whole = named >= len([w for w in words if w not in STOP_WORDS])
        found = []
        for span in spans:
            concepts = span.concepts
            broader = set().union(*(graph.ancestors(c) for c in concepts))
            near = set().union(*(graph.near(c) for c in concepts)) - broader - set(concepts)
            phrase = " ".join(words[span.start : span.end])
            tumour = any(TUMOUR_WORDS.intersection(k.split()) for k in graph.keys(concepts))
            parents = {
                p
                for c in concepts
                for p in graph.concepts[c].parents
                if tumour and any(TUMOUR_WORDS.intersection(k.split()) for k in graph.concepts[p].keys)
            }
            found.append(
                QueryConcept(
                    label=graph.label(concepts[0]),
                    ids=tuple(i for c in concepts for i in graph.concepts[c].ids),
                    keys=tuple(sorted(graph.keys(concepts))),
                    broader=tuple(sorted(graph.keys(broader))),
                    near=tuple(sorted(graph.keys(near) - graph.keys(broader) - graph.keys(concepts))),
                    parents=tuple(sorted(graph.keys(parents))),
                    words=tuple(query_text.terms(free if whole else phrase)),
                    text=phrase,
                )
            )
        return tuple(found)

    def related(
        self, nct_id: str, limit: int = 10, *, locations: bool = True, trial: Trial | None = None
    ) -> list[SearchHit]:
        """The trials most like this one (shared conditions, interventions, title words); each
        with its first site and site count unless ``locations`` is off (then the site columns
        are not even opened). ``trial``: the trial, where the caller has read it already."""
        pinned = self._on_one_version()
        with pinned._reading():
            return pinned._related(trial or self.store.trial(nct_id), limit, locations)

    def _related(self, trial: Trial, limit: int, locations: bool) -> list[SearchHit]:
        searcher = self.index.searcher()
        query = related_query(trial, self.schema, searcher)
        if query is None:
            return []
        _, ranked, _ = self._page(searcher, query, Sort.RELEVANCE, None, 0, max(1, limit))
        return self._hits(ranked, None, SiteFilter(), scored=True, locations=locations)

    # --- reading the request ----------------------------------------------------------

    @staticmethod
    def _full_text(request: SearchRequest) -> str:
        parts = [request.query]
        for field, value in (
            ("condition", request.condition),
            ("intervention", request.intervention),
            ("sponsor", request.sponsor),
        ):
            if value and value.strip():
                cleaned = value.replace('"', " ")
                parts.append(f'{field}:"{cleaned}"')
        return " ".join(parts)

    def _place(self, request: SearchRequest) -> ResolvedPlace | None:
        if request.radius and not request.near:
            raise SearchInputError("a radius needs a place: add --near PLACE")
        if not request.near:
            return None
        # Imported here, with the place names the writer prebuilt: only a search near a place
        # needs the gazetteer (and numpy).
        from trialscout.geo.places import resolve_place

        self.index.use_places()
        found = resolve_place(request.near, extra_places=self.site_places())
        radius = parse_radius(request.radius).km if request.radius else None
        return ResolvedPlace(
            label=found.label, latitude=found.latitude, longitude=found.longitude, radius_km=radius
        )

    def site_places(self) -> list[tuple[str, str | None, str, float, float]]:
        """The places the trials' sites name (city, state, country, lat, lon), made once: the
        place reader looks at them last, for towns the gazetteer does not have."""
        at = self._now()
        if at.places is None:
            at.places = at.index.sites.place_coordinates()
        return at.places

    def _place_keys(self, kind: str, value: str | None, request: SearchRequest) -> tuple[str, ...]:
        """A country/state/city filter as the index keys it ("United States/California"):
        narrowed by the country and state when they are given too."""
        if not value or not value.strip():
            return ()
        keys = self.index.sites.known_places(kind, value)
        if kind != "country" and request.country:
            keys = tuple(k for k in keys if k.casefold().startswith(request.country.strip().casefold() + "/"))
        if kind == "city" and request.state:
            keys = tuple(k for k in keys if k.split("/")[1].casefold() == request.state.strip().casefold())
        if not keys:
            raise SearchInputError(f"no trial site is in the {kind} {value.strip()!r}")
        return keys

    def _site_filter(self, request: SearchRequest) -> SiteFilter:
        statuses = {_token(OverallStatus, v) for v in request.statuses}
        return SiteFilter(
            recruiting_only=request.recruiting_site,
            open_only=bool(statuses) and statuses <= {s.value for s in OPEN_STATUSES},
            country=self._place_keys("country", request.country, request),
            state=self._place_keys("state", request.state, request),
            city=self._place_keys("city", request.city, request),
        )

    def _filters(self, request: SearchRequest) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        s = self.schema
        out: list[tuple[tantivy.Occur, tantivy.Query]] = []
        if request.statuses:
            out.append(_filter(_any_of(s, "status", (_token(OverallStatus, v) for v in request.statuses))))
        if request.phases:
            out.append(_filter(_any_of(s, "phase", (_phase(v) for v in request.phases))))
        if request.study_types:
            out.append(_filter(_any_of(s, "study_type", (_token(StudyType, v) for v in request.study_types))))
        if request.sex:
            sex = request.sex.upper()
            if sex not in {"FEMALE", "MALE"}:
                raise SearchInputError(f"sex must be FEMALE or MALE, not {request.sex!r}")
            out.append(_filter(_any_of(s, "sex", ("ALL", sex, "UNKNOWN"))))
        if request.age is not None:
            if not 0 <= request.age < 150:
                raise SearchInputError(f"an age must be between 0 and 150 years, not {request.age}")
            age = float(request.age)
            out.append(
                _filter(tantivy.Query.range_query(s, "min_age", tantivy.FieldType.Float, NO_MINIMUM_AGE, age))
            )
            out.append(
                _filter(tantivy.Query.range_query(s, "max_age", tantivy.FieldType.Float, age, NO_MAXIMUM_AGE))
            )
        if request.healthy_volunteers is not None:
            out.append(
                _filter(
                    _int_range(s, "healthy", int(request.healthy_volunteers), int(request.healthy_volunteers))
                )
            )
        if request.has_results is not None:
            out.append(
                _filter(_int_range(s, "has_results", int(request.has_results), int(request.has_results)))
            )
        if request.possibly_stale is not None:
            out.append(
                _filter(_int_range(s, "stale", int(request.possibly_stale), int(request.possibly_stale)))
            )
        if request.recruiting_site:
            out.append(_filter(_int_range(s, "has_recruiting_site", 1, 1)))
        for field, low, high in (
            ("start", request.start_from, request.start_to),
            ("updated", request.updated_from, request.updated_to),
        ):
            if low is not None or high is not None:
                # An unknown date (0) never falls in a range.
                out.append(_filter(_int_range(s, field, _day(low) or 1, _day(high))))
        if request.nct_ids:
            out.append(_filter(_any_of(s, "nct_id", request.nct_ids)))
        ages: tuple[tuple[str, float | None, float | None], ...] = (
            ("min_age", request.minimum_age_from, request.minimum_age_to),
            ("max_age", request.maximum_age_from, request.maximum_age_to),
        )
        for name, least, most in ages:
            if least is not None or most is not None:
                out.append(_filter(tantivy.Query.range_query(s, name, tantivy.FieldType.Float, least, most)))
        site_filter = self._site_filter(request)
        prefix = "recruiting_" if request.recruiting_site else ""
        for kind in ("country", "state", "city"):
            keys = getattr(site_filter, kind)
            if keys:
                out.append(_filter(_any_of(s, prefix + kind, keys)))
        return out

    def _combine(
        self, text: tantivy.Query | None, filters: Sequence[tuple[tantivy.Occur, tantivy.Query]]
    ) -> tantivy.Query:
        clauses = [(tantivy.Occur.Must, text)] if text is not None else []
        clauses += list(filters)
        if not clauses:
            return tantivy.Query.all_query()
        if text is None:
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)

    # --- ranking ----------------------------------------------------------------------

    def _page(
        self,
        searcher: tantivy.Searcher,
        query: tantivy.Query,
        sort: Sort,
        geo: _Geo | None,
        offset: int,
        limit: int,
    ) -> tuple[int, list[Ranked], list[int] | None]:
        """How many trials match, (key, score, distance) of the requested page, and, when a
        radius applies, the keys of every trial kept (for exact facet counts)."""
        if geo is not None and (geo.place.radius_km is not None or sort is Sort.DISTANCE):
            return self._near(searcher, query, sort, geo, offset, limit)
        result: Any = self._search(searcher, query, sort, limit, offset)
        addresses = [address for _, address in result.hits]
        keys = searcher.fast_field_values("key", addresses) if addresses else []
        ranked: list[Ranked] = [
            (int(key), float(score) if sort is Sort.RELEVANCE else None, None)  # type: ignore[arg-type]
            for (score, _), key in zip(result.hits, keys, strict=True)
        ]
        return int(result.count), ranked, None

    @staticmethod
    def _search(
        searcher: tantivy.Searcher, query: tantivy.Query, sort: Sort, limit: int, offset: int = 0
    ) -> Any:
        if sort in (Sort.UPDATED, Sort.START):
            field = "updated" if sort is Sort.UPDATED else "start"
            return searcher.search(
                query, limit=limit, offset=offset, count=True, order_by_field=field, order=tantivy.Order.Desc
            )
        return searcher.search(query, limit=limit, offset=offset, count=True)

    def _near(
        self, searcher: tantivy.Searcher, query: tantivy.Query, sort: Sort, geo: _Geo, offset: int, limit: int
    ) -> tuple[int, list[Ranked], list[int] | None]:
        """Results within a radius (or, to sort by distance without one, within growing radii).

        The index keeps the trials with a site in the grid cells around the circle; the exact
        distance to each one's nearest fitting site then decides, over its own sites only.
        """
        import numpy as np  # here: searches without a place do not need it

        radius = geo.place.radius_km
        radii = (radius,) if radius is not None else _EXPANDING_RADII_KM
        total_anywhere = _count(searcher, query) if radius is None else None
        wanted = offset + limit
        for r in radii:
            cells = self._cells(geo.place.latitude, geo.place.longitude, r)
            narrowed = (
                query
                if cells is None
                else tantivy.Query.boolean_query([(tantivy.Occur.Must, query), _filter(cells)])
            )
            # Nearest first needs no scores: collecting by a fast field skips scoring.
            result: Any = (
                searcher.search(narrowed, limit=_MAX_CANDIDATES, count=False, order_by_field="key")
                if sort is Sort.DISTANCE
                else self._search(searcher, narrowed, sort, _MAX_CANDIDATES)
            )
            addresses = [address for _, address in result.hits]
            keys = np.asarray(
                searcher.fast_field_values("key", addresses) if addresses else [], dtype=np.int64
            )
            distances = self.index.sites.distances(
                keys, geo.place.latitude, geo.place.longitude, geo.sites, within_km=r
            )
            inside = np.flatnonzero(distances <= r)
            if sort is Sort.DISTANCE:
                inside = inside[np.argsort(distances[inside], kind="stable")]
            scores = [float(score) for score, _ in result.hits] if sort is Sort.RELEVANCE else None
            ranked: list[Ranked] = [
                (int(keys[i]), scores[i] if scores is not None else None, float(distances[i]))
                for i in inside.tolist()
            ]
            if radius is not None:
                return len(ranked), ranked[offset:wanted], [row for row, _, _ in ranked]
            assert total_anywhere is not None
            if len(ranked) >= wanted or r == radii[-1] or len(ranked) == total_anywhere:
                if len(ranked) < min(wanted, total_anywhere):  # trials with no placeable site come last
                    placed = {row for row, _, _ in ranked}
                    rest: Any = self._search(searcher, query, Sort.RELEVANCE, wanted + len(placed))
                    extra = searcher.fast_field_values("key", [a for _, a in rest.hits]) if rest.hits else []
                    ranked += [_at(int(x), None) for x in extra if int(x) not in placed]  # type: ignore[arg-type]
                return total_anywhere, ranked[offset:wanted], None
        return 0, [], None

    def _cells(self, latitude: float, longitude: float, radius_km: float) -> tantivy.Query | None:
        """The grid cells covering a circle, at the finest size that needs few of them; None
        when the circle covers much of the globe (no point narrowing)."""
        dlat = radius_km / 111.2
        dlon = min(180.0, dlat / max(math.cos(math.radians(min(89.0, abs(latitude) + dlat))), 1e-3))
        for field, degrees in CELL_FIELDS.items():
            rows = range(math.floor((latitude - dlat) / degrees), math.floor((latitude + dlat) / degrees) + 1)
            columns = range(
                math.floor((longitude - dlon) / degrees), math.floor((longitude + dlon) / degrees) + 1
            )
            if len(rows) * len(columns) <= _MAX_CELLS:
                wrap = round(360 / degrees)
                tokens = {
                    f"{row}:{(column + wrap // 2) % wrap - wrap // 2}" for row in rows for column in columns
                }
                return tantivy.Query.term_set_query(self.schema, field, sorted(tokens))
        return None

    def _facets(self, searcher: tantivy.Searcher, query: tantivy.Query) -> dict[str, tuple[FacetCount, ...]]:
        request = {name: {"terms": {"field": field, "size": 30}} for name, field in FACETS.items()}
        answer = searcher.aggregate(query, request)
        return {
            name: tuple(
                FacetCount(str(b["key"]), int(b["doc_count"]))
                for b in answer.get(name, {}).get("buckets", [])
            )
            for name in FACETS
        }

    # --- what each hit shows ------------------------------------------------------------

    def _hits(
        self,
        ranked: Sequence[tuple[int, float | None, float | None]],
        place: ResolvedPlace | None,
        site_filter: SiteFilter,
        *,
        scored: bool,
        locations: bool = True,
    ) -> list[SearchHit]:
        if not ranked:
            return []
        ids = [nct_from_key(key) for key, _, _ in ranked]
        cards = self.store.cards(ids)
        matches: dict[str, SiteMatch] = {}
        if locations:
            latitude, longitude = (place.latitude, place.longitude) if place else (None, None)
            for (key, _, _), nct_id in zip(ranked, ids, strict=True):
                match = self.index.sites.nearest(key, latitude, longitude, site_filter)
                if match is not None and nct_id in cards:
                    matches[nct_id] = match
        sites = self.store.sites_at([(nct_id, match.ordinal) for nct_id, match in matches.items()])
        hits = []
        for (_, score, _), nct_id in zip(ranked, ids, strict=True):
            card = cards.get(nct_id)
            if card is None:  # changed in the store since the index was read; the next search has it
                continue
            match = matches.get(nct_id)
            nearest = _nearest_site(sites.get((nct_id, match.ordinal)), match) if match is not None else None
            hits.append(
                SearchHit(
                    nct_id=nct_id,
                    title=card.brief_title or card.official_title or nct_id,
                    overall_status=card.overall_status,
                    phases=card.phases,
                    study_type=card.study_type,
                    conditions=card.conditions[:6],
                    sponsor=card.lead_sponsor,
                    start_date=card.start_date,
                    last_update=card.last_update,
                    possibly_stale=card.possibly_stale,
                    stale_reasons=card.stale_reasons,
                    stale_grade=card.stale_grade,
                    score=score if scored else None,
                    nearest_site=nearest,
                    location=location_line(nearest, site_filter, card.overall_status) if nearest else None,
                )
            )
        return hits


def _nearest_site(site: SiteRow | None, match: SiteMatch) -> NearestSite:
    """A hit's nearest site: where it is (from the store), how far and how many others (from
    the index)."""
    return NearestSite(
        facility=site.facility if site else None,
        city=site.city if site else None,
        state=site.state if site else None,
        country=site.country if site else None,
        status=match.status,
        distance_km=match.distance_km,
        distance=format_distance(match.distance_km) if match.distance_km is not None else None,
        other_sites=match.other_sites,
    )


def _behind_note(store: TrialReader, index: SearchIndex) -> str | None:
    """A note when the index does not hold the store's latest changes (a reader never updates
    it; the writer does, after each load or sync)."""
    if index.meta.store_id != store.identity():
        return "The search index was built for another store; rebuild it with: trialscout index --rebuild"
    behind = store.last_change_seq() - index.meta.indexed_seq
    if behind <= 0:
        return None
    return (
        "The search index does not yet hold the store's latest changes; results may miss them"
        " until it is updated (trialscout index)."
    )


_OPEN = frozenset(s.value for s in OPEN_STATUSES)


def location_line(site: NearestSite, site_filter: SiteFilter, trial_status: str | None = None) -> str:
    """'Recruiting in Palo Alto (17 mi) +139 other locations': the site's own status, never the
    trial's; a site whose record states no status reads 'Site in ...', and so does a site that
    says it is open in a trial that is not (its status UNKNOWN, or closed): the registry then
    contradicts itself, and the trial's status wins."""
    where = site.city or site.state or site.country or "an unnamed place"
    site_open = site.status in _OPEN
    trial_open = trial_status is None or trial_status in _OPEN
    shown = site.status if site.status and (trial_open or not site_open) else None
    head = f"{label(shown)} in {where}" if shown else f"Site in {where}"
    if site.distance:
        head += f" ({site.distance})"
    if site.other_sites:
        kind = "recruiting location" if site_filter.recruiting_only else "location"
        head += f" +{site.other_sites:,} other {kind}{'s' if site.other_sites != 1 else ''}"
    return head


def _default_sort(parsed: query_text.ParsedQuery, has_place: bool) -> Sort:
    """Nearest first when there is a place and no patient description to rank by; else by
    relevance when there is text; else the most recently updated first."""
    if has_place and (parsed.is_empty or not parsed.is_long):
        return Sort.DISTANCE
    return Sort.UPDATED if parsed.is_empty else Sort.RELEVANCE


E = TypeVar("E", bound=StrEnum)


def _token(enum: type[E], text: str) -> str:
    """A filter value in any registry spelling ("recruiting", "Active, not recruiting")."""
    value = parse_enum(enum, text)
    if value is None:
        allowed = ", ".join(e.value for e in enum)
        raise SearchInputError(f"{text!r} is not one of: {allowed}")
    return value.value


def _phase(text: str) -> str:
    """'2', 'phase 2', 'PHASE2', 'Phase 1/Phase 2' (the first), 'early 1', 'NA' -> the API token."""
    cleaned = text.strip()
    if cleaned.isdigit():
        cleaned = f"Phase {cleaned}"
    elif cleaned.lower().replace(" ", "") in {"early1", "earlyphase1"}:
        cleaned = "Early Phase 1"
    found = phases_from_text(cleaned)
    if not found:
        raise SearchInputError(f"{text!r} is not a phase (use 1, 2, 3, 4, early1 or NA)")
    return found[0].value


def _day(value: dt.date | None) -> int | None:
    return day_number(value.isoformat()) if value is not None else None
