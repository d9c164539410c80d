"""Closed vocabularies of the registry, spelled as ClinicalTrials.gov API v2 spells them.

Legacy XML spells the same values in prose ("Active, not recruiting", "Phase 1/Phase 2");
`normalise_token` plus each enum's aliases maps both onto one value. A value the registry
adds tomorrow maps to ``None`` ("unknown") rather than raising; the original record keeps it.
"""

from __future__ import annotations

import functools
import re
from enum import StrEnum
from typing import TypeVar

_NON_ALNUM = re.compile(r"[^A-Z0-9]+")


def normalise_token(text: str) -> str:
    """'Active, not recruiting' -> 'ACTIVE_NOT_RECRUITING'."""
    return _NON_ALNUM.sub("_", text.upper()).strip("_")


class OverallStatus(StrEnum):
    NOT_YET_RECRUITING = "NOT_YET_RECRUITING"
    RECRUITING = "RECRUITING"
    ENROLLING_BY_INVITATION = "ENROLLING_BY_INVITATION"
    ACTIVE_NOT_RECRUITING = "ACTIVE_NOT_RECRUITING"
    SUSPENDED = "SUSPENDED"
    TERMINATED = "TERMINATED"
    COMPLETED = "COMPLETED"
    WITHDRAWN = "WITHDRAWN"
    UNKNOWN = "UNKNOWN"
    AVAILABLE = "AVAILABLE"
    NO_LONGER_AVAILABLE = "NO_LONGER_AVAILABLE"
    TEMPORARILY_NOT_AVAILABLE = "TEMPORARILY_NOT_AVAILABLE"
    APPROVED_FOR_MARKETING = "APPROVED_FOR_MARKETING"
    WITHHELD = "WITHHELD"


#: The status groups, the one place they are defined. OPEN: the trial says it is taking, or is
#: about to take, participants (AVAILABLE: an expanded-access programme one can ask to join).
#: ENROLLING: open to enrolment in a study, what a patient is matched against (expanded access
#: is not a study one enrols in). CLOSED: every other known status.
OPEN_STATUSES: frozenset[OverallStatus] = frozenset(
    {
        OverallStatus.RECRUITING,
        OverallStatus.NOT_YET_RECRUITING,
        OverallStatus.ENROLLING_BY_INVITATION,
        OverallStatus.AVAILABLE,
    }
)
ENROLLING_STATUSES: frozenset[OverallStatus] = OPEN_STATUSES - {OverallStatus.AVAILABLE}
CLOSED_STATUSES: frozenset[OverallStatus] = frozenset(OverallStatus) - OPEN_STATUSES


class Phase(StrEnum):
    EARLY_PHASE1 = "EARLY_PHASE1"
    PHASE1 = "PHASE1"
    PHASE2 = "PHASE2"
    PHASE3 = "PHASE3"
    PHASE4 = "PHASE4"
    NA = "NA"


class StudyType(StrEnum):
    INTERVENTIONAL = "INTERVENTIONAL"
    OBSERVATIONAL = "OBSERVATIONAL"
    EXPANDED_ACCESS = "EXPANDED_ACCESS"


class DateType(StrEnum):
    """Whether a registry date has happened or is a plan."""

    ACTUAL = "ACTUAL"
    ESTIMATED = "ESTIMATED"


class Sex(StrEnum):
    ALL = "ALL"
    FEMALE = "FEMALE"
    MALE = "MALE"


class AgencyClass(StrEnum):
    NIH = "NIH"
    FED = "FED"
    OTHER_GOV = "OTHER_GOV"
    INDIV = "INDIV"
    INDUSTRY = "INDUSTRY"
    NETWORK = "NETWORK"
    AMBIG = "AMBIG"
    OTHER = "OTHER"
    UNKNOWN = "UNKNOWN"


class ResponsiblePartyType(StrEnum):
    SPONSOR = "SPONSOR"
    PRINCIPAL_INVESTIGATOR = "PRINCIPAL_INVESTIGATOR"
    SPONSOR_INVESTIGATOR = "SPONSOR_INVESTIGATOR"


class OfficialRole(StrEnum):
    """Roles of overall officials and site investigators; they are not interchangeable."""

    PRINCIPAL_INVESTIGATOR = "PRINCIPAL_INVESTIGATOR"
    SUB_INVESTIGATOR = "SUB_INVESTIGATOR"
    STUDY_DIRECTOR = "STUDY_DIRECTOR"
    STUDY_CHAIR = "STUDY_CHAIR"


class ContactRole(StrEnum):
    CONTACT = "CONTACT"
    BACKUP = "BACKUP"
    PRINCIPAL_INVESTIGATOR = "PRINCIPAL_INVESTIGATOR"
    SUB_INVESTIGATOR = "SUB_INVESTIGATOR"
    STUDY_DIRECTOR = "STUDY_DIRECTOR"
    STUDY_CHAIR = "STUDY_CHAIR"


class Allocation(StrEnum):
    RANDOMIZED = "RANDOMIZED"
    NON_RANDOMIZED = "NON_RANDOMIZED"
    NA = "NA"


class InterventionModel(StrEnum):
    SINGLE_GROUP = "SINGLE_GROUP"
    PARALLEL = "PARALLEL"
    CROSSOVER = "CROSSOVER"
    FACTORIAL = "FACTORIAL"
    SEQUENTIAL = "SEQUENTIAL"


