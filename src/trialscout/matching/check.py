"""One patient, one trial: a verdict per criterion, then the trial-level result.

Each requirement (inclusion or exclusion) gets *met* (the trial's requirement holds for this
patient: an inclusion is satisfied, or an exclusion does not apply), *not met*, or *unknown*,
with the evidence: the profile fact used and the criterion's own words. Rules read from one
criterion combine as its words do: alternatives of one kind ("ECOG 0-1 or Karnofsky ≥ 70",
"NSCLC or SCLC") need one to hold; everything else must all hold. A criterion whose verdict
would be *not met* but which states an exception ("unless", "except", "provided that", or
sub-points allowing it) is *unknown*, with the exception quoted: trialscout never decides an
exception it cannot check. Free-text criteria are *unknown* and counted apart, for the study
team.

The trial is *not eligible* when any requirement is not met (the failing criteria are named),
*possibly eligible* with N unknowns when none fails, and *eligible* when every checkable
requirement is met.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from enum import StrEnum

import msgspec

from trialscout.eligibility.model import (
    ConditionRule,
    CriterionKind,
    CriterionRole,
    Expect,
    LabRule,
    MedicationRule,
    ParsedEligibility,
    PriorTherapyRule,
    ReproductiveRule,
    Rule,
    SexRule,
    Span,
)
from trialscout.matching.rules import Question, has_property
from trialscout.model.enums import Sex
from trialscout.model.patient import PatientProfile, PatientSex
from trialscout.model.trial import Trial


class Verdict(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


class TrialResult(StrEnum):
    ELIGIBLE = "eligible"
    POSSIBLY_ELIGIBLE = "possibly_eligible"
    NOT_ELIGIBLE = "not_eligible"


class RuleVerdict(msgspec.Struct, frozen=True, kw_only=True):
    rule: str  # the rule's type tag: "age", "lab", ...
    expect: Expect
    verdict: Verdict
    evidence: str  # the profile fact, in words ("platelets 90 10^9/L")
    span: Span  # the criterion words the rule was read from


class CriterionVerdict(msgspec.Struct, frozen=True, kw_only=True):
    id: str  # "I3", "E6", or "R1" for the registry's structured age and sex limits
    kind: CriterionKind
    text: str  # the criterion's own words
    plain: str
    verdict: Verdict
    reason: str
    typed: bool
    rules: tuple[RuleVerdict, ...] = ()
    questions: tuple[Question, ...] = ()


class TrialCheck(msgspec.Struct, frozen=True, kw_only=True):
    nct_id: str
    result: TrialResult
    criteria: tuple[CriterionVerdict, ...]
    failing: tuple[str, ...]  # ids of the requirements not met
    unknown: int  # checkable requirements the profile cannot settle
    free_text: int  # requirements only a person can judge
    met: int
    questions: tuple[Question, ...]

    @property
    def summary(self) -> str:
        if self.result is TrialResult.NOT_ELIGIBLE:
            return (
                f"Not eligible: {len(self.failing)} criteri{'on' if len(self.failing) == 1 else 'a'} not met"
            )
        if self.result is TrialResult.POSSIBLY_ELIGIBLE:
            return f"Possibly eligible: {self.met} met, {self.unknown} unknown"
        return f"Eligible on all {self.met} checkable criteria"


_REPRODUCTIVE = re.compile(
    r"childbearing|child-bearing|pregnan|contracep|fertil|partner|reproductive", re.IGNORECASE
)
# A criterion for one cohort, arm or part of the trial ("Cohort 2: ..."): failing it leaves the others.
_COHORT = re.compile(r"\s*(?:cohorts?|arms?|parts?|groups?|phase|stage)\s+[\w.-]{1,6}\s*[:)-]", re.IGNORECASE)


# Words that grade a condition or leave it to a clinician: the patient having the condition
# does not settle such an exclusion.
_GRADED = re.compile(
    r"severe|uncontrolled|poorly[- ]controlled|not (?:well[- ])?controlled|resistan|refractory|significant|"
    r"unstable|decompensat|requiring|despite|considered|judg|opinion|investigator|interfere|"
    r"[<>≤≥]|greater than|more than|less than|grade\s*[2-4]|class\s*(?:I{2,3}|IV|[2-4])",
    re.IGNORECASE,
)
_CAUSE = re.compile(
    r"toxicit|adverse|side[- ]effect|complication|resulting from|related to|due to|induced|attributed to|"
    r"caused by|allerg|hypersensitiv|intoleran",
    re.IGNORECASE,
)


def _kidney(analyte: str) -> str:
    return "kidney" if analyte in ("creatinine", "creatinine_clearance", "egfr") else analyte


def _group_key(index: int, rule: Rule) -> tuple[str, str]:
    tag = type(rule).__name__
    if rule.expect is Expect.ABSENT and not isinstance(rule, LabRule):
        return (tag, str(index))  # "no HIV, no HBV": each must hold
    if isinstance(rule, LabRule):
        return (tag, _kidney(rule.analyte))
    if isinstance(rule, ConditionRule):
        return (tag, "present")
    return (tag, "")


def _combine_any(verdicts: list[Verdict]) -> Verdict:
    if Verdict.MET in verdicts:
        return Verdict.MET
    return Verdict.NOT_MET if all(v is Verdict.NOT_MET for v in verdicts) else Verdict.UNKNOWN


def _combine_all(verdicts: Iterable[Verdict]) -> Verdict:
    listed = list(verdicts)
    if Verdict.NOT_MET in listed:
        return Verdict.NOT_MET
    return Verdict.MET if listed and all(v is Verdict.MET for v in listed) else Verdict.UNKNOWN


def _inside(span: Span, spans: Iterable[Span]) -> bool:
    return any(s.start <= span.start and span.end <= s.end for s in spans)


def check_rules(
    rules: Iterable[Rule], profile: PatientProfile, text: str = ""
) -> tuple[Verdict, list[RuleVerdict], list[Question]]:
    """The combined verdict of one criterion's rules, each rule's verdict, and the questions.
    ``text`` is the criterion's words: where a treatment is named as a cause ("toxicity from
    prior therapy"), having had it does not decide the criterion."""
    as_cause = bool(_CAUSE.search(text))
    graded = bool(_GRADED.search(text))
    groups: dict[tuple[str, str], list[Verdict]] = defaultdict(list)
    verdicts: list[RuleVerdict] = []
    questions: list[Question] = []
    for index, rule in enumerate(rules):
        finding = has_property(rule, profile)
        if not finding.applies:
            verdict = Verdict.MET
        elif finding.has is None:
            verdict = Verdict.UNKNOWN
            if finding.question is not None:
                questions.append(finding.question)
        else:
            verdict = Verdict.MET if finding.has == (rule.expect is Expect.PRESENT) else Verdict.NOT_MET
            if (
                verdict is Verdict.NOT_MET
                and as_cause
                and isinstance(rule, (PriorTherapyRule, MedicationRule))
            ):
                verdict = Verdict.UNKNOWN  # the criterion is about an effect of the treatment
            elif verdict is Verdict.NOT_MET and finding.has and graded and isinstance(rule, ConditionRule):
                verdict = Verdict.UNKNOWN  # "severe hypertension": having hypertension does not decide it
        groups[_group_key(index, rule)].append(verdict)
        tag = rule.__struct_config__.tag
        verdicts.append(
            RuleVerdict(
                rule=str(tag), expect=rule.expect, verdict=verdict, evidence=finding.evidence, span=rule.span
            )
        )
    return _combine_all(_combine_any(g) for g in groups.values()), verdicts, questions


