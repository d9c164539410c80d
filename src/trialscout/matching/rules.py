"""One typed rule against one patient: does the patient have what the rule describes?

`has_property(rule, profile)` answers with a `Finding`: ``has`` is True, False or None
(the profile does not say), with the evidence (the profile fact used, in words) and, when
unknown, the question whose answer would settle it. Polarity (``rule.expect``) is applied by
the caller: a rule is met when ``has`` equals what the rule expects.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import msgspec

from trialscout.eligibility.mentions import CANCER_WORDS, term_key
from trialscout.eligibility.model import (
    AgeRule,
    AutoimmuneRule,
    BiomarkerRule,
    CnsMetastasesRule,
    ConditionRule,
    DiagnosisRule,
    Expect,
    InfectionRule,
    LabRule,
    MedicationRule,
    OtherMalignancyRule,
    PerformanceStatusRule,
    PriorTherapyRule,
    ProcedureRule,
    ReproductiveRule,
    Rule,
    SexRule,
    Span,
    TimeWindow,
    TransplantRule,
)
from trialscout.matching.facts import ecog_score, in_window, lab_value, therapy_in_window
from trialscout.matching.terms import Terms, class_members, classes_named, denied_by, matches, terms
from trialscout.model.labs import ULN, name_of
from trialscout.model.patient import Biomarker, Condition, PatientProfile, PatientSex


class Question(msgspec.Struct, frozen=True):
    """What to ask to settle an unknown: ``key`` groups the same question across trials."""

    key: str
    text: str


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    has: bool | None
    evidence: str = ""
    question: Question | None = None
    applies: bool = True  # False: the rule is for other people (men, other ages): nothing to check
    # False when ``has`` is inferred, not stated: a medication or therapy the profile does not
    # list, a result too old to stand for today. Such a finding never rules a patient out alone.
    certain: bool = True
    # When ``has`` is None: what the profile suggests. True for something the patient has but
    # with no date to place it in the rule's time window ("hypertension" against "within 2
    # years"): unknown, yet likely, so it leans an exclusion towards failing in the ranking.
    likely: bool | None = None


def _undated(key: str, text: str, evidence: str) -> Finding:
    """The patient has it, but the profile gives no date against the rule's time window."""
    return Finding(has=None, evidence=evidence, question=Question(key, text), likely=True)


def _assumed(has: bool, evidence: str, question: Question) -> Finding:
    """A reading of what the profile leaves out: likely, not certain; asked about when it matters."""
    return Finding(has=has, evidence=evidence, question=question, certain=False)


#: How old a laboratory result or performance status may be to stand for the patient today.
#: Trials ask for values from their screening window (mostly 7-28 days); an older result that
#: fails a threshold is a reason to re-test, not to rule the patient out.
FRESH_DAYS = 90


def _stale(date: dt.date | None, profile: PatientProfile) -> bool:
    return date is not None and (profile.reference_date() - date).days > FRESH_DAYS


def _not_for(evidence: str) -> Finding:
    return Finding(has=None, evidence=evidence, applies=False)


def _unknown(key: str, text: str, evidence: str = "") -> Finding:
    return Finding(has=None, evidence=evidence, question=Question(key, text))


