"""Who a trial is for, in one or two sentences built only from what the record states.

`lay_summary(trial, criteria)`:

    This trial is for adults aged 18 or older with recurrent or metastatic head and neck cancer,
    who are fully active or able to carry out light work (ECOG 0-1). It is not for people who
    have had cetuximab (with some exceptions) or who have an active autoimmune disease.

Every clause comes from a field of the record or a typed rule of a criterion: the age limits,
sex and healthy-volunteer flag of the eligibility module, the trial's conditions, and the typed
rules of the top-level criteria (the diagnosis and its setting, performance status, required
prior therapy; excluded CNS metastases, prior therapies, autoimmune disease, infections,
transplants, other cancers). What the record does not state is not said: with no age limits
the summary names no age, and with no healthy-volunteer flag it says "on X" rather than "with X".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from trialscout.eligibility.model import (
    AutoimmuneRule,
    CnsMetastasesRule,
    Criterion,
    CriterionKind,
    DiagnosisRule,
    Expect,
    InfectionRule,
    OtherMalignancyRule,
    PerformanceStatusRule,
    PriorTherapyRule,
    Rule,
    TransplantRule,
)
from trialscout.eligibility.plain.numbers import listing, number, performance_sentence
from trialscout.eligibility.plain.rules import rule_clause, said_rules
from trialscout.eligibility.plain.text import unprotect
from trialscout.eligibility.plain.voice import Voice
from trialscout.model.enums import Sex
from trialscout.model.trial import Trial

_NOT_A_CONDITION = re.compile(
    r"^(?:healthy(?:\s+(?:volunteers?|subjects?|adults?|participants?))?|normal|none)$", re.I
)
_EXCLUDED_TYPES = (
    CnsMetastasesRule,
    PriorTherapyRule,
    AutoimmuneRule,
    InfectionRule,
    TransplantRule,
    OtherMalignancyRule,
)
_MAX_CONDITIONS = 3
_NO_LIMIT = 100  # a maximum age of 100 or more (records write 99, 100, 120) states no real limit
_MAX_EXCLUSIONS = 4


def _age_text(years: float | None, text: str | None) -> str | None:
    if years is None:
        return None
    if float(years).is_integer():
        return number(years)
    return text.lower() if text else number(years)


def _who(trial: Trial) -> str:
    eligibility = trial.eligibility
    if eligibility is None:
        return "people"
    low, high = eligibility.minimum_age_years, eligibility.maximum_age_years
    adults = low is not None and low >= 18
    children = high is not None and high < 18
    sex = eligibility.sex
    if sex is Sex.FEMALE:
        noun = "women" if adults else "girls" if children else "females"
    elif sex is Sex.MALE:
        noun = "men" if adults else "boys" if children else "males"
    else:
        noun = "adults" if adults else "children" if children else "people"
    low_text = _age_text(low, eligibility.minimum_age_text)
    high_text = (
        _age_text(high, eligibility.maximum_age_text) if high is not None and high < _NO_LIMIT else None
    )
    if low_text and high_text:
        return f"{noun} aged {low_text} to {high_text}"
    if low_text:
        return f"{noun} aged {low_text} or older"
    if high_text:
        return f"{noun} aged up to {high_text}"
    return noun


def _condition_name(name: str) -> str:
    words = name.split()
    return " ".join(w.lower() if w[:1].isupper() and w[1:].islower() else w for w in words)


def _conditions(trial: Trial) -> str:
    names = [
        _condition_name(c.strip())
        for c in trial.conditions
        if c.strip() and not _NOT_A_CONDITION.match(c.strip())
    ]
    if not names:
        return ""
    if len(names) > _MAX_CONDITIONS:
        return f"{', '.join(names[:_MAX_CONDITIONS])} and other conditions"
    return listing(names, "or")


def _third_person(said: str) -> str:
    """'you have had X' -> 'who have had X'; 'your cancer is X' -> 'whose cancer is X'."""
    if said.startswith("your "):
        return "whose " + said[5:]
    if said.startswith("you "):
        said = "who " + said[4:]
    return re.sub(r"\byourself\b", "themselves", re.sub(r"\byour\b", "their", said))


def _top_rules(criteria: Sequence[Criterion]) -> list[tuple[Criterion, Rule]]:
    """The rules of top-level criteria that their plain sentence is spoken from (so that each
    clause of the summary says what a whole criterion says, not a reading of a side remark)."""
    wanted = (DiagnosisRule, PerformanceStatusRule, PriorTherapyRule, *_EXCLUDED_TYPES)
    return [
        (c, r)
        for c in criteria
        if c.parent is None and any(isinstance(r, wanted) for r in c.rules)  # the others say nothing here
        for r in said_rules(c)
    ]


def _diagnosis(rules: list[tuple[Criterion, Rule]]) -> str:
    for criterion, rule in rules:
        if (
            isinstance(rule, DiagnosisRule)
            and rule.expect is Expect.PRESENT
            and criterion.kind is CriterionKind.INCLUSION
        ):
            setting = (
                f"{rule.setting} "
                if rule.setting and rule.setting.lower() not in rule.condition.lower()
                else ""
            )
            return f"{setting}{rule.condition}"
    return ""


def _requirements(rules: list[tuple[Criterion, Rule]]) -> list[str]:
    out: list[str] = []
    for criterion, rule in rules:
        if criterion.kind is not CriterionKind.INCLUSION or rule.expect is not Expect.PRESENT:
            continue
        if isinstance(rule, PerformanceStatusRule) and not any("active" in o or "score" in o for o in out):
            out.append(_third_person(performance_sentence(rule.scale, rule.score, True, Voice.SECOND)))
        elif isinstance(rule, PriorTherapyRule):
            clause = rule_clause(rule)
            if clause is not None:
                out.append(_third_person(clause.say(Voice.SECOND)))
    return out[:3]


def _exclusions(rules: list[tuple[Criterion, Rule]]) -> list[str]:
    out: list[str] = []
    for criterion, rule in rules:
        if not isinstance(rule, _EXCLUDED_TYPES) or rule.expect is not Expect.ABSENT:
            continue
        clause = rule_clause(rule)
        if clause is None:
            continue
        said = _third_person(clause.say(Voice.SECOND))
        if rule.exceptions or criterion.exceptions:
            said += " (with some exceptions)"
        if said not in out:
            out.append(said)
    return out[:_MAX_EXCLUSIONS]


def lay_summary(trial: Trial, criteria: Sequence[Criterion]) -> str:
    """One or two sentences on who the trial is for, each clause traceable to the record
    (never raises: what cannot be said is left out)."""
    try:
        return _summary(trial, criteria)
    except Exception:  # noqa: BLE001 - a summary may say less, never fail
        return _summary(trial, ())


def _summary(trial: Trial, criteria: Sequence[Criterion]) -> str:
    eligibility = trial.eligibility
    who = _who(trial)
    rules = _top_rules(criteria)
    disease = _diagnosis(rules) or _conditions(trial)
    volunteers = eligibility.healthy_volunteers if eligibility is not None else None
    if volunteers is True:
        first = f"This trial{' on ' + disease if disease else ''} is for {who}, including healthy volunteers"
    elif volunteers is False and disease:
        first = f"This trial is for {who} with {disease}"
    elif disease:
        first = f"This trial on {disease} is for {who}"
    else:
        first = f"This trial is for {who}"
    requirements = _requirements(rules)
    if requirements:
        first += ", " + listing(requirements, "and")
    sentences = [first + "."]
    exclusions = _exclusions(rules)
    if exclusions:
        sentences.append(f"It is not for people {listing(exclusions, 'or')}.")
    return unprotect(" ".join(sentences))
