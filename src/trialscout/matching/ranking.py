"""How a trial ranks for a patient: the one score `match` ships and `trialscout eval` measures.

Relevance is the search score scaled to the best candidate's (0-1), plus `ABOUT_WEIGHT` when
the trial's conditions or title name one of the patient's diagnoses; the rank weighs relevance
by the chance the patient can join (`eligibility_score`, from the per-criterion verdicts).
Pure functions: no store, no search.
"""

from __future__ import annotations

import functools

from trialscout.matching.check import TrialCheck
from trialscout.matching.terms import Terms, matches, terms
from trialscout.model.patient import PatientProfile
from trialscout.model.trial import Trial

#: How much being about one of the patient's diagnoses adds to the (0-1) search relevance.
ABOUT_WEIGHT = 0.3


#: The chance that one checkable criterion the profile cannot settle turns out failed, and
#: the same for one that leans towards failing (the patient has what an exclusion grades, a
#: drug the profile does not list). Rough priors, not fitted: each unknown lowers the chance
#: the patient can join by its share.
UNKNOWN_FAILS = 0.1
LEANING_FAILS = 0.5


def eligibility_score(check: TrialCheck) -> float:
    """How likely the patient can join, 0-1, from the verdicts: any failing criterion puts a
    trial below every trial without one (0-0.25, by the share met); otherwise the chance that
    none of the unknowns fails, as if each were independent (0.3-1)."""
    checked = check.met + check.unknown + len(check.failing)
    if check.failing:
        met_share = check.met / checked if checked else 0.0
        return 0.25 * met_share / (1 + len(check.failing))
    plain_unknowns = check.unknown - check.leaning_not_met
    chance = (1 - UNKNOWN_FAILS) ** plain_unknowns * (1 - LEANING_FAILS) ** check.leaning_not_met
    return 0.3 + 0.7 * chance


def match_score(relevance: float, check: TrialCheck) -> float:
    """The rank of a trial for a patient: relevance, weighed by the chance the patient can join."""
    return relevance * (0.35 + 0.65 * eligibility_score(check))


def about(profile: PatientProfile, trial: Trial) -> float:
    """1 when the trial's conditions (or title) name one of the patient's diagnoses, else 0."""
    named = _trial_terms(trial.conditions, trial.title)
    for diagnosis in profile.diagnoses:
        have = terms(diagnosis.name, *diagnosis.concepts)
        if any(matches(have, t) or matches(t, have) for t in named):
            return 1.0
    return 0.0


def relevance(search_share: float, profile: PatientProfile, trial: Trial) -> float:
    """The search score as a share of the best candidate's, plus being about the diagnosis."""
    return search_share + ABOUT_WEIGHT * about(profile, trial)


@functools.lru_cache(maxsize=8192)
def _trial_terms(conditions: tuple[str, ...], title: str) -> tuple[Terms, ...]:
    return tuple(terms(c) for c in (*conditions, title))
