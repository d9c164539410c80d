"""trialscout: find and qualify for clinical trials, offline.

The public API is what `__all__` lists; everything else may change between releases. Names are
imported on first use (PEP 562), so that ``import trialscout`` and the command line start fast.
"""

from __future__ import annotations

from trialscout.lazy import lazy_exports

#: Each public name and the module that defines it.
_EXPORTS: dict[str, str] = {
    "BenchmarkInputError": "trialscout.errors",
    "GeoError": "trialscout.errors",
    "InvalidRadiusError": "trialscout.errors",
    "ProfileError": "trialscout.errors",
    "RecordError": "trialscout.errors",
    "RegistryError": "trialscout.errors",
    "RegistryResponseError": "trialscout.errors",
    "SearchInputError": "trialscout.errors",
    "StoreError": "trialscout.errors",
    "TrialNotFoundError": "trialscout.errors",
    "TrialscoutError": "trialscout.errors",
    "UnknownPlaceError": "trialscout.errors",
    "UnsupportedFormatError": "trialscout.errors",
    "Criterion": "trialscout.eligibility.model",
    "ParsedEligibility": "trialscout.eligibility.model",
    "parse_eligibility": "trialscout.eligibility.parse",
    "Place": "trialscout.geo",
    "resolve_place": "trialscout.geo",
    "TrialCheck": "trialscout.matching.check",
    "TrialResult": "trialscout.matching.check",
    "Verdict": "trialscout.matching.check",
    "check_trial": "trialscout.matching.check",
    "NoteExtraction": "trialscout.patients.note",
    "extract_profile": "trialscout.patients.note",
    "read_patient": "trialscout.patients.intake",
    "OverallStatus": "trialscout.model.enums",
    "Phase": "trialscout.model.enums",
    "Sex": "trialscout.model.enums",
    "SourceFormat": "trialscout.model.enums",
    "StudyType": "trialscout.model.enums",
    "PatientProfile": "trialscout.model.patient",
    "decode_profile": "trialscout.model.patient",
    "RecruitmentCheck": "trialscout.model.recruitment",
    "check_recruitment": "trialscout.model.recruitment",
    "Eligibility": "trialscout.model.trial",
    "Person": "trialscout.model.trial",
    "Site": "trialscout.model.trial",
    "Trial": "trialscout.model.trial",
    "TrialSearch": "trialscout.search.engine",
    "SearchIndex": "trialscout.search.index",
    "SearchHit": "trialscout.search.results",
    "SearchRequest": "trialscout.search.results",
    "SearchResults": "trialscout.search.results",
    "Sort": "trialscout.search.results",
    "iter_source": "trialscout.sources.files",
    "parse_record": "trialscout.sources.files",
    "StoredTrial": "trialscout.store.base",
    "TrialReader": "trialscout.store.base",
    "TrialStore": "trialscout.store.base",
    "SQLiteStore": "trialscout.store.sqlite",
    "LoadReport": "trialscout.store.load",
    "IngestReport": "trialscout.services.ingest",
    "load_files": "trialscout.services.ingest",
    "sync_registry": "trialscout.services.ingest",
    "LocalRegistry": "trialscout.services.registry",
    "open_registry": "trialscout.services.registry",
    "open_writer": "trialscout.services.registry",
    "search_trials": "trialscout.services.search",
    "related_trials": "trialscout.services.search",
    "trial_page": "trialscout.services.trials",
    "trial_criteria": "trialscout.services.trials",
    "MatchRequest": "trialscout.services.match",
    "MatchResults": "trialscout.services.match",
    "match_patient": "trialscout.services.match",
    "check_patient": "trialscout.services.match",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
