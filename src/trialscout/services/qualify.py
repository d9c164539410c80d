""" "Do I qualify?": a short questionnaire made from one trial's own criteria, and its answers
checked against them.

`questionnaire(registry, nct_id)` asks only what the trial's typed criteria test (the store's
parsed criteria, as `trial_criteria` gives them): age and sex where the trial limits them, the
disease it is for, performance status in plain words, the prior treatments its criteria name
(at most six), a few laboratory values (at most four, optional, in the unit the criteria use),
and pregnancy or breast-feeding where asked; at most twelve questions. Each names the criteria
it informs.

`qualify(registry, nct_id, answers)` turns the answers into a `PatientProfile` and checks it
with `check_patient`, the same check `trialscout check` and the API run. "Not sure" (or no
answer) leaves the fact out, so a criterion that needs it is *unknown*, never *not met*: the
worst error is a wrong "no". A "no" to a question that names a stage or a setting ("stage IV
non-small cell lung cancer") denies only that whole phrase, so it cannot rule out a criterion
that asks for the disease at any stage. Answers are processed in memory and never stored or
logged; an answer that cannot be used raises `AnswerError`, whose message names the question
and what it takes, never the value sent.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from enum import StrEnum

import msgspec

from trialscout.eligibility.model import (
    AgeRule,
    Criterion,
    CriterionKind,
    CriterionRole,
    DiagnosisRule,
    LabRule,
    ParsedEligibility,
    PerformanceStatusRule,
    PriorTherapyRule,
    ReproductiveRule,
    Rule,
    SexRule,
)
from trialscout.errors import ProfileError
from trialscout.matching.check import TrialResult, Verdict, check_trial
from trialscout.model.enums import Sex
from trialscout.model.labs import ANALYTES, ULN, bare_unit, convert, plain_name
from trialscout.model.patient import (
    Condition,
    Finding,
    LabResult,
    PatientProfile,
    PatientSex,
    PerformanceStatus,
    Therapy,
)
from trialscout.model.trial import Trial
from trialscout.services.match import check_patient
from trialscout.services.registry import LocalRegistry
from trialscout.services.trials import trial_criteria

#: The most questions a questionnaire asks, and of each kind.
MAX_QUESTIONS = 12
MAX_DIAGNOSES = 2
MAX_THERAPIES = 6
MAX_LABS = 4
#: Ages a person can answer (years).
AGE_RANGE = (0.0, 120.0)

#: The answer that leaves a fact out (and the other spellings taken for it).
NOT_SURE = "not_sure"
_NOT_SURE = {"", NOT_SURE, "not sure", "unsure", "unknown", "don't know", "dont_know", "do not know"}


class AnswerError(ProfileError):
    """An answer to a trial's questionnaire that cannot be used: a key the questionnaire does
    not ask, a number that is not one or out of range, a choice it does not offer. The message
    names the question and what it takes, never the value sent."""


class QuestionKind(StrEnum):
    CHOICE = "choice"  # one of ``options``
    NUMBER = "number"  # a number in ``unit``, from ``minimum`` to ``maximum``
    YESNO = "yesno"  # "yes", "no" or "not_sure"


class Option(msgspec.Struct, frozen=True, kw_only=True):
    value: str  # what to send back ("1", "female", "not_sure")
    label: str  # what a person reads


class FormQuestion(msgspec.Struct, frozen=True, kw_only=True):
    """One question of a trial's questionnaire, with the criteria its answer informs."""

    key: str  # "age", "sex", "diagnosis:1", "ecog", "therapy:1", "lab:platelets", "pregnant"
    text: str  # plain words, second person
    kind: QuestionKind
    options: tuple[Option, ...] = ()
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    optional: bool = False  # may be left empty (labs): the criteria it informs stay unknown
    criteria: tuple[str, ...] = ()  # ids of the criteria it informs ("R1": the registry's age/sex limits)


