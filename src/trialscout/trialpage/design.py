"""The design of a trial in plain words: how people are put in groups, who knows who gets what,
what the study treatment is compared with, the groups with their registered doses, and the
interventions with their drug class.

Every sentence is built from the registry's own fields, and says where it came from. Two errors
of commercial pages are ruled out by construction:

- "No placebo group" for a trial whose comparison group is "Placebo Q2W + Cetuximab": a group is
  a placebo group when its type is PLACEBO_COMPARATOR *or* its label, description or
  interventions name a placebo, and the control says "no" only as "no group is registered as
  ...", never from a missing field.
- A drug class pinned on the wrong drug: the registry's MeSH ancestors are pooled over all of
  the record's intervention terms, so a class is given to one intervention only when the
  record has a single intervention MeSH term and that term names exactly one intervention;
  otherwise the classes are shown for the trial as a whole.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

import msgspec

from trialscout.model.enums import (
    Allocation,
    ArmGroupType,
    InterventionModel,
    Masking,
    PrimaryPurpose,
    StudyType,
    WhoMasked,
)
from trialscout.model.trial import ArmGroup, Design, Intervention, MeshTerm, Trial
from trialscout.trialpage.provenance import Derived, Evidence

_DESIGN = "protocolSection.designModule"
_INFO = f"{_DESIGN}.designInfo"
_ARMS = "protocolSection.armsInterventionsModule"
_BROWSE = "derivedSection.interventionBrowseModule"
NOT_STATED = "not stated in the registry"


class PlainFact(msgspec.Struct, frozen=True, kw_only=True):
    """One design fact in plain words, and the registry fields it came from."""

    words: str
    derived: Derived


class DoseQuote(msgspec.Struct, frozen=True, kw_only=True):
    """A sentence of the registry that states a dose, quoted as registered."""

    words: str
    field: str  # where it was quoted from: "...armGroups[0].description"


class ParticipantGroup(msgspec.Struct, frozen=True, kw_only=True):
    """One arm of the trial as registered, its type in plain words, and its stated doses."""

    label: str
    kind: str  # "comparison group (an existing treatment)"; NOT_STATED without a type
    registered_type: str | None  # ACTIVE_COMPARATOR, as registered
    description: str | None
    interventions: tuple[str, ...]  # as the arm names them ("Drug: Cetuximab")
    doses: tuple[DoseQuote, ...]
    derived: Derived


class DrugClass(msgspec.Struct, frozen=True, kw_only=True):
    """A pharmacological class in readable words, with the MeSH term it renders."""

    words: str  # "monoclonal antibody"
    mesh_term: str  # "Antibodies, Monoclonal"


class PlainIntervention(msgspec.Struct, frozen=True, kw_only=True):
    """One intervention, with its drug class where the record gives it unambiguously."""

    name: str
    type: str | None  # DRUG, BIOLOGICAL, ... as registered
    display: str  # "Cetuximab (monoclonal antibody)", or the name alone
    classes: tuple[DrugClass, ...]
    derived: Derived | None  # why these classes (None: no class given)


class PlainDesign(msgspec.Struct, frozen=True, kw_only=True):
    """The design section of the trial page. A fact the record lacks is None, never guessed."""

    study_type: str | None
    allocation: PlainFact | None = None
    masking: PlainFact | None = None
    control: PlainFact | None = None
    intervention_model: PlainFact | None = None
    primary_purpose: PlainFact | None = None
    observational_model: PlainFact | None = None
    time_perspective: PlainFact | None = None
    groups: tuple[ParticipantGroup, ...] = ()
    interventions: tuple[PlainIntervention, ...] = ()
    # The classes the record's MeSH index gives, for the trial as a whole, when they cannot be
    # pinned on one intervention: "Drug classes in this trial: anticancer drug, ...".
    trial_drug_classes: PlainFact | None = None


# -- The registry's vocabularies in plain words ------------------------------------------------

ALLOCATION_WORDS = {
    Allocation.RANDOMIZED: "Randomized, meaning participants are assigned to groups by chance",
    Allocation.NON_RANDOMIZED: "Not randomized: participants are not assigned to groups by chance",
    Allocation.NA: "Not applicable: the registry says allocation does not apply "
    "(usual when there is a single group)",
}
_BLIND = {
    Masking.NONE: "Open label",
    Masking.SINGLE: "Single-blind",
    Masking.DOUBLE: "Double-blind",
    Masking.TRIPLE: "Triple-blind",
    Masking.QUADRUPLE: "Quadruple-blind",
}
_WHO = {
    WhoMasked.PARTICIPANT: "participants",
    WhoMasked.CARE_PROVIDER: "care providers",
    WhoMasked.INVESTIGATOR: "investigators",
    WhoMasked.OUTCOMES_ASSESSOR: "outcome assessors",
}
MODEL_WORDS = {
    InterventionModel.SINGLE_GROUP: "Single group: everyone in the trial gets the same intervention",
    InterventionModel.PARALLEL: "Parallel groups: each participant is in one group for the whole trial",
    InterventionModel.CROSSOVER: "Crossover: participants get the interventions one after another, "
    "switching groups during the trial",
    InterventionModel.FACTORIAL: "Factorial: two or more interventions are tested at once, "
    "alone and in combination",
    InterventionModel.SEQUENTIAL: "Sequential: groups are enrolled one after another "
    "(for example, at rising doses)",
}
PURPOSE_WORDS = {
    PrimaryPurpose.TREATMENT: "Treatment: to test a way to treat a condition",
    PrimaryPurpose.PREVENTION: "Prevention: to test a way to prevent a condition",
    PrimaryPurpose.DIAGNOSTIC: "Diagnosis: to test a way to find out whether someone has a condition",
    PrimaryPurpose.ECT: "Education, counseling or training",
    PrimaryPurpose.SUPPORTIVE_CARE: "Supportive care: to improve comfort or quality of life",
    PrimaryPurpose.SCREENING: "Screening: to test a way to find a condition before it causes symptoms",
    PrimaryPurpose.HEALTH_SERVICES_RESEARCH: "Health services research: to study how care is given",
    PrimaryPurpose.BASIC_SCIENCE: "Basic science: to learn how the body or a disease works, not to treat it",
    PrimaryPurpose.DEVICE_FEASIBILITY: "Device feasibility: an early test of a device",
    PrimaryPurpose.OTHER: "Other (as registered)",
}
ARM_WORDS = {
    ArmGroupType.EXPERIMENTAL: "study treatment group",
    ArmGroupType.ACTIVE_COMPARATOR: "comparison group (an existing treatment)",
    ArmGroupType.PLACEBO_COMPARATOR: "placebo group (a look-alike with no active treatment)",
    ArmGroupType.SHAM_COMPARATOR: "sham group (a look-alike procedure)",
    ArmGroupType.NO_INTERVENTION: "no-intervention group",
    ArmGroupType.OTHER: "other group",
}
OBSERVATIONAL_WORDS = {
    "COHORT": "Cohort: a group of people is followed over time",
    "CASE_CONTROL": "Case-control: people with the condition are compared with people without it",
    "CASE_ONLY": "Case-only: only people with the condition are studied",
    "CASE_CROSSOVER": "Case-crossover: each person is compared with themselves at other times",
    "ECOLOGIC_OR_COMMUNITY": "Community: groups or places are studied, not single people",
    "FAMILY_BASED": "Family-based: families are studied",
    "DEFINED_POPULATION": "Defined population: everyone in a set population is studied",
    "NATURAL_HISTORY": "Natural history: how the condition develops over time is observed",
    "OTHER": "Other (as registered)",
}
TIME_WORDS = {
    "PROSPECTIVE": "Prospective: information is collected from now on, as the study goes",
    "RETROSPECTIVE": "Retrospective: information already recorded in the past is studied",
    "CROSS_SECTIONAL": "Cross-sectional: information is collected once, at one point in time",
    "OTHER": "Other (as registered)",
}


def masking_words(masking: Masking, who: Sequence[WhoMasked]) -> str:
    """'Double-blind: neither participants nor investigators know who gets which treatment',
    naming exactly the roles the registry lists as masked."""
    if masking is Masking.NONE:
        return "Open label: everyone knows who gets which treatment"
    roles = [_WHO[w] for w in who]
    if not roles:
        return f"{_BLIND[masking]}: the registry does not say who is kept from knowing"
    if len(roles) == 1:
        return f"{_BLIND[masking]}: {roles[0]} do not know who gets which treatment"
    if len(roles) == 2:
        return f"{_BLIND[masking]}: neither {roles[0]} nor {roles[1]} know who gets which treatment"
    return f"{_BLIND[masking]}: {', '.join(roles[:-1])} and {roles[-1]} do not know who gets which treatment"


# -- The design --------------------------------------------------------------------------------


def plain_design(trial: Trial) -> PlainDesign:
    """The design section for `trial`, every fact from its registry fields."""
    design = trial.design or Design()
    observational = trial.study_type is StudyType.OBSERVATIONAL
    classes, trial_classes = drug_classes(trial)
    return PlainDesign(
        study_type=trial.study_type.value if trial.study_type is not None else None,
        allocation=None if observational else _allocation(design),
        masking=None if observational else _masking(design),
        control=None if observational else control(trial),
        intervention_model=None if observational else _model(design),
        primary_purpose=None if observational else _purpose(design),
        observational_model=_vocab(
            design.observational_model, OBSERVATIONAL_WORDS, f"{_DESIGN}.designInfo.observationalModel"
        ),
        time_perspective=_vocab(design.time_perspective, TIME_WORDS, f"{_DESIGN}.designInfo.timePerspective"),
        groups=tuple(_group(n, arm, trial.interventions) for n, arm in enumerate(trial.arm_groups)),
        interventions=classes,
        trial_drug_classes=trial_classes,
    )


def _allocation(design: Design) -> PlainFact | None:
    if design.allocation is None:
        return None
    return PlainFact(
        words=ALLOCATION_WORDS[design.allocation],
        derived=Derived(
            rule="The registry's allocation, in plain words.",
            evidence=(Evidence(field=f"{_INFO}.allocation", words=design.allocation.value),),
        ),
    )


def _masking(design: Design) -> PlainFact | None:
    if design.masking is None:
        return None
    evidence = [Evidence(field=f"{_INFO}.maskingInfo.masking", words=design.masking.value)]
    if design.who_masked:
        who = ", ".join(w.value for w in design.who_masked)
        evidence.append(Evidence(field=f"{_INFO}.maskingInfo.whoMasked", words=who))
    if design.masking_description:
        evidence.append(
            Evidence(field=f"{_INFO}.maskingInfo.maskingDescription", words=design.masking_description)
        )
    return PlainFact(
        words=masking_words(design.masking, design.who_masked),
        derived=Derived(
            rule="The registry's masking, naming exactly the roles it lists as masked (who does "
            "not know which group a participant is in).",
            evidence=tuple(evidence),
        ),
    )


def _model(design: Design) -> PlainFact | None:
    if design.intervention_model is None:
        return None
    evidence = [Evidence(field=f"{_INFO}.interventionModel", words=design.intervention_model.value)]
    if design.intervention_model_description:
        evidence.append(
            Evidence(
                field=f"{_INFO}.interventionModelDescription", words=design.intervention_model_description
            )
        )
    return PlainFact(
        words=MODEL_WORDS[design.intervention_model],
        derived=Derived(rule="The registry's intervention model, in plain words.", evidence=tuple(evidence)),
    )


def _purpose(design: Design) -> PlainFact | None:
    if design.primary_purpose is None:
        return None
    return PlainFact(
        words=PURPOSE_WORDS[design.primary_purpose],
        derived=Derived(
            rule="The registry's primary purpose, in plain words.",
            evidence=(Evidence(field=f"{_INFO}.primaryPurpose", words=design.primary_purpose.value),),
        ),
    )


def _vocab(value: str | None, words: dict[str, str], field: str) -> PlainFact | None:
    if not value:
        return None
    key = re.sub(r"[^A-Z]+", "_", value.upper()).strip("_")
    plain = words.get(key) or f"{value} (as registered)"
    return PlainFact(
        words=plain,
        derived=Derived(
            rule="The registry's value, in plain words.", evidence=(Evidence(field=field, words=value),)
        ),
    )


# -- The control -------------------------------------------------------------------------------

_PLACEBO = re.compile(r"(?<!\bno )(?<!\bnon-)(?<!\bwithout )\bplacebos?\b", re.IGNORECASE)
#: An arm labelled only "Placebo" is no existing treatment, whatever type it was registered with.
_PLACEBO_ONLY = re.compile(
    r"\s*(?:matching |matched )?placebos?(?: group| arm| comparator)?\s*", re.IGNORECASE
)
_SHAM = re.compile(r"(?<!\bno )(?<!\bwithout )\bsham\b", re.IGNORECASE)

CONTROL_RULE = (
    "A placebo group: an arm of type PLACEBO_COMPARATOR; a group given a placebo: an arm of "
    "another type whose label or interventions name a placebo ('Placebo Q2W + Cetuximab'); a "
    "placebo only in an arm's description is mentioned, not called a group. A sham likewise. A "
    "comparison group: an arm of type ACTIVE_COMPARATOR; a no-intervention group: an arm of type "
    "NO_INTERVENTION. 'No ... group' is said only of the types the record registers for every "
    "arm, never when it lists no arms or leaves a type out."
)


def control(trial: Trial) -> PlainFact | None:
    """What the study treatment is compared with, from the arms (None: no arms registered)."""
    arms = trial.arm_groups
    model = trial.design.intervention_model if trial.design is not None else None
    if not arms:
        if model is InterventionModel.SINGLE_GROUP:
            return PlainFact(
                words="No control group: a single-group trial (everyone gets the study intervention)",
                derived=Derived(
                    rule="The intervention model is SINGLE_GROUP.",
                    evidence=(Evidence(field=f"{_INFO}.interventionModel", words="SINGLE_GROUP"),),
                ),
            )
        return None
    found: dict[str, list[Evidence]] = {}
    for n, arm in enumerate(arms):
        field = f"{_ARMS}.armGroups[{n}]"
        type_ev = Evidence(field=f"{field}.type", words=arm.type.value) if arm.type else None
        label_ev = Evidence(field=f"{field}.label", words=arm.label)
        for kind, arm_type, pattern in (
            ("placebo", ArmGroupType.PLACEBO_COMPARATOR, _PLACEBO),
            ("sham", ArmGroupType.SHAM_COMPARATOR, _SHAM),
        ):
            if arm.type is arm_type and type_ev is not None:
                found.setdefault(kind, []).extend((label_ev, type_ev))
            elif named := _names(arm, field, trial.interventions, pattern):
                found.setdefault(f"{kind}_given", []).extend(named)
            elif arm.description and pattern.search(arm.description):
                found.setdefault(f"{kind}_mentioned", []).append(
                    Evidence(field=f"{field}.description", words=arm.description)
                )
        for kind, arm_type in (
            ("active", ArmGroupType.ACTIVE_COMPARATOR),
            ("none", ArmGroupType.NO_INTERVENTION),
        ):
            if arm.type is arm_type and type_ev is not None and not _PLACEBO_ONLY.fullmatch(arm.label):
                found.setdefault(kind, []).extend((label_ev, type_ev))
    for kind in ("placebo", "sham"):
        if kind in found or f"{kind}_given" in found:
            found.pop(f"{kind}_mentioned", None)
        if kind in found:
            found[kind].extend(found.pop(f"{kind}_given", []))
    kinds = [k for k in _CONTROL_PHRASES if k in found and not k.endswith("_mentioned")]
    notes = [_CONTROL_PHRASES[k] for k in _CONTROL_PHRASES if k in found and k.endswith("_mentioned")]
    evidence = tuple(_dedupe(e for k in _CONTROL_PHRASES if k in found for e in found[k]))
    if kinds:
        words = "Compared with " + _join([_CONTROL_PHRASES[k] for k in kinds])
        if notes:
            words += "; " + _join(notes)
        return PlainFact(words=words, derived=Derived(rule=CONTROL_RULE, evidence=evidence))
    types = tuple(
        Evidence(field=f"{_ARMS}.armGroups[{n}].type", words=a.type.value if a.type else "(not given)")
        for n, a in enumerate(arms)
    )
    if len(arms) == 1 and model in (InterventionModel.SINGLE_GROUP, None):
        words = "No control group: the trial registers a single group"
    elif len(arms) > 1 and all(a.type is not None for a in arms):
        words = "No group is registered as a placebo, sham, comparison or no-intervention group"
    else:
        words = f"What the groups are compared with is {NOT_STATED}"
    if notes:
        words += "; but " + _join(notes)
    return PlainFact(words=words, derived=Derived(rule=CONTROL_RULE, evidence=types + evidence))


_CONTROL_PHRASES = {
    "placebo": "a placebo group",
    "placebo_given": "a group given a placebo",
    "sham": "a sham group",
    "sham_given": "a group given a sham",
    "active": "a comparison group given an existing treatment",
    "none": "a group given no intervention",
    "placebo_mentioned": "an arm's description mentions a placebo (see the groups)",
    "sham_mentioned": "an arm's description mentions a sham (see the groups)",
}


def _names(
    arm: ArmGroup, field: str, interventions: Sequence[Intervention], pattern: re.Pattern[str]
) -> list[Evidence]:
    """The arm's label and interventions (its own list, or those naming it) that match `pattern`."""
    hits = []
    if pattern.search(arm.label):
        hits.append(Evidence(field=f"{field}.label", words=arm.label))
    for k, name in enumerate(arm.intervention_names):
        if pattern.search(name):
            hits.append(Evidence(field=f"{field}.interventionNames[{k}]", words=name))
    if not hits:
        for k, i in enumerate(interventions):
            if arm.label in i.arm_group_labels and pattern.search(i.name):
                hits.append(Evidence(field=f"{_ARMS}.interventions[{k}].name", words=i.name))
    return hits


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _dedupe(items: Iterable[Evidence]) -> list[Evidence]:
    seen: dict[tuple[str, str], Evidence] = {}
    for e in items:
        seen.setdefault((e.field, e.words), e)
    return list(seen.values())


