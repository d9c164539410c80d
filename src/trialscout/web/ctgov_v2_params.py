"""The parameters of the registry's ``GET /api/v2/studies``, read into one trialscout search.

`read_studies_query` turns the query string (``query.cond``, ``filter.advanced``, ``fields``,
``pageToken``, ...) into a `StudiesQuery`: the `SearchRequest` the engine answers, plus what
the response needs (which fields, page size, paging offset, format). Anything that cannot be
used raises `V2ParameterError`, naming the parameter, which the route answers as the registry
does: 400 with a plain-text message.

Essie, the registry's query language, is read only in part: ``AREA[Field]value``,
``AREA[Field]RANGE[low, high]`` and ``AREA[Field](a OR b)`` for the fields in `_AREAS`, joined
by AND (and OR between values of one field); other words are searched as text. What is not
supported (NOT, OR across fields, SEARCH[...], EXPANSION[...]) is a 400 that says so.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import math
import re
from collections.abc import Callable, Mapping, Sequence

import msgspec

from trialscout.model.enums import OverallStatus, Phase, StudyType
from trialscout.model.nct import normalise_nct_id
from trialscout.model.trial import RegistryDate
from trialscout.search.results import SearchRequest, Sort
from trialscout.sources.values import age_in_years
from trialscout.web.ctgov_v2_csv import field_path

#: Every parameter ``/studies`` takes; any other is a 400.
STUDIES_PARAMETERS = frozenset(
    {
        "format",
        "markupFormat",
        "query.cond",
        "query.term",
        "query.locn",
        "query.titles",
        "query.intr",
        "query.outc",
        "query.spons",
        "query.lead",
        "query.id",
        "query.patient",
        "filter.overallStatus",
        "filter.geo",
        "filter.ids",
        "filter.advanced",
        "filter.synonyms",
        "postFilter.overallStatus",
        "postFilter.geo",
        "postFilter.ids",
        "postFilter.advanced",
        "aggFilters",
        "geoDecay",
        "fields",
        "sort",
        "countTotal",
        "pageSize",
        "pageToken",
    }
)
#: Parameters the registry has that trialscout does not answer; a 400 says so.
UNSUPPORTED = frozenset(
    {"query.outc", "query.patient", "filter.synonyms", "aggFilters", "geoDecay", "postFilter.geo"}
)
#: ``postFilter.X`` is read as ``filter.X`` (the registry applies it after aggregation).
_POST_FILTERS = {"postFilter.overallStatus", "postFilter.ids", "postFilter.advanced"}
STUDY_PARAMETERS = frozenset({"format", "markupFormat", "fields"})

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000
MAX_TEXT = 2000


_STATUS_RE = "|".join(s.value for s in OverallStatus)
_NCT_RE = r"NCT\d{8}"
_ROOT_RE = r"(protocolSection|derivedSection|resultsSection|documentSection|annotationSection|hasResults)"
#: What each of these parameters must look like, when given (the OpenAPI document shows the
#: same patterns): anything else is a 400 before it is read.
PATTERNS: dict[str, tuple[str, str]] = {
    "format": ("json|csv", "json or csv"),
    "markupFormat": ("markdown|legacy", "markdown or legacy"),
    "countTotal": ("true|false", "true or false"),
    "pageSize": (r"\d{1,9}", "a whole number from 0 to 1000"),
    "filter.overallStatus": (f"({_STATUS_RE})([,|]({_STATUS_RE}))*", "statuses, comma or pipe separated"),
    "filter.ids": (f"{_NCT_RE}([,|]{_NCT_RE})*", "NCT IDs (NCT and 8 digits), comma or pipe separated"),
    "postFilter.ids": (f"{_NCT_RE}([,|]{_NCT_RE})*", "NCT IDs (NCT and 8 digits), comma or pipe separated"),
    "query.id": (f"{_NCT_RE}([,|]{_NCT_RE})*", "NCT IDs (NCT and 8 digits), comma or pipe separated"),
    "filter.geo": (
        r"distance\(-?[0-8]?\d(\.\d{1,10})?,-?(1[0-7]\d|\d{1,2})(\.\d{1,10})?,[1-9]\d{0,3}(\.\d{1,7})?(mi|km)\)",
        "distance(latitude,longitude,50mi) (mi or km, 1 to 9999)",
    ),
}


def check_patterns(params: Mapping[str, str]) -> None:
    for name, value in params.items():
        rule = PATTERNS.get(name)
        if rule is not None and not re.fullmatch(rule[0], value):
            raise V2ParameterError(name, f"{value!r} is not valid: {rule[1]}")


class V2ParameterError(Exception):
    """A parameter that cannot be used: answered as 400 with ``parameter: message``."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message


