"""The public API is exactly what trialscout/__init__.py exports."""

from __future__ import annotations

import trialscout

EXPECTED = {
    "BenchmarkInputError",
    "Criterion",
    "Eligibility",
    "GeoError",
    "IngestReport",
    "InvalidRadiusError",
    "LoadReport",
    "LocalRegistry",
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
    "SQLiteStore",
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
    "TrialReader",
    "TrialResult",
    "TrialSearch",
    "TrialStore",
    "TrialscoutError",
    "UnknownPlaceError",
    "UnsupportedFormatError",
    "Verdict",
    "check_patient",
    "check_recruitment",
    "check_trial",
    "decode_profile",
    "extract_profile",
    "iter_source",
    "load_files",
    "match_patient",
    "open_registry",
    "open_writer",
    "parse_eligibility",
    "parse_record",
    "read_patient",
    "related_trials",
    "resolve_place",
    "search_trials",
    "sync_registry",
    "trial_criteria",
    "trial_page",
}


def test_the_public_api_is_what_all_lists() -> None:
    assert set(trialscout.__all__) == EXPECTED
    for name in trialscout.__all__:
        assert getattr(trialscout, name) is not None


def test_every_error_is_a_trialscout_error() -> None:
    for name in trialscout.__all__:
        obj = getattr(trialscout, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, trialscout.TrialscoutError)