# -- The groups and their doses ----------------------------------------------------------------

_UNIT = (
    r"(?:mg|mcg|µg|μg|ug|ng|g|kg|mL|ml|L|IU|MIU|units?|U|Gy|cGy|mmol|mEq|"
    r"TCID50|PFU|vp|viral particles|cells|%)"
)
_DOSE = re.compile(
    rf"\b\d+(?:[.,]\d+)?(?:\s*(?:-|–|to)\s*\d+(?:[.,]\d+)?)?\s*{_UNIT}(?:\s*/\s*(?:m\^?2|m²|kg|day|d|dose))?(?![A-Za-z])",
)


def dose_quotes(text: str | None, field: str) -> tuple[DoseQuote, ...]:
    """The sentences of `text` that state a dose (a number with a unit), quoted as registered."""
    if not text:
        return ()
    quotes = []
    for sentence in _sentences(text):
        if _DOSE.search(sentence):
            quotes.append(DoseQuote(words=sentence, field=field))
    return tuple(quotes)


def _sentences(text: str) -> list[str]:
    # Split after '.', ';' or a line break, but not inside a number ("2.5 mg").
    parts = re.split(r"(?<!\d)[.;](?=\s|$)|(?<=\d)\.(?=\s+[A-Z])|\n+", text)
    return [" ".join(p.split()) for p in parts if p.strip()]


