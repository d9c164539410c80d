"""Per-patient paired bootstrap intervals of nDCG@10: seeded, paired on the same patients, in
the report and in `trialscout eval`'s output."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import DATA
from trialscout.cli import cli
from trialscout.evaluation.benchmark import (
    BENCHMARKS,
    BOOTSTRAP_RESAMPLES,
    Bm25Ranker,
    EvaluationReport,
    RankedTrial,
    RankerFactory,
    bootstrap_interval,
    read_qrels,
    run_benchmark,
)
from trialscout.evaluation.corpus import BenchmarkTrial

HEALTH_UNIVERSE = DATA / "sigir-trialgpt-format" / "health-universe_sigir_corpus50.jsonl"
CIVAMIDE = "NCT00995306"


def test_two_patients_resampled_give_the_whole_range_and_the_observed_mean() -> None:
    interval = bootstrap_interval({"a": 0.0, "b": 1.0})
    assert interval is not None
    assert (interval.mean, interval.low, interval.high) == (0.5, 0.0, 1.0)
    assert interval.patients == 2 and interval.resamples == BOOTSTRAP_RESAMPLES


def test_a_paired_difference_pairs_patients_and_leaves_out_those_either_lacks() -> None:
    ours = {"a": 0.9, "b": 0.5, "c": 0.7, "d": None}
    theirs = {"a": 0.8, "b": 0.4, "c": 0.6, "d": 0.1, "e": 0.3}
    interval = bootstrap_interval(ours, theirs)
    assert interval is not None and interval.patients == 3
    # every patient gains 0.1: whatever the resample, the mean gain is 0.1
    assert interval.mean == interval.low == interval.high == pytest.approx(0.1)
    assert interval.excludes_zero()
    assert bootstrap_interval(ours, ours) == bootstrap_interval(dict.fromkeys("abc", 0.0))
    assert bootstrap_interval({"d": None}) is None


def test_the_interval_is_seeded_and_narrows_with_more_patients() -> None:
    few = {str(i): float(i % 3 - 1) / 2 for i in range(12)}  # mean 0
    many = {str(i): float(i % 3 - 1) / 2 for i in range(300)}
    first, again = bootstrap_interval(few), bootstrap_interval(few)
    narrow = bootstrap_interval(many)
    assert first == again and first is not None and narrow is not None
    assert first.low < first.mean < first.high and not first.excludes_zero()
    assert narrow.high - narrow.low < (first.high - first.low) / 2
    other_seed = bootstrap_interval(few, seed=7)
    assert other_seed is not None and other_seed != first


class _Reversed:
    """BM25 upside down: a ranker certainly worse than BM25."""

    name = "reversed"

    def __init__(self, corpus: dict[str, BenchmarkTrial]) -> None:
        self._bm25 = Bm25Ranker(corpus)

    def rank(self, query_id: str, query_text: str, candidates: Sequence[BenchmarkTrial]) -> list[RankedTrial]:
        return [
            RankedTrial(r.nct_id, -r.score, -r.eligibility)
            for r in self._bm25.rank(query_id, query_text, candidates)
        ]


class _Oracle:
    """Ranks by the judgments themselves: certainly better than BM25."""

    name = "oracle"

    def __init__(self, qrels: dict[str, dict[str, int]]) -> None:
        self.qrels = qrels

    def rank(self, query_id: str, query_text: str, candidates: Sequence[BenchmarkTrial]) -> list[RankedTrial]:
        judged = self.qrels[query_id]
        return [RankedTrial(c.nct_id, float(judged[c.nct_id]), float(judged[c.nct_id])) for c in candidates]


def test_on_sigir_the_interval_tells_a_real_difference_from_chance() -> None:
    files = BENCHMARKS["sigir"].at(DATA)
    qrels = read_qrels(files.qrels)
    registry: dict[str, RankerFactory] = {
        "bm25": Bm25Ranker,
        "reversed": _Reversed,  # type: ignore[dict-item]
        "oracle": lambda _corpus: _Oracle(qrels),
    }
    report: EvaluationReport = run_benchmark(files, ("reversed", "oracle"), registry=registry)
    bm25, reversed_, oracle = report.rankers
    assert bm25.vs_baseline is None and bm25.ndcg_interval is not None
    own = bm25.ndcg_interval
    assert own.low < (bm25.metrics["ndcg@10"] or 0) < own.high
    assert own.patients == report.coverage.queries_scored
    assert oracle.vs_baseline is not None and oracle.vs_baseline.low > 0
    assert oracle.vs_baseline.mean == pytest.approx(
        (oracle.metrics["ndcg@10"] or 0) - (bm25.metrics["ndcg@10"] or 0)
    )
    # BM25 is at chance on SIGIR's pools: even its reverse order is not reliably worse
    assert reversed_.vs_baseline is not None and not reversed_.vs_baseline.excludes_zero()


def test_eval_shows_the_intervals_in_its_table_and_json(tmp_path: Path) -> None:
    wanted = {CIVAMIDE, "NCT00036491", "NCT01048541"}
    lines = [line for line in HEALTH_UNIVERSE.read_text().splitlines() if json.loads(line)["_id"] in wanted]
    corpus = tmp_path / "trials.jsonl"
    corpus.write_text("\n".join(lines) + "\n")
    queries = tmp_path / "queries.jsonl"
    queries.write_text(
        json.dumps({"_id": "p1", "text": "A 63-year-old man with osteoarthritis of both knees; civamide?"})
        + "\n"
        + json.dumps({"_id": "p2", "text": "A woman with lupus and knee pain."})
        + "\n"
    )
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text(f"p1 {CIVAMIDE} 2\np1 NCT00036491 0\np2 NCT00036491 2\np2 {CIVAMIDE} 1\n")
    files = ["--queries", str(queries), "--qrels", str(qrels), "--corpus", str(corpus)]
    result = CliRunner().invoke(cli, ["eval", *files, "--json"])
    assert result.exit_code == 0, result.stderr
    (report,) = json.loads(result.stdout)
    bm25, ours = report["rankers"]
    assert bm25["vs_baseline"] is None and bm25["ndcg_interval"]["patients"] == 2
    assert ours["vs_baseline"]["low"] <= ours["vs_baseline"]["mean"] <= ours["vs_baseline"]["high"]
    table = CliRunner().invoke(cli, ["eval", *files])
    assert table.exit_code == 0, table.stderr
    assert "95% intervals" in table.stdout
    own = bm25["ndcg_interval"]
    assert f"bm25 {own['low']:.3f}..{own['high']:.3f}" in " ".join(table.stdout.split())
