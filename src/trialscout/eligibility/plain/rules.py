"""Plain sentences from typed rules: what a rule requires, said to the patient.

`typed_sentence(rules, kind, words)` writes the sentence for the rules read from a criterion's
main clause ``words``, or returns None when the rules do not account for every content word of
it (then the words themselves are rewritten instead, so that nothing the registry said is
lost). Each rule is said according to its ``expect``:

- PRESENT in an inclusion: "I am 18 or older", "My kidneys work well enough (creatinine
  clearance more than 50 mL/min)", "I am fully active or able to carry out light work (ECOG 0-1)";
- ABSENT: "You cannot join if you have had a PD-1 inhibitor", or in an inclusion ("No prior
  chemotherapy") "I have not had chemotherapy";
- PRESENT in an exclusion (a double negative: "patients without measurable disease"): "You
  cannot join if you do not have measurable disease".

The ECOG grades use the scale's standard wording (Oken et al. 1982), plainly: 0 "fully active",
1 "able to carry out light work", 2 "able to look after myself ... up and about for more than
half of my waking hours", ...

`said_rules(criterion)` names the rules a criterion's sentence is spoken from (its main clause
read as `sentences` reads it, `rules_in` the rules whose words lie in it); the lay summary
(`summary`) is built from those alone.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from trialscout.eligibility.mentions import CANCER_WORDS
from trialscout.eligibility.model import (
    AgeRule,
    AutoimmuneRule,
    BiomarkerRule,
    Bound,
    CnsMetastasesRule,
    ConditionRule,
    Criterion,
    CriterionKind,
    DiagnosisRule,
    Expect,
    InfectionRule,
    LabRule,
    LifeExpectancyRule,
    MeasurableDiseaseRule,
    MedicationRule,
    OtherMalignancyRule,
    PerformanceStatusRule,
    PriorTherapyRule,
    ProcedureRule,
    ReproductiveRule,
    Rule,
    SexRule,
    TransplantRule,
)
from trialscout.eligibility.plain.clauses import (
    NOTE,
    allows,
    label,
    sentences_of,
    split_exception,
    states_itself,
)
from trialscout.eligibility.plain.numbers import (
    article,
    bound_words,
    lab_sentences,
    listing,
    number,
    performance_sentence,
    window_words,
)
from trialscout.eligibility.plain.text import tidy
from trialscout.eligibility.plain.voice import Aux, Clause, Voice
from trialscout.model.labs import plain_name

_SAFE_QUALIFIERS = frozenset({"active", "chronic", "acute", "uncontrolled", "untreated", "latent", "current"})
_INFECTIONS = {
    "hiv": "HIV",
    "hbv": "hepatitis B",
    "hcv": "hepatitis C",
    "tuberculosis": "tuberculosis",
    "tb": "tuberculosis",
    "active_infection": "an infection",
    "infection": "an infection",
}
_CNS_STATES = {
    "any": "cancer that has spread to the brain or spinal cord",
    "untreated": "cancer that has spread to the brain or spinal cord and has not been treated",
    "symptomatic": "cancer that has spread to the brain or spinal cord and causes symptoms",
    "active": "active cancer in the brain or spinal cord",
    "treated_stable": "treated, stable cancer in the brain or spinal cord",
    "leptomeningeal": (
        "cancer that has spread to the thin layers covering the brain and spinal cord"
        " (leptomeningeal disease)"
    ),
}
_CONFIRMATION = {
    "histological": "confirmed by a biopsy",
    "histologic": "confirmed by a biopsy",
    "cytological": "confirmed by testing a sample of cells",
    "histological or cytological": "confirmed by a biopsy or a test of cells",
    "pathological": "confirmed by a biopsy",
    "radiological": "confirmed on scans",
    "clinical": "confirmed by a doctor",
}


# --- one rule: the property it names, as a clause --------------------------------------------------


def _age_words(bound: Bound) -> str:
    low, high = bound.low, bound.high

    def years(value: float) -> str:
        if value < 2 and (value * 12).is_integer() and value != 1:
            return f"{number(value * 12)} months old"
        return number(value)

    if low is not None and high is not None:
        if bound.low_inclusive and bound.high_inclusive:
            return f"between {years(low)} and {years(high)} years old"
        lo = f"{years(low)} or older" if bound.low_inclusive else f"older than {years(low)}"
        hi = f"{years(high)} or younger" if bound.high_inclusive else f"younger than {years(high)}"
        return f"{lo} and {hi}"
    if low is not None:
        return f"{years(low)} or older" if bound.low_inclusive else f"older than {years(low)}"
    if high is not None:
        return f"{years(high)} or younger" if bound.high_inclusive else f"younger than {years(high)}"
    return "of any age"


def rule_clause(rule: Rule) -> Clause | None:
    """The property a rule names as a clause (said positively; polarity is applied later)."""
    if isinstance(rule, AgeRule):
        return Clause(aux=Aux.BE, rest=_age_words(rule.years))
    if isinstance(rule, SexRule):
        return Clause(aux=Aux.BE, rest="female" if rule.sex.upper() == "FEMALE" else "male")
    if isinstance(rule, ReproductiveRule):
        state = {
            "pregnant": Clause(aux=Aux.BE, rest="pregnant"),
            "breastfeeding": Clause(aux=Aux.BE, rest="breastfeeding"),
            "contraception": Clause(aux=Aux.DO, rest="use effective birth control"),
            "childbearing_potential": Clause(aux=Aux.BE, rest="able to become pregnant"),
        }
        return state.get(rule.state)
    if isinstance(rule, LifeExpectancyRule):
        return Clause(aux=Aux.POSSESSIVE, subject="life expectancy", rest=_weeks_words(rule.weeks))
    if isinstance(rule, MeasurableDiseaseRule):
        standard = f" according to {rule.standard}" if rule.standard else ""
        return Clause(aux=Aux.HAVE, rest=f"measurable disease{standard}")
    if isinstance(rule, DiagnosisRule):
        return _diagnosis_clause(rule)
    if isinstance(rule, BiomarkerRule):
        return _biomarker_clause(rule)
    if isinstance(rule, PriorTherapyRule):
        return _therapy_clause(rule)
    if isinstance(rule, CnsMetastasesRule):
        return Clause(aux=Aux.HAVE, rest=_CNS_STATES.get(rule.state, _CNS_STATES["any"]))
    if isinstance(rule, InfectionRule):
        name = _INFECTIONS.get(rule.infection.lower(), rule.infection)
        if rule.qualifier and rule.qualifier.lower() == "known" and not name.startswith("an "):
            return Clause(aux=Aux.BE, rest=f"known to have {name}")
        if (
            rule.qualifier
            and rule.qualifier.lower() in {"positive", "seropositive"}
            and not name.startswith("an ")
        ):
            return Clause(aux=Aux.BE, rest=f"{name} {rule.qualifier.lower()}")
        safe = rule.qualifier if rule.qualifier and rule.qualifier.lower() in _SAFE_QUALIFIERS else None
        qualifier = f"{safe} " if safe and not name.startswith("an ") else ""
        if name.startswith("an ") and safe:
            name = f"{article(safe)} {safe} infection"
        return Clause(aux=Aux.HAVE, rest=f"{qualifier}{name}")
    if isinstance(rule, TransplantRule):
        organ = rule.organ or "an organ"
        words = f"{organ} transplant" if rule.organ else "an organ transplant"
        return Clause(aux=Aux.PERFECT, rest=f"had {article(words) + ' ' if rule.organ else ''}{words}")
    if isinstance(rule, AutoimmuneRule):
        qualifier = f"{rule.qualifier} " if rule.qualifier else ""
        when = f" {window_words(rule.window)}" if rule.window else ""
        return Clause(
            aux=Aux.HAVE, rest=f"{article(qualifier or 'autoimmune')} {qualifier}autoimmune disease{when}"
        )
    if isinstance(rule, OtherMalignancyRule):
        when = f" in the last {number(rule.within_years)} years" if rule.within_years else ""
        return Clause(aux=Aux.PERFECT, rest=f"had another cancer{when}")
    if isinstance(rule, MedicationRule):
        dose = f" at a dose {bound_words(rule.dose, rule.dose_unit or '')}" if rule.dose else ""
        if rule.window is not None:
            return Clause(aux=Aux.PERFECT, rest=f"taken {rule.medication}{dose} {window_words(rule.window)}")
        return Clause(aux=Aux.BE, rest=f"taking {rule.medication}{dose}")
    if isinstance(rule, ProcedureRule):
        if not _NAMES_A_THING.search(rule.procedure):
            return None  # "pathologically" (of "pathologically confirmed") names no procedure
        when = f" {window_words(rule.window)}" if rule.window else ""
        return Clause(aux=Aux.PERFECT, rest=f"had {rule.procedure}{when}")
    if isinstance(rule, ConditionRule):
        qualifier = f"{rule.qualifier} " if rule.qualifier and rule.qualifier not in rule.condition else ""
        if rule.window is not None:
            return Clause(
                aux=Aux.PERFECT, rest=f"had {qualifier}{rule.condition} {window_words(rule.window)}"
            )
        return Clause(aux=Aux.HAVE, rest=f"{qualifier}{rule.condition}")
    return None


#: A name with a word that is not an adverb: what a procedure or condition rule can be said from.
_NAMES_A_THING = re.compile(r"\b(?![a-z]+ly\b)[A-Za-z]{2,}", re.IGNORECASE)

_SMALL = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def _count_words(bound: Bound) -> str:
    """A number of lines of treatment: 'more than one', 'at least two', 'one', 'one to three'."""

    def word(value: float) -> str:
        return _SMALL.get(int(value), number(value)) if value.is_integer() else number(value)

    low, high = bound.low, bound.high
    if low is not None and high is not None:
        return word(low) if low == high else f"{word(low)} to {word(high)}"
    if low is not None:
        return f"{'at least' if bound.low_inclusive else 'more than'} {word(low)}"
    if high is not None:
        return f"{'at most' if bound.high_inclusive else 'fewer than'} {word(high)}"
    return "any number of"


def _weeks_words(weeks: Bound) -> str:
    def amount(value: float) -> str:
        months = value / (30.44 / 7)
        if value >= 8 and abs(months - round(months)) < 0.06:
            return f"{number(round(months))} months"
        return f"{number(value)} weeks"

    if weeks.low is not None and weeks.high is None:
        return f"{'at least' if weeks.low_inclusive else 'more than'} {amount(weeks.low)}"
    if weeks.high is not None and weeks.low is None:
        return f"{'at most' if weeks.high_inclusive else 'less than'} {amount(weeks.high)}"
    return bound_words(weeks, "weeks")


def _diagnosis_clause(rule: DiagnosisRule) -> Clause:
    setting = (
        f"{rule.setting} " if rule.setting and rule.setting.lower() not in rule.condition.lower() else ""
    )
    histology = (
        f"{rule.histology} "
        if rule.histology and rule.histology.lower() not in rule.condition.lower()
        else ""
    )
    stage = f" (stage {rule.stage.removeprefix('stage ').removeprefix('Stage ')})" if rule.stage else ""
    confirmed = ""
    if rule.confirmation:
        confirmed = ", " + _CONFIRMATION.get(rule.confirmation.lower(), f"confirmed ({rule.confirmation})")
    name = f"{setting}{histology}{rule.condition}"
    if CANCER_WORDS.search(rule.condition):
        return Clause(aux=Aux.POSSESSIVE, subject="cancer", rest=f"{article(name)} {name}{stage}{confirmed}")
    return Clause(aux=Aux.HAVE, rest=f"{name}{stage}{confirmed}")


def _biomarker_clause(rule: BiomarkerRule) -> Clause:
    if rule.expression is not None:
        return Clause(
            aux=Aux.POSSESSIVE,
            subject="tumour",
            rest=f"positive for {rule.marker} in {bound_words(rule.expression, '%')} of its cells",
        )
    qualifier = f"{rule.qualifier} " if rule.qualifier else ""
    alteration = (rule.alteration or "").lower()
    if not alteration or alteration in {"positive", "positivity", "expression", "positive expression"}:
        # "ALK positive", "PD-L1 expression": the cancer tests positive for the marker
        return Clause(
            aux=Aux.POSSESSIVE, subject="cancer", verb="tests", rest=f"positive for {qualifier}{rule.marker}"
        )
    words = f"{qualifier}{rule.marker} {rule.alteration}"
    return Clause(aux=Aux.POSSESSIVE, subject="cancer", verb="has", rest=f"{article(words)} {words}")


def _therapy_clause(rule: PriorTherapyRule) -> Clause:
    therapies = listing(list(rule.therapies))
    if rule.lines is not None:
        count = _count_words(rule.lines)
        line = "line" if count.endswith(" one") or count == "one" else "lines"
        words = f"had {count} {line} of {therapies or 'treatment'}"
    else:
        words = f"had {therapies}" if therapies else "had earlier treatment"
    if rule.setting:
        words += f" for {rule.setting} disease"
    if rule.window is not None:
        words += f" {window_words(rule.window)}"
    if rule.progression:
        words += ", and the disease got worse during or after it"
    return Clause(aux=Aux.PERFECT, rest=words)


# --- which words a rule accounts for -----------------------------------------------------------------


def _words(words: str) -> frozenset[str]:
    return frozenset(words.split())


_FILLER = _words(
    "a an the of and or with to in on for at by as be is are was were has have had having must"
    " should shall will would can could may might patient patients subject subjects participant"
    " participants individual individuals person persons people who that which whose any all"
    " this these those their his her its they he she it from per documented known current"
    " currently diagnosis diagnosed following including required requirement not no none than be"
    " been being equal eligible participate study trial criteria criterion inclusion exclusion"
)
_IMPLIED: dict[type, frozenset[str]] = {
    AgeRule: _words("age aged years year yrs old older younger over under between birthday months least"),
    SexRule: _words("sex gender"),
    ReproductiveRule: _words("women woman female females"),
    PerformanceStatusRule: _words(
        "ecog who zubrod karnofsky lansky kps ps performance status score scale eastern cooperative"
        " oncology group world health organization"
    ),
    LabRule: _words(
        "count level levels value values serum plasma total blood x times uln upper limit normal"
        " institutional mm3 mm ul µl l dl mg g mmol µmol umol min ml 9 10 function organ marrow"
        " hepatic renal hematologic haematological hematological laboratory lab labs absolute"
        " calculated measured estimated cockcroft gault adequate sufficient greater more less least"
        " most above below"
    ),
    LifeExpectancyRule: _words(
        "life expectancy expected survival weeks week months month years estimated more least"
    ),
    MeasurableDiseaseRule: _words("measurable disease lesion lesions recist v1 1 version per according"),
    DiagnosisRule: frozenset(),
    CnsMetastasesRule: _words(
        "brain cns central nervous system metastases metastasis metastatic mets spinal cord disease"
        " lesions involvement"
    ),
    InfectionRule: _words("infection infections virus viral"),
    TransplantRule: _words("transplant transplantation history"),
    AutoimmuneRule: _words("autoimmune disease diseases"),
    OtherMalignancyRule: _words("other malignancy malignancies cancer cancers another second primary"),
    PriorTherapyRule: _words("prior previous previously received treatment treatments therapy therapies"),
    MedicationRule: _words("use using taking concurrent concomitant current treatment with"),
    ProcedureRule: _words("prior previous"),
}
_WINDOW_IMPLIED = frozenset(
    {"within", "prior", "before", "last", "past", "days", "weeks", "months", "years", "of"}
)
_COMPARISON_IMPLIED = frozenset({"less", "more", "greater", "than", "at", "least", "most", "equal", "or"})
_CNS_IMPLIED = {
    "untreated": "untreated",
    "symptomatic": "symptomatic",
    "active": "active",
    "treated_stable": "treated stable",
    "leptomeningeal": "leptomeningeal",
}
_SEX_IMPLIED = {"FEMALE": "female females women woman girls", "MALE": "male males men man boys"}
_REPRODUCTIVE_IMPLIED = {
    "pregnant": "pregnant pregnancy",
    "breastfeeding": "breastfeeding breast feeding lactating lactation nursing",
}
_INFECTION_IMPLIED = {
    "hiv": "hiv human immunodeficiency",
    "hbv": "hbv hepatitis b",
    "hcv": "hcv hepatitis c",
    "tuberculosis": "tuberculosis tb",
}
_CONFIRMATION_IMPLIED = {
    "histological": "histologically histological histologic confirmed proven documented",
    "cytological": "cytologically cytological confirmed proven documented",
    "histological or cytological": (
        "histologically cytologically histological cytological confirmed proven documented"
    ),
}
_TOKEN = re.compile(r"[a-z0-9µ]+")
_NOW = re.compile(r"\b(?:current(?:ly)?|concurrent|concomitant|ongoing|taking|receiving|on)\b", re.IGNORECASE)
#: The order in which rules are tried: the most precise first.
_PRIORITY = (
    AgeRule,
    SexRule,
    PerformanceStatusRule,
    LabRule,
    LifeExpectancyRule,
    MeasurableDiseaseRule,
    ReproductiveRule,
    CnsMetastasesRule,
    InfectionRule,
    TransplantRule,
    AutoimmuneRule,
    OtherMalignancyRule,
    BiomarkerRule,
    PriorTherapyRule,
    MedicationRule,
    ProcedureRule,
    DiagnosisRule,
)


def _tokens(words: str) -> set[str]:
    return set(_TOKEN.findall(words.lower()))


def _implied(rule: Rule) -> set[str]:
    words = set(_IMPLIED.get(type(rule), frozenset()))
    if isinstance(rule, LabRule):
        words |= _tokens(rule.original) | _tokens(rule.analyte.replace("_", " "))
    if getattr(rule, "window", None) is not None:
        words |= _WINDOW_IMPLIED
    if isinstance(rule, AgeRule):
        words |= _COMPARISON_IMPLIED
    if isinstance(rule, CnsMetastasesRule):
        words |= _tokens(_CNS_IMPLIED.get(rule.state, ""))
    elif isinstance(rule, SexRule):
        words |= _tokens(_SEX_IMPLIED.get(rule.sex.upper(), ""))
    elif isinstance(rule, ReproductiveRule):
        words |= _tokens(_REPRODUCTIVE_IMPLIED.get(rule.state, ""))
    elif isinstance(rule, InfectionRule):
        words |= _tokens(_INFECTION_IMPLIED.get(rule.infection.lower(), ""))
    elif isinstance(rule, DiagnosisRule) and rule.confirmation:
        words |= _tokens(_CONFIRMATION_IMPLIED.get(rule.confirmation.lower(), ""))
    return words


def _names(rule: Rule) -> list[str]:
    """The words a concept rule names, which must stand in the criterion as written."""
    if isinstance(rule, PriorTherapyRule):
        return list(rule.therapies)
    if isinstance(rule, MedicationRule):
        return [rule.medication]
    if isinstance(rule, ProcedureRule):
        return [rule.procedure]
    if isinstance(rule, DiagnosisRule):
        return [rule.condition]
    if isinstance(rule, BiomarkerRule):
        return [rule.marker]
    return []


def usable(rule: Rule, words: str) -> bool:
    """Whether a rule can be said for these words: its type has a sentence, and the names it
    carries are the criterion's own words (not a normalised concept the patient never read)."""
    if not isinstance(rule, _PRIORITY):
        return False
    if isinstance(rule, ReproductiveRule) and rule.state not in {"pregnant", "breastfeeding"}:
        return False
    if isinstance(rule, MedicationRule) and rule.window is None and not _NOW.search(words):
        return False  # "taking X" needs the words to say now; "prior X" is another tense
    low = _lower(words)
    return all(name.lower() in low for name in _names(rule))


