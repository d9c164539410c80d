"""Search the store: text, filters, distance, sorting, facets and pages, in one call.

`TrialSearch(store).search(SearchRequest(...))` is what the CLI and any other edge call. The
text index finds and ranks; the site columns answer distances; the store supplies what each
hit shows. Any query text gives results or a note saying why there are none; a place that
cannot be found raises `UnknownPlaceError` with close matches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any, TypeVar

import orjson
import tantivy

from trialscout.errors import SearchInputError
from trialscout.geo.distance import format_distance, parse_radius
from trialscout.geo.places import resolve_place
from trialscout.model.enums import OverallStatus, StudyType, parse_enum, phases_from_text
from trialscout.model.labels import label
from trialscout.search import query as query_text
from trialscout.search.documents import day_number
from trialscout.search.index import SearchIndex
from trialscout.search.related import related_query
from trialscout.search.results import (
    FacetCount,
    NearestSite,
    ResolvedPlace,
    SearchHit,
    SearchRequest,
    SearchResults,
    Sort,
)
from trialscout.search.schema import NO_MAXIMUM_AGE, NO_MINIMUM_AGE
from trialscout.search.sites import SiteFilter, SiteMatch
from trialscout.store.database import TrialStore

FACETS = {"status": "status", "phase": "phase", "study_type": "study_type", "country": "country"}
MAX_PER_PAGE = 1000
#: Radii tried in turn when sorting by distance without a radius: the nearest trials first.
_EXPANDING_RADII_KM = (50.0, 200.0, 1000.0, 5000.0, 21000.0)


def _count(searcher: tantivy.Searcher, query: tantivy.Query) -> int:
    """How many trials match (the stubs of tantivy 0.27 omit `SearchResult.count`)."""
    result: Any = searcher.search(query, limit=1, count=True)
    return int(result.count)


def _filter(query: tantivy.Query) -> tuple[tantivy.Occur, tantivy.Query]:
    """A clause that must match but does not change the score."""
    return tantivy.Occur.Must, tantivy.Query.const_score_query(query, 0.0)


def _any_of(schema: tantivy.Schema, field: str, values: Iterable[str]) -> tantivy.Query:
    return tantivy.Query.term_set_query(schema, field, list(values))


def _int_range(schema: tantivy.Schema, field: str, low: int | None, high: int | None) -> tantivy.Query:
    return tantivy.Query.range_query(schema, field, tantivy.FieldType.Integer, low, high)


class TrialSearch:
    """Searches one store through its text index (kept up to date on opening)."""

    def __init__(self, store: TrialStore, index: SearchIndex | None = None) -> None:
        self.store = store
        self.index = index or SearchIndex.open(store)
        self.schema = self.index.schema
        self._extra_places: list[tuple[str, str | None, str, float, float]] | None = None

    # --- the public call --------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
        per_page = min(max(1, request.per_page), MAX_PER_PAGE)
        page = max(1, request.page)
        notes: list[str] = []
        searcher = self.index.searcher()

        parsed = query_text.parse(self._full_text(request))
        text = query_text.build(parsed, self.schema)
        if parsed.is_empty and request.query.strip():
            notes.append(
                f"The query {request.query.strip()!r} has no searchable words;"
                " showing all trials that fit the filters."
            )

        place, site_filter = self._place(request), self._site_filter(request)
        filters = self._filters(request)
        within: dict[int, float] | None = None
        if place is not None and place.radius_km is not None:
            within = self.index.sites.within(place.latitude, place.longitude, place.radius_km, site_filter)
            filters.append(_filter(tantivy.Query.term_set_query(self.schema, "rowid", list(within))))

        sort = request.sort or _default_sort(parsed, place is not None)
        if sort is Sort.DISTANCE and place is None:
            raise SearchInputError("sorting by distance needs a place (--near)")

        combined = self._combine(text, filters)
        total = _count(searcher, combined)
        if total == 0 and text is not None and not parsed.is_long and parsed.groups:
            for strictness in (query_text.Strictness.ANYWHERE, query_text.Strictness.MOST):
                looser = self._combine(query_text.build(parsed, self.schema, strictness), filters)
                looser_total = _count(searcher, looser)
                if looser_total:
                    if strictness is query_text.Strictness.MOST:
                        notes.append(
                            f"No trial matches every word of {request.query.strip()!r};"
                            " showing trials that match most of them."
                        )
                    combined, total = looser, looser_total
                    break

        offset = (page - 1) * per_page
        if sort is Sort.DISTANCE:
            assert place is not None
            ranked = self._by_distance(searcher, combined, place, site_filter, within, offset + per_page)
            page_hits = ranked[offset : offset + per_page]
        else:
            page_hits = self._ranked(searcher, combined, sort, offset, per_page)

        facets = self._facets(searcher, combined) if request.facets else {}
        hits = self._hits(page_hits, place, site_filter, scored=sort is Sort.RELEVANCE)
        return SearchResults(
            total=total,
            page=page,
            per_page=per_page,
            sort=sort,
            hits=tuple(hits),
            facets=facets,
            place=place,
            notes=tuple(notes),
        )

    def related(self, nct_id: str, limit: int = 10) -> list[SearchHit]:
        """The trials most like this one (shared conditions, interventions, title words)."""
        trial = self.store.trial(nct_id)
        query = related_query(trial, self.schema)
        if query is None:
            return []
        ranked = self._ranked(self.index.searcher(), query, Sort.RELEVANCE, 0, max(1, limit))
        return self._hits(ranked, None, SiteFilter(), scored=True)

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
        found = resolve_place(request.near, extra_places=self._site_places())
        radius = parse_radius(request.radius).km if request.radius else None
        return ResolvedPlace(
            label=found.label, latitude=found.latitude, longitude=found.longitude, radius_km=radius
        )

    def _site_places(self) -> list[tuple[str, str | None, str, float, float]]:
        if self._extra_places is None:
            self._extra_places = self.index.sites.place_coordinates()
        return self._extra_places

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
        return SiteFilter(
            recruiting_only=request.recruiting_site,
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

    def _ranked(
        self, searcher: tantivy.Searcher, query: tantivy.Query, sort: Sort, offset: int, limit: int
    ) -> list[tuple[int, float | None, float | None]]:
        """(rowid, score, distance) of one page, by relevance or by a date."""
        if sort is Sort.RELEVANCE:
            result = searcher.search(query, limit=limit, offset=offset, count=False)
        else:
            field = "updated" if sort is Sort.UPDATED else "start"
            result = searcher.search(
                query, limit=limit, offset=offset, count=False, order_by_field=field, order=tantivy.Order.Desc
            )
        addresses = [address for _, address in result.hits]
        rowids = searcher.fast_field_values("rowid", addresses) if addresses else []
        return [
            (int(rowid), float(score) if sort is Sort.RELEVANCE else None, None)  # type: ignore[arg-type]
            for (score, _), rowid in zip(result.hits, rowids, strict=True)
        ]

    def _matching_rowids(self, searcher: tantivy.Searcher, query: tantivy.Query, limit: int) -> list[int]:
        result = searcher.search(query, limit=max(1, limit), count=False)
        addresses = [address for _, address in result.hits]
        return [int(r) for r in searcher.fast_field_values("rowid", addresses)] if addresses else []  # type: ignore[arg-type]

    def _by_distance(
        self,
        searcher: tantivy.Searcher,
        query: tantivy.Query,
        place: ResolvedPlace,
        site_filter: SiteFilter,
        within: dict[int, float] | None,
        wanted: int,
    ) -> list[tuple[int, float | None, float | None]]:
        """Matching trials nearest first (trials with no placeable site last)."""
        if within is not None:
            rowids = self._matching_rowids(searcher, query, len(within))
            return sorted(
                ((r, None, within.get(r)) for r in rowids), key=lambda x: (x[2] is None, x[2] or 0.0)
            )
        total = _count(searcher, query)
        for radius in _EXPANDING_RADII_KM:
            near = self.index.sites.within(place.latitude, place.longitude, radius, site_filter)
            narrowed = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, query),
                    _filter(tantivy.Query.term_set_query(self.schema, "rowid", list(near))),
                ]
            )
            rowids = self._matching_rowids(searcher, narrowed, len(near))
            if len(rowids) >= wanted or radius == _EXPANDING_RADII_KM[-1]:
                ranked: list[tuple[int, float | None, float | None]] = sorted(
                    ((r, None, near[r]) for r in rowids), key=lambda x: x[2] or 0.0
                )
                if len(ranked) < min(wanted, total):  # trials whose sites cannot be placed come last
                    placed = set(rowids)
                    rest = [
                        r
                        for r in self._matching_rowids(searcher, query, wanted + len(placed))
                        if r not in placed
                    ]
                    ranked += [(r, None, None) for r in rest]
                return ranked
        return []

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
    ) -> list[SearchHit]:
        if not ranked:
            return []
        conn = self.store.connection
        rowids = [r for r, _, _ in ranked]
        marks = ",".join("?" * len(rowids))
        cards = {
            row[0]: row
            for row in conn.execute(
                "SELECT rowid, nct_id, brief_title, official_title, overall_status, phases, study_type,"
                " lead_sponsor, start_date, last_update, possibly_stale, stale_reasons"
                f" FROM trials WHERE rowid IN ({marks})",
                rowids,
            )
        }
        ids = [cards[r][1] for r in rowids if r in cards]
        conditions: dict[str, list[str]] = {}
        for nct_id, name in conn.execute(
            f"SELECT nct_id, name FROM conditions WHERE nct_id IN ({','.join('?' * len(ids))})"
            " ORDER BY nct_id, ordinal",
            ids,
        ):
            conditions.setdefault(nct_id, []).append(name)
        hits = []
        for rowid, score, _ in ranked:
            card = cards.get(rowid)
            if card is None:  # changed in the store since the index was read; the next search has it
                continue
            (
                _,
                nct_id,
                brief,
                official,
                status,
                phases,
                study_type,
                sponsor,
                start,
                updated,
                stale,
                reasons,
            ) = card
            match = self.index.sites.nearest(
                rowid, place.latitude if place else None, place.longitude if place else None, site_filter
            )
            nearest = self._nearest_site(nct_id, match) if match is not None else None
            hits.append(
                SearchHit(
                    nct_id=nct_id,
                    title=brief or official or nct_id,
                    overall_status=status,
                    phases=tuple(phases.split("|")) if phases else (),
                    study_type=study_type,
                    conditions=tuple(conditions.get(nct_id, ())[:6]),
                    sponsor=sponsor,
                    start_date=start,
                    last_update=updated,
                    possibly_stale=bool(stale),
                    stale_reasons=tuple(orjson.loads(reasons)) if reasons else (),
                    score=score if scored else None,
                    nearest_site=nearest,
                    location=location_line(nearest, site_filter) if nearest else None,
                )
            )
        return hits

    def _nearest_site(self, nct_id: str, match: SiteMatch) -> NearestSite:
        row = self.store.connection.execute(
            "SELECT facility, city, state, country FROM sites WHERE nct_id=? AND ordinal=?",
            (nct_id, match.ordinal),
        ).fetchone() or (None, None, None, None)
        return NearestSite(
            facility=row[0],
            city=row[1],
            state=row[2],
            country=row[3],
            status=match.status,
            distance_km=match.distance_km,
            distance=format_distance(match.distance_km) if match.distance_km is not None else None,
            other_sites=match.other_sites,
        )


def location_line(site: NearestSite, site_filter: SiteFilter) -> str:
    """'Recruiting in Palo Alto (17 mi) +139 other locations': the site's own status, never the
    trial's; a site whose record states no status reads 'Site in ...'."""
    where = site.city or site.state or site.country or "an unnamed place"
    head = f"{label(site.status)} in {where}" if site.status else f"Site in {where}"
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
