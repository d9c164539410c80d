"""trialscout: find and qualify for clinical trials, offline.

The public API is what `__all__` lists; everything else may change between releases.
"""

from __future__ import annotations

from trialscout.errors import (
    RecordError,
    RegistryError,
    RegistryResponseError,
    StoreError,
    TrialNotFoundError,
    TrialscoutError,
    UnsupportedFormatError,
)
from trialscout.model.enums import OverallStatus, Phase, Sex, SourceFormat, StudyType
from trialscout.model.recruitment import RecruitmentCheck, check_recruitment
from trialscout.model.trial import Eligibility, Person, Site, Trial
from trialscout.sources.files import iter_source, parse_record
from trialscout.store.database import StoredTrial, TrialStore
from trialscout.store.load import LoadReport, load_paths

__all__ = [
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
]
