"""One patient, one trial: a verdict per criterion, then the trial-level result.

Each requirement (inclusion or exclusion) gets *met* (the trial's requirement holds for this
patient: an inclusion is satisfied, or an exclusion does not apply), *not met*, or *unknown*,
with the evidence: the profile fact used and the criterion's own words. A criterion's rules
combine as its words do (`Criterion.groups`: "ECOG 0-1 or Karnofsky >= 70" needs one, "stroke
patients with dysphagia" both); sibling criteria joined by "or" need one of them.

**The decision policy.** A requirement is *not met* only when all of this holds:

- it is typed (it has rules) and is a requirement, not an exception, a definition or a note
  (an exception can only rescue a patient, never exclude one);
- it is unconditional for this patient: it has no scope ("for patients with brain metastases,
  ..."), or the profile shows the patient is in its scope (a patient the scope does not cover
  meets it; one the profile cannot place gets *unknown* with the scope's question); it states
  no exception; it is not for one cohort of the trial only;
- it is certainly failed by a fact of the profile: a stated value, not an inference from what
  the profile does not list (a drug not among the listed medications is *unknown*, leaning
  not met), and a dated one where time matters (a result or performance status older than
  `trialscout.matching.rules.FRESH_DAYS` days, or a treatment with no date against a time
  window, is *unknown*).

Everything else is *unknown*, with the question whose answer would settle it. Free-text
criteria are *unknown* and counted apart, for the study team.

**The closed-world reading** (``check_trial(..., closed_world=True)``, what the ranking uses):
a note names the diseases a patient has, so an inclusion that requires a condition (a
`ConditionRule` or `DiagnosisRule` the patient must have) which the profile neither has
(diagnoses, other conditions, or a diagnosis its findings suggest) nor denies is *unknown,
leaning not met*: likely not met, weighed so in the ranking, but never *not met*, which stays
for the certain failures above.

The trial is *not eligible* when any requirement is not met (the failing criteria are named),
*possibly eligible* with N unknowns when none fails, and *eligible* when every checkable
requirement is met. The result always carries the trial's recruitment status: a trial that is
not open (or possibly stale) says so beside the verdict.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import NamedTuple

import msgspec

from trialscout.eligibility.model import (
    AgeRule,
    Bound,
    ConditionRule,
    Criterion,
    CriterionKind,
    CriterionRole,
    DiagnosisRule,
    Expect,
    MedicationRule,
    ParsedEligibility,
    PerformanceStatusRule,
    PriorTherapyRule,
    ProcedureRule,
    ReproductiveRule,
    Rule,
    Scope,
    SexRule,
    Span,
)
from trialscout.matching.rules import ProfileFindings, Question
from trialscout.matching.terms import matches, terms
from trialscout.model.enums import OPEN_STATUSES, Sex
from trialscout.model.patient import PatientProfile, PatientSex
from trialscout.model.recruitment import check_recruitment
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
    # The verdict would be "not met" on an inference (what the profile does not list, an old
    # result) or on words that qualify what the patient has ("severe", "refractory to"): shown
    # as unknown, and weighed as likely failing in the ranking.
    leaning_not_met: bool = False


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
    scope: str | None = None  # whom the criterion applies to, in its words
    leaning_not_met: bool = False  # unknown, but likely not met (see RuleVerdict)
    plain_original: bool = False  # ``plain`` is the registry's own words


class TrialCheck(msgspec.Struct, frozen=True, kw_only=True):
    nct_id: str
    result: TrialResult
    criteria: tuple[CriterionVerdict, ...]
    failing: tuple[str, ...]  # ids of the requirements not met
    unknown: int  # checkable requirements the profile cannot settle
    free_text: int  # requirements only a person can judge
    met: int
    questions: tuple[Question, ...]
    status: str | None = None  # the trial's overall recruitment status
    open: bool = True  # whether the trial is recruiting or about to
    possibly_stale: bool = False  # it says it is open but its record contradicts it
    status_note: str = ""  # the status in words when it matters ("closed: COMPLETED")
    leaning_not_met: int = 0  # unknown requirements that are likely not met

    @property
    def headline(self) -> str:
        """The verdict in words, without the trial's status."""
        if self.result is TrialResult.NOT_ELIGIBLE:
            return (
                f"Not eligible: {len(self.failing)} criteri{'on' if len(self.failing) == 1 else 'a'} not met"
            )
        if self.result is TrialResult.POSSIBLY_ELIGIBLE:
            return f"Possibly eligible: {self.met} met, {self.unknown} unknown"
        return f"Eligible on all {self.met} checkable criteria"

    @property
    def summary(self) -> str:
        """The verdict in words, and the trial's status where it is not plainly open."""
        return f"{self.headline} ({self.status_note})" if self.status_note else self.headline


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
    r"caused by|allerg|hypersensitiv|intoleran|contraindicat",
    re.IGNORECASE,
)
# An exclusion about how the disease answered a treatment ("chemo-refractory", "less than a
# partial response to"), or about a treatment of one place or purpose ("radiotherapy to the
# target lesion"): having had the treatment does not decide it.
_QUALIFIED_TREATMENT = re.compile(
    r"refractor|resistan|respon|relaps|progress|failure|failed|"
    r"\bto\s+(?:the\s+|any\s+)?(?:lesions?|target|indicator|index|measurable|only|sites?|areas?|field)\b|"
    r"\b(?:for|in\s+the)\s+(?:the\s+)?(?:recurrent|metastatic|advanced|relapsed|newly|locally|unresectable|current"
    r"|adjuvant|neoadjuvant|first-line|second-line|maintenance)\b",
    re.IGNORECASE,
)
_LEADING_NO = re.compile(
    r"\s*(?:no|not|none|never)\b(?!\s+(?:patients?|subjects?|participants?|one)\b)", re.IGNORECASE
)
# A local route ("inhaled budesonide") against a criterion about systemic use.
_SYSTEMIC = re.compile(r"\bsystemic", re.IGNORECASE)
_LOCAL_ROUTE = re.compile(
    r"inhal|topical|nasal|intranasal|cream|ointment|eye|ophthalm|otic|intra-?articular|puff|spray",
    re.IGNORECASE,
)


