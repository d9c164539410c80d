"""One patient against the registry (`match_patient`) or against one trial (`check_patient`).

`match_patient` turns the profile into a search (its diagnoses, biomarkers and note, with its
age, sex and place as filters), checks every candidate's criteria (`check_trial`, on the
criteria the store already parsed), and ranks: trials the patient may join first, by how well
the trial is about the patient's disease, how many of its criteria are already met, and
distance. Trials a criterion rules out are kept at the end with the failing criteria, so a
person sees why. "What is missing" lists the few questions whose answers would settle the most
candidate trials.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from enum import StrEnum
from typing import NamedTuple

import msgspec

from trialscout.eligibility.model import PARSER_VERSION, ParsedEligibility
from trialscout.matching.check import TrialCheck, TrialResult, check_trial
from trialscout.matching.ranking import ALL_COMPONENTS, TrialScores, relevance_query, score_trial
from trialscout.matching.rules import ProfileFindings, Question
from trialscout.model.enums import ENROLLING_STATUSES
from trialscout.model.patient import PatientProfile
from trialscout.model.trial import Site, Trial
from trialscout.search.results import NearestSite, ResolvedPlace, SearchRequest, Sort
from trialscout.services.registry import LocalRegistry
from trialscout.store.base import TrialReader
from trialscout.store.criteria import current_criteria

#: The statuses a patient is matched against by default (open to enrolment in a study).
MATCH_STATUSES = tuple(sorted(s.value for s in ENROLLING_STATUSES))


class MatchRequest(msgspec.Struct, frozen=True, kw_only=True):
    near: str | None = None  # defaults to the profile's location
    radius: str | None = None
    statuses: tuple[str, ...] = MATCH_STATUSES
    limit: int = 10  # trials returned
    candidates: int = 100  # trials retrieved and checked
    include_ineligible: bool = False


class About(StrEnum):
    """Whether a trial is about the patient's disease (from the concept score)."""

    DISEASE = "disease"  # the patient's diagnosis (or a suggested one), or a narrower kind of it
    BROADER = "broader"  # a broader condition ("lung cancer" for small cell lung cancer)
    OTHER = "other"  # neither: it only shares words with the profile
    UNSTATED = "unstated"  # the profile names no diagnosis to compare with


class TrialMatch(msgspec.Struct, frozen=True, kw_only=True):
    nct_id: str
    title: str
    overall_status: str | None
    score: float
    scores: TrialScores  # concept, text, eligibility and distance, and how they combine
    about: About
    check: TrialCheck
    location: str | None  # "Recruiting in Chicago (3 mi) +12 other locations"
    nearest_site: NearestSite | None
    possibly_stale: bool


