"""Eligibility criteria as data: atomic criteria, the typed rules read from them, plain language.

A trial's eligibility text is split into `Criterion` objects, each with its exact span in the
text. From each criterion, `Rule`s are read: the parts a computer can check against a
patient's record (age, a laboratory threshold, a prior therapy, ...), each with the span of the
words it came from, units normalised. What cannot be typed stays a free-text criterion (it has
no rules) and is shown as such: nothing is dropped.

Polarity is explicit. Every rule carries ``expect``: whether the trial needs the patient to
have the property it describes (PRESENT) or not to have it (ABSENT), already combining the
criterion's kind (inclusion or exclusion) and any negation in its words ("no history of").
Exceptions ("unless", "except", "provided that") are kept on the rule they qualify and on the
criterion, never folded into the main clause.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec


class CriterionKind(StrEnum):
    INCLUSION = "inclusion"
    EXCLUSION = "exclusion"


class Expect(StrEnum):
    """What the trial needs of the patient for a rule: to have the property, or not."""

    PRESENT = "present"
    ABSENT = "absent"


class Span(msgspec.Struct, frozen=True):
    """Character offsets [start, end) in the trial's eligibility criteria text."""

    start: int
    end: int


class Bound(msgspec.Struct, frozen=True, kw_only=True):
    """An interval on a number, in the rule's normalised unit; None means unbounded."""

    low: float | None = None
    high: float | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True

    def contains(self, value: float) -> bool:
        if self.low is not None and (value < self.low or (value == self.low and not self.low_inclusive)):
            return False
        return not (
            self.high is not None and (value > self.high or (value == self.high and not self.high_inclusive))
        )


class TimeWindow(msgspec.Struct, frozen=True, kw_only=True):
    """A period relative to an anchor: "within 28 days before the first dose" (WITHIN), "at
    least 6 months since" (AT_LEAST). ``days`` is the amount in days (months = 30.44 days)."""

    relation: str  # "within", "at_least", or "unstated" (a bare "4 weeks prior to entry")
    amount: float
    unit: str  # "hours", "days", "weeks", "months", "years"
    days: float
    anchor: str | None = None  # "first dose", "randomization", "enrollment", "screening", ...
    span: Span | None = None


class StatedException(msgspec.Struct, frozen=True, kw_only=True):
    """A stated exception to a rule or criterion: its words and where they are."""

    text: str
    span: Span


class PartRole(StrEnum):
    """What a part of a rule's words is, in the terms of annotated corpora such as Chia."""

    PERSON = "person"  # "age", "women", "male patients"
    MEASUREMENT = "measurement"  # "creatinine clearance", "ECOG performance status"
    VALUE = "value"  # "> 50 mL/min", "0-1", "≥ 18 years"
    TEMPORAL = "temporal"  # "within 28 days prior to the first dose"
    CONDITION = "condition"  # "brain metastases", "HIV infection"
    DRUG = "drug"  # "cetuximab", "corticosteroids"
    PROCEDURE = "procedure"  # "major surgery", "radiotherapy"


class Part(msgspec.Struct, frozen=True):
    """A span of a rule's words with its role: what a page highlights, what evaluation scores."""

    role: PartRole
    span: Span