@functools.lru_cache(maxsize=64)
def _lower(words: str) -> str:
    """``words.lower()``, once per criterion however many of its rules ask (a criterion can be
    long and have many rules)."""
    return words.lower()


def accounts_for(rules: Sequence[Rule], words: str, said: str) -> bool:
    """Whether the sentence ``said`` for the rules keeps every content word of ``words``."""
    covered = set(_FILLER) | _tokens(said)
    for rule in rules:
        covered |= _implied(rule)
    return not (_tokens(tidy(words)) - covered)


def rules_in(criterion: Criterion, main: str) -> list[Rule]:
    """The criterion's rules whose words lie in the main clause."""
    found = []
    low_main = main.lower()
    for rule in criterion.rules:
        start = rule.span.start - criterion.span.start
        end = rule.span.end - criterion.span.start
        if start < 0 or end > len(criterion.text) or end <= start:
            continue
        words = tidy(criterion.text[start:end])
        if words and words.lower() in low_main:
            found.append(rule)
    return found


# --- the sentence ------------------------------------------------------------------------------------


def _state(clause: Clause, expect: Expect, kind: CriterionKind) -> tuple[str, bool]:
    """(words, excluding): the clause said with its polarity."""
    if kind is CriterionKind.INCLUSION:
        return clause.say(Voice.FIRST, negated=expect is Expect.ABSENT), False
    if expect is Expect.ABSENT:
        return clause.say(Voice.SECOND, negated=False), True
    return clause.say(Voice.SECOND, negated=True), True