class _Words(NamedTuple):
    """What the patterns above find in one criterion's words: none of it depends on the patient."""

    cause: bool  # `_CAUSE`
    graded: bool  # `_GRADED`
    leading_no: bool  # `_LEADING_NO` at the start
    qualified: bool  # `_QUALIFIED_TREATMENT`
    systemic: bool  # `_SYSTEMIC`
    reproductive: bool  # `_REPRODUCTIVE`
    cohort: bool  # `_COHORT` at the start


@functools.lru_cache(maxsize=65536)
def _words(text: str) -> _Words:
    """The patterns of one criterion's words, searched once a process: the registry repeats
    criteria word for word, every patient checks the same ones, and the searches were most of
    the time of a check (issue 16)."""
    return _Words(
        cause=bool(_CAUSE.search(text)),
        graded=bool(_GRADED.search(text)),
        leading_no=bool(_LEADING_NO.match(text)),
        qualified=bool(_QUALIFIED_TREATMENT.search(text)),
        systemic=bool(_SYSTEMIC.search(text)),
        reproductive=bool(_REPRODUCTIVE.search(text)),
        cohort=bool(_COHORT.match(text)),
    )


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
    rules: Sequence[Rule],
    profile: PatientProfile,
    text: str = "",
    groups: Sequence[Sequence[int]] = (),
    kind: CriterionKind = CriterionKind.INCLUSION,
    offset: int | None = None,
    ages: Bound | None = None,
    *,
    closed_world: bool = False,
    findings: ProfileFindings | None = None,
) -> tuple[Verdict, list[RuleVerdict], list[Question]]:
    """The combined verdict of one criterion's rules, each rule's verdict, and the questions.
    ``groups`` say how the rules combine (`Criterion.groups`; none: each must hold). ``text``
    is the criterion's words, its first character at ``offset`` in the eligibility text: where
    a treatment is named as a cause ("toxicity from prior therapy"), having had it does not
    decide the criterion, nor does having a condition the words grade ("severe asthma").
    Without ``offset``, a grading word anywhere in the words counts. ``ages`` are the
    registry's age limits, which an exclusion of every age they allow contradicts. With
    ``closed_world``, a required condition the profile never mentions leans not met (see the
    module). ``findings`` remembers the profile's findings across criteria and trials (one is
    made when not given, or when it is for another profile)."""
    if findings is None or findings.profile is not profile:
        findings = ProfileFindings(profile)
    words = _words(text)
    as_cause = words.cause
    whole_graded = words.graded
    # "No prior chemotherapy" under an exclusion heading: a restated exclusion or an inclusion
    # filed under the wrong heading; a rule it turns around never rules a patient out.
    doubled = kind is CriterionKind.EXCLUSION and words.leading_no
    qualified = words.qualified
    systemic = words.systemic
    verdicts: list[RuleVerdict] = []
    questions: list[Question] = []
    for rule in rules:
        finding = findings.has_property(rule)
        leaning = False
        if not finding.applies:
            verdict = Verdict.MET
        elif finding.has is None:
            verdict = Verdict.UNKNOWN
            if finding.question is not None:
                questions.append(finding.question)
            # likely failing: the patient has what the rule excludes, only its date is missing
            # (not where the treatment is named as a cause, or a rule is turned around)
            leaning = (
                finding.likely is not None
                and finding.likely != (rule.expect is Expect.PRESENT)
                and not (as_cause and isinstance(rule, (PriorTherapyRule, MedicationRule, ProcedureRule)))
                and not (doubled and rule.expect is Expect.PRESENT)
            ) or (
                closed_world
                and finding.likely is None
                and kind is CriterionKind.INCLUSION
                and _unmentioned_requirement(rule, profile)
            )
        else:
            verdict = Verdict.MET if finding.has == (rule.expect is Expect.PRESENT) else Verdict.NOT_MET
            if verdict is Verdict.NOT_MET and not finding.certain:
                verdict, leaning = Verdict.UNKNOWN, True  # an inference, not a stated fact
                if finding.question is not None:
                    questions.append(finding.question)
            elif (
                verdict is Verdict.NOT_MET
                and isinstance(rule, (PriorTherapyRule, MedicationRule, ProcedureRule))
                and (
                    as_cause
                    or (qualified and rule.expect is Expect.ABSENT)
                    or (systemic and _LOCAL_ROUTE.search(finding.evidence))
                )
            ):
                # about an effect, a response, a place or a route of the treatment
                verdict, leaning = Verdict.UNKNOWN, True
            elif verdict is Verdict.NOT_MET and (
                _implausible(rule, ages) or (doubled and rule.expect is Expect.PRESENT)
            ):
                verdict = Verdict.UNKNOWN
            elif (
                verdict is Verdict.NOT_MET
                and finding.has
                and isinstance(rule, ConditionRule)
                and _graded(rule, text, offset, whole_graded)
            ):
                # "severe hypertension": having hypertension does not decide it
                verdict, leaning = Verdict.UNKNOWN, True
        tag = rule.__struct_config__.tag
        verdicts.append(
            RuleVerdict(
                rule=str(tag),
                expect=rule.expect,
                verdict=verdict,
                evidence=finding.evidence,
                span=rule.span,
                leaning_not_met=leaning,
            )
        )
    indices = [list(g) for g in groups if g] or [[i] for i in range(len(rules))]
    combined = _combine_all(_combine_any([verdicts[i].verdict for i in g]) for g in indices)
    return combined, verdicts, questions


