"""trialscout: find and qualify for clinical trials, offline.

The public API is what `__all__` lists; everything else may change between releases.
"""

from __future__ import annotations

from trialscout.eligibility.model import Criterion, ParsedEligibility
from trialscout.eligibility.parse import parse_eligibility
from trialscout.errors import (
    BenchmarkInputError,
    GeoError,
    InvalidRadiusError,
    ProfileError,
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
from trialscout.matching.check import TrialCheck, TrialResult, Verdict, check_trial
from trialscout.matching.registry import MatchRequest, MatchResults, match_patient
from trialscout.model.enums import OverallStatus, Phase, Sex, SourceFormat, StudyType
from trialscout.model.patient import PatientProfile, decode_profile
from trialscout.model.recruitment import RecruitmentCheck, check_recruitment
from trialscout.model.trial import Eligibility, Person, Site, Trial
from trialscout.patients.note import NoteExtraction, extract_profile
from trialscout.search.engine import TrialSearch
from trialscout.search.index import SearchIndex
from trialscout.search.results import SearchHit, SearchRequest, SearchResults, Sort
from trialscout.sources.files import iter_source, parse_record
from trialscout.store.database import StoredTrial, TrialStore
from trialscout.store.load import LoadReport, load_paths

__all__ = [
    "BenchmarkInputError",
    "Criterion",
    "Eligibility",
    "GeoError",
    "InvalidRadiusError",
    "LoadReport",
    "MatchRequest",
    "MatchResults",
    "NoteExtraction",
    "OverallStatus",
    "ParsedEligibility",
    "PatientProfile",
    "Person",
    "Phase",
    "Place",
    "ProfileError",
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
    "TrialCheck",
    "TrialNotFoundError",
    "TrialResult",
    "TrialSearch",
    "TrialStore",
    "TrialscoutError",
    "UnknownPlaceError",
    "UnsupportedFormatError",
    "Verdict",
    "check_recruitment",
    "check_trial",
    "decode_profile",
    "extract_profile",
    "iter_source",
    "load_paths",
    "match_patient",
    "parse_eligibility",
    "parse_record",
    "resolve_place",
]