def _group(n: int, arm: ArmGroup, interventions: Sequence[Intervention]) -> ParticipantGroup:
    field = f"{_ARMS}.armGroups[{n}]"
    doses = list(dose_quotes(arm.description, f"{field}.description"))
    for k, i in enumerate(interventions):
        if arm.label in i.arm_group_labels:
            doses.extend(dose_quotes(i.description, f"{_ARMS}.interventions[{k}].description"))
    evidence = [Evidence(field=f"{field}.label", words=arm.label)]
    if arm.type is not None:
        evidence.append(Evidence(field=f"{field}.type", words=arm.type.value))
    return ParticipantGroup(
        label=arm.label,
        kind=_arm_kind(arm),
        registered_type=arm.type.value if arm.type is not None else None,
        description=arm.description,
        interventions=arm.intervention_names,
        doses=tuple(_unique_quotes(doses)),
        derived=Derived(
            rule="The arm as registered; its type in plain words; doses are the sentences of the arm's "
            "and its interventions' descriptions that state a number with a unit, quoted.",
            evidence=tuple(evidence),
        ),
    )


def _arm_kind(arm: ArmGroup) -> str:
    if arm.type is None:
        return NOT_STATED
    if arm.type is not ArmGroupType.PLACEBO_COMPARATOR and _PLACEBO_ONLY.fullmatch(arm.label):
        return f"placebo group (registered as {ARM_WORDS[arm.type].split(' (')[0]})"
    return ARM_WORDS[arm.type]