def _unmentioned_requirement(rule: Rule, profile: PatientProfile) -> bool:
    """Whether ``rule`` requires a condition the profile does not mention: not among its
    diagnoses or other conditions (a silent finding says so already), nor among the diagnoses
    its findings suggest."""
    if rule.expect is not Expect.PRESENT or not isinstance(rule, (ConditionRule, DiagnosisRule)):
        return False
    wanted = terms(rule.condition, *rule.concepts)
    return not any(matches(terms(c.name, *c.concepts), wanted) for c in profile.candidate_diagnoses)


# Tests and scans: the means of a diagnosis ("based on bone scan and CT"), not a requirement.
_DIAGNOSTIC = re.compile(
    r"scan|tomograph|\bct\b|\bmri\b|magnetic resonance|x-?ray|radiograph|ultraso|sonograph|biops"
    r"|echocardiogra|\becg\b|\bekg\b|electrocardiogra|\bpet\b|imaging|endoscop|colonoscop|bronchoscop|puncture|test",
    re.IGNORECASE,
)


def _graded(rule: ConditionRule, text: str, offset: int | None, whole: bool) -> bool:
    """Whether the words grade the condition: its qualifier, or grading words just before it or
    in its own words ("uncontrolled hypertension"), not a definition elsewhere in the criterion
    ("hypertension (blood pressure greater than 145/95)")."""
    if rule.qualifier and _GRADED.search(rule.qualifier):
        return True
    if offset is None:
        return whole
    start, end = rule.span.start - offset, rule.span.end - offset
    return bool(_GRADED.search(text[max(0, start - 40) : max(0, end)]))


