"""Search the local registry: text, filters, distance, facets and pages; related trials."""

from __future__ import annotations

from trialscout.search.results import SearchHit, SearchRequest, SearchResults
from trialscout.services.registry import LocalRegistry


def search_trials(registry: LocalRegistry, request: SearchRequest) -> SearchResults:
    """One page of trials for a request (see `SearchRequest`); raises `SearchInputError` or a
    `GeoError` with a message a person can act on for a value that cannot be used."""
    return registry.search.search(request)


def related_trials(registry: LocalRegistry, nct_id: str, limit: int = 10) -> list[SearchHit]:
    """The trials most like this one (shared conditions, interventions, title words)."""
    return registry.search.related(nct_id, limit)
