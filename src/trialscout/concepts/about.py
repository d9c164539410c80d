"""What a trial is about, as concepts, and whether that is the patient's disease.

`trial_concepts` reads a trial's conditions (its own words, and the MeSH terms the registry
gave them, with their broader terms) into concept keys: the *direct* ones, the *closure* (with
every broader concept), and whether some condition named no known concept (*open*: then
nothing is concluded from what the trial is not about). The index holds these keys; a search
for a concept asks for them (`trialscout.search.engine`).

`about_score` is the concept score of the ranking (`trialscout.matching.ranking`), 0-1: 1 when
a condition of the trial is the patient's diagnosis or a narrower kind of it; less when it is
broader (by how many steps up); a suggested diagnosis counts by its score, one of the patient's
other active conditions by `OTHER_CONDITION`; 0 when the trial's conditions are about
something else.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

import msgspec

from trialscout.concepts.graph import ConceptGraph, normal_name, packaged_graph
from trialscout.model.patient import PatientProfile
from trialscout.model.trial import Trial

#: The concept score of a trial about a broader concept, by steps up the hierarchy (1, 2, 3+).
BROADER_SCORES = (0.7, 0.5, 0.3)
#: The concept score of a trial about one of the patient's other (active) conditions, at most
#: (tuned on TREC 2022: nDCG@10 0.572 without, 0.579 at 0.5).
OTHER_CONDITION = 0.5
#: A token of the direct keys: some condition names no known concept.
OPEN = "?"


class TrialConcepts(msgspec.Struct, frozen=True):
    direct: frozenset[str]  # keys of the conditions' own concepts
    closure: frozenset[str]  # the same with every broader concept's keys
    open: bool  # a condition named no known concept (or the trial names no condition)
    concepts: frozenset[int]  # the graph's concepts of the conditions


def trial_concepts(
    graph: ConceptGraph,
    conditions: Iterable[str],
    mesh_terms: Iterable[str] = (),
    mesh_ancestors: Iterable[str] = (),
) -> TrialConcepts:
    """The concept keys of a trial's conditions (see the module). The registry repeats the same
    conditions across many trials: each combination is read once."""
    return _trial_concepts(graph, tuple(conditions), tuple(mesh_terms), tuple(mesh_ancestors))


@functools.lru_cache(maxsize=65_536)
def _trial_concepts(
    graph: ConceptGraph,
    conditions: tuple[str, ...],
    mesh_terms: tuple[str, ...],
    mesh_ancestors: tuple[str, ...],
) -> TrialConcepts:
    direct: set[str] = set()
    closure: set[str] = set()
    found: set[int] = set()
    open_ = False
    any_condition = False
    for condition in conditions:
        any_condition = True
        concepts = _condition_concepts(graph, condition)
        if not concepts:
            open_ = True
        found |= concepts
    direct |= graph.keys(found)
    # The registry's MeSH terms (and their broader terms) say what else a trial is found by,
    # not what its conditions are: the registry often adds the broader "Lung Neoplasms" to a
    # trial only about non-small cell lung cancer.
    mesh = set()
    for term in mesh_terms:
        closure.add(normal_name(term, inverted=True))
        mesh |= set(graph.lookup(term, inverted=True))
    closure |= {normal_name(term, inverted=True) for term in mesh_ancestors}
    closure |= graph.closure_keys(found | mesh)
    return TrialConcepts(
        direct=frozenset(direct),
        closure=frozenset(closure),
        open=open_ or not any_condition,
        concepts=frozenset(found),
    )


def _condition_concepts(graph: ConceptGraph, condition: str) -> set[int]:
    whole = graph.lookup(condition)
    if whole:
        return set(whole)
    return {c for span in graph.spans(condition) for c in span.concepts}


def about_score(
    profile: PatientProfile,
    trial: Trial,
    *,
    suggested: bool = True,
    graph: ConceptGraph | None = None,
) -> float:
    """How much the trial is about the patient's disease, 0-1 (see the module)."""
    g = graph or packaged_graph()
    leads: list[tuple[str, float]] = [(d.name, 1.0) for d in profile.diagnoses]
    leads += [(c.name, OTHER_CONDITION) for c in profile.other_conditions if c.status == "active"]
    if suggested:
        leads += [(c.name, c.score) for c in profile.candidate_diagnoses]
    if not leads:
        return 0.0
    about = _trial_about(g, trial.conditions, trial.title, tuple(m.term for m in trial.condition_mesh_terms))
    best = 0.0
    for name, weight in leads:
        if weight <= best:
            continue
        for patient in _name_concepts(g, name):
            best = max(best, weight * _fit(g, patient, about))
    return best


def _fit(graph: ConceptGraph, patient: int, about: Sequence[int]) -> float:
    """1 when the trial is about the patient's concept or a narrower one; less, by steps, when
    it is about a broader one; else 0."""
    best = 0.0
    above = graph.ancestors(patient)
    for concept in about:
        if concept == patient or patient in graph.ancestors(concept):
            return 1.0
        if concept in above:
            best = max(best, BROADER_SCORES[min(_steps(graph, patient, concept), len(BROADER_SCORES)) - 1])
    return best


def _steps(graph: ConceptGraph, low: int, high: int) -> int:
    """How many steps up from ``low`` reach ``high`` (the shortest way)."""
    frontier, steps, seen = {low}, 0, {low}
    while frontier and steps < 10:
        steps += 1
        frontier = {p for c in frontier for p in graph.concepts[c].parents} - seen
        if high in frontier:
            return steps
        seen |= frontier
    return steps


@functools.lru_cache(maxsize=4096)
def _name_concepts(graph: ConceptGraph, name: str) -> tuple[int, ...]:
    return tuple(_condition_concepts(graph, name))


@functools.lru_cache(maxsize=16384)
def _trial_about(
    graph: ConceptGraph, conditions: tuple[str, ...], title: str, mesh: tuple[str, ...]
) -> tuple[int, ...]:
    """The concepts a trial is about: its conditions', else its MeSH terms', else its title's."""
    found: set[int] = set()
    for condition in conditions:
        found |= _condition_concepts(graph, condition)
    if not found:
        for term in mesh:
            found |= set(graph.lookup(term, inverted=True))
    if not found:
        found = {c for span in graph.spans(title) for c in span.concepts}
    return tuple(sorted(found))