def _implausible(rule: Rule, ages: Bound | None = None) -> bool:
    """A rule no trial means as read: excluding a good performance status (ECOG 0), or every
    age the registry's own age limits allow (``ages``), is a requirement filed under the wrong
    heading; a scan or a biopsy is how a finding is made."""
    if isinstance(rule, AgeRule) and rule.expect is Expect.ABSENT and ages is not None:
        low, high = rule.years.low, rule.years.high
        return (low is None or (ages.low is not None and low <= ages.low)) and (
            high is None or (ages.high is not None and high >= ages.high)
        )
    if isinstance(rule, PerformanceStatusRule):
        return rule.expect is Expect.ABSENT and rule.ecog.contains(0.0)
    return isinstance(rule, ProcedureRule) and bool(_DIAGNOSTIC.search(rule.procedure))


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


def _in_scope(
    scope: Scope, profile: PatientProfile, findings: ProfileFindings
) -> tuple[Verdict, str, list[Question]]:
    """Whether the patient is among those the scope names: MET (the criterion applies),
    NOT_MET (it does not), UNKNOWN; with the evidence and the questions that would settle it."""
    if not scope.rules:
        return (
            Verdict.UNKNOWN,
            "",
            [Question(f"scope:{scope.text.lower()[:60]}", f"Does this describe you: “{scope.text}”?")],
        )
    verdicts: list[Verdict] = []
    evidence: list[str] = []
    questions: list[Question] = []
    for rule in scope.rules:
        finding = findings.has_property(rule)
        if not finding.applies or finding.has is False:
            verdicts.append(Verdict.NOT_MET)
        elif finding.has is None:
            verdicts.append(Verdict.UNKNOWN)
            if finding.question is not None:
                questions.append(finding.question)
        else:
            verdicts.append(Verdict.MET)
        if finding.evidence:
            evidence.append(finding.evidence)
    return _combine_all(verdicts), "; ".join(evidence), questions


def _free_text(criterion: Criterion, reason: str, verdict: Verdict = Verdict.UNKNOWN) -> CriterionVerdict:
    return CriterionVerdict(
        id=criterion.id,
        kind=criterion.kind,
        text=criterion.text,
        plain=criterion.plain,
        plain_original=criterion.plain_original,
        verdict=verdict,
        reason=reason,
        typed=verdict is not Verdict.UNKNOWN,
        scope=criterion.scope.text if criterion.scope else None,
    )


def _required(criteria: Sequence[Criterion]) -> frozenset[tuple[str, str]]:
    """What the trial's inclusions ask every patient to have (its population: "pregnant women
    with preeclampsia"), by rule type and key."""
    return frozenset(
        key
        for c in criteria
        if c.kind is CriterionKind.INCLUSION and c.scope is None and not c.alternative_to
        for r in c.rules
        if r.expect is Expect.PRESENT and (key := _rule_key(r)) is not None
    )


def _rule_key(rule: Rule) -> tuple[str, str] | None:
    if isinstance(rule, ReproductiveRule):
        return ("reproductive", rule.state)
    if isinstance(rule, (ConditionRule, DiagnosisRule)):
        return ("condition", rule.condition.lower())
    return None


