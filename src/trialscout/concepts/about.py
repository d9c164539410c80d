"""Whether a trial is about the patient's disease: the concept score of the ranking (0-1).

The patient's diagnoses (and, when asked, the diagnoses the note's findings suggest, scaled by
their score) against the trial's conditions and title.
"""

from __future__ import annotations

import functools

from trialscout.matching.terms import Terms, matches, terms
from trialscout.model.patient import PatientProfile
from trialscout.model.trial import Trial


def about_score(profile: PatientProfile, trial: Trial, *, suggested: bool = True) -> float:
    """1 when the trial's conditions (or title) name one of the patient's diagnoses; a suggested
    diagnosis counts by its score; else 0."""
    named = _trial_terms(trial.conditions, trial.title)
    leads: list[tuple[tuple[str, ...], float]] = [((d.name, *d.concepts), 1.0) for d in profile.diagnoses]
    if suggested:
        leads += [((c.name,), c.score) for c in profile.candidate_diagnoses]
    best = 0.0
    for names, weight in leads:
        if weight <= best:
            continue
        have = terms(*names)
        if any(matches(have, t) or matches(t, have) for t in named):
            best = weight
    return best


@functools.lru_cache(maxsize=8192)
def _trial_terms(conditions: tuple[str, ...], title: str) -> tuple[Terms, ...]:
    return tuple(terms(c) for c in (*conditions, title))
