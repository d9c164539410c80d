"""What a page carries of each study: the fields asked for (``fields``: the registry's piece
names and JSON paths) and ``format=csv``, one row per study under the registry's column names.

The columns are those of the registry's CSV download ("NCT Number", "Study Title", ...), each
built from the study's JSON as the registry builds it: several values joined by ``|``. A field
asked for by piece name or path is the column of the registry that holds it, or (for a piece
no column holds) a column of that name.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

# --- fields: the registry's piece names and JSON paths ---------------------------------------

_P = "protocolSection."
_MODULES = {
    "identificationModule": "protocolSection",
    "statusModule": "protocolSection",
    "sponsorCollaboratorsModule": "protocolSection",
    "oversightModule": "protocolSection",
    "descriptionModule": "protocolSection",
    "conditionsModule": "protocolSection",
    "designModule": "protocolSection",
    "armsInterventionsModule": "protocolSection",
    "outcomesModule": "protocolSection",
    "eligibilityModule": "protocolSection",
    "contactsLocationsModule": "protocolSection",
    "referencesModule": "protocolSection",
    "ipdSharingStatementModule": "protocolSection",
    "miscInfoModule": "derivedSection",
    "conditionBrowseModule": "derivedSection",
    "interventionBrowseModule": "derivedSection",
    "largeDocumentModule": "documentSection",
}
_ROOTS = ("protocolSection", "derivedSection", "resultsSection", "documentSection", "annotationSection")
#: Piece names (the registry's data-element names) -> where they are in a study.
PIECES: dict[str, str] = {
    "NCTId": _P + "identificationModule.nctId",
    "NCTIdAlias": _P + "identificationModule.nctIdAliases",
    "OrgStudyId": _P + "identificationModule.orgStudyIdInfo.id",
    "SecondaryId": _P + "identificationModule.secondaryIdInfos.id",
    "OrgFullName": _P + "identificationModule.organization.fullName",
    "OrgClass": _P + "identificationModule.organization.class",
    "BriefTitle": _P + "identificationModule.briefTitle",
    "OfficialTitle": _P + "identificationModule.officialTitle",
    "Acronym": _P + "identificationModule.acronym",
    "StatusVerifiedDate": _P + "statusModule.statusVerifiedDate",
    "OverallStatus": _P + "statusModule.overallStatus",
    "LastKnownStatus": _P + "statusModule.lastKnownStatus",
    "WhyStopped": _P + "statusModule.whyStopped",
    "HasExpandedAccess": _P + "statusModule.expandedAccessInfo.hasExpandedAccess",
    "StartDate": _P + "statusModule.startDateStruct.date",
    "StartDateType": _P + "statusModule.startDateStruct.type",
    "PrimaryCompletionDate": _P + "statusModule.primaryCompletionDateStruct.date",
    "CompletionDate": _P + "statusModule.completionDateStruct.date",
    "StudyFirstSubmitDate": _P + "statusModule.studyFirstSubmitDate",
    "StudyFirstPostDate": _P + "statusModule.studyFirstPostDateStruct.date",
    "ResultsFirstSubmitDate": _P + "statusModule.resultsFirstSubmitDate",
    "ResultsFirstPostDate": _P + "statusModule.resultsFirstPostDateStruct.date",
    "LastUpdateSubmitDate": _P + "statusModule.lastUpdateSubmitDate",
    "LastUpdatePostDate": _P + "statusModule.lastUpdatePostDateStruct.date",
    "ResponsiblePartyType": _P + "sponsorCollaboratorsModule.responsibleParty.type",
    "LeadSponsorName": _P + "sponsorCollaboratorsModule.leadSponsor.name",
    "LeadSponsorClass": _P + "sponsorCollaboratorsModule.leadSponsor.class",
    "CollaboratorName": _P + "sponsorCollaboratorsModule.collaborators.name",
    "CollaboratorClass": _P + "sponsorCollaboratorsModule.collaborators.class",
    "BriefSummary": _P + "descriptionModule.briefSummary",
    "DetailedDescription": _P + "descriptionModule.detailedDescription",
    "Condition": _P + "conditionsModule.conditions",
    "Keyword": _P + "conditionsModule.keywords",
    "StudyType": _P + "designModule.studyType",
    "Phase": _P + "designModule.phases",
    "DesignAllocation": _P + "designModule.designInfo.allocation",
    "DesignInterventionModel": _P + "designModule.designInfo.interventionModel",
    "DesignPrimaryPurpose": _P + "designModule.designInfo.primaryPurpose",
    "DesignObservationalModel": _P + "designModule.designInfo.observationalModel",
    "DesignTimePerspective": _P + "designModule.designInfo.timePerspective",
    "DesignMasking": _P + "designModule.designInfo.maskingInfo.masking",
    "DesignWhoMasked": _P + "designModule.designInfo.maskingInfo.whoMasked",
    "EnrollmentCount": _P + "designModule.enrollmentInfo.count",
    "EnrollmentType": _P + "designModule.enrollmentInfo.type",
    "ArmGroupLabel": _P + "armsInterventionsModule.armGroups.label",
    "ArmGroupType": _P + "armsInterventionsModule.armGroups.type",
    "ArmGroupDescription": _P + "armsInterventionsModule.armGroups.description",
    "InterventionType": _P + "armsInterventionsModule.interventions.type",
    "InterventionName": _P + "armsInterventionsModule.interventions.name",
    "InterventionDescription": _P + "armsInterventionsModule.interventions.description",
    "InterventionOtherName": _P + "armsInterventionsModule.interventions.otherNames",
    "EligibilityCriteria": _P + "eligibilityModule.eligibilityCriteria",
    "HealthyVolunteers": _P + "eligibilityModule.healthyVolunteers",
    "Sex": _P + "eligibilityModule.sex",
    "GenderBased": _P + "eligibilityModule.genderBased",
    "MinimumAge": _P + "eligibilityModule.minimumAge",
    "MaximumAge": _P + "eligibilityModule.maximumAge",
    "StdAge": _P + "eligibilityModule.stdAges",
    "StudyPopulation": _P + "eligibilityModule.studyPopulation",
    "SamplingMethod": _P + "eligibilityModule.samplingMethod",
    "CentralContactName": _P + "contactsLocationsModule.centralContacts.name",
    "CentralContactPhone": _P + "contactsLocationsModule.centralContacts.phone",
    "CentralContactEMail": _P + "contactsLocationsModule.centralContacts.email",
    "OverallOfficialName": _P + "contactsLocationsModule.overallOfficials.name",
    "OverallOfficialAffiliation": _P + "contactsLocationsModule.overallOfficials.affiliation",
    "OverallOfficialRole": _P + "contactsLocationsModule.overallOfficials.role",
    "LocationFacility": _P + "contactsLocationsModule.locations.facility",
    "LocationStatus": _P + "contactsLocationsModule.locations.status",
    "LocationCity": _P + "contactsLocationsModule.locations.city",
    "LocationState": _P + "contactsLocationsModule.locations.state",
    "LocationZip": _P + "contactsLocationsModule.locations.zip",
    "LocationCountry": _P + "contactsLocationsModule.locations.country",
    "LocationGeoPoint": _P + "contactsLocationsModule.locations.geoPoint",
    "ReferencePMID": _P + "referencesModule.references.pmid",
    "ReferenceType": _P + "referencesModule.references.type",
    "ReferenceCitation": _P + "referencesModule.references.citation",
    "ConditionMeshTerm": "derivedSection.conditionBrowseModule.meshes.term",
    "ConditionMeshId": "derivedSection.conditionBrowseModule.meshes.id",
    "InterventionMeshTerm": "derivedSection.interventionBrowseModule.meshes.term",
    "InterventionMeshId": "derivedSection.interventionBrowseModule.meshes.id",
    "VersionHolder": "derivedSection.miscInfoModule.versionHolder",
    "LargeDocLabel": "documentSection.largeDocumentModule.largeDocs.label",
    "LargeDocFilename": "documentSection.largeDocumentModule.largeDocs.filename",
    "HasResults": "hasResults",
}
_PIECES_FOLDED = {k.lower(): v for k, v in PIECES.items()}
_PATH = re.compile(r"[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*")


def field_path(name: str) -> str | None:
    """A piece name (``BriefTitle``), a module (``ConditionsModule``), a section or a path
    (``protocolSection.identificationModule``) -> its JSON path; None when it names nothing."""
    found = _PIECES_FOLDED.get(name.lower())
    if found is not None:
        return found
    if not _PATH.fullmatch(name):
        return None
    head, _, rest = name.partition(".")
    head = head[:1].lower() + head[1:]
    if head in _ROOTS or head == "hasResults":
        return f"{head}.{rest}" if rest else head
    if head in _MODULES:
        return f"{_MODULES[head]}.{head}" + (f".{rest}" if rest else "")
    return None


Tree = dict[str, "Tree"]


def path_tree(paths: Sequence[str]) -> Tree:
    """Paths as a tree of keys; a path that covers another keeps the whole of it."""
    tree: Tree = {}
    for path in sorted(paths, key=lambda p: p.count(".")):
        node = tree
        parts = path.split(".")
        for i, part in enumerate(parts):
            if part in node and not node[part]:
                break  # a shorter path already keeps all of it
            node = node.setdefault(part, {})
            if i == len(parts) - 1:
                node.clear()
    return tree


def project(value: object, tree: Tree) -> object:
    """The parts of a decoded study under ``tree`` (lists are walked element by element)."""
    if not tree:
        return value
    if isinstance(value, list):
        items = [project(v, tree) for v in value]
        return [v for v in items if v not in ({}, None)]
    if isinstance(value, dict):
        out = {}
        for key, sub in tree.items():
            if key in value:
                kept = project(value[key], sub)
                if kept not in ({}, []):
                    out[key] = kept
        return out
    return None


# --- format=csv ------------------------------------------------------------------------------

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
        if path is not None:  # (the fields were checked when the request was read)
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
