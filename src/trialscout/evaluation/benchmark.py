"""Patient-to-trial benchmarks: re-rank each patient's judged trials, score the rankings.

A benchmark is three files: patients (JSON lines ``{_id, text}``), judgments (``query-id
corpus-id score``; 0 = not relevant, 1 = excluded, 2 = eligible) and a trial corpus (see
`corpus`). Only part of the judged trials have text, so each ranker re-ranks, per patient, the
judged trials whose text is available (the *candidates*), and every figure is reported beside
the BM25 baseline computed on the same candidates in the same run:

- nDCG@10 with the judgments as gains, over patients with a candidate judged 1 or 2;
- P@10 and recall@k of the eligible trials (judged 2), over patients with an eligible candidate;
- AUROC of the rankers' ``eligibility`` for eligible (2) against excluded (1), pooled over all
  (patient, trial) pairs, and its mean over patients having both labels;
- for nDCG@10, a 95% interval from a seeded per-patient bootstrap (`bootstrap_interval`): of
  the ranker's own mean, and of its paired difference from BM25 on the same patients.

Rankings order trials by score, ties as trec_eval orders them (higher NCT ID first), so that the
TREC run files written here give the same numbers in trec_eval. Expected scores
(``expected_scores.json``, pyserini's regression files) record what each ranker reached;
`check_expected` lists what dropped below.

    trialscout eval sigir                  # the named benchmarks: sigir, trec_2022, all
    trialscout eval --queries Q --qrels R --corpus C ...   # any benchmark in these formats
"""

from __future__ import annotations

import math
import os
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Protocol

import msgspec
import orjson
import tantivy

from trialscout.errors import BenchmarkInputError
from trialscout.evaluation.corpus import BenchmarkTrial, read_corpus
from trialscout.evaluation.metrics import auroc, mean, ndcg_at, precision_at, recall_at
from trialscout.settings import read_settings

ELIGIBLE = 2
EXCLUDED = 1
#: The cut-off of nDCG and precision.
TOP = 10
DEFAULT_KS = (10, 25)

# --- patients and judgments ---------------------------------------------------------------------


class QuerySet(msgspec.Struct, frozen=True):
    """Patient descriptions by query ID, and the lines that could not be read (skipped)."""

    queries: dict[str, str]
    problems: tuple[str, ...] = ()


def read_queries(path: str | os.PathLike[str]) -> QuerySet:
    """JSON lines ``{"_id": ..., "text": ...}``. A malformed line is reported and skipped.

    Raises BenchmarkInputError when the file is missing or holds no usable line.
    """
    p = Path(path)
    queries: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(_lines(p, "patients"), start=1):
        if not line.strip():
            continue
        where = f"{p}, line {number}"
        try:
            doc = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            problems.append(f"{where}: malformed JSON ({exc}); skipped")
            continue
        query_id = doc.get("_id") if isinstance(doc, dict) else None
        text = doc.get("text") if isinstance(doc, dict) else None
        if not isinstance(query_id, (str, int)) or not isinstance(text, str) or not text.strip():
            problems.append(f'{where}: expected {{"_id": ..., "text": "..."}} with a text; skipped')
            continue
        if str(query_id) in queries:
            problems.append(f"{where}: query {query_id} appears again; the first one is kept")
            continue
        queries[str(query_id)] = text
    if not queries:
        raise BenchmarkInputError(f'{p} holds no patient descriptions (JSON lines {{"_id", "text"}})')
    return QuerySet(queries, tuple(problems))


def read_qrels(path: str | os.PathLike[str]) -> dict[str, dict[str, int]]:
    """Judgments ``query-id corpus-id score`` (tab or space separated, header line optional;
    the four-column TREC form ``query-id 0 corpus-id score`` too) -> {query: {trial: score}}.

    Raises BenchmarkInputError, naming the line, for a missing file or a malformed line.
    """
    p = Path(path)
    qrels: dict[str, dict[str, int]] = {}
    for number, line in enumerate(_lines(p, "judgments"), start=1):
        fields = line.split()
        if not fields:
            continue
        score = _int(fields[-1]) if len(fields) in (3, 4) else None
        if score is None:
            if number == 1 and len(fields) in (3, 4):
                continue  # a header ("query-id corpus-id score")
            raise BenchmarkInputError(
                f"{p}, line {number}: expected 'query-id corpus-id score' (a whole-number score),"
                f" found {line.strip()[:80]!r}"
            )
        qrels.setdefault(fields[0], {})[fields[-2]] = score
    if not qrels:
        raise BenchmarkInputError(f"{p} holds no judgments ('query-id corpus-id score' lines)")
    return qrels