def _check_criterion(
    criterion: Criterion,
    profile: PatientProfile,
    children: dict[str, list[str]],
    required: frozenset[tuple[str, str]] = frozenset(),
    ages: Bound | None = None,
    closed_world: bool = False,
    findings: ProfileFindings | None = None,
) -> CriterionVerdict:
    if findings is None or findings.profile is not profile:
        findings = ProfileFindings(profile)
    scope_verdict, scope_evidence, scope_questions = (
        _in_scope(criterion.scope, profile, findings)
        if criterion.scope is not None
        else (Verdict.MET, "", [])
    )
    if criterion.scope is not None and scope_verdict is Verdict.NOT_MET:
        why = f"does not apply: it is for {_quoted(criterion.scope.text)}"
        return _free_text(criterion, why + (f" ({scope_evidence})" if scope_evidence else ""), Verdict.MET)
    stated = [e.span for e in criterion.exceptions] + [e.span for r in criterion.rules for e in r.exceptions]
    kept = [i for i, r in enumerate(criterion.rules) if not _inside(r.span, stated)]
    if (
        any(isinstance(criterion.rules[i], ReproductiveRule) for i in kept)
        or _words(criterion.text).reproductive
    ):
        kept = [i for i in kept if not isinstance(criterion.rules[i], SexRule)]  # whom it is about
    if not kept:
        return _free_text(criterion, "not checkable from a profile: for the study team to judge")
    if criterion.kind is CriterionKind.EXCLUSION and required:
        # "Multifetal pregnancy" in a trial for pregnant women: the pregnancy qualifies the exclusion
        kept = [i for i in kept if _rule_key(criterion.rules[i]) not in required]
        if not kept:
            return _free_text(criterion, "qualifies what the trial is for: for the study team to judge")
    rules = [criterion.rules[i] for i in kept]
    renumber = {old: new for new, old in enumerate(kept)}
    groups = [tuple(renumber[i] for i in g if i in renumber) for g in criterion.groups]
    verdict, rule_verdicts, questions = check_rules(
        rules,
        profile,
        criterion.text,
        [g for g in groups if g],
        criterion.kind,
        criterion.span.start,
        ages,
        closed_world=closed_world,
        findings=findings,
    )
    exceptions = [e.text for e in criterion.exceptions] + children.get(criterion.id, [])
    exceptions += [
        e.text
        for r, v in zip(rules, rule_verdicts, strict=True)
        if v.verdict is Verdict.NOT_MET
        for e in r.exceptions
    ]
    reason = "; ".join(v.evidence for v in rule_verdicts if v.evidence) or "the profile does not say"
    if criterion.scope is not None:
        reason = (
            f"for {_quoted(criterion.scope.text)}"
            + (f" ({scope_evidence})" if scope_evidence else "")
            + f": {reason}"
        )
    rescued = verdict is Verdict.NOT_MET  # failed as read, but the words allow another answer
    if verdict is Verdict.NOT_MET and exceptions:
        verdict = Verdict.UNKNOWN
        reason += f"; but the criterion allows an exception: {_quoted(exceptions[0])}"
        questions.append(
            Question(f"exception:{criterion.id}", f"Does this apply to you: {_quoted(exceptions[0])}?")
        )
    elif verdict is Verdict.NOT_MET and _words(criterion.text).cohort:
        verdict = Verdict.UNKNOWN
        reason += "; this criterion is for one cohort of the trial only"
    elif verdict is Verdict.NOT_MET and scope_verdict is Verdict.UNKNOWN:
        verdict = Verdict.UNKNOWN
        reason += "; it applies only if this describes you"
        questions.extend(scope_questions)
    leaning = verdict is Verdict.UNKNOWN and (rescued or any(v.leaning_not_met for v in rule_verdicts))
    return CriterionVerdict(
        id=criterion.id,
        kind=criterion.kind,
        text=criterion.text,
        plain=criterion.plain,
        plain_original=criterion.plain_original,
        verdict=verdict,
        reason=reason,
        typed=True,
        rules=tuple(rule_verdicts),
        questions=tuple(dict.fromkeys(questions)) if verdict is Verdict.UNKNOWN else (),
        scope=criterion.scope.text if criterion.scope else None,
        leaning_not_met=leaning,
    )


def _quoted(words: str) -> str:
    return "“" + " ".join(words.split()).rstrip(" :,;") + "”"