class Questionnaire(msgspec.Struct, frozen=True, kw_only=True):
    nct_id: str
    title: str
    questions: tuple[FormQuestion, ...]
    # Checkable criteria that no question informs (other conditions, biomarkers, ...) and the
    # criteria only a person can judge: both stay unknown, for the study team.
    not_asked: int
    note: str


class CriterionAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """One criterion's verdict on the answers."""

    id: str
    kind: CriterionKind
    verdict: Verdict
    reason: str
    text: str  # the registry's words
    plain: str  # the plain sentence
    typed: bool  # False: free text, only the study team can judge it


class TeamQuestion(msgspec.Struct, frozen=True, kw_only=True):
    """What to ask the study team about criteria the answers leave unknown."""

    text: str
    criteria: tuple[str, ...]


class QualifyResult(msgspec.Struct, frozen=True, kw_only=True):
    nct_id: str
    result: TrialResult
    summary: str  # "Not eligible: 1 criterion not met", with the trial's status where it matters
    failing: tuple[str, ...]  # ids of the criteria not met
    met: int
    unknown: int
    free_text: int
    criteria: tuple[CriterionAnswer, ...]
    ask_study_team: tuple[TeamQuestion, ...]
    open: bool
    status_note: str
    answered: tuple[str, ...]  # the question keys whose answers were used (not "not sure")


# --- the questionnaire -----------------------------------------------------------------------

_ECOG_OPTIONS = (
    Option(value="0", label="I am fully active and can do everything I could do before my illness"),
    Option(
        value="1",
        label="I can't do heavy physical work, but I can walk and do light work (housework, office work)",
    ),
    Option(
        value="2",
        label="I can walk and look after myself but can't work; I am up and about more than half the day",
    ),
    Option(
        value="3",
        label="I can only partly look after myself; I spend more than half the day in bed or a chair",
    ),
    Option(value="4", label="I can't look after myself at all and spend all day in bed or a chair"),
    Option(value=NOT_SURE, label="I'm not sure"),
)
_YES_NO = (
    Option(value="yes", label="Yes"),
    Option(value="no", label="No"),
    Option(value=NOT_SURE, label="Not sure"),
)
_SEXES = (
    Option(value="female", label="Female"),
    Option(value="male", label="Male"),
    Option(value=NOT_SURE, label="I'd rather not say"),
)
_ANALYTES = {a.key: a for a in ANALYTES}


class _Wanted(msgspec.Struct, frozen=True, kw_only=True):
    """A diagnosis or treatment a question names, and what a "yes" records."""

    name: str  # the words the question and the profile use
    condition: Condition | None = None


def _kept_rules(criterion: Criterion) -> list[Rule]:
    """The rules the check reads: not those inside the words of a stated exception; with the
    scope's rules, which the check also asks about."""
    stated = [e.span for e in criterion.exceptions] + [e.span for r in criterion.rules for e in r.exceptions]
    kept = [
        r for r in criterion.rules if not any(s.start <= r.span.start and r.span.end <= s.end for s in stated)
    ]
    return kept + list(criterion.scope.rules if criterion.scope else ())