class StudiesQuery(msgspec.Struct, frozen=True, kw_only=True):
    """A ``/studies`` request, read: the search, the page and how to write it."""

    search: SearchRequest
    offset: int
    page_size: int
    count_total: bool
    format: str  # json | csv
    markup: str  # markdown | legacy
    fields: tuple[str, ...]  # the requested fields as given (empty: whole studies)
    paths: tuple[str, ...]  # their JSON paths (json format)
    fingerprint: str  # what a page token of this query carries
    no_match: bool = False  # query.locn names no place of any site: nothing matches


#: Look up which places a site is in: (kind, name) -> the index's place keys (empty: none).
PlaceLookup = Callable[[str, str], Sequence[str]]


def check_parameters(given: Sequence[str], known: frozenset[str]) -> None:
    for name in given:
        if name not in known:
            raise V2ParameterError(name, "unknown parameter")
        if name in UNSUPPORTED:
            raise V2ParameterError(name, "this parameter is not supported by trialscout's local API")


def read_format(params: Mapping[str, str]) -> tuple[str, str]:
    fmt = params.get("format", "json").strip().lower() or "json"
    if fmt not in ("json", "csv"):
        raise V2ParameterError("format", f"{params['format']!r} is not supported (json or csv)")
    markup = params.get("markupFormat", "markdown").strip().lower() or "markdown"
    if markup not in ("markdown", "legacy"):
        raise V2ParameterError("markupFormat", f"{params['markupFormat']!r} is not markdown or legacy")
    return fmt, markup


