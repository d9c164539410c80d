"""`Trial` -> a ClinicalTrials.gov API v2 study: for records loaded from legacy XML (or kept
without their original bytes), so that `/api/v2` can answer every trial in one shape.

The mirror of `trialscout.sources.ctgov_json`: the model is written back into the typed API v2
schema of `ctgov_v2_schema` and encoded by msgspec, so a field has the same name and place as
in a study the registry serves, and reading the result back (`trial_from_v2_json`) gives the
same trial. Fields the model does not hold (results, documents, the site investigators of
legacy XML) are left out; nothing is invented.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

from trialscout.model.trial import (
    Contact,
    Design,
    Eligibility,
    MeshTerm,
    Organization,
    Outcome,
    RegistryDate,
    ResponsibleParty,
    Site,
    Trial,
)
from trialscout.sources import ctgov_v2_schema as v2

_ENCODER = msgspec.json.Encoder()


def study_from_trial(trial: Trial) -> v2.Study:
    """The API v2 study that holds what ``trial`` holds."""
    return v2.Study(
        protocol_section=v2.ProtocolSection(
            identification_module=_identification(trial),
            status_module=_status(trial),
            sponsor_collaborators_module=_sponsors(trial),
            description_module=(
                v2.DescriptionModule(
                    brief_summary=trial.brief_summary, detailed_description=trial.detailed_description
                )
                if trial.brief_summary or trial.detailed_description
                else None
            ),
            conditions_module=(
                v2.ConditionsModule(conditions=list(trial.conditions), keywords=list(trial.keywords))
                if trial.conditions or trial.keywords
                else None
            ),
            design_module=_design(trial),
            arms_interventions_module=_arms(trial),
            outcomes_module=_outcomes(trial),
            eligibility_module=_eligibility(trial.eligibility) if trial.eligibility else None,
            contacts_locations_module=_contacts(trial),
            references_module=(
                v2.ReferencesModule(
                    references=[
                        v2.Reference(pmid=r.pmid, type=r.type, citation=r.citation) for r in trial.references
                    ]
                )
                if trial.references
                else None
            ),
        ),
        derived_section=_derived(trial),
        has_results=trial.has_results,
    )


def study_json(trial: Trial) -> bytes:
    """``trial`` as the JSON bytes of one API v2 study."""
    return _ENCODER.encode(study_from_trial(trial))


def _value(value: StrEnum | None) -> str | None:
    return value.value if value is not None else None


def _date(value: RegistryDate | None) -> v2.DateStruct | None:
    return v2.DateStruct(date=value.date, type=_value(value.type)) if value is not None else None


def _organization(value: Organization | None) -> v2.Organization | None:
    if value is None:
        return None
    return v2.Organization(full_name=value.name, class_=_value(value.agency_class))


def _sponsor(value: Organization) -> v2.Organization:
    # A sponsor's name is `name` in API v2 (an identification module's organisation: `fullName`).
    return v2.Organization(name=value.name, class_=_value(value.agency_class))


def _identification(trial: Trial) -> v2.IdentificationModule:
    return v2.IdentificationModule(
        nct_id=trial.nct_id,
        nct_id_aliases=list(trial.nct_aliases),
        org_study_id_info=v2.OrgStudyIdInfo(id=trial.org_study_id) if trial.org_study_id else None,
        secondary_id_infos=[
            v2.SecondaryIdInfo(id=s.id, type=s.type, domain=s.domain, link=s.link)
            for s in trial.secondary_ids
        ],
        organization=_organization(trial.organization),
        brief_title=trial.brief_title,
        official_title=trial.official_title,
        acronym=trial.acronym,
    )


def _status(trial: Trial) -> v2.StatusModule:
    return v2.StatusModule(
        status_verified_date=trial.status_verified_date,
        overall_status=_value(trial.overall_status),
        last_known_status=_value(trial.last_known_status),
        why_stopped=trial.why_stopped,
        expanded_access_info=(
            v2.ExpandedAccessInfo(has_expanded_access=trial.has_expanded_access)
            if trial.has_expanded_access is not None
            else None
        ),
        start_date_struct=_date(trial.start_date),
        primary_completion_date_struct=_date(trial.primary_completion_date),
        completion_date_struct=_date(trial.completion_date),
        study_first_submit_date=trial.first_submitted_date,
        study_first_post_date_struct=_date(trial.first_posted_date),
        last_update_submit_date=trial.last_update_submitted_date,
        last_update_post_date_struct=_date(trial.last_update_posted_date),
        results_first_post_date_struct=_date(trial.results_first_posted_date),
    )


def _responsible_party(value: ResponsibleParty | None) -> v2.ResponsibleParty | None:
    if value is None:
        return None
    return v2.ResponsibleParty(
        type=_value(value.type),
        investigator_full_name=value.investigator_name,
        investigator_title=value.investigator_title,
        investigator_affiliation=value.investigator_affiliation,
        old_name_title=value.name_title,
        old_organization=value.organization,
    )


def _sponsors(trial: Trial) -> v2.SponsorCollaboratorsModule | None:
    if trial.lead_sponsor is None and not trial.collaborators and trial.responsible_party is None:
        return None
    return v2.SponsorCollaboratorsModule(
        responsible_party=_responsible_party(trial.responsible_party),
        lead_sponsor=_sponsor(trial.lead_sponsor) if trial.lead_sponsor else None,
        collaborators=[_sponsor(c) for c in trial.collaborators],
    )


def _design_info(value: Design | None) -> v2.DesignInfo | None:
    if value is None:
        return None
    masked = value.masking is not None or value.who_masked or value.masking_description
    return v2.DesignInfo(
        allocation=_value(value.allocation),
        intervention_model=_value(value.intervention_model),
        intervention_model_description=value.intervention_model_description,
        primary_purpose=_value(value.primary_purpose),
        observational_model=value.observational_model,
        time_perspective=value.time_perspective,
        masking_info=(
            v2.MaskingInfo(
                masking=_value(value.masking),
                masking_description=value.masking_description,
                who_masked=[w.value for w in value.who_masked],
            )
            if masked
            else None
        ),
    )


def _design(trial: Trial) -> v2.DesignModule | None:
    if trial.study_type is None and not trial.phases and trial.design is None and trial.enrollment is None:
        return None
    enrollment = trial.enrollment
    return v2.DesignModule(
        study_type=_value(trial.study_type),
        phases=[p.value for p in trial.phases],
        design_info=_design_info(trial.design),
        enrollment_info=(
            v2.EnrollmentInfo(count=enrollment.count, type=_value(enrollment.type))
            if enrollment is not None
            else None
        ),
    )


def _arms(trial: Trial) -> v2.ArmsInterventionsModule | None:
    if not trial.arm_groups and not trial.interventions:
        return None
    return v2.ArmsInterventionsModule(
        arm_groups=[
            v2.ArmGroup(
                label=a.label,
                type=_value(a.type),
                description=a.description,
                intervention_names=list(a.intervention_names),
            )
            for a in trial.arm_groups
        ],
        interventions=[
            v2.Intervention(
                type=_value(i.type),
                name=i.name,
                description=i.description,
                arm_group_labels=list(i.arm_group_labels),
                other_names=list(i.other_names),
            )
            for i in trial.interventions
        ],
    )


def _outcome_list(values: tuple[Outcome, ...]) -> list[v2.Outcome]:
    return [v2.Outcome(measure=o.measure, description=o.description, time_frame=o.time_frame) for o in values]


def _outcomes(trial: Trial) -> v2.OutcomesModule | None:
    if not (trial.primary_outcomes or trial.secondary_outcomes or trial.other_outcomes):
        return None
    return v2.OutcomesModule(
        primary_outcomes=_outcome_list(trial.primary_outcomes),
        secondary_outcomes=_outcome_list(trial.secondary_outcomes),
        other_outcomes=_outcome_list(trial.other_outcomes),
    )


def _eligibility(value: Eligibility) -> v2.EligibilityModule:
    return v2.EligibilityModule(
        eligibility_criteria=value.criteria,
        healthy_volunteers=value.healthy_volunteers,
        sex=_value(value.sex),
        gender_based=value.gender_based,
        gender_description=value.gender_description,
        minimum_age=value.minimum_age_text,
        maximum_age=value.maximum_age_text,
        std_ages=list(value.std_ages),
        study_population=value.study_population,
        sampling_method=value.sampling_method,
    )


def _contact(value: Contact) -> v2.Contact:
    return v2.Contact(
        name=value.name,
        role=_value(value.role),
        phone=value.phone,
        phone_ext=value.phone_ext,
        email=value.email,
    )


def _site(value: Site) -> v2.Location:
    placed = value.latitude is not None and value.longitude is not None
    return v2.Location(
        facility=value.facility,
        status=_value(value.status),
        city=value.city,
        state=value.state,
        zip=value.zip,
        country=value.country,
        contacts=[_contact(c) for c in value.contacts],
        geo_point=v2.GeoPoint(lat=value.latitude, lon=value.longitude) if placed else None,
    )


def _contacts(trial: Trial) -> v2.ContactsLocationsModule | None:
    if not (trial.central_contacts or trial.overall_officials or trial.locations):
        return None
    return v2.ContactsLocationsModule(
        central_contacts=[_contact(c) for c in trial.central_contacts],
        overall_officials=[
            v2.Official(name=o.name, affiliation=o.affiliation, role=_value(o.role))
            for o in trial.overall_officials
        ],
        locations=[_site(s) for s in trial.locations],
    )


def _browse(meshes: tuple[MeshTerm, ...], ancestors: tuple[MeshTerm, ...]) -> v2.BrowseModule | None:
    if not meshes and not ancestors:
        return None
    return v2.BrowseModule(
        meshes=[v2.Mesh(id=m.id, term=m.term) for m in meshes],
        ancestors=[v2.Mesh(id=m.id, term=m.term) for m in ancestors],
    )


def _derived(trial: Trial) -> v2.DerivedSection | None:
    conditions = _browse(trial.condition_mesh_terms, trial.condition_mesh_ancestors)
    interventions = _browse(trial.intervention_mesh_terms, trial.intervention_mesh_ancestors)
    version = trial.source.version_date
    if conditions is None and interventions is None and version is None:
        return None
    return v2.DerivedSection(
        misc_info_module=v2.MiscInfoModule(version_holder=version) if version else None,
        condition_browse_module=conditions,
        intervention_browse_module=interventions,
    )