def _alternatives(criteria: Sequence[Criterion], verdicts: dict[str, CriterionVerdict]) -> None:
    """Sibling criteria that are alternatives ("... or" between items) need one of them: a
    failing one is met when another is, unknown when another may be."""
    for criterion in criteria:
        own = verdicts.get(criterion.id)
        if own is None or not criterion.alternative_to or own.verdict is Verdict.MET:
            continue
        others = [verdicts[i] for i in criterion.alternative_to if i in verdicts]
        met = next((o for o in others if o.verdict is Verdict.MET), None)
        if met is not None:
            verdicts[criterion.id] = msgspec.structs.replace(
                own,
                verdict=Verdict.MET,
                reason=f"an alternative to it is met ({met.id}): {met.reason}",
                questions=(),
            )
        elif own.verdict is Verdict.NOT_MET and any(o.verdict is Verdict.UNKNOWN for o in others):
            maybe = next(o for o in others if o.verdict is Verdict.UNKNOWN)
            verdicts[criterion.id] = msgspec.structs.replace(
                own,
                verdict=Verdict.UNKNOWN,
                reason=f"{own.reason}; but an alternative to it ({maybe.id}) may be met",
                questions=maybe.questions,
            )


def check_trial(
    profile: PatientProfile,
    trial: Trial,
    parsed: ParsedEligibility | None = None,
    today: dt.date | None = None,
    *,
    closed_world: bool = False,
    findings: ProfileFindings | None = None,
) -> TrialCheck:
    """Every requirement of ``trial`` checked against ``profile``; ``parsed`` is the trial's
    parsed eligibility when already at hand (the store keeps it), else it is parsed now.
    ``today`` dates the recruitment check (default: the profile's date). ``closed_world``:
    a condition an inclusion requires that the profile never mentions leans not met (see the
    module); it never makes a criterion *not met*. ``findings``: the profile's findings, kept
    across the trials of one match (`ProfileFindings`); made here when not given."""
    if parsed is None:
        from trialscout.eligibility.parse import parse_eligibility  # large: only when not parsed yet

        parsed = parse_eligibility(trial)
    if findings is None or findings.profile is not profile:
        findings = ProfileFindings(profile)
    verdicts: dict[str, CriterionVerdict] = {}
    limits = _registry_limits(trial, profile)
    if limits is not None:
        verdicts[limits.id] = limits
    children: dict[str, list[str]] = {}
    for criterion in parsed.criteria:
        if (
            criterion.role in (CriterionRole.EXCEPTION, CriterionRole.EXCEPTION_CONDITION)
            and criterion.parent
        ):
            children.setdefault(criterion.parent, []).append(criterion.text)
    checked = [c for c in parsed.criteria if c.role is CriterionRole.REQUIREMENT]
    required = _required(checked)
    limits_given = trial.eligibility is not None and (
        trial.eligibility.minimum_age_years is not None or trial.eligibility.maximum_age_years is not None
    )
    ages = (
        Bound(low=trial.eligibility.minimum_age_years, high=trial.eligibility.maximum_age_years)
        if trial.eligibility is not None and limits_given
        else None
    )
    for criterion in checked:
        verdicts[criterion.id] = _check_criterion(
            criterion, profile, children, required, ages, closed_world, findings
        )
    _alternatives(checked, verdicts)
    return _summarise(trial, list(verdicts.values()), today or profile.reference_date())


def _summarise(trial: Trial, verdicts: list[CriterionVerdict], today: dt.date) -> TrialCheck:
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
    status = trial.overall_status
    is_open = status is None or status in OPEN_STATUSES
    stale = check_recruitment(trial, today)
    note = ""
    if not is_open and status is not None:
        note = f"the trial is not recruiting: {str(status).replace('_', ' ').lower()}"
    elif stale.possibly_stale:
        note = f"the trial says {str(status).replace('_', ' ').lower()} but may not be: {stale.reasons[0]}"
    return TrialCheck(
        nct_id=trial.nct_id,
        result=result,
        criteria=tuple(verdicts),
        failing=failing,
        unknown=unknown,
        free_text=free_text,
        met=met,
        questions=tuple(questions),
        status=str(status) if status is not None else None,
        open=is_open,
        possibly_stale=stale.possibly_stale,
        status_note=note,
        leaning_not_met=sum(1 for v in verdicts if v.leaning_not_met),
    )
