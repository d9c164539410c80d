"""trialscout's ranker on the real benchmarks: it holds its recorded scores and beats BM25."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DATA
from trialscout.evaluation.benchmark import (
    BENCHMARKS,
    EvaluationReport,
    check_expected,
    load_expected,
    read_run,
    run_benchmark,
)
from trialscout.evaluation.rankers import RANKERS


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, EvaluationReport]]:
    run_dir = tmp_path_factory.mktemp("runs")
    return run_dir, {
        name: run_benchmark(BENCHMARKS[name].at(DATA), ("trialscout",), registry=RANKERS, run_dir=run_dir)
        for name in BENCHMARKS
    }


def test_scores_hold_the_recorded_expectations(reports: tuple[Path, dict[str, EvaluationReport]]) -> None:
    expected = load_expected()
    for name, report in reports[1].items():
        assert set(expected.scores[name]["trialscout"]) == set(report.rankers[1].metrics)
        assert check_expected(report, expected) == [], name


@pytest.mark.parametrize("name", sorted(BENCHMARKS))
def test_beats_the_bm25_baseline_on_the_same_candidates(
    reports: tuple[Path, dict[str, EvaluationReport]], name: str
) -> None:
    report = reports[1][name]
    bm25, ours = report.scores("bm25"), report.scores("trialscout")
    assert bm25 is not None and ours is not None
    for metric in ("ndcg@10", "p@10", "recall@10", "auroc"):
        assert (ours.metrics[metric] or 0) > (bm25.metrics[metric] or 0), metric


def test_run_files_rank_every_candidate(reports: tuple[Path, dict[str, EvaluationReport]]) -> None:
    run_dir, by_name = reports
    run = read_run(run_dir / "sigir-trialscout.run")
    assert len(run) == by_name["sigir"].coverage.queries
    assert sum(len(lines) for lines in run.values()) == by_name["sigir"].coverage.pairs_with_text