_SPINAL = re.compile(
    r"\b(?:cns|central\s+nervous|spinal|leptomening\w*|intracranial|cerebral)\b", re.IGNORECASE
)


def _cns_clause(rule: CnsMetastasesRule, words: str) -> Clause:
    """The CNS rule said for the place the words name: "the brain" when only the brain is named."""
    said = _CNS_STATES.get(rule.state, _CNS_STATES["any"])
    if "brain" in words.lower() and not _SPINAL.search(words):
        said = said.replace("the brain or spinal cord", "the brain")
    return Clause(aux=Aux.HAVE, rest=said)


def _say(rules: Sequence[Rule], kind: CriterionKind, words: str = "") -> str | None:
    """The sentence for a set of rules (None when one of them has no sentence)."""
    requires: list[str] = []
    excludes: list[str] = []
    labs = [
        r
        for r in rules
        if isinstance(r, LabRule) and r.expect is Expect.PRESENT and kind is CriterionKind.INCLUSION
    ]
    if labs:
        requires.extend(lab_sentences(labs, Voice.FIRST))
    cns = [r for r in rules if isinstance(r, CnsMetastasesRule)]
    if (
        len(cns) > 1
        and len({r.expect for r in cns}) == 1
        and {r.state for r in cns} == {"untreated", "symptomatic"}
    ):
        untreated = (
            _cns_clause(cns[0], words).rest
            if cns[0].state == "untreated"
            else _cns_clause(cns[1], words).rest
        )
        either = untreated.replace("and has not been treated", "and is untreated or causes symptoms")
        clause = Clause(aux=Aux.HAVE, rest=either)
        said, excluding = _state(clause, cns[0].expect, kind)
        (excludes if excluding else requires).append(said)
        rules = [r for r in rules if not isinstance(r, CnsMetastasesRule)]
    for rule in rules:
        if rule in labs:
            continue
        if isinstance(rule, PerformanceStatusRule):
            if kind is CriterionKind.INCLUSION and rule.expect is Expect.PRESENT:
                requires.append(performance_sentence(rule.scale, rule.score, True, Voice.FIRST))
            elif rule.expect is Expect.ABSENT:
                excludes.append(performance_sentence(rule.scale, rule.score, False, Voice.SECOND))
            else:
                return None
            continue
        if isinstance(rule, LabRule):
            verb = "is" if rule.expect is Expect.ABSENT else "is not"
            excludes.append(f"your {plain_name(rule.analyte)} {verb} {bound_words(rule.bound, rule.unit)}")
            continue
        found = _cns_clause(rule, words) if isinstance(rule, CnsMetastasesRule) else rule_clause(rule)
        if found is None:
            return None
        said, excluding = _state(found, rule.expect, kind)
        (excludes if excluding else requires).append(said)
    parts = []
    if requires:
        parts.append(listing(requires, "and"))
    if excludes:
        parts.append("You cannot join if " + listing(excludes, "or"))
    return ". ".join(p[0].upper() + p[1:] for p in parts if p) or None