def _bound_words(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{low:g}-{high:g}"
    return f"≥ {low:g}" if low is not None else f"≤ {high:g}" if high is not None else "any"


def _age(rule: AgeRule, profile: PatientProfile) -> Finding:
    age = profile.age_years()
    if age is None:
        return _unknown("age", "How old are you?")
    return Finding(has=rule.years.contains(age), evidence=f"age {age:g}")


def _sex(rule: SexRule, profile: PatientProfile) -> Finding:
    if profile.sex is None:
        return _unknown("sex", "What is your sex?")
    return Finding(has=str(profile.sex).upper() == rule.sex, evidence=f"sex {profile.sex}")


def _reproductive(rule: ReproductiveRule, profile: PatientProfile) -> Finding:
    female_only = bool(rule.applies_to) and "male" not in rule.applies_to
    if profile.sex == PatientSex.MALE:
        if female_only:
            return _not_for("sex male: the criterion is for women")
        if rule.state in ("pregnant", "breastfeeding", "childbearing_potential") and not rule.applies_to:
            return Finding(has=False, evidence="sex male")
    if profile.sex == PatientSex.FEMALE and rule.applies_to == ("male",):
        return _not_for("sex female: the criterion is for men")
    past_childbearing = profile.childbearing_potential is False or (profile.age_years() or 0) >= 60
    if (
        "childbearing_potential" in rule.applies_to
        and past_childbearing
        and (profile.sex == PatientSex.FEMALE or "male" not in rule.applies_to)
    ):
        return _not_for("not of childbearing potential")
    value = {
        "pregnant": profile.pregnant,
        "breastfeeding": profile.breastfeeding,
        "contraception": profile.uses_contraception,
        "childbearing_potential": profile.childbearing_potential,
    }.get(rule.state)
    if value is None:
        if rule.state == "contraception":  # a willingness the patient states at screening
            return _unknown(
                "contraception", "Are you willing to use effective contraception during the trial?"
            )
        if rule.state in ("pregnant", "breastfeeding") and profile.sex == PatientSex.FEMALE:
            age = profile.age_years()
            if age is not None and (age < 10 or age >= 60):
                return Finding(has=False, evidence=f"age {age:g}")
        words = {"pregnant": "Are you pregnant?", "breastfeeding": "Are you breast-feeding?"}
        return _unknown(rule.state, words.get(rule.state, "Could you become pregnant?"))
    return Finding(has=value, evidence=f"{rule.state.replace('_', ' ')}: {'yes' if value else 'no'}")


def _performance(rule: PerformanceStatusRule, profile: PatientProfile) -> Finding:
    status = profile.performance_status
    if status is None:
        return _unknown("ecog", "What is your ECOG performance status (0-5), or your Karnofsky score?")
    written = f"{status.scale} {status.score:g}"
    if rule.ages is not None and (age := profile.age_years()) is not None and not rule.ages.contains(age):
        return _not_for(f"the requirement is for other ages (age {age:g})")
    same_scale = status.scale.strip().upper() == rule.scale.upper() or (
        status.scale.strip().upper() in ("ECOG", "WHO", "ZUBROD")
        and rule.scale.upper() in ("ECOG", "WHO", "ZUBROD")
    )
    if same_scale:
        has, evidence = rule.score.contains(status.score), written
    else:
        has, evidence = rule.ecog.contains(ecog_score(status)), f"{written} (ECOG {ecog_score(status):g})"
    if not has and _stale(status.date, profile):
        question = Question("ecog", "What is your performance status now (ECOG 0-5, or Karnofsky)?")
        return _assumed(False, f"{evidence}, on {status.date} (over {FRESH_DAYS} days ago)", question)
    return Finding(has=has, evidence=evidence)


def _lab(rule: LabRule, profile: PatientProfile) -> Finding:
    name = name_of(rule.analyte)
    value = lab_value(profile, rule.analyte, rule.unit)
    if value is None:
        return _unknown(f"lab:{rule.analyte}", f"What is your latest {name}?")
    shown = (
        f"{value.result.analyte} {value.result.value:g}{' ' + value.result.unit if value.result.unit else ''}"
    )
    if value.note:
        unit = "x ULN" if value.unit == ULN else value.unit
        shown += f" = {value.value:.3g} {unit} ({value.note})"
    has = rule.bound.contains(value.value)
    if not has and _stale(value.result.date, profile):
        question = Question(f"lab:{rule.analyte}", f"What is your latest {name} (from the last few weeks)?")
        return _assumed(False, f"{shown}, on {value.result.date} (over {FRESH_DAYS} days ago)", question)
    return Finding(has=has, evidence=shown)


# "family history of type 1 diabetes": a relative's condition, not the patient's.
_RELATIVES = re.compile(
    r"\s*(?:family\s+history|fh\b|(?:mother|father|sister|brother|parent|sibling|cousin|aunt|uncle|grand\w+)'?s?\b)",
    re.IGNORECASE,
)


def _own_conditions(profile: PatientProfile) -> tuple[Condition, ...]:
    return tuple(c for c in profile.conditions() if not _RELATIVES.match(c.name))


def _condition_terms(condition: Condition) -> Terms:
    return terms(condition.name, *condition.concepts)


def _dated(condition: Condition) -> dt.date | None:
    return condition.resolved or condition.diagnosed


def _find_condition(
    profile: PatientProfile,
    wanted: Terms,
    window: TimeWindow | None = None,
    *,
    active_only: bool = False,
    history: bool | None = None,
) -> Finding | None:
    """The patient has it (True), is known not to (False), or None when the profile is silent."""
    for condition in _own_conditions(profile):
        if not matches(_condition_terms(condition), wanted):
            continue
        if active_only and condition.status == "resolved":
            return Finding(has=False, evidence=f"{condition.name} (resolved)")
        if history is False and condition.status == "resolved" and window is None:
            # "varicella" in an exclusion is a current case; a past one is for the team to weigh
            return _assumed(
                True,
                f"{condition.name} (resolved)",
                Question(f"current:{condition.name.lower()}", f"Do you still have {condition.name}?"),
            )
        if window is not None:
            inside = in_window(_dated(condition), window, profile.reference_date())
            if inside is None:
                return _undated(
                    f"when:{condition.name}", f"When did you have {condition.name}?", condition.name
                )
            return Finding(has=inside, evidence=f"{condition.name} ({_dated(condition)})")
        return Finding(has=True, evidence=condition.name)
    return _denied(profile, wanted)


# "no other malignancy", "no second cancer": about cancers besides the one the trial is for.
_OTHER = re.compile(r"\s*(?:any\s+)?(?:other|another|second|additional|prior\s+other)\b", re.IGNORECASE)


def _denied(profile: PatientProfile, wanted: Terms) -> Finding | None:
    """A "no" from the profile's list of what the patient does not have, when one of them is
    the thing wanted or broader (see `denied_by`)."""
    for absent in profile.absent:
        if not _OTHER.match(absent.name) and denied_by(wanted, terms(absent.name, *absent.concepts)):
            return Finding(has=False, evidence=f"no {absent.name}")
    return None


def _diagnosis(rule: DiagnosisRule, profile: PatientProfile) -> Finding:
    wanted = terms(rule.condition, *rule.concepts)
    for condition in _own_conditions(profile):
        if matches(_condition_terms(condition), wanted):
            if rule.stage and condition.stage and not _stage_fits(condition.stage, rule.stage, rule.setting):
                return Finding(has=False, evidence=f"{condition.name}, stage {condition.stage}")
            return Finding(has=True, evidence=condition.name)
    denied = _denied(profile, wanted)
    if denied is not None:
        return denied
    question = Question(
        f"diagnosis:{rule.condition.lower()}", f"Have you been diagnosed with {rule.condition}?"
    )
    if profile.diagnoses:  # a profile names the disease it is about: another one is likely not it
        named = ", ".join(d.name for d in profile.diagnoses)
        return _assumed(False, f"not among the diagnoses given ({named})", question)
    return Finding(has=None, question=question)


_ROMAN = re.compile(r"\b(IV|III|II|I|0)([ABC]?)\b", re.IGNORECASE)
_STAGE_RANGE = re.compile(
    r"\b(IV|III|II|I|0)[ABC]?\s*(?:-|–|to|through)\s*(IV|III|II|I)[ABC]?\b", re.IGNORECASE
)


def _stage_fits(have: str, want: str, setting: str | None = None) -> bool:
    """A patient's stage against a criterion's stage words ("IIIB or IV"); True when unsure."""
    have_match = _ROMAN.search(have)
    if (
        have_match
        and have_match.group(1).upper() == "IV"
        and setting
        and re.search("metasta|advanced", setting)
    ):
        return True
    wanted = [(m.group(1).upper(), m.group(2).upper()) for m in _ROMAN.finditer(want)]
    for low, high in _STAGE_RANGE.findall(want):  # "I-III", "II to IV": every stage between
        order = ["0", "I", "II", "III", "IV"]
        if low.upper() in order and high.upper() in order:
            start, end = order.index(low.upper()), order.index(high.upper())
            wanted += [(n, "") for n in order[start : end + 1]]
    if have_match is None or not wanted:
        return True
    number, letter = have_match.group(1).upper(), have_match.group(2).upper()
    return any(number == n and (not w or not letter or letter == w) for n, w in wanted)


def _condition(rule: ConditionRule, profile: PatientProfile) -> Finding:
    wanted = terms(rule.condition, *rule.concepts)
    active = rule.qualifier in ("active", "uncontrolled", "symptomatic", "current", "ongoing")
    # An exclusion naming the disease the trial is for qualifies it ("uncontrolled cancer pain",
    # "unconfirmed NSCLC diagnosis"): it is checked against the patient's other conditions only.
    searched = profile if rule.expect is Expect.PRESENT else msgspec.structs.replace(profile, diagnoses=())
    history = rule.qualifier is not None and "history" in rule.qualifier
    found = _find_condition(searched, wanted, rule.window, active_only=active, history=history)
    if found is not None:
        return found
    if searched is not profile and any(matches(_condition_terms(d), wanted) for d in profile.diagnoses):
        return Finding(has=None, evidence=f"names the disease the trial is for ({rule.condition})")
    return _unknown(f"condition:{rule.condition.lower()}", f"Do you have (or have you had) {rule.condition}?")


_BRAIN = terms("brain metastases", "Brain Neoplasms", "CNS metastases", "brain metastasis")


def _cns(rule: CnsMetastasesRule, profile: PatientProfile) -> Finding:
    for condition in _own_conditions(profile):
        if not matches(_condition_terms(condition), _BRAIN):
            continue
        if rule.state == "leptomeningeal":
            if "leptomening" in condition.name.lower() or "meningeal" in condition.name.lower():
                return Finding(has=True, evidence=condition.name)
            continue  # brain metastases are not leptomeningeal disease
        if rule.state == "any":
            return Finding(has=True, evidence=condition.name)
        if rule.state == "treated_stable":
            if condition.treated is None:
                break
            return Finding(has=bool(condition.treated and not condition.symptomatic), evidence=condition.name)
        if rule.state == "symptomatic" and condition.symptomatic is not None:
            return Finding(has=condition.symptomatic, evidence=condition.name)
        if condition.treated is not None:
            untreated_or_active = not condition.treated or bool(condition.symptomatic)
            return Finding(has=untreated_or_active, evidence=condition.name)
        break
    else:
        denied = _denied(profile, _BRAIN)
        if denied is not None:
            return denied
        if rule.state == "leptomeningeal":
            return _unknown(
                "leptomeningeal",
                "Has your cancer spread to the lining of the brain or spinal cord (leptomeningeal)?",
            )
        return _unknown("brain_metastases", "Has your cancer spread to the brain?")
    return _unknown(
        "brain_metastases_treated", "Have your brain metastases been treated, and are they stable?"
    )


_INFECTIONS = {
    "HIV": terms("HIV", "HIV Infections", "human immunodeficiency virus", "AIDS"),
    "HBV": terms("hepatitis B", "Hepatitis B", "HBV", "Hepatitis B, Chronic"),
    "HCV": terms("hepatitis C", "Hepatitis C", "HCV", "Hepatitis C, Chronic"),
    "tuberculosis": terms("tuberculosis", "Tuberculosis", "TB"),
    "COVID-19": terms("COVID-19", "SARS-CoV-2 infection"),
    "hepatitis": terms("hepatitis", "Hepatitis", "hepatitis B", "hepatitis C"),
}


def _infection(rule: InfectionRule, profile: PatientProfile) -> Finding:
    wanted = _INFECTIONS.get(rule.infection) or terms(rule.infection)
    if rule.infection == "active_infection":
        wanted = terms("infection", "sepsis", "pneumonia", "Infections")
        # "a past medical history of recurrent pneumonia" is no infection today
        past = [
            c
            for c in _own_conditions(profile)
            if c.status == "history" and matches(_condition_terms(c), wanted)
        ]
        current = msgspec.structs.replace(
            profile,
            diagnoses=tuple(c for c in profile.diagnoses if c not in past),
            other_conditions=tuple(c for c in profile.other_conditions if c not in past),
        )
        found = _find_condition(current, wanted, rule.window, active_only=True)
        if found is None and past:
            return _unknown("infection:current", "Do you have an infection now?", f"{past[0].name} (history)")
        if found is not None:
            return found
        return _unknown("infection:active_infection", "Do you have an active infection?")
    found = _find_condition(profile, wanted, rule.window, active_only=rule.qualifier == "active")
    if found is not None:
        return found
    name = {"active_infection": "an active infection"}.get(rule.infection, rule.infection)
    return _unknown(f"infection:{rule.infection.lower()}", f"Do you have {name}?")


def _transplant(rule: TransplantRule, profile: PatientProfile) -> Finding:
    wanted = terms(f"{rule.organ} transplant" if rule.organ else "transplant", "transplantation")
    for procedure in profile.procedures:
        if "transplant" in procedure.name.lower() or matches(terms(procedure.name), wanted):
            if rule.window is not None:
                inside = in_window(procedure.date, rule.window, profile.reference_date())
                if inside is not None:
                    return Finding(has=inside, evidence=f"{procedure.name} ({procedure.date})")
            return Finding(has=True, evidence=procedure.name)
    found = _find_condition(profile, wanted, rule.window)
    return found or _unknown("transplant", "Have you had an organ or stem-cell transplant?")


# Autoimmune diseases by name (lowercase words; a patient's condition naming one is one).
_AUTOIMMUNE = (
    "autoimmune",
    "lupus",
    "rheumatoid arthritis",
    "multiple sclerosis",
    "psoriasis",
    "psoriatic arthritis",
    "crohn",
    "ulcerative colitis",
    "inflammatory bowel disease",
    "type 1 diabetes",
    "hashimoto",
    "graves",
    "myasthenia gravis",
    "sarcoidosis",
    "vasculitis",
    "sjogren",
    "celiac disease",
    "ankylosing spondylitis",
    "scleroderma",
    "systemic sclerosis",
    "dermatomyositis",
    "autoimmune hepatitis",
    "vitiligo",
)


def _autoimmune(rule: AutoimmuneRule, profile: PatientProfile) -> Finding:
    for condition in _own_conditions(profile):
        named = _condition_terms(condition)
        words = " ".join(sorted(named.keys | named.concepts))
        if any(name in words for name in _AUTOIMMUNE):
            active = rule.qualifier not in (None, "history of")
            if active and condition.status == "resolved":
                return Finding(has=False, evidence=f"{condition.name} (resolved)")
            return Finding(has=True, evidence=condition.name)
    return _unknown(
        "autoimmune", "Do you have an autoimmune disease (such as lupus, rheumatoid arthritis or Crohn's)?"
    )


def _other_malignancy(rule: OtherMalignancyRule, profile: PatientProfile) -> Finding:
    cancers = [c for c in _own_conditions(profile) if CANCER_WORDS.search(c.name)]
    main = next((c for c in profile.diagnoses if CANCER_WORDS.search(c.name)), None)
    others = [c for c in cancers if c is not main]
    on = profile.reference_date()
    for other in others:
        if rule.within_years is None:
            return Finding(has=True, evidence=other.name)
        when = _dated(other)
        if when is None:
            return _unknown(
                "other_cancer_when", f"When was your {other.name} diagnosed or treated?", other.name
            )
        if (on - when).days <= rule.within_years * 365.25:
            return Finding(has=True, evidence=f"{other.name} ({when})")
    if others:
        return Finding(has=False, evidence=", ".join(o.name for o in others) + " (longer ago)")
    for absent in profile.absent:
        if CANCER_WORDS.search(absent.name):
            return Finding(has=False, evidence=f"no {absent.name}")
    return _unknown("other_cancer", "Have you had any other cancer in the past few years?")


# Dose of each corticosteroid equal to 1 mg of prednisone.
_PREDNISONE_EQUIVALENT = {
    "prednisone": 1.0,
    "prednisolone": 1.0,
    "methylprednisolone": 1.25,
    "dexamethasone": 6.67,
    "hydrocortisone": 0.25,
    "cortisone": 0.2,
    "betamethasone": 8.33,
    "triamcinolone": 1.25,
}


def _medication(rule: MedicationRule, profile: PatientProfile) -> Finding:
    wanted = terms(rule.medication)
    for medication in profile.medications:
        if not matches(terms(medication.name), wanted):
            continue
        if rule.dose is not None and medication.dose is not None:
            dose = medication.dose
            name = medication.name.lower()
            if rule.dose_unit and "prednisone" in rule.dose_unit:
                factor = next((f for drug, f in _PREDNISONE_EQUIVALENT.items() if drug in name), None)
                if factor is None:
                    return _unknown("steroid_dose", "What is your daily steroid dose?", medication.name)
                dose *= factor
                return Finding(
                    has=rule.dose.contains(dose),
                    evidence=f"{medication.name} {medication.dose:g} {medication.dose_unit or 'mg/day'}"
                    f" = {dose:.3g} mg/day prednisone-equivalent",
                )
            return Finding(has=rule.dose.contains(dose), evidence=f"{medication.name} {medication.dose:g}")
        if rule.dose is not None:
            return _unknown(f"dose:{rule.medication.lower()}", f"What dose of {medication.name} do you take?")
        return Finding(has=True, evidence=f"takes {medication.name}")
    if rule.window is not None:
        for therapy in profile.prior_therapies:
            if matches(terms(therapy.name, *(c for c in [therapy.drug_class] if c)), wanted):
                inside = therapy_in_window(therapy.start, therapy.end, rule.window, profile.reference_date())
                return (
                    Finding(has=inside, evidence=therapy.name)
                    if inside is not None
                    else _undated(
                        f"when:{therapy.name.lower()}",
                        f"When did you last take {therapy.name}?",
                        therapy.name,
                    )
                )
    if _says_no_medications(profile):
        return Finding(has=False, evidence="takes no medications")
    if profile.medications:
        return _assumed(
            False,
            "not among current medications",
            Question(f"medication:{rule.medication.lower()}", f"Do you currently take {rule.medication}?"),
        )
    return _unknown(f"medication:{rule.medication.lower()}", f"Do you currently take {rule.medication}?")


def _says_no_medications(profile: PatientProfile) -> bool:
    return any(a.name.lower() in ("medications", "medication", "any medications") for a in profile.absent)


def _prior_therapy(rule: PriorTherapyRule, profile: PatientProfile) -> Finding:
    wanted = [terms(t) for t in rule.therapies]
    on = profile.reference_date()
    hits = [
        t
        for t in profile.prior_therapies
        if any(matches(terms(t.name, *(c for c in [t.drug_class] if c)), w) for w in wanted)
    ]
    if rule.window is None:
        current = [m for m in profile.medications if any(matches(terms(m.name), w) for w in wanted)]
        if current and not hits:
            return Finding(has=True, evidence=f"takes {current[0].name}")
    if rule.lines is not None:
        lines = _lines_of_therapy(profile)
        if lines is None:
            return _unknown("lines", "How many lines of treatment have you had for your cancer?")
        return Finding(has=rule.lines.contains(lines), evidence=f"{lines} prior line(s) of therapy")
    if not hits:
        for absent in profile.absent:
            if (
                any(denied_by(w, terms(absent.name)) for w in wanted) and not _OTHER.match(absent.name)
            ) or "treatment naive" in absent.name.lower():
                return Finding(has=False, evidence=f"no {absent.name}")
        named = ", ".join(rule.therapies) or "this treatment"
        if profile.prior_therapies and _all_anticancer(rule):
            return _assumed(
                False,
                "not among prior therapies: " + ", ".join(t.name for t in profile.prior_therapies),
                Question(f"therapy:{named.lower()}", f"Have you been treated with {named}?"),
            )
        return _unknown(f"therapy:{named.lower()}", f"Have you been treated with {named}?")
    if rule.progression:
        progressed = [t for t in hits if t.progression]
        if not progressed:
            if all(t.progression is False for t in hits):
                return Finding(has=False, evidence=f"{hits[0].name}, no progression")
            return _unknown(
                f"progression:{hits[0].name.lower()}", f"Did your cancer grow during or after {hits[0].name}?"
            )
        hits = progressed
    if rule.window is not None:
        dated = [(t, therapy_in_window(t.start, t.end, rule.window, on)) for t in hits]
        if any(inside for _, inside in dated):
            therapy = next(t for t, inside in dated if inside)
            return Finding(has=True, evidence=f"{therapy.name} (last {therapy.end or therapy.start})")
        if all(inside is False for _, inside in dated):
            return Finding(has=False, evidence=", ".join(f"{t.name} ({t.end or t.start})" for t in hits))
        return _undated(
            f"when:{hits[0].name.lower()}", f"When did you last receive {hits[0].name}?", hits[0].name
        )
    return Finding(has=True, evidence=hits[0].name)


def _all_anticancer(rule: PriorTherapyRule) -> bool:
    """Whether every therapy the rule names is a drug class trialscout knows the members of, so
    a profile listing its therapies can answer "no" (a profile can't list unknown drugs)."""
    return all(
        any(class_members(c) for c in classes_named(term_key(t)))
        or t.lower() in class_members("anticancer therapy")
        for t in rule.therapies
    )


def _lines_of_therapy(profile: PatientProfile) -> int | None:
    lines = [t.line for t in profile.prior_therapies if t.line is not None]
    if lines:
        return max(lines)
    return None


_ANY_SURGERY = re.compile(
    r"\s*(?:(?:any|major|minor|prior|previous|recent|other|planned|elective|open|invasive)\s+)*"
    r"(?:surgery|surgeries|surgical\s+(?:procedures?|interventions?|treatment)|operations?"
    r"|operative\s+procedures?)\s*$",
    re.IGNORECASE,
)


def _procedure(rule: ProcedureRule, profile: PatientProfile) -> Finding:
    wanted = terms(rule.procedure)
    # "major surgery" stands for any operation; "surgical management of this gestation" or
    # "cardiac surgery" for one of a kind, which an appendectomy is not evidence of
    is_surgery = bool(_ANY_SURGERY.match(rule.procedure))
    for procedure in profile.procedures:
        name = procedure.name.lower()
        if matches(terms(procedure.name), wanted) or (
            is_surgery and re.search(r"ectomy|surg|resection|otomy|plasty|operation", name)
        ):
            if rule.window is not None:
                inside = in_window(procedure.date, rule.window, profile.reference_date())
                if inside is None:
                    return _undated(f"when:{name}", f"When did you have {procedure.name}?", procedure.name)
                return Finding(has=inside, evidence=f"{procedure.name} ({procedure.date})")
            return Finding(has=True, evidence=procedure.name)
    for therapy in profile.prior_therapies:
        if matches(terms(therapy.name), wanted) and rule.window is not None:
            inside = therapy_in_window(therapy.start, therapy.end, rule.window, profile.reference_date())
            if inside is not None:
                return Finding(has=inside, evidence=therapy.name)
    if rule.window is None:
        return _unknown(f"procedure:{rule.procedure.lower()}", f"Have you had {rule.procedure}?")
    return _unknown(f"procedure:{rule.procedure.lower()}", f"Have you had {rule.procedure} recently?")


def _biomarker(rule: BiomarkerRule, profile: PatientProfile) -> Finding:
    marker = _marker_key(rule.marker)
    results = [b for b in profile.biomarkers if _marker_key(b.marker) == marker]
    question = _unknown(
        f"biomarker:{marker}", f"Has your tumour been tested for {rule.marker}? What was the result?"
    )
    if not results:
        return question
    result = max(results, key=lambda b: b.date or dt.date.min)
    shown = " ".join(x for x in (result.marker, result.detail or "", _result_words(result)) if x)
    if rule.expression is not None:
        if result.percent is None:
            return Finding(has=None, evidence=shown, question=question.question)
        return Finding(has=rule.expression.contains(result.percent), evidence=shown)
    if result.positive is None:
        return Finding(has=None, evidence=shown, question=question.question)
    if rule.qualifier and result.detail and result.positive:
        specific = rule.qualifier.lower()
        if re.fullmatch(r"[A-Z]\d+[A-Z]", rule.qualifier) and specific not in result.detail.lower():
            return Finding(has=False, evidence=shown)  # "T790M" required, patient has another variant
    return Finding(has=result.positive, evidence=shown)


def _marker_key(marker: str) -> str:
    key = re.sub(r"[^a-z0-9]", "", marker.lower())
    return {"her2neu": "her2", "erbb2": "her2", "pdl1": "pdl1", "cd274": "pdl1"}.get(key, key)


def _result_words(result: Biomarker) -> str:
    if result.percent is not None:
        return f"{result.percent:g}%"
    return "positive" if result.positive else "negative" if result.positive is False else ""


_CHECKS: dict[type[Rule], Callable[..., Finding]] = {
    AgeRule: _age,
    SexRule: _sex,
    ReproductiveRule: _reproductive,
    PerformanceStatusRule: _performance,
    LabRule: _lab,
    DiagnosisRule: _diagnosis,
    ConditionRule: _condition,
    BiomarkerRule: _biomarker,
    PriorTherapyRule: _prior_therapy,
    CnsMetastasesRule: _cns,
    InfectionRule: _infection,
    TransplantRule: _transplant,
    AutoimmuneRule: _autoimmune,
    OtherMalignancyRule: _other_malignancy,
    MedicationRule: _medication,
    ProcedureRule: _procedure,
}


def has_property(rule: Rule, profile: PatientProfile) -> Finding:
    """Whether the patient has what ``rule`` describes (None: the profile does not say)."""
    check = _CHECKS.get(type(rule))
    if check is None:  # life expectancy, measurable disease: a clinician's judgement
        return Finding(has=None, question=_clinician_question(rule))
    finding: Finding = check(rule, profile)
    return finding


_NOWHERE = Span(0, 0)


class ProfileFindings:
    """`has_property` for one profile, each rule asked once whatever its place in a trial's
    words (``span``, which no check reads): the candidate trials of one match repeat the same
    rules ("pregnant or breastfeeding", "ECOG 0-1"), and a finding depends only on the rule and
    the profile. Keep one for one profile at a time, for one match."""

    __slots__ = ("_found", "profile")

    def __init__(self, profile: PatientProfile) -> None:
        self.profile = profile
        self._found: dict[Rule, Finding] = {}

    def has_property(self, rule: Rule) -> Finding:
        key = msgspec.structs.replace(rule, span=_NOWHERE)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = has_property(rule, self.profile)
        return found


def _clinician_question(rule: Rule) -> Question:
    tag = type(rule).__name__.removesuffix("Rule")
    texts = {
        "LifeExpectancy": "Does your doctor expect you to live at least the next few months?",
        "MeasurableDisease": "Does your cancer have a tumour that can be measured on scans (RECIST)?",
    }
    return Question(tag.lower(), texts.get(tag, "Ask the study team"))