def _slug(words: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", words.lower()).strip("-")[:60] or "unnamed"


def _diagnosis(rule: DiagnosisRule) -> tuple[str, _Wanted]:
    words = " ".join(
        w for w in (rule.stage and f"stage {rule.stage}", rule.setting, rule.histology, rule.condition) if w
    )
    # Named only: the lexicon reads the concepts from the name; a MeSH heading given as a
    # concept ("Carcinoma, Non-Small-Cell Lung") would also read as the bare "carcinoma".
    condition = Condition(
        name=rule.condition, histology=rule.histology, stage=rule.stage, setting=rule.setting
    )
    return f"diagnosis:{_slug(words)}", _Wanted(name=words, condition=condition)


def _tested(trial: Trial, criteria: Iterable[Criterion]) -> dict[str, _Wanted | None]:
    """The question keys the criteria call for, in the order they name them (the diagnoses and
    treatments with what they record)."""
    keys: dict[str, _Wanted | None] = {}
    limits = trial.eligibility
    if limits is not None and (limits.minimum_age_years is not None or limits.maximum_age_years is not None):
        keys["age"] = None
    if limits is not None and limits.sex in (Sex.FEMALE, Sex.MALE):
        keys["sex"] = None
    for criterion in criteria:
        if criterion.role is not CriterionRole.REQUIREMENT:
            continue
        for rule in _kept_rules(criterion):
            if isinstance(rule, AgeRule):
                keys["age"] = None
            elif isinstance(rule, SexRule):
                keys["sex"] = None
            elif isinstance(rule, PerformanceStatusRule):
                keys["ecog"] = None
            elif isinstance(rule, ReproductiveRule) and rule.state in ("pregnant", "breastfeeding"):
                keys.update({rule.state: None, "sex": None})  # a man's answer settles it
            elif (
                isinstance(rule, DiagnosisRule)
                and criterion.kind is CriterionKind.INCLUSION
                and not _NOT_A_DISEASE.search(rule.condition)
            ):
                key, wanted = _diagnosis(rule)
                keys.setdefault(key, wanted)
            elif isinstance(rule, PriorTherapyRule) and rule.lines is None:
                for therapy in rule.therapies:
                    keys.setdefault(f"therapy:{_slug(therapy)}", _Wanted(name=therapy))
            elif isinstance(rule, LabRule) and rule.unit != ULN and rule.analyte in _ANALYTES:
                entry = _ANALYTES[rule.analyte]
                if entry.unit is not None and entry.plausible is not None:
                    keys[f"lab:{rule.analyte}"] = None
    return keys


def _question(key: str, wanted: _Wanted | None) -> FormQuestion:
    """The question for ``key``, its ``criteria`` not known yet."""
    section = key.split(":")[0]
    if key == "age":
        low, high = AGE_RANGE
        return FormQuestion(
            key=key,
            text="How old are you?",
            kind=QuestionKind.NUMBER,
            unit="years",
            minimum=low,
            maximum=high,
        )
    if key == "sex":
        return FormQuestion(key=key, text="What is your sex?", kind=QuestionKind.CHOICE, options=_SEXES)
    if key == "ecog":
        text = "Which of these best describes how active you are on most days?"
        return FormQuestion(key=key, text=text, kind=QuestionKind.CHOICE, options=_ECOG_OPTIONS)
    if section == "lab":
        analyte = key.removeprefix("lab:")
        entry = _ANALYTES[analyte]
        low, high = entry.plausible or (0.0, math.inf)
        per_ul = " (or per µL)" if entry.count else ""
        return FormQuestion(
            key=key,
            text=f"If you know it: what was your latest {plain_name(analyte)} result,"
            f" in {entry.unit}{per_ul}?",
            kind=QuestionKind.NUMBER,
            unit=entry.unit,
            minimum=low,
            maximum=high * 1000 if entry.count else high,
            optional=True,
        )
    texts = {"pregnant": "Are you pregnant?", "breastfeeding": "Are you breast-feeding?"}
    if wanted is not None:
        verb = "Have you been diagnosed with" if section == "diagnosis" else "Have you ever been treated with"
        texts[key] = f"{verb} {_plain(wanted.name)}?"
    return FormQuestion(key=key, text=texts[key], kind=QuestionKind.YESNO, options=_YES_NO)


_ORDER = ("age", "sex", "diagnosis", "ecog", "pregnant", "breastfeeding", "therapy", "lab")


def _candidates(
    trial: Trial, criteria: tuple[Criterion, ...]
) -> tuple[list[FormQuestion], dict[str, _Wanted]]:
    """Every question the criteria call for, in the order they are shown, and what each
    diagnosis and treatment answer records (by key)."""
    keys = _tested(trial, criteria)
    specific = [
        k for k, w in keys.items() if k.startswith("diagnosis:") and w and not _GENERIC.fullmatch(w.name)
    ]
    if specific:  # "tumor" is asked only when the trial names no disease
        keys = {k: w for k, w in keys.items() if not k.startswith("diagnosis:") or k in specific}
    ordered = sorted(keys, key=lambda k: _ORDER.index(k.split(":")[0]))
    records = {k: w for k, w in keys.items() if w is not None}
    return [_question(k, keys[k]) for k in ordered], records


def _probes(question: FormQuestion) -> list[str]:
    if question.kind is QuestionKind.NUMBER:
        return [f"{question.minimum:g}", f"{question.maximum:g}"]
    return [o.value for o in question.options if o.value != NOT_SURE]


def _informs(
    question: FormQuestion,
    records: Mapping[str, _Wanted],
    trial: Trial,
    parsed: ParsedEligibility,
    baseline: dict[str, Verdict],
) -> tuple[str, ...]:
    """The criteria whose verdict some answer to ``question`` changes (from all unknown), in
    the trial's order: what the answer really informs, through the check itself."""
    changed: set[str] = set()
    for value in _probes(question):
        profile, _ = profile_from_answers([question], records, {question.key: value})
        for verdict in check_trial(profile, trial, parsed).criteria:
            if baseline.get(verdict.id) is not verdict.verdict:
                changed.add(verdict.id)
    return tuple(c for c in baseline if c in changed)


def _section(question: FormQuestion) -> str:
    return question.key.split(":")[0]


_Built = tuple[list[FormQuestion], dict[str, _Wanted], int]
#: Questionnaires already built, by the registry words they were built from (the trial's
#: eligibility fields and its parsed criteria): building one runs the check some 20-60 times.
_BUILT: OrderedDict[bytes, _Built] = OrderedDict()
_BUILT_KEPT = 256


def _build(trial: Trial, parsed: ParsedEligibility) -> _Built:
    key = msgspec.json.encode((trial.nct_id, trial.eligibility, parsed))
    built = _BUILT.get(key)
    if built is None:
        built = _BUILT[key] = _build_now(trial, parsed)
        while len(_BUILT) > _BUILT_KEPT:
            _BUILT.popitem(last=False)
    return built


def _build_now(trial: Trial, parsed: ParsedEligibility) -> _Built:
    """The questions (at most `MAX_QUESTIONS`), what each records, and how many requirements
    no question informs. A question no answer of which changes a verdict is not asked."""
    candidates, records = _candidates(trial, parsed.criteria)
    baseline = {v.id: v.verdict for v in check_trial(PatientProfile(), trial, parsed).criteria}
    useful: list[FormQuestion] = []
    for question in candidates:
        informs = _informs(question, records, trial, parsed, baseline)
        if informs:
            useful.append(msgspec.structs.replace(question, criteria=informs))
    diagnoses = _most_informing([q for q in useful if _section(q) == "diagnosis"], MAX_DIAGNOSES)
    fixed = [q for q in useful if _section(q) not in ("diagnosis", "therapy", "lab")] + diagnoses
    therapies = [q for q in useful if _section(q) == "therapy"]
    labs = [q for q in useful if _section(q) == "lab"]
    room = MAX_QUESTIONS - len(fixed)
    lab_room = min(MAX_LABS, len(labs), max(0, room // 2))
    therapies = _most_informing(therapies, min(MAX_THERAPIES, max(0, room - lab_room)))
    labs = _most_informing(labs, min(MAX_LABS, max(0, room - len(therapies))))
    chosen = {q.key for q in fixed + therapies + labs}
    questions = [q for q in useful if q.key in chosen]
    informed = {c for q in questions for c in q.criteria}
    not_asked = sum(
        1 for c in parsed.criteria if c.role is CriterionRole.REQUIREMENT and c.id not in informed
    )
    return questions, {k: w for k, w in records.items() if k in chosen}, not_asked


def _most_informing(questions: list[FormQuestion], limit: int) -> list[FormQuestion]:
    """The questions that inform most criteria (then in their order)."""
    ranked = sorted(enumerate(questions), key=lambda iq: (-len(iq[1].criteria), iq[0]))
    return [q for _, q in ranked[:limit]]


# Words a diagnosis rule was misread from: who may become pregnant is not a disease.
_NOT_A_DISEASE = re.compile(r"childbearing|child-bearing|pregnan|contracep|fertil|consent", re.IGNORECASE)
_GENERIC = re.compile(
    r"(?:solid\s+)?(?:tumou?rs?|cancers?|malignanc(?:y|ies)|neoplasms?|diseases?|lesions?|carcinomas?)",
    re.IGNORECASE,
)
#: Abbreviations a question spells out ("NSCLC" is "non-small cell lung cancer (NSCLC)").
_SPELLED = {
    "NSCLC": "non-small cell lung cancer",
    "SCLC": "small cell lung cancer",
    "HCC": "hepatocellular carcinoma (liver cancer)",
    "CRC": "colorectal cancer",
    "RCC": "renal cell carcinoma (kidney cancer)",
    "AML": "acute myeloid leukemia",
    "CLL": "chronic lymphocytic leukemia",
    "MDS": "myelodysplastic syndrome",
    "TKI": "tyrosine kinase inhibitor",
    "TKIs": "tyrosine kinase inhibitors",
}
_ABBREVIATION = re.compile(r"\b(" + "|".join(_SPELLED) + r")\b")


def _plain(words: str) -> str:
    """The words with the common abbreviations spelled out, once each."""
    seen: set[str] = set()

    def spell(match: re.Match[str]) -> str:
        short = match.group(1)
        if short in seen or _SPELLED[short].lower() in words.lower():
            return short
        seen.add(short)
        return f"{_SPELLED[short]} ({short})"

    return _ABBREVIATION.sub(spell, words)


def questionnaire(registry: LocalRegistry, nct_id: str) -> Questionnaire:
    """The questions that trial ``nct_id``'s criteria test, in plain words (at most 12)."""
    found = trial_criteria(registry, nct_id)
    questions, _, not_asked = _build(found.trial, found.parsed)
    return Questionnaire(
        nct_id=found.trial.nct_id,
        title=found.trial.title,
        questions=tuple(questions),
        not_asked=not_asked,
        note=(
            'Answer what you know; "not sure" is always a fine answer. The answers are checked'
            " against this trial's criteria only, and are not stored. Only the study team can"
            " confirm that you qualify."
        ),
    )


# --- the answers -----------------------------------------------------------------------------


def _number(question: FormQuestion, text: str) -> float:
    unit = f" ({question.unit})" if question.unit else ""
    takes = f"{question.key} takes a number{unit} from {question.minimum:g} to {question.maximum:g}"
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise AnswerError(f'{takes}, or "{NOT_SURE}"') from None
    low = question.minimum if question.minimum is not None else -math.inf
    high = question.maximum if question.maximum is not None else math.inf
    if not math.isfinite(value) or not low <= value <= high:
        raise AnswerError(f"{takes}: the answer is out of range")
    return value


def _choice(question: FormQuestion, text: str) -> str:
    values = [o.value for o in question.options]
    if text not in values:
        raise AnswerError(f"{question.key} takes one of: {', '.join(values)}")
    return text


def _lab(question: FormQuestion, analyte: str, value: float) -> LabResult:
    entry = _ANALYTES[analyte]
    unit = bare_unit(analyte, value) if entry.count else entry.unit
    canonical = convert(analyte, value, unit)
    low, high = entry.plausible or (0.0, math.inf)
    if canonical is None or not low <= canonical <= high:
        raise AnswerError(
            f"{question.key} takes a result in {entry.unit} from {low:g} to {high:g}:"
            " the answer is out of range"
        )
    return LabResult(analyte=analyte, value=value, unit=unit)


class _Answers(msgspec.Struct, kw_only=True):
    """The facts the answers state, as they are read."""

    age: float | None = None
    sex: PatientSex | None = None
    ecog: float | None = None
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    diagnoses: list[Condition] = msgspec.field(default_factory=list)
    absent: list[Finding] = msgspec.field(default_factory=list)
    therapies: list[Therapy] = msgspec.field(default_factory=list)
    labs: list[LabResult] = msgspec.field(default_factory=list)

    def profile(self) -> PatientProfile:
        return PatientProfile(
            age=self.age,
            sex=self.sex,
            pregnant=self.pregnant,
            breastfeeding=self.breastfeeding,
            performance_status=None
            if self.ecog is None
            else PerformanceStatus(scale="ECOG", score=self.ecog),
            diagnoses=tuple(self.diagnoses),
            absent=tuple(self.absent),
            prior_therapies=tuple(self.therapies),
            labs=tuple(self.labs),
        )


def _read(facts: _Answers, question: FormQuestion, wanted: _Wanted | None, text: str) -> None:
    key = question.key
    if question.kind is QuestionKind.NUMBER:
        value = _number(question, text)
        if key == "age":
            facts.age = value
        else:
            facts.labs.append(_lab(question, key.removeprefix("lab:"), value))
        return
    choice = _choice(question, text)
    if key == "sex":
        facts.sex = PatientSex(choice)
    elif key == "ecog":
        facts.ecog = float(choice)
    elif key == "pregnant":
        facts.pregnant = choice == "yes"
    elif key == "breastfeeding":
        facts.breastfeeding = choice == "yes"
    elif wanted is not None and key.startswith("diagnosis:"):
        if choice == "yes" and wanted.condition is not None:
            facts.diagnoses.append(wanted.condition)
        else:  # a "no" to the whole phrase, stage and setting included
            facts.absent.append(Finding(name=wanted.name))
    elif wanted is not None and key.startswith("therapy:"):
        if choice == "yes":
            facts.therapies.append(Therapy(name=wanted.name))
        else:
            facts.absent.append(Finding(name=wanted.name))


def profile_from_answers(
    questions: Iterable[FormQuestion], records: Mapping[str, _Wanted], answers: Mapping[str, str]
) -> tuple[PatientProfile, tuple[str, ...]]:
    """The profile the answers state, and the keys answered (not "not sure")."""
    by_key = {q.key: q for q in questions}
    strays = [k for k in answers if k not in by_key]
    if strays:
        raise AnswerError(
            f"{len(strays)} answer key(s) are not questions of this trial's questionnaire;"
            f" it asks: {', '.join(by_key) or 'nothing'}"
        )
    facts = _Answers()
    answered: list[str] = []
    for key, raw in answers.items():
        text = " ".join(str(raw).split()).lower()
        if text in _NOT_SURE:
            continue
        _read(facts, by_key[key], records.get(key), text)
        answered.append(key)
    return facts.profile(), tuple(answered)


def qualify(registry: LocalRegistry, nct_id: str, answers: Mapping[str, str]) -> QualifyResult:
    """The answers to trial ``nct_id``'s questionnaire checked against its criteria."""
    found = trial_criteria(registry, nct_id)
    questions, records, _ = _build(found.trial, found.parsed)
    profile, answered = profile_from_answers(questions, records, answers)
    check = check_patient(registry, profile, found.trial.nct_id)
    team: dict[str, list[str]] = {}
    for verdict in check.criteria:
        if verdict.verdict is not Verdict.UNKNOWN:
            continue
        texts = [q.text for q in verdict.questions] or [
            f"Does this apply to me: “{verdict.plain or verdict.text}”?"
        ]
        for text in texts:
            ids = team.setdefault(text, [])
            if verdict.id not in ids:
                ids.append(verdict.id)
    return QualifyResult(
        nct_id=check.nct_id,
        result=check.result,
        summary=check.summary,
        failing=check.failing,
        met=check.met,
        unknown=check.unknown,
        free_text=check.free_text,
        criteria=tuple(
            CriterionAnswer(
                id=v.id,
                kind=v.kind,
                verdict=v.verdict,
                reason=v.reason,
                text=v.text,
                plain=v.plain,
                typed=v.typed,
            )
            for v in check.criteria
        ),
        ask_study_team=tuple(TeamQuestion(text=t, criteria=tuple(ids)) for t, ids in team.items()),
        open=check.open,
        status_note=check.status_note,
        answered=answered,
    )