def accounted(rules: Sequence[Rule], kind: CriterionKind, words: str) -> list[Rule]:
    """The rules that say everything the words say (those `typed_sentence` speaks from), or []."""
    chosen = _choose(rules, kind, words)
    if not chosen:
        return []
    sentence = _say(chosen, kind, words)
    return chosen if sentence is not None and accounts_for(chosen, words, sentence) else []


def _choose(rules: Sequence[Rule], kind: CriterionKind, words: str) -> list[Rule]:
    candidates = sorted(
        (r for r in rules if usable(r, words)), key=lambda r: (_PRIORITY.index(type(r)), r.span.start)
    )
    missing = _tokens(tidy(words)) - _FILLER
    chosen: list[Rule] = []
    for rule in candidates:
        said = _say([rule], kind, words)
        if said is None:
            continue
        adds = (_tokens(said) | _implied(rule)) & missing
        if not adds:
            continue
        chosen.append(rule)
        missing -= adds
        if not missing:
            return chosen
    return []


def typed_sentence(rules: Sequence[Rule], kind: CriterionKind, words: str) -> str | None:
    """The sentence for the rules of a main clause, or None if they leave words unsaid.

    Rules are taken in order of precision (`_PRIORITY`), each only if it says some word not
    yet said; a rule that adds nothing (a second reading of the same words) is left out."""
    chosen = _choose(rules, kind, words)
    if not chosen:
        return None
    sentence = _say(chosen, kind, words)
    if sentence is None or not accounts_for(chosen, words, sentence):
        return None
    labs = [r for r in chosen if isinstance(r, LabRule)]
    if len(labs) > 1 and re.search(r"\bor\b", words, re.IGNORECASE) and not re.search(r"\bor\b", sentence):
        # "AST or ALT above 5 times ULN": alternatives said as "and" would change the meaning
        return None
    return sentence


def said_rules(criterion: Criterion) -> list[Rule]:
    """The typed rules a criterion's plain sentence is spoken from: those that account for every
    content word of its main clause (none when the sentence is the words rewritten)."""
    if not criterion.rules:
        return []
    try:
        sentences = sentences_of(tidy(criterion.text))
        if not sentences or allows(sentences[0]) or states_itself(sentences[0]):
            return []
        main, _ = split_exception(label(NOTE.sub("", sentences[0]), criterion.topic)[0])
        return accounted(rules_in(criterion, main), criterion.kind, main)
    except Exception:  # noqa: BLE001 - the summary may say less, never fail
        return []