class _Rule(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    expect: Expect
    span: Span
    parts: tuple[Part, ...] = ()
    exceptions: tuple[StatedException, ...] = ()


class AgeRule(_Rule, frozen=True, kw_only=True, tag="age"):
    years: Bound


class SexRule(_Rule, frozen=True, kw_only=True, tag="sex"):
    sex: str  # "FEMALE" or "MALE"


class ReproductiveRule(_Rule, frozen=True, kw_only=True, tag="reproductive"):
    state: str  # "pregnant", "breastfeeding", "contraception", "childbearing_potential"
    # whom the rule concerns when the words say so ("women of childbearing potential must ..."):
    # "childbearing_potential", "female", "male"; empty means everyone
    applies_to: tuple[str, ...] = ()


class PerformanceStatusRule(_Rule, frozen=True, kw_only=True, tag="performance_status"):
    scale: str  # as written: "ECOG", "WHO", "ZUBROD", "SWOG", "GOG", "CTC" (0-5); "KARNOFSKY", "LANSKY"
    score: Bound  # on the scale as written
    ecog: Bound  # the same requirement on the ECOG/WHO 0-5 scale
    ages: Bound | None = None  # the ages (years) the requirement is for, when stated ("Lansky for < 16")


class LabRule(_Rule, frozen=True, kw_only=True, tag="lab"):
    """A laboratory or physiological threshold, normalised: absolute values in ``unit`` (the
    canonical unit of the analyte), or as a multiple of the upper limit of normal (unit "xULN")."""

    analyte: str  # "anc", "platelets", "hemoglobin", "creatinine", "creatinine_clearance", ...
    bound: Bound
    unit: str
    original: str  # the threshold as written ("< 3 x ULN", "≥ 1500/mm3")


class LifeExpectancyRule(_Rule, frozen=True, kw_only=True, tag="life_expectancy"):
    weeks: Bound


class MeasurableDiseaseRule(_Rule, frozen=True, kw_only=True, tag="measurable_disease"):
    standard: str | None = None  # "RECIST 1.1", "RANO", "iRECIST", ...
    evaluable: bool = False  # evaluable (not necessarily measurable) disease is enough


class ConditionRule(_Rule, frozen=True, kw_only=True, tag="condition"):
    """Another condition (a comorbidity, a history): "myocardial infarction within 12 months".

    ``condition`` is in the registry's words; ``concepts`` are their normalised names (MeSH
    where known), which a matcher compares with a patient's conditions."""

    condition: str
    concepts: tuple[str, ...] = ()
    qualifier: str | None = None  # "active", "uncontrolled", "history of", "symptomatic", ...
    window: TimeWindow | None = None


class DiagnosisRule(_Rule, frozen=True, kw_only=True, tag="diagnosis"):
    """The disease the trial is for, in the registry's words, with its normalised ``concepts``."""

    condition: str
    concepts: tuple[str, ...] = ()
    histology: str | None = None
    stage: str | None = None
    confirmation: str | None = None  # "histological", "cytological", ...
    setting: str | None = None  # "metastatic", "recurrent", "locally advanced", ...


class BiomarkerRule(_Rule, frozen=True, kw_only=True, tag="biomarker"):
    marker: str  # gene or protein: "EGFR", "ALK", "DLL3", "PD-L1", "HER2"
    alteration: str | None = None  # "mutation", "rearrangement", "fusion", "amplification", "expression"
    qualifier: str | None = None  # "activating", "sensitizing", "T790M", ...
    expression: Bound | None = None  # percent of cells, when a threshold is stated


class PriorTherapyRule(_Rule, frozen=True, kw_only=True, tag="prior_therapy"):
    therapies: tuple[str, ...]  # drugs, drug classes or modalities, as named
    lines: Bound | None = None  # number of prior lines of therapy
    progression: bool = False  # progression on or after the therapy is part of the rule
    window: TimeWindow | None = None
    setting: str | None = None  # "metastatic", "adjuvant", ...


class CnsMetastasesRule(_Rule, frozen=True, kw_only=True, tag="cns_metastases"):
    state: str  # "any", "untreated", "symptomatic", "active", "treated_stable", "leptomeningeal"


class InfectionRule(_Rule, frozen=True, kw_only=True, tag="infection"):
    infection: str  # "HIV", "HBV", "HCV", "tuberculosis", "COVID-19", "hepatitis", "active_infection"
    qualifier: str | None = None  # "active", "chronic", "known", "uncontrolled", ...
    window: TimeWindow | None = None  # "active infection requiring IV antibiotics within 14 days"


class TransplantRule(_Rule, frozen=True, kw_only=True, tag="transplant"):
    organ: str | None = None  # "solid organ", "allogeneic stem cell", ...
    window: TimeWindow | None = None  # "allogeneic transplant within the last 6 months"


class AutoimmuneRule(_Rule, frozen=True, kw_only=True, tag="autoimmune"):
    qualifier: str | None = None  # "active", "requiring systemic treatment", ...
    window: TimeWindow | None = None


class OtherMalignancyRule(_Rule, frozen=True, kw_only=True, tag="other_malignancy"):
    within_years: float | None = None


class MedicationRule(_Rule, frozen=True, kw_only=True, tag="medication"):
    """A concurrent or recent medication: "corticosteroids above 10 mg/day prednisone equivalent"."""

    medication: str
    dose: Bound | None = None
    dose_unit: str | None = None  # "mg/day prednisone-equivalent", ...
    window: TimeWindow | None = None


class ProcedureRule(_Rule, frozen=True, kw_only=True, tag="procedure"):
    """A prior procedure (surgery, radiotherapy) with its time window: "major surgery within 28 days"."""

    procedure: str
    window: TimeWindow | None = None


Rule = (
    AgeRule
    | SexRule
    | ReproductiveRule
    | PerformanceStatusRule
    | LabRule
    | LifeExpectancyRule
    | MeasurableDiseaseRule
    | DiagnosisRule
    | ConditionRule
    | BiomarkerRule
    | PriorTherapyRule
    | CnsMetastasesRule
    | InfectionRule
    | TransplantRule
    | AutoimmuneRule
    | OtherMalignancyRule
    | MedicationRule
    | ProcedureRule
)


class CriterionRole(StrEnum):
    """What a criterion is to the trial: a requirement in its own right, an exception to its
    parent ("Subjects with treated brain metastases are eligible provided ..."), or a condition
    of such an exception ("... asymptomatic from brain metastases"). Only requirements are
    checked on their own; exceptions and their conditions qualify the requirement above."""

    REQUIREMENT = "requirement"
    EXCEPTION = "exception"
    EXCEPTION_CONDITION = "exception_condition"
    DEFINITION = "definition"  # "Post-menopausal is defined as ...": defines words used elsewhere
    NOTE = "note"  # a remark or a permission that asks nothing of the patient ("... may also be present")


class Scope(msgspec.Struct, frozen=True, kw_only=True):
    """Whom, or when, a criterion applies to: "for patients with brain metastases, ...",
    "women of childbearing potential must ...". The criterion asks nothing of a patient the
    scope does not cover (it is met); ``rules`` are the scope's typed parts, all of which must
    hold for the criterion to apply, each with the span it came from."""

    text: str
    span: Span
    rules: tuple[Rule, ...] = ()


class Criterion(msgspec.Struct, frozen=True, kw_only=True):
    """One atomic criterion: its words (an exact slice of the eligibility text), its kind, the
    rules read from it, and its plain-language sentence.

    ``parent`` names the criterion a sub-point qualifies (for example the conditions under which
    treated brain metastases are allowed); ``exceptions`` are the stated exceptions.
    """

    id: str  # "I3", "E6", "E6.2"
    kind: CriterionKind
    span: Span
    text: str
    parent: str | None = None
    topic: str | None = None  # the label the registry puts over it ("Hepatic", "Medical Conditions")
    role: CriterionRole = CriterionRole.REQUIREMENT
    exceptions: tuple[StatedException, ...] = ()
    rules: tuple[Rule, ...] = ()
    # How the rules combine: each group is a set of alternatives (indices into ``rules``) of
    # which one must hold, and every group must hold ("NSCLC or SCLC" is one group of two;
    # "stroke patients with dysphagia" two groups of one). Empty: every rule must hold.
    groups: tuple[tuple[int, ...], ...] = ()
    scope: Scope | None = None
    # Sibling criteria this one is an alternative to (items joined by "or"): one of them suffices.
    alternative_to: tuple[str, ...] = ()
    plain: str = ""
    # True when ``plain`` holds the registry's own words because no faithful sentence could be built.
    plain_original: bool = False

    @property
    def is_typed(self) -> bool:
        return bool(self.rules)


#: Bump when a change to the parser changes its output; stored results of older versions are re-parsed.
PARSER_VERSION = 3


class ParsedEligibility(msgspec.Struct, frozen=True, kw_only=True):
    """All the criteria of one trial, with a lay summary of who the trial is for."""

    nct_id: str
    criteria: tuple[Criterion, ...]
    summary: str = ""
    parser_version: int = 1