def _unique_quotes(quotes: Iterable[DoseQuote]) -> list[DoseQuote]:
    seen: dict[str, DoseQuote] = {}
    for q in quotes:
        seen.setdefault(q.words, q)
    return list(seen.values())


# -- Drug classes ------------------------------------------------------------------------------

#: MeSH classes worth telling a patient, in readable words. A class not here is shown only when
#: its name says what it does ("... Agents", "... Inhibitors", ...); chemical-structure classes
#: ("Heterocyclic Compounds", "Taxoids") and the tree's roots are not shown.
CLASS_WORDS = {
    "Antibodies, Monoclonal": "monoclonal antibody",
    "Antibodies, Monoclonal, Humanized": "monoclonal antibody",
    "Antibodies, Bispecific": "bispecific antibody",
    "Antineoplastic Agents": "anticancer drug",
    "Antineoplastic Agents, Immunological": "immunological anticancer drug",
    "Antineoplastic Agents, Phytogenic": "plant-derived anticancer drug",
    "Antineoplastic Agents, Alkylating": "alkylating anticancer drug",
    "Antineoplastic Agents, Hormonal": "hormonal anticancer drug",
    "Antimetabolites, Antineoplastic": "antimetabolite anticancer drug",
    "Immune Checkpoint Inhibitors": "immune checkpoint inhibitor",
    "Protein Kinase Inhibitors": "protein kinase inhibitor",
    "Tyrosine Kinase Inhibitors": "tyrosine kinase inhibitor",
    "Angiogenesis Inhibitors": "angiogenesis inhibitor",
    "Tubulin Modulators": "tubulin modulator",
    "Topoisomerase Inhibitors": "topoisomerase inhibitor",
    "Vaccines": "vaccine",
    "Viral Vaccines": "viral vaccine",
    "Cancer Vaccines": "cancer vaccine",
    "Hypoglycemic Agents": "glucose-lowering drug",
    "Anti-Inflammatory Agents": "anti-inflammatory drug",
    "Anti-Inflammatory Agents, Non-Steroidal": "non-steroidal anti-inflammatory drug (NSAID)",
    "Immunosuppressive Agents": "immunosuppressant",
    "Tumor Necrosis Factor Inhibitors": "TNF inhibitor",
    "Antirheumatic Agents": "antirheumatic drug",
    "Vasodilator Agents": "vasodilator",
    "Phosphodiesterase 5 Inhibitors": "PDE5 inhibitor",
    "Urological Agents": "urological drug",
    "Central Nervous System Stimulants": "stimulant",
    "Dopamine Uptake Inhibitors": "dopamine reuptake inhibitor",
    "Adrenergic Uptake Inhibitors": "noradrenaline reuptake inhibitor",
    "Sympathomimetics": "sympathomimetic",
    "Dermatologic Agents": "skin medicine",
    "Keratolytic Agents": "keratolytic (softens and sheds skin)",
    "Chelating Agents": "chelating agent",
    "Adjuvants, Immunologic": "immune adjuvant",
    "Viscosupplements": "viscosupplement (joint lubricant)",
    "Hormone Antagonists": "hormone blocker",
    "Anti-Infective Agents": "anti-infective",
    "Anti-Bacterial Agents": "antibiotic",
    "Antiviral Agents": "antiviral",
    "Antifungal Agents": "antifungal",
    "Analgesics": "painkiller",
    "Analgesics, Opioid": "opioid painkiller",
    "Anesthetics": "anesthetic",
    "Antidepressive Agents": "antidepressant",
    "Antipsychotic Agents": "antipsychotic",
    "Anticonvulsants": "anticonvulsant",
    "Anticoagulants": "anticoagulant (blood thinner)",
    "Platelet Aggregation Inhibitors": "antiplatelet drug",
    "Antihypertensive Agents": "blood-pressure-lowering drug",
    "Diuretics": "diuretic",
    "Bronchodilator Agents": "bronchodilator",
    "Glucocorticoids": "corticosteroid",
    "Hematologic Agents": "blood medicine",
    "Platinum Compounds": "platinum compound",
    "Taxoids": "taxane",
    "Vinca Alkaloids": "vinca alkaloid",
    "Anti-HIV Agents": "anti-HIV drug",
    "Janus Kinase Inhibitors": "JAK inhibitor",
    "Antiemetics": "anti-nausea drug",
}
#: Too broad to tell anyone anything (roots of the pharmacological-action tree and its upper
#: branches), shown never.
BROAD = frozenset(
    {
        "Molecular Mechanisms of Pharmacological Action",
        "Physiological Effects of Drugs",
        "Pharmacologic Actions",
        "Chemical Actions and Uses",
        "Therapeutic Uses",
        "Enzyme Inhibitors",
        "Immunologic Factors",
        "Growth Substances",
        "Growth Inhibitors",
        "Protective Agents",
        "Neurotransmitter Agents",
        "Neurotransmitter Uptake Inhibitors",
        "Peripheral Nervous System Agents",
        "Central Nervous System Agents",
        "Autonomic Agents",
        "Adrenergic Agents",
        "Dopamine Agents",
        "Membrane Transport Modulators",
        "Angiogenesis Modulating Agents",
        "Phosphodiesterase Inhibitors",
        "Sequestering Agents",
        "Hormones, Hormone Substitutes, and Hormone Antagonists",
        "Cardiovascular Agents",
        "Gastrointestinal Agents",
        "Respiratory System Agents",
        "Sensory System Agents",
        "Reproductive Control Agents",
        "Mitosis Modulators",
        "Nucleic Acid Synthesis Inhibitors",
        "Anti-Retroviral Agents",
    }
)
#: Narrower -> broader, among the classes shown, beyond MeSH's "X, Y" under "X" convention: a
#: broader class is dropped when a narrower one is there.
BROADER = {
    "Immune Checkpoint Inhibitors": ("Antineoplastic Agents, Immunological", "Antineoplastic Agents"),
    "Viral Vaccines": ("Vaccines",),
    "Cancer Vaccines": ("Vaccines",),
    "Keratolytic Agents": ("Dermatologic Agents",),
    "Anti-Bacterial Agents": ("Anti-Infective Agents",),
    "Antiviral Agents": ("Anti-Infective Agents",),
    "Antifungal Agents": ("Anti-Infective Agents",),
    "Antimetabolites, Antineoplastic": ("Antineoplastic Agents",),
    "Tyrosine Kinase Inhibitors": ("Protein Kinase Inhibitors",),
    "Janus Kinase Inhibitors": ("Protein Kinase Inhibitors",),
    "Tubulin Modulators": ("Antimitotic Agents",),
    "Topoisomerase I Inhibitors": ("Topoisomerase Inhibitors",),
    "Topoisomerase II Inhibitors": ("Topoisomerase Inhibitors",),
    "Anti-HIV Agents": ("Antiviral Agents", "Anti-Infective Agents"),
    "HIV Integrase Inhibitors": ("Integrase Inhibitors",),
}
_ACTION = re.compile(r"^(.*?) (Agents|Inhibitors|Antagonists|Agonists|Blockers|Modulators|Vaccines)$")

