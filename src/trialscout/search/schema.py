"""The text index's schema: which parts of a trial are searchable, filterable and countable.

Text fields use one analyzer, registered under ``trial_text`` on every open and used for the
query side too, so that a query term always matches the indexed form: Unicode words, lowercase,
accents folded ("Sjögren" = "sjogren"), English stop words dropped and English stemming.
Keyword fields keep the registry's value as is (raw tokenizer) and are fast fields, so that
they can be filtered and counted (facets).
"""

from __future__ import annotations

import math

import tantivy

#: Version of the index layout; an index written under another version is rebuilt.
SCHEMA_VERSION = 4
ANALYZER = "trial_text"

#: Text fields and their weight in a keyword query (a condition match counts most).
TEXT_FIELDS: dict[str, float] = {
    "title": 3.0,
    "condition": 4.0,
    "intervention": 2.5,
    "keyword": 1.5,
    "sponsor": 1.0,
    "summary": 1.0,
    "eligibility": 0.7,
}
#: The one field a long query (a whole patient description) is matched against: what the
#: trial is about (title, conditions and their MeSH terms, keywords, interventions, summary,
#: description and the inclusion criteria; not what it excludes, nor who sponsors it).
ALL_TEXT = "text"
#: Concept keys (`trialscout.concepts.about.trial_concepts`): ``concept`` holds those of the
#: trial's conditions and every broader concept, ``concept_direct`` the conditions' own (and
#: "?" when some condition names no known concept).
CONCEPT_FIELDS = ("concept", "concept_direct")

#: Keyword fields: one value or several per trial, filterable and countable.
KEYWORD_FIELDS = (
    "nct_id",
    "status",
    "phase",
    "study_type",
    "sex",
    "country",
    "state",
    "city",
    "recruiting_country",
    "recruiting_state",
    "recruiting_city",
)
#: Grid cells of a trial's sites ("41:-88" for 1-degree cells, "4:-9" for 10-degree cells): a
#: radius search first keeps the trials with a site in the cells around the circle.
CELL_FIELDS = {"cell1": 1.0, "cell10": 10.0}

#: Whole-number fields, filterable (ranges) and sortable.
INTEGER_FIELDS = ("start", "updated", "has_results", "stale", "has_recruiting_site", "healthy")
FLOAT_FIELDS = ("min_age", "max_age")

#: Stand-ins for "no limit" in the age fields, so that range filters need no special case.
NO_MINIMUM_AGE = 0.0
NO_MAXIMUM_AGE = 999.0


def cell_token(latitude: float, longitude: float, degrees: float) -> str:
    return f"{math.floor(latitude / degrees)}:{math.floor(longitude / degrees)}"


def day_number(iso: str | None) -> int:
    """'2024-12' -> 20241201: a sortable whole number for a registry date; 0 when unknown."""
    if not iso:
        return 0
    parts = iso.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 1
        day = int(parts[2]) if len(parts) > 2 else 1
    except ValueError:
        return 0
    return year * 10000 + month * 100 + day


def analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stopword("english"))
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("key", stored=True, indexed=True, fast=True)  # the NCT number
    for name in KEYWORD_FIELDS:
        builder.add_text_field(
            name, stored=name == "nct_id", fast=True, tokenizer_name="raw", index_option="basic"
        )
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name=ANALYZER, index_option="position")
    builder.add_text_field(ALL_TEXT, tokenizer_name=ANALYZER, index_option="freq")
    for name in (*CELL_FIELDS, *CONCEPT_FIELDS):
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    for name in INTEGER_FIELDS:
        builder.add_integer_field(name, indexed=True, fast=True)
    for name in FLOAT_FIELDS:
        builder.add_float_field(name, indexed=True, fast=True)
    return builder.build()


def register(index: tantivy.Index) -> None:
    """Register the analyzer the schema names; needed on every open of the index."""
    index.register_tokenizer(ANALYZER, analyzer())