def _registry_limits(trial: Trial, profile: PatientProfile) -> CriterionVerdict | None:
    """The registry's structured age and sex limits, checked as a criterion of their own."""
    eligibility = trial.eligibility
    if eligibility is None:
        return None
    low, high = eligibility.minimum_age_years, eligibility.maximum_age_years
    sex = eligibility.sex if eligibility.sex in (Sex.FEMALE, Sex.MALE) else None
    if low is None and high is None and sex is None:
        return None
    words = []
    if low is not None or high is not None:
        words.append(
            f"Ages {low:g} to {high:g}"
            if low is not None and high is not None
            else f"Ages {low:g} and over"
            if low is not None
            else f"Ages up to {high:g}"
        )
    if sex is not None:
        words.append(f"{str(sex).lower()} participants only")
    verdicts: list[Verdict] = []
    evidence: list[str] = []
    questions: list[Question] = []
    age = profile.age_years()
    if low is not None or high is not None:
        if age is None:
            verdicts.append(Verdict.UNKNOWN)
            questions.append(Question("age", "How old are you?"))
        else:
            inside = (low is None or age >= low) and (high is None or age <= high)
            verdicts.append(Verdict.MET if inside else Verdict.NOT_MET)
            evidence.append(f"age {age:g}")
    if sex is not None:
        if profile.sex is None:
            verdicts.append(Verdict.UNKNOWN)
            questions.append(Question("sex", "What is your sex?"))
        else:
            same = (profile.sex == PatientSex.FEMALE) == (sex == Sex.FEMALE)
            verdicts.append(Verdict.MET if same else Verdict.NOT_MET)
            evidence.append(f"sex {profile.sex}")
    verdict = _combine_all(verdicts)
    text = "; ".join(words) + " (the registry's eligibility fields)"
    return CriterionVerdict(
        id="R1",
        kind=CriterionKind.INCLUSION,
        text=text,
        plain=" ".join(words) + ".",
        verdict=verdict,
        reason=", ".join(evidence) or "the profile does not say",
        typed=True,
        questions=tuple(questions),
    )


