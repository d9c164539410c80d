"""trialscout's own ranker for the patient-to-trial benchmarks, beside the BM25 baseline, and
the ablation table of its parts.

For each patient description: the profile is extracted from the note (`extract_profile`), every
candidate trial's criteria are checked against it (`check_trial`), and the trials are ranked by
the score `trialscout match` ships (`trialscout.matching.ranking`): relevance (BM25 of the note,
and the profile's diagnosis names, over what the trial is about (`about_text`), scaled, plus
whether the trial is about one of the patient's diagnoses) weighed by the chance the patient is
eligible. The eligibility score alone is what AUROC (eligible versus excluded) is computed on.
No language model.

`run_ablation` runs the ranker with each part of `Components` switched off in turn, sharing the
parsed criteria, the profiles and the checks across the variants.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import msgspec

from trialscout.eligibility.model import ParsedEligibility
from trialscout.eligibility.parse import parse_eligibility
from trialscout.eligibility.split import inclusion_text
from trialscout.evaluation.benchmark import (
    BASELINE,
    TOP,
    BenchmarkFiles,
    Bm25Ranker,
    Coverage,
    Interval,
    RankedTrial,
    RankerFactory,
    run_benchmark,
)
from trialscout.evaluation.corpus import BenchmarkTrial
from trialscout.matching.check import TrialCheck, check_trial
from trialscout.matching.ranking import (
    ALL_COMPONENTS,
    DIAGNOSIS_REPEATS,
    Components,
    relevance_query,
    score_trial,
)
from trialscout.model.patient import PatientProfile
from trialscout.model.trial import Trial
from trialscout.patients.note import extract_profile

#: The parts `trialscout eval` ranks with by default: what `match` ranks with.
EVAL_COMPONENTS = ALL_COMPONENTS


def about_text(trial: Trial) -> str:
    """What a trial is about, for text relevance: its titles, conditions, keywords, MeSH terms,
    interventions (with their other names), summary and detailed description, and its inclusion
    criteria only (`inclusion_text`: what it excludes says little about what it is for)."""
    eligibility = trial.eligibility
    parts = [
        trial.brief_title,
        trial.official_title,
        *trial.conditions,
        *trial.keywords,
        *(m.term for m in trial.condition_mesh_terms),
        *(m.term for m in trial.intervention_mesh_terms),
        *(name for i in trial.interventions for name in (i.name, *i.other_names)),
        trial.brief_summary,
        trial.detailed_description,
        inclusion_text(eligibility.criteria) if eligibility is not None and eligibility.criteria else None,
    ]
    return "\n".join(p for p in parts if p)


TrialText = Callable[[Trial], str]


class RankingCache:
    """What every variant of the ranker on one corpus shares: each trial's parsed criteria, each
    patient's profile, each check (per closed-world reading), and the text index per trial text.
    Kept in memory for one run; nothing is written."""

    def __init__(self) -> None:
        self.parsed: dict[str, ParsedEligibility] = {}
        self.profiles: dict[tuple[str, str], PatientProfile] = {}
        self.checks: dict[tuple[str, str, str, bool], TrialCheck] = {}
        self._indexes: dict[TrialText, tuple[Mapping[str, BenchmarkTrial], Bm25Ranker]] = {}

    def index(self, corpus: Mapping[str, BenchmarkTrial], text: TrialText) -> Bm25Ranker:
        """BM25 over ``text`` of each trial of ``corpus`` (built once per corpus and text)."""
        held = self._indexes.get(text)
        if held is None or held[0] is not corpus:
            documents = {nct: msgspec.structs.replace(t, text=text(t.trial)) for nct, t in corpus.items()}
            held = self._indexes[text] = (corpus, Bm25Ranker(documents))
        return held[1]

    def profile(self, query_id: str, query_text: str) -> PatientProfile:
        key = (query_id, query_text)
        found = self.profiles.get(key)
        if found is None:
            found = self.profiles[key] = extract_profile(query_text, patient_id=query_id).profile
        return found

    def check(
        self,
        query_id: str,
        query_text: str,
        profile: PatientProfile,
        trial: BenchmarkTrial,
        closed_world: bool,
    ) -> TrialCheck:
        key = (query_id, query_text, trial.nct_id, closed_world)
        found = self.checks.get(key)
        if found is None:
            parsed = self.parsed.get(trial.nct_id)
            if parsed is None:
                parsed = self.parsed[trial.nct_id] = parse_eligibility(trial.trial)
            found = self.checks[key] = check_trial(profile, trial.trial, parsed, closed_world=closed_world)
        return found


class TrialscoutRanker:
    """The ranking of `trialscout match` over a benchmark's candidates (see the module).

    ``text`` is the trial text the relevance is computed on (default `about_text`), searched
    with `relevance_query` (the diagnosis names ``diagnosis_repeats`` times); ``cache`` shares
    parses, profiles and checks with other rankers on the same corpus."""

    def __init__(
        self,
        corpus: Mapping[str, BenchmarkTrial],
        components: Components = EVAL_COMPONENTS,
        *,
        name: str = "trialscout",
        text: TrialText = about_text,
        diagnosis_repeats: int = DIAGNOSIS_REPEATS,
        cache: RankingCache | None = None,
    ) -> None:
        self.diagnosis_repeats = diagnosis_repeats
        self.name = name
        self.components = components
        self._corpus = corpus
        self._text = text
        self._cache = cache if cache is not None else RankingCache()

    def rank(self, query_id: str, query_text: str, candidates: Sequence[BenchmarkTrial]) -> list[RankedTrial]:
        profile = self._cache.profile(query_id, query_text)
        index = self._cache.index(self._corpus, self._text)
        query = relevance_query(query_text, profile, self.components, self.diagnosis_repeats)
        relevance = {r.nct_id: r.score for r in index.rank(query_id, query, candidates)}
        top = max(relevance.values(), default=0.0) or 1.0
        closed_world = self.components.closed_world
        ranked = []
        for candidate in candidates:
            check = self._cache.check(query_id, query_text, profile, candidate, closed_world)
            share = relevance.get(candidate.nct_id, 0.0) / top
            scores = score_trial(profile, candidate.trial, check, text=share, components=self.components)
            # without the eligibility part, what AUROC measures is the score itself (as for BM25)
            eligibility = scores.eligibility if self.components.eligibility else scores.total
            ranked.append(RankedTrial(nct_id=candidate.nct_id, score=scores.total, eligibility=eligibility))
        ranked.sort(key=lambda r: (-r.score, r.nct_id))
        return ranked


#: Every ranker `trialscout eval` knows, and those it runs by default (BM25 always runs too).
RANKERS: dict[str, RankerFactory] = {"bm25": Bm25Ranker, "trialscout": TrialscoutRanker}
DEFAULT_RANKERS = ("trialscout",)


# --- the ablation -------------------------------------------------------------------------------


def ablation_variants() -> dict[str, Components]:
    """The variants of the ablation by label: all parts, each part of `Components` off in
    turn, and the text relevance alone."""
    fields = Components.__struct_fields__
    variants = {"all": ALL_COMPONENTS}
    for name in fields:
        flipped = Components(**{name: not getattr(ALL_COMPONENTS, name)})
        variants[flipped.label()] = flipped
    variants["text only"] = Components(**{name: name == "text" for name in fields})
    return variants


#: The figures the ablation table shows.
ABLATION_METRICS = (f"ndcg@{TOP}", f"p@{TOP}", "auroc")


class AblationRow(msgspec.Struct, frozen=True, kw_only=True):
    """One variant's figures: nDCG@10 with its interval, the paired interval of its difference
    from all parts on, P@10 and AUROC."""

    variant: str
    components: Components | None  # None for the BM25 baseline
    metrics: dict[str, float | None]
    ndcg_interval: Interval | None
    vs_all: Interval | None  # None for "all" itself
    seconds: float


class Ablation(msgspec.Struct, frozen=True, kw_only=True):
    """The ablation on one benchmark: BM25, then every variant of `ablation_variants`."""

    benchmark: str
    coverage: Coverage
    rows: tuple[AblationRow, ...]
    seconds: float


def run_ablation(
    files: BenchmarkFiles,
    variants: Mapping[str, Components] | None = None,
    *,
    run_dir: Path | None = None,
) -> Ablation:
    """Run trialscout's ranker on one benchmark once per variant (default `ablation_variants`),
    beside BM25, each on the same candidates; parses, profiles and checks are shared. Raises
    BenchmarkInputError for a file that cannot be read."""
    started = time.perf_counter()
    chosen = dict(ablation_variants() if variants is None else variants)
    cache = RankingCache()

    def factory(label: str, components: Components) -> RankerFactory:
        return lambda corpus: TrialscoutRanker(corpus, components, name=label, cache=cache)

    registry: dict[str, RankerFactory] = {BASELINE: Bm25Ranker}
    registry.update({label: factory(label, c) for label, c in chosen.items()})
    report = run_benchmark(files, tuple(chosen), registry=registry, run_dir=run_dir)
    reference = report.scores("all") or report.scores(next(iter(chosen), BASELINE))
    rows = []
    for scores in report.rankers:
        rows.append(
            AblationRow(
                variant=scores.ranker,
                components=chosen.get(scores.ranker) if scores.ranker != BASELINE else None,
                metrics={m: scores.metrics.get(m) for m in ABLATION_METRICS},
                ndcg_interval=scores.ndcg_interval,
                vs_all=scores.interval_against(reference)
                if reference is not None and scores is not reference
                else None,
                seconds=scores.seconds,
            )
        )
    return Ablation(
        benchmark=report.benchmark,
        coverage=report.coverage,
        rows=tuple(rows),
        seconds=time.perf_counter() - started,
    )


def ablation_markdown(ablations: Sequence[Ablation]) -> str:
    """The ablation tables as markdown (one per benchmark), to paste into the docs."""
    out: list[str] = []
    for ablation in ablations:
        c = ablation.coverage
        out += [
            f"**{ablation.benchmark}** ({c.queries_scored} patients for nDCG, {c.pairs_with_text:,} judged"
            f" pairs with text; nDCG@10 intervals: 95%, paired per-patient bootstrap)",
            "",
            "| variant | nDCG@10 | 95% interval | vs all | 95% interval of the difference | P@10 | AUROC |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for row in ablation.rows:
            own, diff = row.ndcg_interval, row.vs_all
            out.append(
                "| "
                + " | ".join(
                    [
                        row.variant,
                        _number(row.metrics.get(f"ndcg@{TOP}")),
                        f"{own.low:.3f} to {own.high:.3f}" if own is not None else "-",
                        f"{diff.mean:+.3f}" if diff is not None else "-",
                        f"{diff.low:+.3f} to {diff.high:+.3f}" if diff is not None else "-",
                        _number(row.metrics.get(f"p@{TOP}")),
                        _number(row.metrics.get("auroc")),
                    ]
                )
                + " |"
            )
        out.append("")
    if ablations:
        out += [
            "'all' is what `match` and `trialscout eval` rank with; each variant switches one part of"
            " the score (`Components`) off, or on for the closed-world reading that `match` leaves off;"
            " 'text only' keeps the text relevance alone. The benchmarks give no place, so distance"
            " changes nothing.",
            "",
        ]
    return "\n".join(out)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
