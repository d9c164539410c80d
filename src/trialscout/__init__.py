"""trialscout: find and qualify for clinical trials, offline.

The public API is what `__all__` lists; everything else may change between releases.
"""

from __future__ import annotations

from trialscout.errors import (
    GeoError,
    InvalidRadiusError,
    RecordError,
    RegistryError,
    RegistryResponseError,
    SearchInputError,
    StoreError,
    TrialNotFoundError,
    TrialscoutError,
    UnknownPlaceError,
    UnsupportedFormatError,
)
from trialscout.geo import Place, resolve_place
from trialscout.model.enums import OverallStatus, Phase, Sex, SourceFormat, StudyType
from trialscout.model.recruitment import RecruitmentCheck, check_recruitment
from trialscout.model.trial import Eligibility, Person, Site, Trial
from trialscout.search.engine import TrialSearch
from trialscout.search.index import SearchIndex
from trialscout.search.results import SearchHit, SearchRequest, SearchResults, Sort
from trialscout.sources.files import iter_source, parse_record
from trialscout.store.database import StoredTrial, TrialStore
from trialscout.store.load import LoadReport, load_paths

__all__ = [
    "Eligibility",
    "GeoError",
    "InvalidRadiusError",
    "LoadReport",
    "OverallStatus",
    "Person",
    "Phase",
    "Place",
    "RecordError",
    "RecruitmentCheck",
    "RegistryError",
    "RegistryResponseError",
    "SearchHit",
    "SearchIndex",
    "SearchInputError",
    "SearchRequest",
    "SearchResults",
    "Sex",
    "Site",
    "Sort",
    "SourceFormat",
    "StoreError",
    "StoredTrial",
    "StudyType",
    "Trial",
    "TrialNotFoundError",
    "TrialSearch",
    "TrialStore",
    "TrialscoutError",
    "UnknownPlaceError",
    "UnsupportedFormatError",
    "check_recruitment",
    "iter_source",
    "load_paths",
    "parse_record",
    "resolve_place",
]