CLASS_RULE = (
    "The pharmacological classes the registry's MeSH index gives the interventions "
    "(derivedSection.interventionBrowseModule), the most specific of each line, leaving out "
    "chemical-structure classes and the roots of the tree. The registry pools the classes of all "
    "the record's intervention terms, so a class is given to one intervention only when the "
    "record has a single intervention MeSH term and it names that intervention alone (by its "
    "name or another name); otherwise the classes are shown for the trial."
)


def class_words(term: str) -> str | None:
    """A MeSH class in readable words ("Antibodies, Monoclonal" -> "monoclonal antibody"), or
    None for a class not worth showing."""
    if term in BROAD:
        return None
    if term in CLASS_WORDS:
        return CLASS_WORDS[term]
    match = _ACTION.match(term)
    if match and "," not in term:
        head, kind = match.groups()
        words = [w if w.isupper() or any(c.isdigit() for c in w) else w.lower() for w in head.split()]
        return " ".join(words) + " " + kind[:-1].lower()
    return None


def telling_classes(ancestors: Sequence[MeshTerm]) -> tuple[DrugClass, ...]:
    """The classes worth showing among `ancestors`, the most specific only, in record order."""
    shown = [a.term for a in ancestors if class_words(a.term) is not None]
    present = set(shown)
    broader: set[str] = set()
    for term in shown:
        broader.update(t for t in BROADER.get(term, ()) if t in present)
        parts = term.split(", ")
        broader.update(", ".join(parts[:k]) for k in range(1, len(parts)) if ", ".join(parts[:k]) in present)
    classes: dict[str, DrugClass] = {}
    for term in shown:
        words = class_words(term)
        if term not in broader and words is not None and words not in classes:
            classes[words] = DrugClass(words=words, mesh_term=term)
    return tuple(classes.values())


