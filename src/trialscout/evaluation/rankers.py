"""trialscout's own ranker for the patient-to-trial benchmarks, beside the BM25 baseline.

For each patient description: the profile is extracted from the note (`extract_profile`), every
candidate trial's criteria are checked against it (`check_trial`), and the trials are ranked by
the score `trialscout match` ships (`trialscout.matching.ranking`): relevance (the same BM25 as
the baseline, scaled, plus whether the trial is about one of the patient's diagnoses) weighed by
the chance the patient is eligible. The eligibility score alone is what AUROC (eligible versus
excluded) is computed on. No language model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from trialscout.eligibility.model import ParsedEligibility
from trialscout.eligibility.parse import parse_eligibility
from trialscout.evaluation.benchmark import Bm25Ranker, RankedTrial, RankerFactory
from trialscout.evaluation.corpus import BenchmarkTrial
from trialscout.matching.check import check_trial
from trialscout.matching.ranking import ALL_COMPONENTS, Components, score_trial
from trialscout.patients.note import extract_profile


class TrialscoutRanker:
    name = "trialscout"

    def __init__(self, corpus: Mapping[str, BenchmarkTrial], components: Components = ALL_COMPONENTS) -> None:
        self.components = components
        self._bm25 = Bm25Ranker(corpus)
        self._parsed: dict[str, ParsedEligibility] = {}

    def _parse(self, trial: BenchmarkTrial) -> ParsedEligibility:
        parsed = self._parsed.get(trial.nct_id)
        if parsed is None:
            parsed = self._parsed[trial.nct_id] = parse_eligibility(trial.trial)
        return parsed

    def rank(self, query_id: str, query_text: str, candidates: Sequence[BenchmarkTrial]) -> list[RankedTrial]:
        profile = extract_profile(query_text, patient_id=query_id).profile
        baseline = {r.nct_id: r.score for r in self._bm25.rank(query_id, query_text, candidates)}
        top = max(baseline.values(), default=0.0) or 1.0
        ranked = []
        for candidate in candidates:
            check = check_trial(profile, candidate.trial, self._parse(candidate))
            share = baseline.get(candidate.nct_id, 0.0) / top
            scores = score_trial(profile, candidate.trial, check, text=share, components=self.components)
            ranked.append(
                RankedTrial(nct_id=candidate.nct_id, score=scores.total, eligibility=scores.eligibility)
            )
        ranked.sort(key=lambda r: (-r.score, r.nct_id))
        return ranked


#: Every ranker `trialscout eval` knows, and those it runs by default (BM25 always runs too).
RANKERS: dict[str, RankerFactory] = {"bm25": Bm25Ranker, "trialscout": TrialscoutRanker}
DEFAULT_RANKERS = ("trialscout",)