def _lines(path: Path, what: str) -> list[str]:
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise BenchmarkInputError(f"{what} file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BenchmarkInputError(f"cannot read the {what} file {path}: {exc}") from exc


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


# --- rankers ------------------------------------------------------------------------------------


class RankedTrial(msgspec.Struct, frozen=True):
    """A ranker's answer for one candidate trial of one patient."""

    nct_id: str
    score: float  # orders the trials for this patient (higher first)
    eligibility: float  # how likely the patient is eligible (used for AUROC); comparable across patients


class Ranker(Protocol):
    """Ranks one patient's candidate trials; returns one `RankedTrial` per candidate."""

    name: str

    def rank(
        self, query_id: str, query_text: str, candidates: Sequence[BenchmarkTrial]
    ) -> list[RankedTrial]: ...


#: Builds a ranker for one corpus (once per benchmark run).
RankerFactory = Callable[[Mapping[str, BenchmarkTrial]], Ranker]

_WORD = re.compile(r"[^\W_]+")


def patient_words(text: str) -> list[str]:
    """Lowercase alphanumeric words, in order, repeats kept (any character is safe)."""
    return _WORD.findall(text.lower())


class Bm25Ranker:
    """The baseline: BM25 (tantivy's, k1 = 1.2, b = 0.75) of the patient's words against each
    candidate's text, every word of the description counted as often as it occurs.

    The corpus is indexed once, in memory; statistics (document frequencies, lengths) come from
    the whole corpus given (for `run_benchmark`, the benchmark's judged trials with text), and
    only the patient's candidates are scored; a candidate sharing no word scores 0.
    Eligibility = the score.
    """

    name = "bm25"

    def __init__(self, corpus: Mapping[str, BenchmarkTrial]) -> None:
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("nct_id", stored=True, tokenizer_name="raw", index_option="basic")
        # tantivy's "default" analyzer: alphanumeric words, lowercased (as `patient_words`).
        builder.add_text_field("text", tokenizer_name="default", index_option="freq")
        self._schema = builder.build()
        index = tantivy.Index(self._schema)
        writer = index.writer(heap_size=64_000_000, num_threads=1)
        for trial in corpus.values():
            writer.add_document(tantivy.Document(nct_id=trial.nct_id, text=trial.text))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        self._searcher = index.searcher()

    def rank(self, query_id: str, query_text: str, candidates: Sequence[BenchmarkTrial]) -> list[RankedTrial]:
        ids = [c.nct_id for c in candidates]
        scores = dict.fromkeys(ids, 0.0)
        counts = Counter(patient_words(query_text))
        if ids and counts:
            words = [
                (
                    tantivy.Occur.Should,
                    tantivy.Query.boost_query(tantivy.Query.term_query(self._schema, "text", w), float(n)),
                )
                for w, n in sorted(counts.items())
            ]
            only = tantivy.Query.const_score_query(
                tantivy.Query.term_set_query(self._schema, "nct_id", ids), 0.0
            )
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, only), (tantivy.Occur.Must, tantivy.Query.boolean_query(words))]
            )
            for score, address in self._searcher.search(query, limit=len(ids)).hits:
                nct = self._searcher.doc(address)["nct_id"][0]
                scores[nct] = float(score)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return [RankedTrial(nct_id=nct, score=s, eligibility=s) for nct, s in ranked]


#: The rankers `trialscout eval --ranker NAME` can run; registering one is one line.
RANKERS: dict[str, RankerFactory] = {"bm25": Bm25Ranker}
#: Every run includes it, and every figure is shown beside it.
BASELINE = "bm25"


# --- evaluation ---------------------------------------------------------------------------------


def metric_names(ks: Sequence[int] = DEFAULT_KS) -> tuple[str, ...]:
    """The reported metrics, in the order they are shown."""
    return (f"ndcg@{TOP}", f"p@{TOP}", *(f"recall@{k}" for k in ks), "auroc", "auroc_per_patient")