class MissingQuestion(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    text: str
    trials: int  # candidate trials (not already ruled out) the answer bears on
    settles: int  # of those, trials for which it is the only open question


class MatchResults(msgspec.Struct, frozen=True, kw_only=True):
    matches: tuple[TrialMatch, ...]
    questions: tuple[MissingQuestion, ...]
    candidates: int
    eligible: int
    possibly: int
    ruled_out: int
    place: ResolvedPlace | None
    query: str  # what was searched (diagnoses, biomarkers; never the note itself)
    notes: tuple[str, ...]


#: A diagnosis the findings suggest is searched for from this score (0-1) up.
SUGGESTED_SEARCHED = 0.2


def search_terms(profile: PatientProfile) -> str:
    """The words a profile asks the registry for: its diagnoses (with histology, stage and
    setting), the diagnoses its findings suggest most, and biomarkers; the other conditions
    only when there is neither."""
    words: list[str] = []
    suggested = [c.name for c in profile.candidate_diagnoses if c.score >= SUGGESTED_SEARCHED]
    for condition in profile.diagnoses or ([] if suggested else profile.other_conditions[:3]):
        words += [condition.name, *(w for w in (condition.histology, condition.setting) if w)]
    words += suggested
    for marker in profile.biomarkers:
        if marker.positive is not False:
            words.append(" ".join(w for w in (marker.marker, marker.alteration) if w))
    return " ".join(words)


#: What the query reader takes as syntax ("a phrase", condition:...): in a note or a diagnosis
#: it is just punctuation, and read as syntax it would require every trial to hold a phrase the
#: note happened to quote ("coffee ground" emesis), hiding the trials about the patient.
_QUERY_SYNTAX = str.maketrans({'"': " ", "\u201c": " ", "\u201d": " ", ":": " "})


def _as_words(text: str) -> str:
    return text.translate(_QUERY_SYNTAX)


def search_request(profile: PatientProfile, request: MatchRequest) -> SearchRequest:
    """The registry search for a profile: the words of the text relevance (`relevance_query`:
    its note with its diagnosis names, as `trialscout eval` measures it; a profile without a
    note, its diagnoses, histology, setting and biomarkers), ranked by the words shared over what
    each trial is about, with its age, sex and place (the request's, else the profile's) as
    filters."""
    terms = search_terms(profile)
    near = request.near
    location = profile.location
    if near is None and location is not None:
        if location.latitude is not None and location.longitude is not None:
            near = f"{location.latitude},{location.longitude}"
        else:
            near = location.place
    words = relevance_query(profile.notes, profile) if profile.notes else terms
    return SearchRequest(
        query=_as_words(words),
        statuses=request.statuses,
        sex=str(profile.sex).upper() if profile.sex else None,
        age=profile.age_years(),
        near=near,
        radius=request.radius,
        per_page=request.candidates,
        sort=Sort.RELEVANCE,
        ranked=True,
    )


def match_patient(registry: LocalRegistry, profile: PatientProfile, request: MatchRequest) -> MatchResults:
    """The registry's trials for one patient, ranked, with reasons and what is missing."""
    store = registry.store
    terms = search_terms(profile)
    results = registry.search.search(search_request(profile, request))
    hits = results.hits
    graph = registry.search.index.concepts
    leads = bool(profile.diagnoses or profile.candidate_diagnoses)
    top = max((h.score or 0.0 for h in hits), default=0.0) or 1.0
    matches: list[TrialMatch] = []
    ready = CANDIDATES.read(store, [h.nct_id for h in hits])
    findings = ProfileFindings(profile)  # the rules the candidates share are checked once
    for hit in hits:
        trial, parsed = ready[hit.nct_id]
        check = check_trial(
            profile, trial, parsed, closed_world=ALL_COMPONENTS.closed_world, findings=findings
        )
        distance = hit.nearest_site.distance_km if hit.nearest_site is not None else None
        scores = score_trial(
            profile, trial, check, text=(hit.score or 0.0) / top, distance_km=distance, graph=graph
        )
        matches.append(
            TrialMatch(
                nct_id=hit.nct_id,
                title=hit.title,
                overall_status=hit.overall_status,
                score=scores.total,
                scores=scores,
                about=_about(scores.concept) if leads else About.UNSTATED,
                check=check,
                location=hit.location,
                nearest_site=hit.nearest_site,
                possibly_stale=hit.possibly_stale,
            )
        )
    order = {TrialResult.ELIGIBLE: 0, TrialResult.POSSIBLY_ELIGIBLE: 0, TrialResult.NOT_ELIGIBLE: 1}
    tier = {About.DISEASE: 0, About.UNSTATED: 0, About.BROADER: 1, About.OTHER: 2}
    matches.sort(key=lambda m: (order[m.check.result], tier[m.about], -m.score, m.nct_id))
    open_matches = [m for m in matches if m.check.result is not TrialResult.NOT_ELIGIBLE]
    shown = matches if request.include_ineligible else open_matches
    notes = list(results.notes)
    if not terms:
        notes.append("The profile names no diagnosis: trials were found from its other details only.")
    if leads and open_matches:
        notes += _about_notes(profile, open_matches)
    elif not matches:
        notes.append(
            "No trial that fits the filters shares a word with the profile: nothing is about"
            f" {terms or 'it'}. Try without the status or place filters, or a broader diagnosis."
        )
    return MatchResults(
        matches=tuple(shown[: request.limit]),
        questions=missing_questions([m.check for m in _relevant(open_matches)]),
        candidates=len(matches),
        eligible=sum(1 for m in matches if m.check.result is TrialResult.ELIGIBLE),
        possibly=sum(1 for m in matches if m.check.result is TrialResult.POSSIBLY_ELIGIBLE),
        ruled_out=sum(1 for m in matches if m.check.result is TrialResult.NOT_ELIGIBLE),
        place=results.place,
        query=terms,
        notes=tuple(notes),
    )


class ReadyTrial(NamedTuple):
    """A candidate trial as matching reads it: the record's fields a check and the ranking
    use (`matching_view`), and its parsed criteria."""

    trial: Trial
    parsed: ParsedEligibility


def matching_view(trial: Trial) -> Trial:
    """The trial with only what `check_trial` and `score_trial` read: its limits and status,
    the dates and enrolment its recruitment check weighs, what it is about, and of its sites
    only their statuses. A trial with 1,000 sites is kept in a few hundred bytes."""
    return Trial(
        nct_id=trial.nct_id,
        brief_title=trial.brief_title,
        official_title=trial.official_title,
        overall_status=trial.overall_status,
        status_verified_date=trial.status_verified_date,
        primary_completion_date=trial.primary_completion_date,
        last_update_submitted_date=trial.last_update_submitted_date,
        last_update_posted_date=trial.last_update_posted_date,
        enrollment=trial.enrollment,
        conditions=trial.conditions,
        condition_mesh_terms=trial.condition_mesh_terms,
        eligibility=trial.eligibility,
        locations=tuple(Site(status=s.status) for s in trial.locations if s.status is not None),
        source=trial.source,
    )


class CandidateMemory:
    """The candidate trials of recent matches, ready to check, kept per process (at most
    ``size``, the least recently matched dropped first).

    Patients ask for the same trials again and again (the open trials about a disease), and
    reading one (its whole record decoded, its stored criteria decoded, or parsed when the
    store has no current parse) cost more than checking it. What is kept is only valid for the
    store as it was read: the memory of a store is dropped when its last change (`change_seq`)
    moves, so a sync is seen at the next match."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple[str, str], ReadyTrial] = OrderedDict()
        self._versions: dict[str, tuple[str, int]] = {}  # store location -> (identity, last change)

    def read(self, store: TrialReader, nct_ids: Sequence[str]) -> dict[str, ReadyTrial]:
        """These trials ready to check, from memory or read in one batch. Raises
        `TrialNotFoundError` for a trial the store does not hold."""
        where = store.location
        version = (store.identity(), store.last_change_seq())
        found: dict[str, ReadyTrial] = {}
        with self._lock:
            if self._versions.get(where) != version:
                for key in [k for k in self._kept if k[0] == where]:
                    del self._kept[key]
                self._versions[where] = version
            for nct_id in nct_ids:
                ready = self._kept.get((where, nct_id))
                if ready is not None:
                    self._kept.move_to_end((where, nct_id))
                    found[nct_id] = ready
        missing = [n for n in dict.fromkeys(nct_ids) if n not in found]
        if not missing:
            return found
        trials = store.trials(missing)
        parsed = store.stored_criteria_many(missing, PARSER_VERSION)
        read: dict[str, ReadyTrial] = {}
        for nct_id in missing:
            trial = trials[nct_id] if nct_id in trials else store.trial(nct_id)  # raises when gone
            criteria = parsed.get(nct_id) or current_criteria(store, nct_id)  # parsed now when due
            read[nct_id] = ReadyTrial(matching_view(trial), criteria)
        with self._lock:
            if self._versions.get(where) == version:
                for nct_id, ready in read.items():
                    self._kept[(where, nct_id)] = ready
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
        return found | read

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._versions.clear()


#: The process's memory of candidate trials (`match_patient`): about 2,000 trials' criteria
#: at a few KB each per 10 MB.
CANDIDATES = CandidateMemory()


def _relevant(matches: list[TrialMatch]) -> list[TrialMatch]:
    """The matches about the patient's disease or a broader one, when there are any: the
    questions worth asking come from them, not from trials that only share words."""
    about = [m for m in matches if m.about is not About.OTHER]
    return about or matches


def _about(concept: float) -> About:
    if concept >= 0.99:
        return About.DISEASE
    return About.BROADER if concept > 0 else About.OTHER


def _about_notes(profile: PatientProfile, matches: list[TrialMatch]) -> list[str]:
    """Say so when no candidate is about the patient's disease, and what is shown instead."""
    names = [d.name for d in profile.diagnoses] or [c.name for c in profile.candidate_diagnoses[:3]]
    what = " or ".join(names)
    kinds = {m.about for m in matches}
    if About.DISEASE in kinds:
        others = sum(1 for m in matches if m.about is About.OTHER)
        return (
            [
                f"{others} of the {len(matches)} trials not ruled out are not about {what};"
                " they are listed after the rest."
            ]
            if others
            else []
        )
    if About.BROADER in kinds:
        return [
            f"No candidate trial is about {what} itself: the nearest, about a broader condition, come first,"
            " marked as such; ask the study team whether they take patients with it."
        ]
    return [
        f"No candidate trial is about {what} or a broader condition:"
        " these trials only share words with the profile."
    ]


def check_patient(registry: LocalRegistry, profile: PatientProfile, nct_id: str) -> TrialCheck:
    """One patient against one trial, criterion by criterion, with the evidence."""
    trial = registry.store.trial(nct_id)
    return check_trial(profile, trial, current_criteria(registry.store, nct_id))


_MINOR = {"condition", "procedure", "medication", "when", "diagnosis"}


def missing_questions(checks: list[TrialCheck], limit: int = 5) -> tuple[MissingQuestion, ...]:
    """The questions whose answers bear on the most open trials, those that would settle a
    trial on their own first."""
    trials: dict[str, int] = defaultdict(int)
    settles: dict[str, int] = defaultdict(int)
    weight: dict[str, float] = defaultdict(float)
    texts: dict[str, Question] = {}
    for check in checks:
        keys = {q.key: q for q in check.questions if not q.key.startswith("exception:")}
        for key, question in keys.items():
            texts.setdefault(key, question)
            trials[key] += 1
            # A question counts for the share of a trial's open questions it answers; the
            # specific clinical facts (ECOG, labs, biomarkers, ...) count fully, a named
            # condition or procedure half (their words are often not the point of a criterion).
            weight[key] += (0.5 if key.split(":")[0] in _MINOR else 1.0) / len(keys)
            if len(keys) == 1:
                settles[key] += 1
    ranked = sorted(trials, key=lambda k: (-weight[k], -trials[k], k))
    return tuple(
        MissingQuestion(key=k, text=texts[k].text, trials=trials[k], settles=settles[k])
        for k in ranked[:limit]
    )