def check_trial(profile: PatientProfile, trial: Trial, parsed: ParsedEligibility | None = None) -> TrialCheck:
    """Every requirement of ``trial`` checked against ``profile``; ``parsed`` is the trial's
    parsed eligibility when already at hand (the store keeps it), else it is parsed now."""
    if parsed is None:
        from trialscout.eligibility.parse import parse_eligibility  # large: only when not parsed yet

        parsed = parse_eligibility(trial)
    verdicts: list[CriterionVerdict] = []
    limits = _registry_limits(trial, profile)
    if limits is not None:
        verdicts.append(limits)
    children: dict[str, list[str]] = defaultdict(list)
    for criterion in parsed.criteria:
        if criterion.role is not CriterionRole.REQUIREMENT and criterion.parent:
            children[criterion.parent].append(criterion.text)
    for criterion in parsed.criteria:
        if criterion.role is not CriterionRole.REQUIREMENT:
            continue
        stated = [e.span for e in criterion.exceptions] + [
            e.span for r in criterion.rules for e in r.exceptions
        ]
        rules = [r for r in criterion.rules if not _inside(r.span, stated)]
        if any(isinstance(r, ReproductiveRule) for r in rules) or _REPRODUCTIVE.search(criterion.text):
            rules = [r for r in rules if not isinstance(r, SexRule)]  # whom it is about, not a requirement
        if not rules:
            verdicts.append(
                CriterionVerdict(
                    id=criterion.id,
                    kind=criterion.kind,
                    text=criterion.text,
                    plain=criterion.plain,
                    verdict=Verdict.UNKNOWN,
                    reason="not checkable from a profile: for the study team to judge",
                    typed=False,
                )
            )
            continue
        verdict, rule_verdicts, questions = check_rules(rules, profile, criterion.text)
        exceptions = [e.text for e in criterion.exceptions] + children.get(criterion.id, [])
        exceptions += [
            e.text
            for r, v in zip(rules, rule_verdicts, strict=True)
            if v.verdict is Verdict.NOT_MET
            for e in r.exceptions
        ]
        reason = "; ".join(v.evidence for v in rule_verdicts if v.evidence) or "the profile does not say"
        if verdict is Verdict.NOT_MET and exceptions:
            verdict = Verdict.UNKNOWN
            reason += f"; but the criterion allows an exception: “{exceptions[0]}”"
            questions.append(
                Question(f"exception:{criterion.id}", f"Does this apply to you: “{exceptions[0]}”?")
            )
        elif verdict is Verdict.NOT_MET and _COHORT.match(criterion.text):
            verdict = Verdict.UNKNOWN
            reason += "; this criterion is for one cohort of the trial only"
        verdicts.append(
            CriterionVerdict(
                id=criterion.id,
                kind=criterion.kind,
                text=criterion.text,
                plain=criterion.plain,
                verdict=verdict,
                reason=reason,
                typed=True,
                rules=tuple(rule_verdicts),
                questions=tuple(dict.fromkeys(questions)) if verdict is Verdict.UNKNOWN else (),
            )
        )
    return _summarise(trial.nct_id, verdicts)


def _summarise(nct_id: str, verdicts: list[CriterionVerdict]) -> TrialCheck:
    failing = tuple(v.id for v in verdicts if v.verdict is Verdict.NOT_MET)
    unknown = sum(1 for v in verdicts if v.typed and v.verdict is Verdict.UNKNOWN)
    free_text = sum(1 for v in verdicts if not v.typed)
    met = sum(1 for v in verdicts if v.verdict is Verdict.MET)
    if failing:
        result = TrialResult.NOT_ELIGIBLE
    elif unknown:
        result = TrialResult.POSSIBLY_ELIGIBLE
    else:
        result = TrialResult.ELIGIBLE
    questions = dict.fromkeys(q for v in verdicts for q in v.questions)
    return TrialCheck(
        nct_id=nct_id,
        result=result,
        criteria=tuple(verdicts),
        failing=failing,
        unknown=unknown,
        free_text=free_text,
        met=met,
        questions=tuple(questions),
    )