class Coverage(msgspec.Struct, frozen=True, kw_only=True):
    """How much of the benchmark the corpus lets a ranker see."""

    queries: int  # patients with a description and judgments
    queries_with_candidates: int  # ... and at least one judged trial with text
    queries_scored: int  # ... with a candidate judged 1 or 2 (nDCG is averaged over these)
    queries_with_eligible: int  # ... with a candidate judged 2 (P@10 and recall over these)
    queries_with_both: int  # ... with candidates judged 2 and 1 (per-patient AUROC over these)
    queries_without_text: int  # judged patients missing from the patients file
    judged_pairs: int  # every judgment of the judgments file
    pairs_with_text: int  # judgments of those patients whose trial is in the corpus: the candidates
    eligible_pairs: int
    excluded_pairs: int
    candidates_by_origin: dict[str, int]

    @property
    def text_share(self) -> float:
        return self.pairs_with_text / self.judged_pairs if self.judged_pairs else 0.0


#: Bootstrap resamples of the patients, and the seed that makes every run give the same intervals.
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20261202


class Interval(msgspec.Struct, frozen=True, kw_only=True):
    """A mean over patients (or a mean paired difference) and its 95% bootstrap interval:
    the 2.5th and 97.5th percentiles of the means of ``resamples`` resamples of the patients,
    drawn with replacement."""

    mean: float
    low: float
    high: float
    patients: int
    resamples: int

    def excludes_zero(self) -> bool:
        """Whether the interval lies wholly on one side of 0 (for a difference: it is not chance)."""
        return self.low > 0 or self.high < 0


