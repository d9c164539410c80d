"""The part of the ClinicalTrials.gov API v2 study schema that trialscout reads, as msgspec types.

Decoding a study's bytes straight into these structs validates the payload at the edge, once,
and is several times faster than building dictionaries and walking them. Every field is
optional (the registry omits empty modules); unknown fields are ignored, and the original
record is kept whole elsewhere, so nothing the registry said is lost.
"""

from __future__ import annotations

import msgspec


class _V2(msgspec.Struct, frozen=True, rename="camel", omit_defaults=True):
    pass


class DateStruct(_V2, frozen=True):
    date: str | None = None
    type: str | None = None


class OrgStudyIdInfo(_V2, frozen=True):
    id: str | None = None


class SecondaryIdInfo(_V2, frozen=True):
    id: str | None = None
    type: str | None = None
    domain: str | None = None
    link: str | None = None


class Organization(_V2, frozen=True):
    full_name: str | None = None
    name: str | None = None
    class_: str | None = msgspec.field(default=None, name="class")


class IdentificationModule(_V2, frozen=True):
    nct_id: str | None = None
    nct_id_aliases: list[str] = []
    org_study_id_info: OrgStudyIdInfo | None = None
    secondary_id_infos: list[SecondaryIdInfo] = []
    organization: Organization | None = None
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None


class ExpandedAccessInfo(_V2, frozen=True):
    has_expanded_access: bool | None = None


class StatusModule(_V2, frozen=True):
    status_verified_date: str | None = None
    overall_status: str | None = None
    last_known_status: str | None = None
    why_stopped: str | None = None
    expanded_access_info: ExpandedAccessInfo | None = None
    start_date_struct: DateStruct | None = None
    primary_completion_date_struct: DateStruct | None = None
    completion_date_struct: DateStruct | None = None
    study_first_submit_date: str | None = None
    study_first_post_date_struct: DateStruct | None = None
    last_update_submit_date: str | None = None
    last_update_post_date_struct: DateStruct | None = None
    results_first_post_date_struct: DateStruct | None = None


class ResponsibleParty(_V2, frozen=True):
    type: str | None = None
    investigator_full_name: str | None = None
    investigator_title: str | None = None
    investigator_affiliation: str | None = None
    old_name_title: str | None = None
    old_organization: str | None = None


class SponsorCollaboratorsModule(_V2, frozen=True):
    responsible_party: ResponsibleParty | None = None
    lead_sponsor: Organization | None = None
    collaborators: list[Organization] = []


class DescriptionModule(_V2, frozen=True):
    brief_summary: str | None = None
    detailed_description: str | None = None


class ConditionsModule(_V2, frozen=True):
    conditions: list[str] = []
    keywords: list[str] = []


class MaskingInfo(_V2, frozen=True):
    masking: str | None = None
    masking_description: str | None = None
    who_masked: list[str] = []


class DesignInfo(_V2, frozen=True):
    allocation: str | None = None
    intervention_model: str | None = None
    intervention_model_description: str | None = None
    primary_purpose: str | None = None
    observational_model: str | None = None
    time_perspective: str | None = None
    masking_info: MaskingInfo | None = None


class EnrollmentInfo(_V2, frozen=True):
    count: int | None = None
    type: str | None = None


class DesignModule(_V2, frozen=True):
    study_type: str | None = None
    phases: list[str] = []
    design_info: DesignInfo | None = None
    enrollment_info: EnrollmentInfo | None = None


class ArmGroup(_V2, frozen=True):
    label: str | None = None
    type: str | None = None
    description: str | None = None
    intervention_names: list[str] = []


class Intervention(_V2, frozen=True):
    type: str | None = None
    name: str | None = None
    description: str | None = None
    arm_group_labels: list[str] = []
    other_names: list[str] = []


class ArmsInterventionsModule(_V2, frozen=True):
    arm_groups: list[ArmGroup] = []
    interventions: list[Intervention] = []


class Outcome(_V2, frozen=True):
    measure: str | None = None
    description: str | None = None
    time_frame: str | None = None


class OutcomesModule(_V2, frozen=True):
    primary_outcomes: list[Outcome] = []
    secondary_outcomes: list[Outcome] = []
    other_outcomes: list[Outcome] = []


class EligibilityModule(_V2, frozen=True):
    eligibility_criteria: str | None = None
    healthy_volunteers: bool | None = None
    sex: str | None = None
    gender_based: bool | None = None
    gender_description: str | None = None
    minimum_age: str | None = None
    maximum_age: str | None = None
    std_ages: list[str] = []
    study_population: str | None = None
    sampling_method: str | None = None


class Contact(_V2, frozen=True):
    name: str | None = None
    role: str | None = None
    phone: str | None = None
    phone_ext: str | None = None
    email: str | None = None


class Official(_V2, frozen=True):
    name: str | None = None
    affiliation: str | None = None
    role: str | None = None


class GeoPoint(_V2, frozen=True):
    lat: float | None = None
    lon: float | None = None


class Location(_V2, frozen=True):
    facility: str | None = None
    status: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    contacts: list[Contact] = []
    geo_point: GeoPoint | None = None


class ContactsLocationsModule(_V2, frozen=True):
    central_contacts: list[Contact] = []
    overall_officials: list[Official] = []
    locations: list[Location] = []


class Reference(_V2, frozen=True):
    pmid: str | None = None
    type: str | None = None
    citation: str | None = None


class ReferencesModule(_V2, frozen=True):
    references: list[Reference] = []


class ProtocolSection(_V2, frozen=True):
    identification_module: IdentificationModule | None = None
    status_module: StatusModule | None = None
    sponsor_collaborators_module: SponsorCollaboratorsModule | None = None
    description_module: DescriptionModule | None = None
    conditions_module: ConditionsModule | None = None
    design_module: DesignModule | None = None
    arms_interventions_module: ArmsInterventionsModule | None = None
    outcomes_module: OutcomesModule | None = None
    eligibility_module: EligibilityModule | None = None
    contacts_locations_module: ContactsLocationsModule | None = None
    references_module: ReferencesModule | None = None


class Mesh(_V2, frozen=True):
    id: str | None = None
    term: str | None = None


class BrowseModule(_V2, frozen=True):
    meshes: list[Mesh] = []
    ancestors: list[Mesh] = []


class MiscInfoModule(_V2, frozen=True):
    version_holder: str | None = None


class DerivedSection(_V2, frozen=True):
    misc_info_module: MiscInfoModule | None = None
    condition_browse_module: BrowseModule | None = None
    intervention_browse_module: BrowseModule | None = None


class Study(_V2, frozen=True):
    """One study as the API v2 returns it (the parts trialscout maps)."""

    protocol_section: ProtocolSection
    derived_section: DerivedSection | None = None
    has_results: bool | None = None


STUDY_DECODER = msgspec.json.Decoder(Study)
