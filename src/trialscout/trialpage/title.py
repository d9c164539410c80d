"""A lay title for a trial's patient page: what is tested, for what, and the trial's name.

"Atezolizumab + Bevacizumab for Colon Adenocarcinoma (MRD-GI)" (NCT05482516): the drugs of the
experimental arm, the first condition, the registered acronym. It is built only from those
fields, and only where they allow it without a claim the record does not make:

- " + " joins the drugs of one experimental arm, so it claims a combination only where an arm
  gives them together. Arms that test different drugs share a title only through the drugs they
  all give; arms with none in common give no lay title (the page shows the brief title).
- A trial without registered arms gets a lay title only when it names a single study drug (with
  several, the record does not say which is tested and which is the comparison).
- Placebos, shams, "standard of care", chemotherapy left unnamed and non-drug interventions
  (procedures, tests, behavioural) are not named in the title.
- Observational studies, and trials without a condition, get none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import msgspec

from trialscout.model.enums import ArmGroupType, InterventionType, PrimaryPurpose, StudyType
from trialscout.model.trial import ArmGroup, Intervention, Trial
from trialscout.trialpage.provenance import Derived, Evidence

_ARMS = "protocolSection.armsInterventionsModule"
_CONDITIONS = "protocolSection.conditionsModule.conditions"
_ACRONYM = "protocolSection.identificationModule.acronym"

#: Intervention types whose name says what is tested.
_NAMED_TYPES = frozenset(
    {
        InterventionType.DRUG,
        InterventionType.BIOLOGICAL,
        InterventionType.DEVICE,
        InterventionType.COMBINATION_PRODUCT,
        InterventionType.GENETIC,
    }
)
#: Names that are not a treatment a title should name.
_NOT_NAMED = re.compile(
    r"\b(?:placebos?|sham|dummy|vehicle|saline|standard|usual care|best supportive|"
    r"supportive care|observation|no intervention|no treatment|control)\b|"
    r"\b(?:test|study|active|experimental|investigational) (?:drug|product|medication|agent)s?\b|"
    r"^(?:chemotherapy|combination chemotherapy|drug|drugs|"
    r"medication|treatment)$",
    re.IGNORECASE,
)
#: A dose, a schedule or a form after the name: "Semaglutide 2.4 mg", "MK-3475 200 mg Q3W".
_DOSE_TAIL = re.compile(
    r"\s+(?:\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|ug|g|ml|iu|units?|%|mg/kg|mg/m2)\b.*|"
    r"(?:q\d?w|qd|bid|tid|once|twice|daily|weekly|oral|iv|sc|tablets?|capsules?|injection|infusion)\b.*)$",
    re.IGNORECASE,
)
_SMALL = frozenset({"and", "or", "of", "the", "in", "with", "for", "to", "a", "an", "on", "by", "vs"})
#: Trailing parts of an inverted MeSH heading ("Diabetes Mellitus, Type 2").
_QUALIFIERS = re.compile(
    r"^(?:chronic|acute|type \d|type i{1,2}|non-small-cell lung|small cell|myeloid|lymphoid|"
    r"lymphocytic|postoperative|adult|childhood|familial|hereditary|primary|secondary|"
    r"recurrent|metastatic|b-cell|t-cell|hodgkin|non-hodgkin)$",
    re.IGNORECASE,
)
#: Radiation named only as a kind of treatment ("radiation therapy", "IMRT"); a radiolabelled
#: drug ("iodine I 131 tositumomab") is named.
_RADIATION = re.compile(
    r"\b(?:radiation|radiotherapy|irradiation|brachytherapy|chemoradiation|chemoradiotherapy)\b|"
    r"^(?:rt|imrt|sbrt|sabr|tbi|proton)\b",
    re.IGNORECASE,
)
#: Heads of an inverted MeSH heading ("Infections, Cytomegalovirus" -> "Cytomegalovirus
#: Infections"): the reading order is put back even where the record's MeSH index lacks it.
_HEADS = re.compile(
    r"^(?:infections?|carcinoma|leukemia|lymphoma|sarcoma|arthritis|pain|hepatitis [a-e]|"
    r"diabetes mellitus|anemia|pneumonia|fatigue syndrome|hypertension|heart failure|"
    r"epilepsy|asthma|dermatitis|stroke|arthroplasty)$",
    re.IGNORECASE,
)
_HEALTHY = re.compile(r"^healthy(?: (?:volunteers?|subjects?|adults?|participants?|people))?$", re.IGNORECASE)
MAX_DRUGS = 3
MAX_CONDITION = 80

RULE = (
    "Lay title: the drugs, biologicals or devices of the experimental arm (placebos, shams, "
    "standard care and non-drug interventions left out; at most three, joined with ' + ' only as "
    "one arm gives them; arms that test different drugs share only the drugs they all give), "
    "'for' (a treatment trial; 'in' otherwise) the first condition (an inverted MeSH heading put "
    "in reading order), and the acronym in parentheses. A trial without arms: only a single "
    "study drug. None without an experimental arm naming a drug, without a condition, or for an "
    "observational study."
)


class LayTitle(msgspec.Struct, frozen=True, kw_only=True):
    """A readable title, and the arms, interventions, condition and acronym it came from."""

    title: str  # "Atezolizumab + Bevacizumab for Colon Adenocarcinoma (MRD-GI)"
    derived: Derived


def lay_title(trial: Trial) -> LayTitle | None:
    """The lay title of `trial`, or None where its fields do not allow one."""
    if trial.study_type is not StudyType.INTERVENTIONAL or not trial.conditions:
        return None
    found = _drugs(trial)
    if found is None:
        return None
    names, evidence = found
    condition = readable_condition(trial.conditions[0], [m.term for m in trial.condition_mesh_terms])
    if not condition or len(condition) > MAX_CONDITION:
        return None
    shown = names[:MAX_DRUGS]
    drugs = " + ".join(shown)
    if len(names) > MAX_DRUGS:
        drugs += f" + {len(names) - MAX_DRUGS} more"
    purpose = trial.design.primary_purpose if trial.design is not None else None
    # "for" says the drug treats the condition: only in a treatment trial. Elsewhere the
    # condition may be who takes part ("Varicella Vaccine in HIV Infections"), so "in".
    joiner = "for" if purpose is PrimaryPurpose.TREATMENT and condition != "Healthy Volunteers" else "in"
    title = f"{drugs} {joiner} {condition}"
    evidence.append(Evidence(field=f"{_CONDITIONS}[0]", words=trial.conditions[0]))
    acronym = (trial.acronym or "").strip()
    if acronym and acronym.casefold() not in {n.casefold() for n in shown}:
        title += f" ({acronym})"
        evidence.append(Evidence(field=_ACRONYM, words=acronym))
    return LayTitle(title=title, derived=Derived(rule=RULE, evidence=tuple(evidence)))


def _drugs(trial: Trial) -> tuple[list[str], list[Evidence]] | None:
    """The drug names for the title and the fields they came from; None when there are none."""
    if not trial.arm_groups:
        picked = [(k, i) for k, i in enumerate(trial.interventions) if _names_treatment(i)]
        names = _unique([drug_name(i.name) for _, i in picked])
        if len(names) != 1:
            return None
        k, i = picked[0]
        return names, [Evidence(field=f"{_ARMS}.interventions[{k}].name", words=i.name)]
    per_arm: list[list[tuple[int, Intervention]]] = []
    evidence: list[Evidence] = []
    for n, arm in enumerate(trial.arm_groups):
        if arm.type is not ArmGroupType.EXPERIMENTAL:
            continue
        given = [(k, i) for k, i in _arm_interventions(arm, trial.interventions) if _names_treatment(i)]
        if not given:
            continue
        per_arm.append(given)
        evidence.append(Evidence(field=f"{_ARMS}.armGroups[{n}].label", words=arm.label))
        evidence.append(Evidence(field=f"{_ARMS}.armGroups[{n}].type", words="EXPERIMENTAL"))
    if not per_arm:
        return None
    common = [
        (k, i)
        for k, i in per_arm[0]
        if all(
            any(drug_name(j.name).casefold() == drug_name(i.name).casefold() for _, j in arm)
            for arm in per_arm[1:]
        )
    ]
    names = _unique([drug_name(i.name) for _, i in common])
    if not names:
        return None
    seen: set[str] = set()
    for k, i in common:
        if i.name not in seen:
            seen.add(i.name)
            evidence.append(Evidence(field=f"{_ARMS}.interventions[{k}].name", words=i.name))
    return names, evidence


def _arm_interventions(
    arm: ArmGroup, interventions: Sequence[Intervention]
) -> list[tuple[int, Intervention]]:
    """The interventions an arm gives: those that name the arm, or that the arm names."""
    own = [(k, i) for k, i in enumerate(interventions) if arm.label in i.arm_group_labels]
    if own:
        return own
    named = {re.sub(r"^[A-Za-z ]+:\s*", "", n).casefold() for n in arm.intervention_names}
    return [(k, i) for k, i in enumerate(interventions) if i.name.casefold() in named]


def _names_treatment(intervention: Intervention) -> bool:
    named_type = intervention.type in _NAMED_TYPES or (
        intervention.type is InterventionType.RADIATION and not _RADIATION.search(intervention.name)
    )
    return named_type and not _NOT_NAMED.search(intervention.name) and bool(drug_name(intervention.name))


def _unique(names: Sequence[str]) -> list[str]:
    seen: dict[str, str] = {}
    for n in names:
        if n:
            seen.setdefault(n.casefold(), n)
    return list(seen.values())


def drug_name(name: str) -> str:
    """A registered intervention name as a title shows it: the dose and form after it left out,
    a lowercase or all-capitals word capitalised ("cetuximab" -> "Cetuximab"), codes as
    registered ("MK-3475")."""
    text = re.sub(r"\s*(?:\([^)]*\)|\[[^\]]*\])", "", name).strip()
    text = _DOSE_TAIL.sub("", text).strip(" ,;-")
    return " ".join(_word_case(w, first=n == 0, drug=True) for n, w in enumerate(text.split()))


def _word_case(word: str, *, first: bool, drug: bool = False) -> str:
    if any(c.isdigit() for c in word):
        return word  # a code, as registered: "MK-3475", "AZD9291", "gp160"
    if word.islower():
        if word in _SMALL and not first:
            return word
        return "-".join(p[:1].upper() + p[1:] for p in word.split("-"))
    if drug and word.isupper() and len(word) > 5 and "-" not in word:
        return word[:1] + word[1:].lower()
    return word


def readable_condition(condition: str, mesh_terms: Sequence[str] = ()) -> str:
    """The condition in reading order and title case: "Diabetes Mellitus, Type 2" -> "Type 2
    Diabetes Mellitus"; "Head and Neck Neoplasms" -> "Head and Neck Tumors"; PDQ's ", Protocol
    Specific" left out."""
    text = " ".join(condition.split())
    text = re.sub(r",?\s*protocol specific$", "", text, flags=re.IGNORECASE)
    text = re.sub(r"^unspecified\s+", "", text, flags=re.IGNORECASE)
    parts = [p.strip() for p in text.split(",")]
    if _HEALTHY.match(text):
        return "Healthy Volunteers"
    is_mesh = text.casefold() in {m.casefold() for m in mesh_terms} or bool(_HEADS.match(parts[0]))
    if 1 < len(parts) <= 3 and all(
        (is_mesh and len(p.split()) <= 3 and not re.search(r"\b(?:of|and|or)\b", p, re.IGNORECASE))
        or _QUALIFIERS.match(p)
        for p in parts[1:]
    ):
        text = " ".join(reversed(parts[1:])) + " " + parts[0]
    text = re.sub(r"\bNeoplasms\b", "Tumors", re.sub(r"\bNeoplasm\b", "Tumor", text))
    words = text.split()
    return " ".join(_word_case(w, first=n == 0) for n, w in enumerate(words))