def bootstrap_interval(
    values: Mapping[str, float | None],
    against: Mapping[str, float | None] | None = None,
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Interval | None:
    """The mean of ``values`` (per patient), or with ``against`` the mean of the paired
    differences ``values[q] - against[q]`` over the patients both define, with its 95%
    percentile interval from a seeded bootstrap over those patients. None without a patient.

    The same seed and the same patients draw the same resamples, so the intervals of several
    rankers against one baseline are paired the same way."""
    keys = sorted(
        q for q, v in values.items() if v is not None and (against is None or against.get(q) is not None)
    )
    if not keys:
        return None
    points = [
        float(values[q] or 0.0) - (float(against[q] or 0.0) if against is not None else 0.0) for q in keys
    ]
    n = len(points)
    draw = random.Random(seed)
    means = sorted(sum(draw.choices(points, k=n)) / n for _ in range(resamples))
    return Interval(
        mean=sum(points) / n,
        low=_percentile(means, 0.025),
        high=_percentile(means, 0.975),
        patients=n,
        resamples=resamples,
    )


def _percentile(ordered: Sequence[float], share: float) -> float:
    """The ``share`` percentile of sorted values, interpolated between neighbours (numpy's default)."""
    position = share * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


class RankerScores(msgspec.Struct, frozen=True, kw_only=True):
    """One ranker's figures on one benchmark, overall and per patient."""

    ranker: str
    metrics: dict[str, float | None]
    per_query: dict[str, dict[str, float | None]]
    seconds: float  # building the ranker and ranking every patient
    # nDCG@10's bootstrap interval, and that of its paired difference from the baseline (None
    # for the baseline itself)
    ndcg_interval: Interval | None = None
    vs_baseline: Interval | None = None

    def interval_against(self, other: RankerScores, metric: str = f"ndcg@{TOP}") -> Interval | None:
        """The paired bootstrap interval of this ranker's ``metric`` minus ``other``'s, per patient."""
        return bootstrap_interval(_per_patient(self, metric), _per_patient(other, metric))


def _per_patient(scores: RankerScores, metric: str) -> dict[str, float | None]:
    return {q: values.get(metric) for q, values in scores.per_query.items()}


class CorpusSummary(msgspec.Struct, frozen=True, kw_only=True):
    """Where the benchmark's trials were read, and what could not be read."""

    paths: tuple[str, ...]
    trials: int
    origins: dict[str, int]
    replaced_trialgpt: int
    rejected: int
    skipped_files: int


#: How many random orders the random baseline averages (each seeded: the same figures every run).
RANDOM_ORDERS = 20


class RandomBaseline(msgspec.Struct, frozen=True, kw_only=True):
    """Each patient's candidates in a random order, ``orders`` times: what a ranker that knows
    nothing scores on these pools. Small pools with many relevant trials score high by chance
    (SIGIR's), so a ranker's figures mean something only beside this one."""

    orders: int
    metrics: dict[str, float | None]  # the mean over the orders
    low: dict[str, float | None]  # the lowest of the orders
    high: dict[str, float | None]  # the highest


def random_baseline(
    candidates: Mapping[str, Sequence[BenchmarkTrial]],
    qrels: Mapping[str, Mapping[str, int]],
    ks: Sequence[int] = DEFAULT_KS,
    *,
    orders: int = RANDOM_ORDERS,
) -> RandomBaseline:
    """The figures of ``orders`` seeded random orders of every patient's candidates (the
    eligibility used for AUROC is random too)."""
    runs: list[dict[str, float | None]] = []
    for seed in range(orders):
        rankings: dict[str, list[RankedTrial]] = {}
        for q, cs in candidates.items():
            if not cs:
                continue
            draw = random.Random(f"{seed}:{q}")
            order = [c.nct_id for c in cs]
            draw.shuffle(order)
            rankings[q] = [
                RankedTrial(nct_id=nct, score=float(len(order) - i), eligibility=draw.random())
                for i, nct in enumerate(order)
            ]
        runs.append(_score("random", rankings, qrels, ks, 0.0).metrics)
    names = metric_names(ks)

    def values(name: str) -> list[float]:
        return [v for run in runs if (v := run.get(name)) is not None]

    return RandomBaseline(
        orders=orders,
        metrics={n: mean(values(n)) for n in names},
        low={n: min(values(n), default=None) for n in names},
        high={n: max(values(n), default=None) for n in names},
    )


class EvaluationReport(msgspec.Struct, frozen=True, kw_only=True):
    """The figures of every ranker on one benchmark, with its coverage."""

    benchmark: str
    coverage: Coverage
    rankers: tuple[RankerScores, ...]
    baseline: str = BASELINE
    run_files: tuple[str, ...] = ()
    corpus: CorpusSummary | None = None
    problems: tuple[str, ...] = ()
    seconds: float = 0.0
    random: RandomBaseline | None = None  # the chance level of these pools

    def scores(self, ranker: str) -> RankerScores | None:
        return next((r for r in self.rankers if r.ranker == ranker), None)


def evaluate(
    queries: Mapping[str, str],
    qrels: Mapping[str, Mapping[str, int]],
    corpus: Mapping[str, BenchmarkTrial],
    rankers: Sequence[RankerFactory],
    *,
    run_dir: Path | None = None,
    ks: Sequence[int] = DEFAULT_KS,
    benchmark: str = "benchmark",
) -> EvaluationReport:
    """Re-rank each patient's judged trials that have text with every ranker; score them.

    ``queries``: patient text by query ID; ``qrels``: {query: {NCT ID: 0/1/2}}. With
    ``run_dir``, each ranker's rankings are written there as a TREC run file
    (``<benchmark>-<ranker>.run``). Raises ValueError when a ranker does not return exactly
    one answer per candidate.
    """
    started = time.perf_counter()
    candidates = {
        q: [corpus[nct] for nct in sorted(judged) if nct in corpus]
        for q, judged in sorted(qrels.items())
        if q in queries
    }
    judged_with_text = [qrels[q][c.nct_id] for q, cs in candidates.items() for c in cs]
    coverage = Coverage(
        queries=len(candidates),
        queries_with_candidates=sum(1 for cs in candidates.values() if cs),
        queries_scored=sum(1 for q, cs in candidates.items() if any(qrels[q][c.nct_id] > 0 for c in cs)),
        queries_with_eligible=sum(
            1 for q, cs in candidates.items() if any(qrels[q][c.nct_id] == ELIGIBLE for c in cs)
        ),
        queries_with_both=sum(
            1 for q, cs in candidates.items() if {ELIGIBLE, EXCLUDED} <= {qrels[q][c.nct_id] for c in cs}
        ),
        queries_without_text=sum(1 for q in qrels if q not in queries),
        judged_pairs=sum(len(judged) for judged in qrels.values()),
        pairs_with_text=len(judged_with_text),
        eligible_pairs=judged_with_text.count(ELIGIBLE),
        excluded_pairs=judged_with_text.count(EXCLUDED),
        candidates_by_origin=dict(
            sorted(Counter(c.origin.value for cs in candidates.values() for c in cs).items())
        ),
    )
    results: list[RankerScores] = []
    run_files: list[str] = []
    for factory in rankers:
        ranker_started = time.perf_counter()
        ranker = factory(corpus)
        rankings = {
            q: _checked_ranking(ranker, q, cs, ranker.rank(q, queries[q], cs))
            for q, cs in candidates.items()
            if cs
        }
        seconds = time.perf_counter() - ranker_started
        results.append(_score(ranker.name, rankings, qrels, ks, seconds))
        if run_dir is not None:
            run_files.append(
                str(write_run(run_dir / f"{benchmark}-{ranker.name}.run", ranker.name, rankings))
            )
    return EvaluationReport(
        benchmark=benchmark,
        coverage=coverage,
        rankers=with_intervals(results),
        run_files=tuple(run_files),
        seconds=time.perf_counter() - started,
        random=random_baseline(candidates, qrels, ks),
    )


def with_intervals(results: Sequence[RankerScores], baseline: str = BASELINE) -> tuple[RankerScores, ...]:
    """Each ranker's figures with nDCG@10's bootstrap intervals: its own, and its paired
    difference from ``baseline`` (when that ranker is among them)."""
    base = next((r for r in results if r.ranker == baseline), None)
    return tuple(
        msgspec.structs.replace(
            r,
            ndcg_interval=bootstrap_interval(_per_patient(r, f"ndcg@{TOP}")),
            vs_baseline=r.interval_against(base) if base is not None and r is not base else None,
        )
        for r in results
    )


def _checked_ranking(
    ranker: Ranker, query_id: str, candidates: Sequence[BenchmarkTrial], ranked: Sequence[RankedTrial]
) -> list[RankedTrial]:
    """The answers in rank order (score, then as trec_eval breaks ties: higher NCT ID first)."""
    expected = {c.nct_id for c in candidates}
    answered = [r.nct_id for r in ranked]
    if len(answered) != len(set(answered)) or set(answered) != expected:
        missing, extra = expected - set(answered), set(answered) - expected
        raise ValueError(
            f"ranker {ranker.name!r} must answer once for each of the {len(expected)} candidates of"
            f" {query_id}: {len(missing)} missing, {len(extra)} not candidates,"
            f" {len(answered) - len(set(answered))} repeated"
        )
    for r in ranked:
        if not (math.isfinite(r.score) and math.isfinite(r.eligibility)):
            raise ValueError(f"ranker {ranker.name!r} gave {r.nct_id} a non-finite score for {query_id}")
    return sorted(ranked, key=lambda r: (r.score, r.nct_id), reverse=True)


def _score(
    name: str,
    rankings: Mapping[str, Sequence[RankedTrial]],
    qrels: Mapping[str, Mapping[str, int]],
    ks: Sequence[int],
    seconds: float,
) -> RankerScores:
    per_query: dict[str, dict[str, float | None]] = {}
    pooled_positive: list[float] = []
    pooled_negative: list[float] = []
    for q, ranking in rankings.items():
        gains = [qrels[q][r.nct_id] for r in ranking]
        eligible = [g == ELIGIBLE for g in gains]
        has_eligible = any(eligible)
        positives = [r.eligibility for r, g in zip(ranking, gains, strict=True) if g == ELIGIBLE]
        negatives = [r.eligibility for r, g in zip(ranking, gains, strict=True) if g == EXCLUDED]
        pooled_positive += positives
        pooled_negative += negatives
        per_query[q] = {
            f"ndcg@{TOP}": ndcg_at(gains, gains, TOP),
            f"p@{TOP}": precision_at(eligible, TOP) if has_eligible else None,
            **{f"recall@{k}": recall_at(eligible, k) for k in ks},
            "auroc": auroc(positives, negatives),
        }
    metrics: dict[str, float | None] = {
        m: mean(values[m] for values in per_query.values()) for m in metric_names(ks)[:-2]
    }
    metrics["auroc"] = auroc(pooled_positive, pooled_negative)
    metrics["auroc_per_patient"] = mean(values["auroc"] for values in per_query.values())
    return RankerScores(ranker=name, metrics=metrics, per_query=per_query, seconds=seconds)


# --- run files ----------------------------------------------------------------------------------


def write_run(path: Path, run_name: str, rankings: Mapping[str, Sequence[RankedTrial]]) -> Path:
    """A TREC run file: ``query-id Q0 NCT rank score run-name``, ranks from 1, best first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for q in sorted(rankings):
            for rank, r in enumerate(rankings[q], start=1):
                out.write(f"{q} Q0 {r.nct_id} {rank} {float(r.score)!r} {run_name}\n")
    return path


class RunLine(msgspec.Struct, frozen=True):
    query_id: str
    nct_id: str
    rank: int
    score: float
    run_name: str


def read_run(path: str | os.PathLike[str]) -> dict[str, list[RunLine]]:
    """A TREC run file -> its lines by query, in rank order. Raises BenchmarkInputError."""
    p = Path(path)
    runs: dict[str, list[RunLine]] = {}
    for number, line in enumerate(_lines(p, "run"), start=1):
        fields = line.split()
        if not fields:
            continue
        try:
            q, _q0, nct, rank, score, name = fields
            entry = RunLine(q, nct, int(rank), float(score), name)
        except ValueError:
            raise BenchmarkInputError(
                f"{p}, line {number}: expected 'query-id Q0 doc-id rank score run-name'"
            ) from None
        runs.setdefault(q, []).append(entry)
    return {q: sorted(lines, key=lambda r: r.rank) for q, lines in runs.items()}


# --- expected scores ----------------------------------------------------------------------------

#: The expected scores packaged beside this module.
EXPECTED_SCORES = "expected_scores.json"


class ExpectedScores(msgspec.Struct, frozen=True, kw_only=True):
    """Measured scores per benchmark and ranker; a check fails below score - tolerance."""

    tolerance: float
    scores: dict[str, dict[str, dict[str, float]]]
    about: str = ""


def load_expected(path: str | os.PathLike[str] | None = None) -> ExpectedScores:
    """The expected scores in ``path``, by default the packaged ``expected_scores.json``."""
    try:
        if path is None:
            data = resources.files("trialscout.evaluation").joinpath(EXPECTED_SCORES).read_bytes()
        else:
            data = Path(path).read_bytes()
        return msgspec.json.decode(data, type=ExpectedScores)
    except (OSError, msgspec.DecodeError) as exc:
        shown = EXPECTED_SCORES if path is None else path
        raise BenchmarkInputError(f"cannot read the expected scores {shown}: {exc}") from exc


def check_expected(report: EvaluationReport, expected: ExpectedScores) -> list[str]:
    """One line per metric that dropped below what was expected; empty when all hold.

    Rankers and benchmarks without expectations are not checked.
    """
    failures: list[str] = []
    for ranker, wanted in expected.scores.get(report.benchmark, {}).items():
        scores = report.scores(ranker)
        if scores is None:
            continue
        for metric, value in wanted.items():
            measured = scores.metrics.get(metric)
            if measured is None:
                failures.append(f"{report.benchmark} {ranker} {metric}: not measured (expected {value:.4f})")
            elif measured < value - expected.tolerance:
                failures.append(
                    f"{report.benchmark} {ranker} {metric}: {measured:.4f} is below the expected"
                    f" {value:.4f} (tolerance {expected.tolerance})"
                )
    return failures


# --- named benchmarks ---------------------------------------------------------------------------


class BenchmarkFiles(msgspec.Struct, frozen=True):
    """Where one benchmark's patients, judgments and trial corpus are."""

    name: str
    queries: Path
    qrels: Path
    corpus: tuple[Path, ...]


class NamedBenchmark(msgspec.Struct, frozen=True):
    """A benchmark of the shared data folder, its paths relative to that folder."""

    name: str
    queries: str
    qrels: str
    corpus: tuple[str, ...]

    def at(self, root: Path) -> BenchmarkFiles:
        return BenchmarkFiles(
            self.name, root / self.queries, root / self.qrels, tuple(root / c for c in self.corpus)
        )


#: Trial texts for the benchmark patients: all TrialGPT-format files and the registry records
#: of the data folder. Using every file for both benchmarks gives the most candidates (SIGIR
#: judged trials also appear in TREC 2022 and back); trec2023-xml-sample holds none of them.
DEFAULT_CORPUS = (
    "sigir-trialgpt-format",
    "trialgpt/deepadsc-fork/trec_2022_corpus_subset99.jsonl",
    "ctgov-api-v2-exports",
    "aact-fixtures",
    "ctgov-xml-2023-slice/ctgov_legacy_xml_6786.zip",
)


def _trialgpt(name: str) -> NamedBenchmark:
    folder = f"trialgpt/dataset/{name}"
    return NamedBenchmark(name, f"{folder}/queries.jsonl", f"{folder}/qrels/test.tsv", DEFAULT_CORPUS)


BENCHMARKS: dict[str, NamedBenchmark] = {"sigir": _trialgpt("sigir"), "trec_2022": _trialgpt("trec_2022")}


def data_root(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The shared data folder: ``explicit``, else the data setting ($TRIALSCOUT_DATA, else
    ../shared/data; see `trialscout.settings`)."""
    return Path(explicit or read_settings().data)


def run_benchmark(
    files: BenchmarkFiles,
    rankers: Sequence[str] = (),
    *,
    registry: Mapping[str, RankerFactory] | None = None,
    run_dir: Path | None = None,
    ks: Sequence[int] = DEFAULT_KS,
) -> EvaluationReport:
    """Read a benchmark's files and evaluate the named rankers on it, BM25 always included.

    Names are looked up in ``registry`` (default `RANKERS`). Raises BenchmarkInputError for an
    unknown ranker or a file that cannot be read.
    """
    known = RANKERS if registry is None else registry
    unknown = [name for name in [BASELINE, *rankers] if name not in known]
    if unknown:
        raise BenchmarkInputError(f"unknown ranker {unknown[0]!r}; known rankers: {', '.join(sorted(known))}")
    names = list(dict.fromkeys([BASELINE, *rankers]))
    started = time.perf_counter()
    query_set = read_queries(files.queries)
    qrels = read_qrels(files.qrels)
    corpus = read_corpus(files.corpus, only={nct for judged in qrels.values() for nct in judged})
    report = evaluate(
        query_set.queries,
        qrels,
        corpus.trials,
        [known[name] for name in names],
        run_dir=run_dir,
        ks=ks,
        benchmark=files.name,
    )
    summary = CorpusSummary(
        paths=tuple(str(p) for p in files.corpus),
        trials=len(corpus.trials),
        origins=corpus.origins,
        replaced_trialgpt=corpus.replaced_trialgpt,
        rejected=len(corpus.rejected),
        skipped_files=corpus.skipped_files,
    )
    return msgspec.structs.replace(
        report, corpus=summary, problems=query_set.problems, seconds=time.perf_counter() - started
    )


def benchmark_files(
    name: str | None = None,
    *,
    root: Path | None = None,
    queries: Path | None = None,
    qrels: Path | None = None,
    corpus: Sequence[Path] = (),
) -> list[BenchmarkFiles]:
    """The benchmarks to run: a named one (or "all", the default), or the files given.

    ``queries`` and ``qrels`` describe a benchmark of one's own (named "custom"); ``corpus``
    replaces the default corpus (all trial texts of the data folder ``root``) for either.
    Raises BenchmarkInputError for an unknown name or half a benchmark.
    """
    root = data_root(root)
    default_corpus = tuple(corpus) or tuple(root / c for c in DEFAULT_CORPUS)
    if queries is not None or qrels is not None:
        if queries is None or qrels is None:
            raise BenchmarkInputError("a benchmark of your own needs both --queries and --qrels")
        if name is not None:
            raise BenchmarkInputError(f"give either a benchmark name ({name}) or --queries/--qrels, not both")
        return [BenchmarkFiles("custom", queries, qrels, default_corpus)]
    if name in (None, "all"):
        names = list(BENCHMARKS)
    elif name in BENCHMARKS:
        names = [name]
    else:
        raise BenchmarkInputError(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}, all")
    named = [BENCHMARKS[n].at(root) for n in names]
    return [msgspec.structs.replace(f, corpus=tuple(corpus)) if corpus else f for f in named]