def read_fields(
    text: str | None, fmt: str, columns: frozenset[str] = frozenset()
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The requested fields, and their JSON paths (a CSV column name, one of ``columns``, has
    none)."""
    if text is None:
        return (), ()
    if not text.strip():
        raise V2ParameterError("fields", "no field given")
    names = tuple(dict.fromkeys(p.strip() for p in re.split(r"[,|]", text) if p.strip()))
    paths: list[str] = []
    for name in names:
        path = field_path(name)
        if path is None and not (fmt == "csv" and name in columns):
            raise V2ParameterError("fields", f"unknown field {name!r}")
        if path is not None:
            paths.append(path)
    return names, tuple(paths)


class _Terms:
    """What the query and filter parameters add up to, field by field."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.sets: dict[str, set[str]] = {}
        self.ranges: dict[str, tuple[float | None, float | None]] = {}
        self.flags: dict[str, bool] = {}
        self.places: dict[str, str] = {}

    def restrict(self, name: str, values: set[str]) -> None:
        self.sets[name] = self.sets[name] & values if name in self.sets else values

    def narrow(self, name: str, low: float | None, high: float | None) -> None:
        old_low, old_high = self.ranges.get(name, (None, None))
        if old_low is not None:
            low = old_low if low is None else max(low, old_low)
        if old_high is not None:
            high = old_high if high is None else min(high, old_high)
        self.ranges[name] = (low, high)


def _split(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,|]", text) if p.strip()]


def _nct_ids(parameter: str, text: str) -> set[str]:
    found = set()
    for part in re.split(r"[\s,|]+|\bOR\b", text):
        if not part.strip():
            continue
        nct = normalise_nct_id(part.strip())
        if nct is None:
            raise V2ParameterError(parameter, f"{part.strip()!r} is not an NCT ID (NCT followed by 8 digits)")
        found.add(nct)
    if not found:
        raise V2ParameterError(parameter, "no NCT ID given")
    return found


def _status_tokens(parameter: str, values: Sequence[str]) -> set[str]:
    allowed = {s.value for s in OverallStatus}
    out = set()
    for value in values:
        token = value.strip().upper()
        if token not in allowed:
            raise V2ParameterError(parameter, f"{value!r} is not one of: {', '.join(sorted(allowed))}")
        out.add(token)
    return out


def _enum_tokens(parameter: str, field: str, values: Sequence[str], allowed: set[str]) -> set[str]:
    out = set()
    for value in values:
        token = value.strip().strip('"').upper()
        if token not in allowed:
            raise V2ParameterError(
                parameter, f"AREA[{field}]: {value!r} is not one of: {', '.join(sorted(allowed))}"
            )
        out.add(token)
    return out


_GEO = re.compile(
    r"distance\(\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*(mi|km)\s*\)", re.I
)


def read_geo(text: str) -> tuple[str, str]:
    """``distance(39.0035707,-77.1013313,50mi)`` -> ("lat,lon", "50mi")."""
    match = _GEO.fullmatch(text.strip())
    if match is None:
        raise V2ParameterError("filter.geo", f"{text!r} is not distance(latitude,longitude,50mi) (mi or km)")
    lat, lon, radius = float(match[1]), float(match[2]), float(match[3])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise V2ParameterError("filter.geo", f"{lat},{lon} is not a latitude and longitude")
    if not (0 < radius <= 25_000) or not math.isfinite(radius):
        raise V2ParameterError("filter.geo", f"a distance must be above 0 and at most 25000, not {match[3]}")
    return f"{lat},{lon}", f"{match[3]}{match[4].lower()}"


# --- Essie: the subset read --------------------------------------------------------------

_AREA = re.compile(r'AREA\[\s*(\w+)\s*\]\s*(?:RANGE\[([^\]]*)\]|\(([^()]*)\)|"([^"]*)"|([^\s()"]+))', re.I)
_TOKEN = re.compile(r'"[^"]*"?|\(|\)|[^\s()"]+')
_AGES = {"MinimumAge": "minimum_age", "MaximumAge": "maximum_age"}
_DATES = {"LastUpdatePostDate": "updated", "StartDate": "start"}
_TEXTS = {
    "Condition": "condition",
    "ConditionSearch": "condition",
    "Keyword": "condition",
    "InterventionName": "intervention",
    "InterventionSearch": "intervention",
    "LeadSponsorName": "sponsor",
    "SponsorSearch": "sponsor",
    "BriefTitle": "title",
    "OfficialTitle": "title",
    "TitleSearch": "title",
    "Acronym": "title",
}
_PLACES = {"LocationCountry": "country", "LocationState": "state", "LocationCity": "city"}
_FLAGS = {"HasResults": "has_results", "HealthyVolunteers": "healthy_volunteers"}
_SETS = {"Phase", "StudyType", "OverallStatus", "NCTId"}
#: The AREA[...] fields read, by their names in any case.
AREA_FIELDS = {name.lower(): name for name in (*_AGES, *_DATES, *_TEXTS, *_PLACES, *_FLAGS, *sorted(_SETS))}


class _Area(msgspec.Struct, frozen=True):
    field: str
    range: tuple[str, str] | None
    values: tuple[str, ...]


def _parse_essie(parameter: str, text: str) -> tuple[list[list[_Area]], str]:
    """The AREA clauses (each a list of OR-ed alternatives of one field) and the other words."""
    groups: list[list[_Area]] = []
    words: list[str] = []
    last = ""  # what came before: "area", "word" or nothing
    pending_or = False
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        match = _AREA.match(text, pos)
        if match is not None:
            area = _area(parameter, match)
            if pending_or:
                if groups[-1][0].field != area.field:
                    raise V2ParameterError(parameter, "OR is supported only between values of one AREA[...]")
                groups[-1].append(area)
                pending_or = False
            else:
                groups.append([area])
            pos, last = match.end(), "area"
            continue
        token = _TOKEN.match(text, pos)
        assert token is not None  # every non-space character starts a token
        word = token.group()
        pos = token.end()
        if word == "AND":
            continue
        if word == "OR":
            if last == "area":
                pending_or = True
            else:
                words.append("OR")  # among words (or alone): searched as words are
            continue
        if word == "NOT" or word.upper().startswith(("SEARCH[", "EXPANSION[", "COVERAGE[", "AREA[")):
            raise V2ParameterError(parameter, f"{word!r} is not supported by trialscout's local API")
        if pending_or:
            raise V2ParameterError(parameter, "OR between an AREA[...] and words is not supported")
        words.append(word)
        last = "word"
    if pending_or:
        words.append("OR")
    return groups, " ".join(w for w in words if w not in "()")


def _area(parameter: str, match: re.Match[str]) -> _Area:
    field = AREA_FIELDS.get(match[1].lower())
    if field is None:
        raise V2ParameterError(parameter, f"AREA[{match[1]}] is not supported (supported: {_area_list()})")
    if match[2] is not None:
        low, sep, high = match[2].partition(",")
        if not sep:
            raise V2ParameterError(parameter, f"RANGE[{match[2]}] needs two bounds: RANGE[low, high]")
        return _Area(field, (low.strip(), high.strip()), ())
    if match[3] is not None:
        values = tuple(v.strip().strip('"') for v in re.split(r"\bOR\b", match[3]) if v.strip())
        if not values or any(re.search(r"\b(AND|NOT)\b", v) for v in values):
            raise V2ParameterError(parameter, f"AREA[{field}]({match[3]}): only (a OR b) is supported")
        return _Area(field, None, values)
    return _Area(field, None, (match[4] if match[4] is not None else match[5],))


def _area_list() -> str:
    return ", ".join(sorted(AREA_FIELDS.values()))


def _age_bound(parameter: str, text: str, open_end: str) -> float | None:
    if text.upper() == open_end:
        return None
    cleaned = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", cleaned):
        cleaned += " years"
    years = age_in_years(cleaned.title())
    if years is None or not 0 <= years < 1000:
        raise V2ParameterError(parameter, f"{text!r} is not an age (16 years, 6 months, MIN, MAX)")
    return years


def _date_bound(parameter: str, text: str, open_end: str, *, upper: bool) -> dt.date | None:
    if text.upper() == open_end:
        return None
    cleaned = text.strip()
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", cleaned):
        raise V2ParameterError(parameter, f"{text!r} is not a date (YYYY-MM-DD, YYYY-MM, YYYY, MIN, MAX)")
    try:
        date = RegistryDate(date=cleaned)
        return date.latest() if upper else date.earliest()
    except ValueError:
        raise V2ParameterError(parameter, f"{text!r} is not a date") from None


_PHASES = {p.value for p in Phase}
_STUDY_TYPES = {t.value for t in StudyType}


def _apply_group(parameter: str, group: list[_Area], terms: _Terms) -> None:
    field = group[0].field
    ranges = [a.range for a in group if a.range is not None]
    values = [v for a in group for v in a.values]
    if ranges and (values or len(ranges) > 1):
        raise V2ParameterError(parameter, f"AREA[{field}]: OR of ranges is not supported")
    if ranges and field not in _AGES and field not in _DATES:
        raise V2ParameterError(parameter, f"AREA[{field}] takes no RANGE[...]")
    if field in _AGES:
        if ranges:
            low, high = ranges[0]
            terms.narrow(_AGES[field], _age_bound(parameter, low, "MIN"), _age_bound(parameter, high, "MAX"))
        else:
            if len(values) != 1:
                raise V2ParameterError(parameter, f"AREA[{field}]: use RANGE[...] for several ages")
            age = _age_bound(parameter, values[0], "")
            terms.narrow(_AGES[field], age, age)
        return
    if field in _DATES:
        if ranges:
            low, high = ranges[0]
        elif len(values) == 1:
            low = high = values[0]
        else:
            raise V2ParameterError(parameter, f"AREA[{field}]: use RANGE[...] for several dates")
        first = _date_bound(parameter, low, "MIN", upper=False)
        last = _date_bound(parameter, high, "MAX", upper=True)
        terms.narrow(
            _DATES[field],
            float(first.toordinal()) if first else None,
            float(last.toordinal()) if last else None,
        )
        return
    if field in _TEXTS:
        kind = _TEXTS[field]
        joined = " OR ".join(f'{kind}:"{v.replace(chr(34), " ")}"' for v in values)
        terms.text.append(f"({joined})" if len(values) > 1 else joined)
        return
    if field in _PLACES:
        if len(values) != 1:
            raise V2ParameterError(parameter, f"AREA[{field}]: only one place is supported")
        terms.places[_PLACES[field]] = values[0]
        return
    if field in _FLAGS:
        flags = {v.strip().lower() for v in values}
        if not flags <= {"true", "false"}:
            raise V2ParameterError(parameter, f"AREA[{field}] is true or false")
        if len(flags) == 1:
            terms.flags[_FLAGS[field]] = flags == {"true"}
        return
    if field == "Phase":
        terms.restrict("phases", _enum_tokens(parameter, field, values, _PHASES))
    elif field == "StudyType":
        terms.restrict("study_types", _enum_tokens(parameter, field, values, _STUDY_TYPES))
    elif field == "OverallStatus":
        terms.restrict("statuses", _status_tokens(parameter, values))
    elif field == "NCTId":
        terms.restrict("nct_ids", _nct_ids(parameter, " ".join(values)))


def _read_essie(parameter: str, text: str, terms: _Terms) -> str:
    groups, words = _parse_essie(parameter, text)
    for group in groups:
        _apply_group(parameter, group, terms)
    return words


# --- sort, page size, tokens ---------------------------------------------------------------

_SORTS = {
    "@relevance": Sort.RELEVANCE,
    "lastupdatepostdate": Sort.UPDATED,
    "lastupdatepostdate:desc": Sort.UPDATED,
    "startdate": Sort.START,
    "startdate:desc": Sort.START,
}
SORTS_SUPPORTED = ("@relevance", "LastUpdatePostDate:desc", "StartDate:desc")


def read_sort(text: str | None) -> Sort | None:
    if text is None:
        return None
    parts = _split(text)
    if not parts:
        raise V2ParameterError("sort", f"no sort given (supported: {', '.join(SORTS_SUPPORTED)})")
    if len(parts) > 1:
        raise V2ParameterError("sort", "only one sort field is supported by trialscout's local API")
    found = _SORTS.get(parts[0].replace(" ", "").lower())
    if found is None:
        raise V2ParameterError(
            "sort", f"{parts[0]!r} is not supported (supported: {', '.join(SORTS_SUPPORTED)})"
        )
    return found


def read_page_size(text: str | None) -> int:
    if text is None or not text.strip():
        return DEFAULT_PAGE_SIZE
    try:
        size = int(text.strip())
    except ValueError:
        raise V2ParameterError("pageSize", f"{text!r} is not a whole number") from None
    if not 0 <= size <= MAX_PAGE_SIZE:
        raise V2ParameterError("pageSize", f"must be between 0 and {MAX_PAGE_SIZE}, not {size}")
    return size or DEFAULT_PAGE_SIZE


def read_bool(parameter: str, text: str | None) -> bool:
    if text is None or not text.strip():
        return False
    value = text.strip().lower()
    if value not in ("true", "false"):
        raise V2ParameterError(parameter, f"{text!r} is not true or false")
    return value == "true"


def fingerprint(params: Mapping[str, str]) -> str:
    """What ties a page token to its query: every parameter but the token and countTotal."""
    kept = sorted((k, v) for k, v in params.items() if k not in ("pageToken", "countTotal"))
    return hashlib.sha256(msgspec.json.encode(kept)).hexdigest()[:16]


def page_token(print_: str, offset: int) -> str:
    raw = msgspec.json.encode([print_, offset])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_page_token(text: str | None, print_: str) -> int:
    """The offset a token stands for; 400 for a token of another query or none of ours."""
    if text is None or not text.strip():
        return 0
    try:
        cleaned = text.strip()
        raw = base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
        owner, offset = msgspec.json.decode(raw, type=tuple[str, int])
    except (ValueError, msgspec.DecodeError, msgspec.ValidationError):
        raise V2ParameterError("pageToken", "not a page token this server gave") from None
    if owner != print_:
        raise V2ParameterError("pageToken", "the token belongs to another query (same parameters needed)")
    if offset < 0:
        raise V2ParameterError("pageToken", "not a page token this server gave")
    return offset


# --- the whole request -----------------------------------------------------------------------


def _text(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is None or not value.strip():
        return None
    if len(value) > MAX_TEXT:
        raise V2ParameterError(name, f"longer than {MAX_TEXT} characters")
    return value.strip()


def _place_kind(value: str, places: PlaceLookup) -> dict[str, str] | None:
    """query.locn: the country, state or city a site is in ("Boston, Massachusetts" too)."""
    parts = [p.strip() for p in value.split(",") if p.strip()]
    found: dict[str, str] = {}
    for part in reversed(parts):
        for kind in ("country", "state", "city"):
            if kind not in found and places(kind, part):
                found[kind] = part
                break
        else:
            return None
    return found or None


def read_studies_query(
    params: Mapping[str, str], places: PlaceLookup, columns: frozenset[str] = frozenset()
) -> StudiesQuery:
    """Read ``/studies``'s parameters (one value each); raises `V2ParameterError`."""
    check_parameters(list(params), STUDIES_PARAMETERS)
    check_patterns(params)
    fmt, markup = read_format(params)
    names, paths = read_fields(params.get("fields"), fmt, columns)
    terms = _Terms()
    words: list[str] = []

    if (term := _text(params, "query.term")) is not None:
        words.append(_read_essie("query.term", term, terms))
    for name in ("filter.advanced", "postFilter.advanced"):
        if (advanced := _text(params, name)) is not None:
            words.append(_read_essie(name, advanced, terms))
    if (titles := _text(params, "query.titles")) is not None:
        terms.text.append(f'title:"{titles.replace(chr(34), " ")}"')
    for name in ("filter.overallStatus", "postFilter.overallStatus"):
        if (status := _text(params, name)) is not None:
            terms.restrict("statuses", _status_tokens(name, _split(status)))
    for name in ("filter.ids", "postFilter.ids", "query.id"):
        if (ids := _text(params, name)) is not None:
            terms.restrict("nct_ids", _nct_ids(name, ids))
    sponsor = _text(params, "query.spons")
    lead = _text(params, "query.lead")
    if sponsor and lead:
        terms.text.append(f'sponsor:"{lead.replace(chr(34), " ")}"')
    near = radius = None
    if (geo := _text(params, "filter.geo")) is not None:
        near, radius = read_geo(geo)
    no_match = False
    if (locn := _text(params, "query.locn")) is not None:
        kinds = _place_kind(locn, places)
        if kinds is None:
            no_match = True
        else:
            for kind, value in kinds.items():
                terms.places.setdefault(kind, value)

    page_size = read_page_size(params.get("pageSize"))
    print_ = fingerprint(params)
    offset = read_page_token(params.get("pageToken"), print_)
    if offset % page_size:
        raise V2ParameterError("pageToken", "the token belongs to another page size")
    days = {k: terms.ranges.get(k, (None, None)) for k in ("updated", "start")}
    ages = {k: terms.ranges.get(k, (None, None)) for k in ("minimum_age", "maximum_age")}
    query = " ".join(w for w in (*words, *terms.text) if w)

    def day(value: float | None) -> dt.date | None:
        return dt.date.fromordinal(int(value)) if value is not None else None

    sets = terms.sets
    if any(not v for v in sets.values()):
        no_match = True  # two filters on one field that no trial can meet together
    search = SearchRequest(
        locations=False,
        query=query,
        condition=_text(params, "query.cond"),
        intervention=_text(params, "query.intr"),
        sponsor=sponsor or lead,
        statuses=tuple(sorted(sets.get("statuses", ()))),
        phases=tuple(_engine_phase(p) for p in sorted(sets.get("phases", ()))),
        study_types=tuple(sorted(sets.get("study_types", ()))),
        nct_ids=tuple(sorted(sets.get("nct_ids", ()))),
        country=terms.places.get("country"),
        state=terms.places.get("state"),
        city=terms.places.get("city"),
        near=near,
        radius=radius,
        updated_from=day(days["updated"][0]),
        updated_to=day(days["updated"][1]),
        start_from=day(days["start"][0]),
        start_to=day(days["start"][1]),
        minimum_age_from=ages["minimum_age"][0],
        minimum_age_to=ages["minimum_age"][1],
        maximum_age_from=ages["maximum_age"][0],
        maximum_age_to=ages["maximum_age"][1],
        has_results=terms.flags.get("has_results"),
        healthy_volunteers=terms.flags.get("healthy_volunteers"),
        sort=read_sort(params.get("sort")),
        page=offset // page_size + 1,
        per_page=page_size,
    )
    return StudiesQuery(
        search=search,
        offset=offset,
        page_size=page_size,
        count_total=read_bool("countTotal", params.get("countTotal")),
        format=fmt,
        markup=markup,
        fields=names,
        paths=paths,
        fingerprint=print_,
        no_match=no_match,
    )


def _engine_phase(token: str) -> str:
    """The registry's phase token as the search takes it (PHASE2 -> "2", EARLY_PHASE1 -> early1)."""
    if token == "EARLY_PHASE1":
        return "early1"
    if token == "NA":
        return "NA"
    return token.removeprefix("PHASE")
