"""The public API is exactly what trialscout/__init__.py exports."""

from __future__ import annotations

import trialscout

EXPECTED = {
    "BenchmarkInputError",
    "ProfileError",
    "Criterion",
    "ParsedEligibility",
    "parse_eligibility",
    "TrialCheck",
    "TrialResult",
    "Verdict",
    "check_trial",
    "NoteExtraction",
    "extract_profile",
    "MatchRequest",
    "MatchResults",
    "match_patient",
    "PatientProfile",
    "decode_profile",
    "Eligibility",
    "LoadReport",
    "OverallStatus",
    "Person",
    "Phase",
    "RecordError",
    "RecruitmentCheck",
    "RegistryError",
    "RegistryResponseError",
    "Sex",
    "Site",
    "SourceFormat",
    "StoreError",
    "StoredTrial",
    "StudyType",
    "Trial",
    "TrialNotFoundError",
    "TrialStore",
    "TrialscoutError",
    "UnsupportedFormatError",
    "check_recruitment",
    "iter_source",
    "load_paths",
    "parse_record",
    "GeoError",
    "InvalidRadiusError",
    "SearchInputError",
    "UnknownPlaceError",
    "Place",
    "resolve_place",
    "TrialSearch",
    "SearchIndex",
    "SearchHit",
    "SearchRequest",
    "SearchResults",
    "Sort",
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
