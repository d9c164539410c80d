"""How a trial ranks for a patient: the one formula `match` ships and `trialscout eval` measures.

Four separate scores, each 0-1 (`TrialScores`):

- **concept**: the trial is about the patient's disease (`concept_score`): its conditions are
  the patient's diagnosis or narrower (1), broader (less, by how far up the hierarchy), or about
  a diagnosis the note's findings suggest (scaled by that suggestion's score); 0 when its
  conditions are about something else. Read through the concept graph (`trialscout.concepts`).
- **text**: the text relevance, the search score as a share of the best candidate's;
- **eligibility**: the chance the patient can join, from the per-criterion verdicts
  (`eligibility_score`);
- **distance**: when a place is given, how near the nearest fitting site is (1 at the door, 0.5
  at `HALF_DISTANCE_KM`).

`combine` weighs them into the rank: relevance = text + `CONCEPT_WEIGHT` x concept, times the
eligibility factor (0.35 + 0.65 x eligibility), times the distance factor (0.8 + 0.2 x distance).
`Components` switches parts off, for the ablation table of `trialscout eval`. Pure functions: no
store, no search.
"""

from __future__ import annotations

import msgspec

from trialscout.concepts.about import about_score
from trialscout.concepts.graph import ConceptGraph
from trialscout.matching.check import TrialCheck
from trialscout.model.patient import PatientProfile
from trialscout.model.trial import Trial

#: How much being about the patient's disease adds to the (0-1) text relevance.
CONCEPT_WEIGHT = 0.3
#: The distance at which the distance score is one half.
HALF_DISTANCE_KM = 300.0

#: The chance that one checkable criterion the profile cannot settle turns out failed, and
#: the same for one that leans towards failing (the patient has what an exclusion grades, a
#: drug the profile does not list). Rough priors, not fitted: each unknown lowers the chance
#: the patient can join by its share.
UNKNOWN_FAILS = 0.1
LEANING_FAILS = 0.5


class Components(msgspec.Struct, frozen=True, kw_only=True):
    """The parts of the ranking, each of which can be switched off (for the ablation table)."""

    concept: bool = True  # the trial is about the patient's disease, through the concept graph
    diagnoses: bool = True  # diagnoses the note's findings suggest count for concept and text
    text: bool = True  # text relevance
    eligibility: bool = True  # per-criterion verdicts
    # an inclusion condition the profile never mentions leans to failing: off, as it lowers
    # AUROC on both benchmarks (TREC 2022 0.771 -> 0.763, SIGIR 0.634 -> 0.630)
    closed_world: bool = False
    distance: bool = True  # nearness of the nearest fitting site, when a place is given

    def label(self) -> str:
        """How the parts differ from what `match` ranks with ("without concept", "with closed_world")."""
        shipped = Components()
        changed = [name for name in self.__struct_fields__ if getattr(self, name) != getattr(shipped, name)]
        if not changed:
            return "all"
        parts = [("with " if getattr(self, name) else "without ") + name for name in changed]
        return ", ".join(parts)


ALL_COMPONENTS = Components()
#: How many times the profile's diagnosis names are added to the note for the text relevance
#: (tuned on TREC 2022: nDCG@10 0.558 with none, 0.574 once, 0.556 twice, 0.548 three times).
DIAGNOSIS_REPEATS = 1


class TrialScores(msgspec.Struct, frozen=True, kw_only=True):
    """One trial's scores for one patient, and their combination (`total`)."""

    concept: float
    text: float
    eligibility: float
    distance: float | None  # None without a place
    total: float


def relevance_query(
    note: str,
    profile: PatientProfile,
    components: Components = ALL_COMPONENTS,
    repeats: int = DIAGNOSIS_REPEATS,
) -> str:
    """The words the text relevance searches with: the note, and the names of the profile's
    diagnoses (with ``components.diagnoses``, the diagnoses its findings suggest too), each
    added ``repeats`` times so that they weigh more than any one word of the note."""
    names = [d.name for d in profile.diagnoses]
    if components.diagnoses:
        names += [c.name for c in profile.candidate_diagnoses]
    if not names or repeats <= 0:
        return note
    return "\n".join([note, *(["; ".join(names)] * repeats)])


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


def distance_score(distance_km: float | None) -> float | None:
    """1 at the door, 0.5 at `HALF_DISTANCE_KM`, towards 0 far away; None without a place."""
    if distance_km is None:
        return None
    return HALF_DISTANCE_KM / (HALF_DISTANCE_KM + max(0.0, distance_km))


def combine(
    *,
    concept: float,
    text: float,
    eligibility: float,
    distance: float | None = None,
    components: Components = ALL_COMPONENTS,
) -> float:
    """The rank of a trial for a patient (see the module's formula)."""
    relevance = (text if components.text else 0.0) + (CONCEPT_WEIGHT * concept if components.concept else 0.0)
    if not components.text and not components.concept:
        relevance = 1.0
    score = relevance
    if components.eligibility:
        score *= 0.35 + 0.65 * eligibility
    if components.distance and distance is not None:
        score *= 0.8 + 0.2 * distance
    return score


def concept_score(
    profile: PatientProfile,
    trial: Trial,
    components: Components = ALL_COMPONENTS,
    graph: ConceptGraph | None = None,
) -> float:
    """How much the trial is about the patient's disease, 0-1 (see the module), read through
    ``graph`` (default: the packaged vocabularies')."""
    return about_score(profile, trial, suggested=components.diagnoses, graph=graph)


def score_trial(
    profile: PatientProfile,
    trial: Trial,
    check: TrialCheck,
    *,
    text: float,
    distance_km: float | None = None,
    components: Components = ALL_COMPONENTS,
    graph: ConceptGraph | None = None,
) -> TrialScores:
    """All of one trial's scores for one patient: what `match` ranks by and `eval` measures."""
    concept = concept_score(profile, trial, components, graph) if components.concept else 0.0
    eligibility = eligibility_score(check)
    distance = distance_score(distance_km)
    total = combine(
        concept=concept, text=text, eligibility=eligibility, distance=distance, components=components
    )
    return TrialScores(concept=concept, text=text, eligibility=eligibility, distance=distance, total=total)
