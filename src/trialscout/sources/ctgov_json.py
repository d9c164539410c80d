"""ClinicalTrials.gov API v2 study JSON -> `Trial`.

One study object as the API (`/api/v2/studies/{nctId}`, the `studies` of a page) and the
website's JSON download give it. The bytes are decoded straight into the typed schema of
`ctgov_v2_schema` (validated once, at the edge), then mapped onto the model. Optional modules
may be missing; a missing value is None.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

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
from trialscout.sources import ctgov_v2_schema as v2
from trialscout.sources.values import age_in_years, coordinates, enrollment_count, iso_date, registry_date


def is_v2_study(obj: object) -> bool:
    return isinstance(obj, Mapping) and isinstance(obj.get("protocolSection"), Mapping)


def trial_from_v2_json(data: bytes) -> Trial:
    """The bytes of one API v2 study -> Trial; RecordError with the reason if it is not one."""
    try:
        study = v2.STUDY_DECODER.decode(data)
    except msgspec.ValidationError as exc:
        raise RecordError(f"not a valid API v2 study: {exc}") from exc
    except msgspec.DecodeError as exc:
        if "trailing characters" in str(exc):
            raise ConcatenatedValuesError(str(exc)) from exc
        raise RecordError(f"malformed JSON: {exc}") from exc
    return trial_from_study(study)


class ConcatenatedValuesError(RecordError):
    """The bytes hold several JSON values one after another (see `files.split_concatenated`)."""


def trial_from_v2(study: Mapping[str, Any]) -> Trial:
    """One API v2 study object (as parsed JSON) -> Trial."""
    if not is_v2_study(study):
        raise RecordError("not an API v2 study object (no protocolSection)")
    try:
        typed = msgspec.convert(study, v2.Study)
    except msgspec.ValidationError as exc:
        raise RecordError(f"not a valid API v2 study: {exc}") from exc
    return trial_from_study(typed)


def trial_from_study(study: v2.Study) -> Trial:
    """Map a decoded API v2 study onto the model; RecordError if it has no valid NCT ID."""
    p = study.protocol_section
    ident = p.identification_module or v2.IdentificationModule()
    nct_id = ident.nct_id
    if nct_id is None or not is_nct_id(nct_id):
        raise RecordError(f"missing or malformed NCT ID: {nct_id!r}")
    status = p.status_module or v2.StatusModule()
    sponsors = p.sponsor_collaborators_module or v2.SponsorCollaboratorsModule()
    description = p.description_module or v2.DescriptionModule()
    conditions = p.conditions_module or v2.ConditionsModule()
    design = p.design_module or v2.DesignModule()
    arms = p.arms_interventions_module or v2.ArmsInterventionsModule()
    outcomes = p.outcomes_module or v2.OutcomesModule()
    contacts = p.contacts_locations_module or v2.ContactsLocationsModule()
    derived = study.derived_section or v2.DerivedSection()
    enrollment = design.enrollment_info
    misc = derived.misc_info_module

    return Trial(
        nct_id=nct_id,
        source=SourceInfo(
            format=SourceFormat.CTGOV_API_V2_JSON,
            version_date=misc.version_holder if misc else None,
        ),
        org_study_id=_str(ident.org_study_id_info.id) if ident.org_study_id_info else None,
        secondary_ids=tuple(
            SecondaryId(id=s.id, type=_str(s.type), domain=_str(s.domain), link=_str(s.link))
            for s in ident.secondary_id_infos
            if s.id
        ),
        nct_aliases=tuple(ident.nct_id_aliases),
        acronym=_str(ident.acronym),
        brief_title=_str(ident.brief_title),
        official_title=_str(ident.official_title),
        organization=_organization(ident.organization),
        overall_status=parse_enum(OverallStatus, status.overall_status),
        last_known_status=parse_enum(OverallStatus, status.last_known_status),
        why_stopped=_str(status.why_stopped),
        status_verified_date=iso_date(status.status_verified_date),
        start_date=_date(status.start_date_struct),
        primary_completion_date=_date(status.primary_completion_date_struct),
        completion_date=_date(status.completion_date_struct),
        first_submitted_date=iso_date(status.study_first_submit_date),
        first_posted_date=_date(status.study_first_post_date_struct),
        last_update_submitted_date=iso_date(status.last_update_submit_date),
        last_update_posted_date=_date(status.last_update_post_date_struct),
        results_first_posted_date=_date(status.results_first_post_date_struct),
        has_results=bool(study.has_results),
        has_expanded_access=(
            status.expanded_access_info.has_expanded_access if status.expanded_access_info else None
        ),
        study_type=parse_enum(StudyType, design.study_type),
        phases=tuple(ph for text in design.phases for ph in phases_from_text(text)),
        enrollment=(
            Enrollment(count=enrollment_count(enrollment.count), type=parse_enum(DateType, enrollment.type))
            if enrollment is not None
            else None
        ),
        design=_design(design.design_info),
        conditions=_strings(conditions.conditions),
        keywords=_strings(conditions.keywords),
        condition_mesh_terms=_meshes(derived.condition_browse_module),
        condition_mesh_ancestors=_meshes(derived.condition_browse_module, ancestors=True),
        intervention_mesh_terms=_meshes(derived.intervention_browse_module),
        intervention_mesh_ancestors=_meshes(derived.intervention_browse_module, ancestors=True),
        arm_groups=tuple(
            ArmGroup(
                label=a.label or "",
                type=parse_enum(ArmGroupType, a.type),
                description=_str(a.description),
                intervention_names=_strings(a.intervention_names),
            )
            for a in arms.arm_groups
        ),
        interventions=tuple(
            Intervention(
                name=i.name or "",
                type=parse_enum(InterventionType, i.type),
                description=_str(i.description),
                other_names=_strings(i.other_names),
                arm_group_labels=_strings(i.arm_group_labels),
            )
            for i in arms.interventions
        ),
        eligibility=_eligibility(p.eligibility_module) if p.eligibility_module else None,
        lead_sponsor=_organization(sponsors.lead_sponsor),
        collaborators=tuple(org for c in sponsors.collaborators if (org := _organization(c)) is not None),
        responsible_party=_responsible_party(sponsors.responsible_party),
        overall_officials=tuple(
            Person(name=o.name or "", role=parse_enum(OfficialRole, o.role), affiliation=_str(o.affiliation))
            for o in contacts.overall_officials
        ),
        central_contacts=tuple(_contact(c) for c in contacts.central_contacts),
        locations=tuple(_site(s) for s in contacts.locations),
        brief_summary=_str(description.brief_summary),
        detailed_description=_str(description.detailed_description),
        primary_outcomes=_outcomes(outcomes.primary_outcomes),
        secondary_outcomes=_outcomes(outcomes.secondary_outcomes),
        other_outcomes=_outcomes(outcomes.other_outcomes),
        references=tuple(
            Reference(citation=_str(r.citation), pmid=_str(r.pmid), type=_str(r.type))
            for r in (p.references_module or v2.ReferencesModule()).references
        ),
    )


def _str(value: str | None) -> str | None:
    return value if value and value.strip() else None


def _strings(values: list[str]) -> tuple[str, ...]:
    return tuple(v for v in values if v and v.strip())


def _date(value: v2.DateStruct | None) -> RegistryDate | None:
    return registry_date(value.date, value.type) if value is not None else None


def _organization(value: v2.Organization | None) -> Organization | None:
    if value is None:
        return None
    name = _str(value.full_name) or _str(value.name)
    if name is None:
        return None
    return Organization(name=name, agency_class=parse_enum(AgencyClass, value.class_))


def _design(info: v2.DesignInfo | None) -> Design | None:
    if info is None:
        return None
    masking = info.masking_info or v2.MaskingInfo()
    return Design(
        allocation=parse_enum(Allocation, info.allocation),
        intervention_model=parse_enum(InterventionModel, info.intervention_model),
        intervention_model_description=_str(info.intervention_model_description),
        primary_purpose=parse_enum(PrimaryPurpose, info.primary_purpose),
        masking=parse_enum(Masking, masking.masking),
        who_masked=tuple(w for text in masking.who_masked if (w := parse_enum(WhoMasked, text))),
        masking_description=_str(masking.masking_description),
        observational_model=_str(info.observational_model),
        time_perspective=_str(info.time_perspective),
    )


def _meshes(browse: v2.BrowseModule | None, *, ancestors: bool = False) -> tuple[MeshTerm, ...]:
    if browse is None:
        return ()
    meshes = browse.ancestors if ancestors else browse.meshes
    return tuple(MeshTerm(term=m.term, id=_str(m.id)) for m in meshes if m.term)


def _eligibility(module: v2.EligibilityModule) -> Eligibility:
    minimum, maximum = _str(module.minimum_age), _str(module.maximum_age)
    return Eligibility(
        criteria=_str(module.eligibility_criteria),
        minimum_age_years=age_in_years(minimum),
        maximum_age_years=age_in_years(maximum),
        minimum_age_text=minimum,
        maximum_age_text=maximum,
        sex=parse_enum(Sex, module.sex),
        gender_based=module.gender_based,
        gender_description=_str(module.gender_description),
        healthy_volunteers=module.healthy_volunteers,
        std_ages=_strings(module.std_ages),
        study_population=_str(module.study_population),
        sampling_method=_str(module.sampling_method),
    )


def _responsible_party(value: v2.ResponsibleParty | None) -> ResponsibleParty | None:
    if value is None:
        return None
    return ResponsibleParty(
        type=parse_enum(ResponsiblePartyType, value.type),
        investigator_name=_str(value.investigator_full_name),
        investigator_title=_str(value.investigator_title),
        investigator_affiliation=_str(value.investigator_affiliation),
        name_title=_str(value.old_name_title),
        organization=_str(value.old_organization),
    )


def _contact(value: v2.Contact) -> Contact:
    return Contact(
        name=_str(value.name),
        role=parse_enum(ContactRole, value.role),
        phone=_str(value.phone),
        phone_ext=_str(value.phone_ext),
        email=_str(value.email),
    )


def _site(value: v2.Location) -> Site:
    geo = value.geo_point
    latitude, longitude = coordinates(geo.lat, geo.lon) if geo else (None, None)
    return Site(
        facility=_str(value.facility),
        city=_str(value.city),
        state=_str(value.state),
        zip=_str(value.zip),
        country=_str(value.country),
        status=parse_enum(OverallStatus, value.status),
        latitude=latitude,
        longitude=longitude,
        contacts=tuple(_contact(c) for c in value.contacts),
    )


def _outcomes(values: list[v2.Outcome]) -> tuple[Outcome, ...]:
    return tuple(
        Outcome(measure=o.measure or "", description=_str(o.description), time_frame=_str(o.time_frame))
        for o in values
    )