#: Words of a name that say how much or how, not what: left out when a name is matched to a
#: MeSH term ("Afatinib 40 MG" names "Afatinib").
_DOSE_WORDS = frozenset(
    (
        "mg",
        "mcg",
        "ug",
        "g",
        "kg",
        "ml",
        "m2",
        "iu",
        "qd",
        "bid",
        "tid",
        "qw",
        "q1w",
        "q2w",
        "q3w",
        "q4w",
        "dose",
        "doses",
        "dosing",
        "daily",
        "once",
        "twice",
        "oral",
        "iv",
        "sc",
        "tablet",
        "tablets",
        "capsule",
        "capsules",
        "injection",
        "infusion",
        "solution",
    )
)
#: MeSH headings of the interventions that are kinds of care, not drugs: they carry no class
#: shown here, so one the interventions do not name does not hold back the trial's classes.
NOT_DRUGS = frozenset(
    {
        "Drug Therapy",
        "Pharmaceutical Preparations",
        "Standard of Care",
        "Radiotherapy",
        "Radiation",
        "Chemotherapy, Adjuvant",
        "Neoadjuvant Therapy",
        "Surgical Procedures, Operative",
        "Chemoradiotherapy",
        "Combined Modality Therapy",
        "Therapeutics",
        "Placebos",
    }
)


