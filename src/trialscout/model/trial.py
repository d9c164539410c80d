"""The trial as the registry describes it: every field the registry pages show.

Values are normalised once, at the edge (the readers in `trialscout.sources`): enums use the
API v2 vocabulary, ages are numbers of years, dates are ISO strings of the precision the
registry gave ("2026-09" stays a month). A registry sentinel (enrollment 99999999, age "N/A")
becomes ``None``, which the pages show as "unknown"/"no limit", never as a number.
"""

from __future__ import annotations

import calendar
import datetime as dt

import msgspec

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
    Phase,
    PrimaryPurpose,
    ResponsiblePartyType,
    Sex,
    SourceFormat,
    StudyType,
    WhoMasked,
)


class _Frozen(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=False):
    """Base for the immutable value objects of the model."""


class RegistryDate(_Frozen, frozen=True, kw_only=True):
    """A registry date: ISO text of the precision given ("2024", "2024-12", "2024-12-16")."""

    date: str
    type: DateType | None = None

    @property
    def is_actual(self) -> bool:
        return self.type is DateType.ACTUAL

    def earliest(self) -> dt.date:
        """The first day the date can mean ("2026-09" -> 2026-09-01)."""
        year, month, day = _date_parts(self.date)
        return dt.date(year, month or 1, day or 1)

    def latest(self) -> dt.date:
        """The last day the date can mean ("2026-09" -> 2026-09-30)."""
        year, month, day = _date_parts(self.date)
        month = month or 12
        return dt.date(year, month, day or calendar.monthrange(year, month)[1])


def _date_parts(text: str) -> tuple[int, int | None, int | None]:
    parts = [int(p) for p in text.split("-")]
    return parts[0], parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None


class SecondaryId(_Frozen, frozen=True, kw_only=True):
    id: str
    type: str | None = None
    domain: str | None = None
    link: str | None = None


class Organization(_Frozen, frozen=True, kw_only=True):
    """A sponsor, collaborator or the registering organisation, with its agency class."""

    name: str
    agency_class: AgencyClass | None = None


class ResponsibleParty(_Frozen, frozen=True, kw_only=True):
    type: ResponsiblePartyType | None = None
    investigator_name: str | None = None
    investigator_title: str | None = None
    investigator_affiliation: str | None = None
    # Older records name the party in one free-text field instead.
    name_title: str | None = None
    organization: str | None = None


class Person(_Frozen, frozen=True, kw_only=True):
    """An overall official or a site investigator, with the role the registry gives them."""

    name: str
    role: OfficialRole | None = None
    affiliation: str | None = None


class Contact(_Frozen, frozen=True, kw_only=True):
    name: str | None = None
    role: ContactRole | None = None
    phone: str | None = None
    phone_ext: str | None = None
    email: str | None = None


class Site(_Frozen, frozen=True, kw_only=True):
    """One location of a trial, with its own recruitment status and coordinates."""

    facility: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    status: OverallStatus | None = None
    latitude: float | None = None
    longitude: float | None = None
    contacts: tuple[Contact, ...] = ()
    investigators: tuple[Person, ...] = ()

    @property
    def place(self) -> str:
        """'Palo Alto, California, United States' (the parts the registry gave)."""
        return ", ".join(p for p in (self.city, self.state, self.country) if p)


class Enrollment(_Frozen, frozen=True, kw_only=True):
    count: int | None = None
    type: DateType | None = None


class Design(_Frozen, frozen=True, kw_only=True):
    allocation: Allocation | None = None
    intervention_model: InterventionModel | None = None
    intervention_model_description: str | None = None
    primary_purpose: PrimaryPurpose | None = None
    masking: Masking | None = None
    who_masked: tuple[WhoMasked, ...] = ()
    masking_description: str | None = None
    observational_model: str | None = None
    time_perspective: str | None = None


class MeshTerm(_Frozen, frozen=True, kw_only=True):
    term: str
    id: str | None = None


class ArmGroup(_Frozen, frozen=True, kw_only=True):
    label: str
    type: ArmGroupType | None = None
    description: str | None = None
    intervention_names: tuple[str, ...] = ()


