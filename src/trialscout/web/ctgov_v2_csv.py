"""``format=csv`` of the registry's API v2: one row per study, the registry's column names.

The columns are those of the registry's CSV download ("NCT Number", "Study Title", ...), each
built from the study's JSON as the registry builds it: several values joined by ``|``. A field
asked for by piece name or path is the column of the registry that holds it, or (for a piece
no column holds) a column of that name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from trialscout.web.ctgov_v2_params import PIECES, V2ParameterError, field_path

STUDY_URL = "https://clinicaltrials.gov/study/"


def values(study: Any, path: str) -> list[Any]:
    """Every value at ``path`` in a decoded study (lists walked)."""
    found = [study]
    for key in path.split("."):
        step: list[Any] = []
        for node in found:
            if isinstance(node, dict) and key in node:
                value = node[key]
                step.extend(value if isinstance(value, list) else [value])
        found = step
    return [v for v in found if v is not None]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _joined(*paths: str) -> Callable[[Any], str]:
    def column(study: Any) -> str:
        return "|".join(_text(v) for p in paths for v in values(study, p))

    return column


def _records(path: str, keys: Sequence[str], sep: str = ", ", head: str = "") -> Callable[[Any], str]:
    def column(study: Any) -> str:
        parts = []
        for item in values(study, path):
            if isinstance(item, dict):
                texts = [_text(item[k]) for k in keys if item.get(k) not in (None, "")]
                parts.append(
                    (_text(item.get(head)) + ": " if head and item.get(head) else "") + sep.join(texts)
                )
        return "|".join(parts)

    return column


_P = "protocolSection."


def _url(study: Any) -> str:
    return "|".join(STUDY_URL + _text(v) for v in values(study, PIECES["NCTId"]))


def _results(study: Any) -> str:
    return "YES" if study.get("hasResults") else "NO"


def _age(study: Any) -> str:
    low = values(study, PIECES["MinimumAge"])
    high = values(study, PIECES["MaximumAge"])
    ages = ", ".join(_text(v) for v in values(study, PIECES["StdAge"]))
    span = f"{low[0] if low else ''} - {high[0] if high else ''}" if low or high else ""
    return f"{span} ({ages})".strip() if ages else span


def _design(study: Any) -> str:
    info = _P + "designModule.designInfo."
    named = (
        ("Allocation", info + "allocation"),
        ("Intervention Model", info + "interventionModel"),
        ("Masking", info + "maskingInfo.masking"),
        ("Primary Purpose", info + "primaryPurpose"),
        ("Observational Model", info + "observationalModel"),
        ("Time Perspective", info + "timePerspective"),
    )
    return "|".join(f"{label}: {_text(v[0])}" for label, path in named if (v := values(study, path)))


#: The registry's CSV columns, in its order, and the pieces each holds.
CSV_COLUMNS: dict[str, tuple[Callable[[Any], str], tuple[str, ...]]] = {
    "NCT Number": (_joined(PIECES["NCTId"]), ("NCTId",)),
    "Study Title": (_joined(PIECES["BriefTitle"]), ("BriefTitle",)),
    "Study URL": (_url, ()),
    "Acronym": (_joined(PIECES["Acronym"]), ("Acronym",)),
    "Study Status": (_joined(PIECES["OverallStatus"]), ("OverallStatus",)),
    "Brief Summary": (_joined(PIECES["BriefSummary"]), ("BriefSummary",)),
    "Study Results": (_results, ("HasResults",)),
    "Conditions": (_joined(PIECES["Condition"]), ("Condition",)),
    "Interventions": (
        _records(_P + "armsInterventionsModule.interventions", ("name",), head="type"),
        ("InterventionType", "InterventionName"),
    ),
    "Primary Outcome Measures": (
        _records(_P + "outcomesModule.primaryOutcomes", ("measure", "description", "timeFrame")),
        ("PrimaryOutcomeMeasure", "PrimaryOutcomeDescription", "PrimaryOutcomeTimeFrame"),
    ),
    "Secondary Outcome Measures": (
        _records(_P + "outcomesModule.secondaryOutcomes", ("measure", "description", "timeFrame")),
        ("SecondaryOutcomeMeasure", "SecondaryOutcomeDescription", "SecondaryOutcomeTimeFrame"),
    ),
    "Other Outcome Measures": (
        _records(_P + "outcomesModule.otherOutcomes", ("measure", "description", "timeFrame")),
        ("OtherOutcomeMeasure", "OtherOutcomeDescription", "OtherOutcomeTimeFrame"),
    ),
    "Sponsor": (_joined(PIECES["LeadSponsorName"]), ("LeadSponsorName",)),
    "Collaborators": (_joined(PIECES["CollaboratorName"]), ("CollaboratorName",)),
    "Sex": (_joined(PIECES["Sex"]), ("Sex",)),
    "Age": (_age, ("MinimumAge", "MaximumAge", "StdAge")),
    "Phases": (_joined(PIECES["Phase"]), ("Phase",)),
    "Enrollment": (_joined(PIECES["EnrollmentCount"]), ("EnrollmentCount",)),
    "Funder Type": (_joined(PIECES["LeadSponsorClass"]), ("LeadSponsorClass",)),
    "Study Type": (_joined(PIECES["StudyType"]), ("StudyType",)),
    "Study Design": (
        _design,
        (
            "DesignAllocation",
            "DesignInterventionModel",
            "DesignMasking",
            "DesignWhoMasked",
            "DesignPrimaryPurpose",
        ),
    ),
    "Other IDs": (_joined(PIECES["OrgStudyId"], PIECES["SecondaryId"]), ("OrgStudyId", "SecondaryId")),
    "Start Date": (_joined(PIECES["StartDate"]), ("StartDate",)),
    "Primary Completion Date": (_joined(PIECES["PrimaryCompletionDate"]), ("PrimaryCompletionDate",)),
    "Completion Date": (_joined(PIECES["CompletionDate"]), ("CompletionDate",)),
    "First Posted": (_joined(PIECES["StudyFirstPostDate"]), ("StudyFirstPostDate",)),
    "Results First Posted": (_joined(PIECES["ResultsFirstPostDate"]), ("ResultsFirstPostDate",)),
    "Last Update Posted": (_joined(PIECES["LastUpdatePostDate"]), ("LastUpdatePostDate",)),
    "Locations": (
        _records(_P + "contactsLocationsModule.locations", ("facility", "city", "state", "zip", "country")),
        ("LocationFacility", "LocationCity", "LocationState", "LocationZip", "LocationCountry"),
    ),
    "Study Documents": (
        _records("documentSection.largeDocumentModule.largeDocs", ("label", "filename")),
        ("LargeDocLabel", "LargeDocFilename"),
    ),
}
COLUMN_NAMES = frozenset(CSV_COLUMNS)
_BY_PIECE = {piece.lower(): name for name, (_, pieces) in CSV_COLUMNS.items() for piece in pieces}


def csv_columns(fields: Sequence[str]) -> list[tuple[str, Callable[[Any], str]]]:
    """The columns for the requested fields (every column when none are)."""
    if not fields:
        return [(name, column) for name, (column, _) in CSV_COLUMNS.items()]
    chosen: dict[str, Callable[[Any], str]] = {}
    for field in fields:
        name = field if field in CSV_COLUMNS else _BY_PIECE.get(field.lower())
        if name is not None:
            chosen.setdefault(name, CSV_COLUMNS[name][0])
            continue
        path = field_path(field)
        if path is None:
            raise V2ParameterError("fields", f"unknown field {field!r}")
        chosen.setdefault(field, _joined(path))
    return list(chosen.items())


def studies_csv(studies: Iterable[Any], fields: Sequence[str]) -> str:
    """The CSV text of decoded studies: a header row, then one row per study."""
    columns = csv_columns(fields)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([name for name, _ in columns])
    for study in studies:
        writer.writerow([column(study) for _, column in columns])
    return out.getvalue()