class PrimaryPurpose(StrEnum):
    TREATMENT = "TREATMENT"
    PREVENTION = "PREVENTION"
    DIAGNOSTIC = "DIAGNOSTIC"
    ECT = "ECT"
    SUPPORTIVE_CARE = "SUPPORTIVE_CARE"
    SCREENING = "SCREENING"
    HEALTH_SERVICES_RESEARCH = "HEALTH_SERVICES_RESEARCH"
    BASIC_SCIENCE = "BASIC_SCIENCE"
    DEVICE_FEASIBILITY = "DEVICE_FEASIBILITY"
    OTHER = "OTHER"


class Masking(StrEnum):
    NONE = "NONE"
    SINGLE = "SINGLE"
    DOUBLE = "DOUBLE"
    TRIPLE = "TRIPLE"
    QUADRUPLE = "QUADRUPLE"


class WhoMasked(StrEnum):
    PARTICIPANT = "PARTICIPANT"
    CARE_PROVIDER = "CARE_PROVIDER"
    INVESTIGATOR = "INVESTIGATOR"
    OUTCOMES_ASSESSOR = "OUTCOMES_ASSESSOR"


class ArmGroupType(StrEnum):
    EXPERIMENTAL = "EXPERIMENTAL"
    ACTIVE_COMPARATOR = "ACTIVE_COMPARATOR"
    PLACEBO_COMPARATOR = "PLACEBO_COMPARATOR"
    SHAM_COMPARATOR = "SHAM_COMPARATOR"
    NO_INTERVENTION = "NO_INTERVENTION"
    OTHER = "OTHER"


class InterventionType(StrEnum):
    BEHAVIORAL = "BEHAVIORAL"
    BIOLOGICAL = "BIOLOGICAL"
    COMBINATION_PRODUCT = "COMBINATION_PRODUCT"
    DEVICE = "DEVICE"
    DIAGNOSTIC_TEST = "DIAGNOSTIC_TEST"
    DIETARY_SUPPLEMENT = "DIETARY_SUPPLEMENT"
    DRUG = "DRUG"
    GENETIC = "GENETIC"
    PROCEDURE = "PROCEDURE"
    RADIATION = "RADIATION"
    OTHER = "OTHER"


class SourceFormat(StrEnum):
    """The registry format a record was read from."""

    CTGOV_API_V2_JSON = "ctgov-api-v2-json"
    CTGOV_LEGACY_XML = "ctgov-legacy-xml"


# Prose spellings of legacy XML (after normalise_token) that differ from the v2 token.
_ALIASES: dict[type[StrEnum], dict[str, str]] = {
    OverallStatus: {"UNKNOWN_STATUS": "UNKNOWN"},
    Phase: {"N_A": "NA", "PHASE0": "EARLY_PHASE1"},
    StudyType: {"OBSERVATIONAL_PATIENT_REGISTRY": "OBSERVATIONAL"},
    DateType: {"ANTICIPATED": "ESTIMATED", "ESTIMATE": "ESTIMATED"},
    Sex: {"BOTH": "ALL"},
    AgencyClass: {"U_S_FED": "FED", "FEDERAL": "FED"},
    ResponsiblePartyType: {},
    OfficialRole: {},
    ContactRole: {},
    Allocation: {"N_A": "NA", "NONRANDOMIZED": "NON_RANDOMIZED"},
    InterventionModel: {
        "SINGLE_GROUP_ASSIGNMENT": "SINGLE_GROUP",
        "PARALLEL_ASSIGNMENT": "PARALLEL",
        "CROSSOVER_ASSIGNMENT": "CROSSOVER",
        "FACTORIAL_ASSIGNMENT": "FACTORIAL",
        "SEQUENTIAL_ASSIGNMENT": "SEQUENTIAL",
    },
    PrimaryPurpose: {"EDUCATIONAL_COUNSELING_TRAINING": "ECT"},
    Masking: {
        "NONE_OPEN_LABEL": "NONE",
        "OPEN_LABEL": "NONE",
        "SINGLE_BLIND": "SINGLE",
        "DOUBLE_BLIND": "DOUBLE",
    },
    WhoMasked: {
        "SUBJECT": "PARTICIPANT",
        "CAREGIVER": "CARE_PROVIDER",
        "OUTCOMES_ASSESSOR": "OUTCOMES_ASSESSOR",
    },
    ArmGroupType: {"NO_INTERVENTION_ARM": "NO_INTERVENTION"},
    InterventionType: {"BIOLOGIC": "BIOLOGICAL"},
    SourceFormat: {},
}

E = TypeVar("E", bound=StrEnum)


def parse_enum(enum: type[E], text: str | None) -> E | None:
    """Map a registry spelling (v2 token or legacy prose) to the enum, or None when unknown."""
    if text is None:
        return None
    return _parse_enum(enum, text)  # type: ignore[return-value]


@functools.lru_cache(maxsize=8192)
def _parse_enum(enum: type[StrEnum], text: str) -> StrEnum | None:
    token = normalise_token(text)
    token = _ALIASES[enum].get(token, token)
    try:
        return enum(token)
    except ValueError:
        return None


@functools.lru_cache(maxsize=1024)
def phases_from_text(text: str | None) -> tuple[Phase, ...]:
    """Legacy 'Phase 1/Phase 2' -> (PHASE1, PHASE2); 'N/A' -> (NA,)."""
    if not text:
        return ()
    normalised = text.strip()
    if normalised.upper() in {"N/A", "NA", "NOT APPLICABLE"}:
        return (Phase.NA,)
    found: list[Phase] = []
    for part in re.split(r"\s*/\s*|\s*,\s*", normalised):
        phase = parse_enum(Phase, re.sub(r"_(\d)", r"\1", normalise_token(part)))
        if phase is not None and phase not in found:
            found.append(phase)
    return tuple(found)