class Intervention(_Frozen, frozen=True, kw_only=True):
    name: str
    type: InterventionType | None = None
    description: str | None = None
    other_names: tuple[str, ...] = ()
    arm_group_labels: tuple[str, ...] = ()


class Eligibility(_Frozen, frozen=True, kw_only=True):
    """Who may take part. Ages are in years; ``None`` means the registry set no limit."""

    criteria: str | None = None
    minimum_age_years: float | None = None
    maximum_age_years: float | None = None
    minimum_age_text: str | None = None
    maximum_age_text: str | None = None
    sex: Sex | None = None
    gender_based: bool | None = None
    gender_description: str | None = None
    healthy_volunteers: bool | None = None
    std_ages: tuple[str, ...] = ()
    study_population: str | None = None
    sampling_method: str | None = None


class Outcome(_Frozen, frozen=True, kw_only=True):
    measure: str
    description: str | None = None
    time_frame: str | None = None


class Reference(_Frozen, frozen=True, kw_only=True):
    citation: str | None = None
    pmid: str | None = None
    type: str | None = None


class SourceInfo(_Frozen, frozen=True, kw_only=True):
    """Which registry format the record came from and the registry's version date."""

    format: SourceFormat
    version_date: str | None = None


class Trial(_Frozen, frozen=True, kw_only=True):
    """One registered clinical study, normalised from either registry format."""

    nct_id: str
    org_study_id: str | None = None
    secondary_ids: tuple[SecondaryId, ...] = ()
    nct_aliases: tuple[str, ...] = ()
    acronym: str | None = None
    brief_title: str | None = None
    official_title: str | None = None
    organization: Organization | None = None

    overall_status: OverallStatus | None = None
    last_known_status: OverallStatus | None = None
    why_stopped: str | None = None
    status_verified_date: str | None = None
    start_date: RegistryDate | None = None
    primary_completion_date: RegistryDate | None = None
    completion_date: RegistryDate | None = None
    first_submitted_date: str | None = None
    first_posted_date: RegistryDate | None = None
    last_update_submitted_date: str | None = None
    last_update_posted_date: RegistryDate | None = None
    results_first_posted_date: RegistryDate | None = None
    has_results: bool = False
    has_expanded_access: bool | None = None

    study_type: StudyType | None = None
    phases: tuple[Phase, ...] = ()
    enrollment: Enrollment | None = None
    design: Design | None = None

    conditions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    condition_mesh_terms: tuple[MeshTerm, ...] = ()
    # The broader MeSH terms of the conditions' terms, as the registry derives them (API v2
    # records only; legacy XML has none): the hierarchy a concept search walks.
    condition_mesh_ancestors: tuple[MeshTerm, ...] = ()
    intervention_mesh_terms: tuple[MeshTerm, ...] = ()
    # The broader MeSH terms of the interventions' terms (API v2 only), pooled over all of the
    # record's intervention terms: the pharmacological classes a drug belongs to.
    intervention_mesh_ancestors: tuple[MeshTerm, ...] = ()

    arm_groups: tuple[ArmGroup, ...] = ()
    interventions: tuple[Intervention, ...] = ()
    eligibility: Eligibility | None = None

    lead_sponsor: Organization | None = None
    collaborators: tuple[Organization, ...] = ()
    responsible_party: ResponsibleParty | None = None
    overall_officials: tuple[Person, ...] = ()
    central_contacts: tuple[Contact, ...] = ()
    locations: tuple[Site, ...] = ()

    brief_summary: str | None = None
    detailed_description: str | None = None
    primary_outcomes: tuple[Outcome, ...] = ()
    secondary_outcomes: tuple[Outcome, ...] = ()
    other_outcomes: tuple[Outcome, ...] = ()
    references: tuple[Reference, ...] = ()
    # Last, so that the registry's content is a prefix of the encoded record (see the store's hash).
    source: SourceInfo

    @property
    def title(self) -> str:
        return self.brief_title or self.official_title or self.nct_id

    @property
    def last_update(self) -> str | None:
        """The date of the registry's latest version of this record (ISO)."""
        if self.last_update_posted_date is not None:
            return self.last_update_posted_date.date
        return self.last_update_submitted_date

    @property
    def countries(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for site in self.locations:
            if site.country:
                seen.setdefault(site.country, None)
        return tuple(seen)
