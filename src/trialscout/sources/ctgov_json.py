"""ClinicalTrials.gov API v2 study JSON -> `Trial`.

One study object as the API (`/api/v2/studies/{nctId}`, the `studies` of a page) and the
website's JSON download give it. Optional modules may be missing; a missing value is None.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trialscout.errors import RecordError
from trialscout.model.enums import (
    AgencyClass,
    Allocation,
    ArmGroupType,
    ContactRole,
    DateType,
    InterventionModel,
    InterventionType,
    Masking,
    OfficialRole,
    OverallStatus,
    PrimaryPurpose,
    ResponsiblePartyType,
    Sex,
    SourceFormat,
    StudyType,
    WhoMasked,
    parse_enum,
    phases_from_text,
)
from trialscout.model.nct import is_nct_id
from trialscout.model.trial import (
    ArmGroup,
    Contact,
    Design,
    Eligibility,
    Enrollment,
    Intervention,
    MeshTerm,
    Organization,
    Outcome,
    Person,
    Reference,
    RegistryDate,
    ResponsibleParty,
    SecondaryId,
    Site,
    SourceInfo,
    Trial,
)
from trialscout.sources.values import age_in_years, enrollment_count, iso_date, registry_date

Json = Mapping[str, Any]
_EMPTY: Json = {}


def is_v2_study(obj: object) -> bool:
    return isinstance(obj, Mapping) and isinstance(obj.get("protocolSection"), Mapping)


def trial_from_v2(study: Json) -> Trial:
    """Map one API v2 study object to a Trial; raise RecordError if it has no valid NCT ID."""
    if not is_v2_study(study):
        raise RecordError("not an API v2 study object (no protocolSection)")
    protocol: Json = study["protocolSection"]
    ident = _mod(protocol, "identificationModule")
    nct_id = _str(ident.get("nctId"))
    if nct_id is None or not is_nct_id(nct_id):
        raise RecordError(f"missing or malformed NCT ID: {ident.get('nctId')!r}")
    status = _mod(protocol, "statusModule")
    sponsors = _mod(protocol, "sponsorCollaboratorsModule")
    description = _mod(protocol, "descriptionModule")
    conditions = _mod(protocol, "conditionsModule")
    design = _mod(protocol, "designModule")
    arms = _mod(protocol, "armsInterventionsModule")
    outcomes = _mod(protocol, "outcomesModule")
    eligibility = _mod(protocol, "eligibilityModule")
    contacts = _mod(protocol, "contactsLocationsModule")
    references = _mod(protocol, "referencesModule")
    derived = _mod(study, "derivedSection")
    org_study = _mod(ident, "orgStudyIdInfo")
    organization = _mod(ident, "organization")
    enrollment = _mod(design, "enrollmentInfo")

    return Trial(
        nct_id=nct_id,
        source=SourceInfo(
            format=SourceFormat.CTGOV_API_V2_JSON,
            version_date=_str(_mod(derived, "miscInfoModule").get("versionHolder")),
        ),
        org_study_id=_str(org_study.get("id")),
        secondary_ids=tuple(
            SecondaryId(
                id=str(s.get("id")),
                type=_str(s.get("type")),
                domain=_str(s.get("domain")),
                link=_str(s.get("link")),
            )
            for s in _list(ident.get("secondaryIdInfos"))
            if s.get("id")
        ),
        nct_aliases=tuple(str(a) for a in _list(ident.get("nctIdAliases"))),
        acronym=_str(ident.get("acronym")),
        brief_title=_str(ident.get("briefTitle")),
        official_title=_str(ident.get("officialTitle")),
        organization=_organization(organization, "fullName"),
        overall_status=parse_enum(OverallStatus, status.get("overallStatus")),
        last_known_status=parse_enum(OverallStatus, status.get("lastKnownStatus")),
        why_stopped=_str(status.get("whyStopped")),
        status_verified_date=iso_date(status.get("statusVerifiedDate")),
        start_date=_date_struct(status.get("startDateStruct")),
        primary_completion_date=_date_struct(status.get("primaryCompletionDateStruct")),
        completion_date=_date_struct(status.get("completionDateStruct")),
        first_submitted_date=iso_date(status.get("studyFirstSubmitDate")),
        first_posted_date=_date_struct(status.get("studyFirstPostDateStruct")),
        last_update_submitted_date=iso_date(status.get("lastUpdateSubmitDate")),
        last_update_posted_date=_date_struct(status.get("lastUpdatePostDateStruct")),
        results_first_posted_date=_date_struct(status.get("resultsFirstPostDateStruct")),
        has_results=bool(study.get("hasResults")),
        has_expanded_access=_bool(_mod(status, "expandedAccessInfo").get("hasExpandedAccess")),
        study_type=parse_enum(StudyType, design.get("studyType")),
        phases=tuple(p for text in _list(design.get("phases")) for p in phases_from_text(text)),
        enrollment=(
            Enrollment(
                count=enrollment_count(enrollment.get("count")),
                type=parse_enum(DateType, enrollment.get("type")),
            )
            if enrollment
            else None
        ),
        design=_design(_mod(design, "designInfo")),
        conditions=_strings(conditions.get("conditions")),
        keywords=_strings(conditions.get("keywords")),
        condition_mesh_terms=_meshes(_mod(derived, "conditionBrowseModule")),
        intervention_mesh_terms=_meshes(_mod(derived, "interventionBrowseModule")),
        arm_groups=tuple(
            ArmGroup(
                label=str(a.get("label") or ""),
                type=parse_enum(ArmGroupType, a.get("type")),
                description=_str(a.get("description")),
                intervention_names=_strings(a.get("interventionNames")),
            )
            for a in _list(arms.get("armGroups"))
        ),
        interventions=tuple(
            Intervention(
                name=str(i.get("name") or ""),
                type=parse_enum(InterventionType, i.get("type")),
                description=_str(i.get("description")),
                other_names=_strings(i.get("otherNames")),
                arm_group_labels=_strings(i.get("armGroupLabels")),
            )
            for i in _list(arms.get("interventions"))
        ),
        eligibility=_eligibility(eligibility) if eligibility else None,
        lead_sponsor=_organization(_mod(sponsors, "leadSponsor"), "name"),
        collaborators=tuple(
            org for c in _list(sponsors.get("collaborators")) if (org := _organization(c, "name")) is not None
        ),
        responsible_party=_responsible_party(_mod(sponsors, "responsibleParty")),
        overall_officials=tuple(
            Person(
                name=str(o.get("name") or ""),
                role=parse_enum(OfficialRole, o.get("role")),
                affiliation=_str(o.get("affiliation")),
            )
            for o in _list(contacts.get("overallOfficials"))
        ),
        central_contacts=tuple(_contact(c) for c in _list(contacts.get("centralContacts"))),
        locations=tuple(_site(s) for s in _list(contacts.get("locations"))),
        brief_summary=_str(description.get("briefSummary")),
        detailed_description=_str(description.get("detailedDescription")),
        primary_outcomes=_outcomes(outcomes.get("primaryOutcomes")),
        secondary_outcomes=_outcomes(outcomes.get("secondaryOutcomes")),
        other_outcomes=_outcomes(outcomes.get("otherOutcomes")),
        references=tuple(
            Reference(citation=_str(r.get("citation")), pmid=_str(r.get("pmid")), type=_str(r.get("type")))
            for r in _list(references.get("references"))
        ),
    )


def _mod(parent: Json, key: str) -> Json:
    value = parent.get(key)
    return value if isinstance(value, Mapping) else _EMPTY


def _list(value: object) -> Sequence[Any]:
    if isinstance(value, list):
        return [v for v in value if v is not None]
    return ()


def _str(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _strings(value: object) -> tuple[str, ...]:
    return tuple(s for v in _list(value) if (s := _str(v)) is not None)


def _bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _date_struct(value: object) -> RegistryDate | None:
    if not isinstance(value, Mapping):
        return None
    return registry_date(value.get("date"), value.get("type"))


def _organization(value: Json, name_key: str) -> Organization | None:
    name = _str(value.get(name_key))
    if name is None:
        return None
    return Organization(name=name, agency_class=parse_enum(AgencyClass, value.get("class")))


def _design(info: Json) -> Design | None:
    if not info:
        return None
    masking = _mod(info, "maskingInfo")
    return Design(
        allocation=parse_enum(Allocation, info.get("allocation")),
        intervention_model=parse_enum(InterventionModel, info.get("interventionModel")),
        intervention_model_description=_str(info.get("interventionModelDescription")),
        primary_purpose=parse_enum(PrimaryPurpose, info.get("primaryPurpose")),
        masking=parse_enum(Masking, masking.get("masking")),
        who_masked=tuple(w for text in _list(masking.get("whoMasked")) if (w := parse_enum(WhoMasked, text))),
        masking_description=_str(masking.get("maskingDescription")),
        observational_model=_str(info.get("observationalModel")),
        time_perspective=_str(info.get("timePerspective")),
    )


def _meshes(browse: Json) -> tuple[MeshTerm, ...]:
    return tuple(
        MeshTerm(term=str(m["term"]), id=_str(m.get("id")))
        for m in _list(browse.get("meshes"))
        if m.get("term")
    )


def _eligibility(module: Json) -> Eligibility:
    minimum, maximum = _str(module.get("minimumAge")), _str(module.get("maximumAge"))
    return Eligibility(
        criteria=_str(module.get("eligibilityCriteria")),
        minimum_age_years=age_in_years(minimum),
        maximum_age_years=age_in_years(maximum),
        minimum_age_text=minimum,
        maximum_age_text=maximum,
        sex=parse_enum(Sex, module.get("sex")),
        gender_based=_bool(module.get("genderBased")),
        gender_description=_str(module.get("genderDescription")),
        healthy_volunteers=_bool(module.get("healthyVolunteers")),
        std_ages=_strings(module.get("stdAges")),
        study_population=_str(module.get("studyPopulation")),
        sampling_method=_str(module.get("samplingMethod")),
    )


def _responsible_party(value: Json) -> ResponsibleParty | None:
    if not value:
        return None
    return ResponsibleParty(
        type=parse_enum(ResponsiblePartyType, value.get("type")),
        investigator_name=_str(value.get("investigatorFullName")),
        investigator_title=_str(value.get("investigatorTitle")),
        investigator_affiliation=_str(value.get("investigatorAffiliation")),
        name_title=_str(value.get("oldNameTitle")),
        organization=_str(value.get("oldOrganization")),
    )


def _contact(value: Json) -> Contact:
    return Contact(
        name=_str(value.get("name")),
        role=parse_enum(ContactRole, value.get("role")),
        phone=_str(value.get("phone")),
        phone_ext=_str(value.get("phoneExt")),
        email=_str(value.get("email")),
    )


def _site(value: Json) -> Site:
    geo = _mod(value, "geoPoint")
    return Site(
        facility=_str(value.get("facility")),
        city=_str(value.get("city")),
        state=_str(value.get("state")),
        zip=_str(value.get("zip")),
        country=_str(value.get("country")),
        status=parse_enum(OverallStatus, value.get("status")),
        latitude=_float(geo.get("lat")),
        longitude=_float(geo.get("lon")),
        contacts=tuple(_contact(c) for c in _list(value.get("contacts"))),
    )


def _outcomes(value: object) -> tuple[Outcome, ...]:
    return tuple(
        Outcome(
            measure=str(o.get("measure") or ""),
            description=_str(o.get("description")),
            time_frame=_str(o.get("timeFrame")),
        )
        for o in _list(value)
    )