_WORD = re.compile(r"[a-z]+[0-9]*|[0-9]+[a-z]*")
_BRACKETED = re.compile(r"\([^)]*\)")
_INSIDE = re.compile(r"\(([^)]*)\)")


@functools.lru_cache(maxsize=16_384)
def _tokens(text: str) -> tuple[str, ...]:
    words = _WORD.findall(text.casefold())
    return tuple(w for w in words if w not in _DOSE_WORDS and not w[0].isdigit())


def _candidates(intervention: Intervention) -> list[str]:
    """The intervention's name and other names, and the names written inside them
    ("Keytruda/MK-3475 (Pembrolizumab)" -> "Keytruda", "MK-3475", "Pembrolizumab")."""
    names = []
    for name in (intervention.name, *intervention.other_names):
        outside = _BRACKETED.sub(" ", name)
        names.append(outside)
        names.extend(_INSIDE.findall(name))
        names.extend(outside.split("/"))
    return names


def names_term(intervention: Intervention, term: str) -> bool:
    """Whether a name of the intervention is the MeSH term, or part of it word for word
    ("sildenafil" names "Sildenafil Citrate"; "Afatinib 40 MG" names "Afatinib"), doses and
    forms aside. A name that merely contains the term does not ("Affect Methamphetamine
    Treatment Program" is not methamphetamine), nor does one of under four letters."""
    mesh = _tokens(term)
    for name in _candidates(intervention):
        words = _tokens(name)
        if not words or sum(len(w) for w in words) < 4 or len(words) > len(mesh):
            continue
        if any(mesh[k : k + len(words)] == words for k in range(len(mesh) - len(words) + 1)):
            return True
    return False


def drug_classes(trial: Trial) -> tuple[tuple[PlainIntervention, ...], PlainFact | None]:
    """Each intervention with its classes where unambiguous, and the trial-level classes where
    they cannot be pinned on one intervention."""
    classes = telling_classes(trial.intervention_mesh_ancestors)
    terms = trial.intervention_mesh_terms
    named = [[k for k, i in enumerate(trial.interventions) if names_term(i, m.term)] for m in terms]
    owners: set[int] = set(named[0]) if len(terms) == 1 else set()
    # Trial-level classes only when every drug term of the record names one of its
    # interventions: a term indexed from a misreading ("Coal Tar" for "CBT") would bring classes
    # of a drug the trial does not give.
    trusted = all(ks or m.term in NOT_DRUGS for m, ks in zip(terms, named, strict=True))
    evidence_classes = tuple(
        Evidence(
            field=f"{_BROWSE}.ancestors[{_index(trial.intervention_mesh_ancestors, c.mesh_term)}].term",
            words=c.mesh_term,
        )
        for c in classes
    )
    mesh_evidence = tuple(
        Evidence(field=f"{_BROWSE}.meshes[{k}].term", words=m.term)
        for k, m in enumerate(trial.intervention_mesh_terms)
    )
    items = []
    for k, i in enumerate(trial.interventions):
        mine = classes if k in owners else ()
        derived = None
        if mine:
            derived = Derived(
                rule=CLASS_RULE,
                evidence=(
                    Evidence(field=f"{_ARMS}.interventions[{k}].name", words=i.name),
                    *mesh_evidence,
                    *evidence_classes,
                ),
            )
        display = f"{i.name} ({', '.join(c.words for c in mine)})" if mine else i.name
        items.append(
            PlainIntervention(
                name=i.name,
                type=i.type.value if i.type is not None else None,
                display=display,
                classes=mine,
                derived=derived,
            )
        )
    trial_level = None
    if classes and not owners and trusted:
        trial_level = PlainFact(
            words="Drug classes in this trial: " + ", ".join(c.words for c in classes),
            derived=Derived(rule=CLASS_RULE, evidence=(*mesh_evidence, *evidence_classes)),
        )
    return tuple(items), trial_level


def _index(terms: Sequence[MeshTerm], term: str) -> int:
    return next(k for k, t in enumerate(terms) if t.term == term)
