"""The ablation of trialscout's ranking on SIGIR: each part switched off in turn, beside all of
them and BM25; parses, profiles and checks shared across the variants; a markdown table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import DATA
from trialscout.cli import cli
from trialscout.evaluation.benchmark import BENCHMARKS
from trialscout.evaluation.corpus import load_corpus
from trialscout.evaluation.rankers import (
    Ablation,
    RankingCache,
    TrialscoutRanker,
    ablation_markdown,
    ablation_variants,
    run_ablation,
)
from trialscout.matching.ranking import Components

HEALTH_UNIVERSE = DATA / "sigir-trialgpt-format" / "health-universe_sigir_corpus50.jsonl"
CIVAMIDE = "NCT00995306"  # osteoarthritis of the knee


@pytest.fixture(scope="module")
def sigir() -> Ablation:
    return run_ablation(BENCHMARKS["sigir"].at(DATA))


def test_every_part_is_switched_off_in_turn_beside_all_bm25_and_the_text_alone(sigir: Ablation) -> None:
    names = [row.variant for row in sigir.rows]
    shipped = Components()
    flipped = [f"{'without' if getattr(shipped, f) else 'with'} {f}" for f in Components.__struct_fields__]
    assert names == ["bm25", "all", *flipped, "text only"]
    assert "with closed_world" in names  # the part `match` leaves off is measured switched on
    rows = {row.variant: row for row in sigir.rows}
    assert rows["all"].vs_all is None and rows["all"].components == Components()
    text_only = rows["text only"].components
    assert text_only is not None and [f for f in text_only.__struct_fields__ if getattr(text_only, f)] == [
        "text"
    ]
    for row in sigir.rows:
        assert set(row.metrics) == {"ndcg@10", "p@10", "auroc"}
        assert row.ndcg_interval is not None
        assert row.ndcg_interval.low <= (row.metrics["ndcg@10"] or 0) <= row.ndcg_interval.high


def test_a_part_that_has_nothing_to_work_on_changes_nothing(sigir: Ablation) -> None:
    """The benchmarks give no place: without distance is all, to the last patient."""
    rows = {row.variant: row for row in sigir.rows}
    same = rows["without distance"].vs_all
    assert same is not None and same.mean == same.low == same.high == 0.0
    assert rows["without distance"].metrics == rows["all"].metrics


def test_switching_off_the_eligibility_changes_what_auroc_measures(sigir: Ablation) -> None:
    rows = {row.variant: row for row in sigir.rows}
    assert rows["without eligibility"].metrics["auroc"] != rows["all"].metrics["auroc"]
    assert rows["without text"].metrics["auroc"] == rows["all"].metrics["auroc"]  # same verdicts
    differences = [row.vs_all for row in sigir.rows if row.variant not in ("all", "without distance")]
    assert all(d is not None for d in differences) and any(d.mean != 0 for d in differences if d)


def test_the_markdown_table_has_a_row_per_variant(sigir: Ablation) -> None:
    text = ablation_markdown([sigir])
    lines = text.splitlines()
    assert lines[0].startswith("**sigir**")
    table = [line for line in lines if line.startswith("|")]
    assert len(table) == 2 + len(sigir.rows)
    assert {line.count("|") for line in table} == {8}
    all_row = next(line for line in table if line.startswith("| all |"))
    assert f"{sigir.rows[1].metrics['ndcg@10']:.3f}" in all_row


def test_variants_share_parses_profiles_and_checks() -> None:
    corpus = load_corpus([HEALTH_UNIVERSE])
    candidates = list(corpus.values())[:12]
    cache = RankingCache()
    note = "A 63-year-old man with osteoarthritis of both knees, on ibuprofen."
    first = TrialscoutRanker(corpus, Components(), cache=cache).rank("p1", note, candidates)
    parsed, checks = len(cache.parsed), len(cache.checks)
    assert parsed == checks == len(candidates) and len(cache.profiles) == 1
    TrialscoutRanker(corpus, Components(concept=False), cache=cache).rank("p1", note, candidates)
    assert (len(cache.parsed), len(cache.checks)) == (parsed, checks)  # nothing read again
    closed_world = TrialscoutRanker(corpus, Components(closed_world=True), cache=cache)
    closed_world.rank("p1", note, candidates)
    assert len(cache.parsed) == parsed and len(cache.checks) == 2 * checks  # checked once more, not parsed
    assert len(first) == len(candidates)


def test_eval_ablation_prints_markdown_and_json(tmp_path: Path) -> None:
    wanted = {CIVAMIDE, "NCT00036491", "NCT01048541"}
    lines = [line for line in HEALTH_UNIVERSE.read_text().splitlines() if json.loads(line)["_id"] in wanted]
    corpus = tmp_path / "trials.jsonl"
    corpus.write_text("\n".join(lines) + "\n")
    queries = tmp_path / "queries.jsonl"
    queries.write_text(json.dumps({"_id": "p1", "text": "A man with osteoarthritis of both knees."}) + "\n")
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text(f"p1 {CIVAMIDE} 2\np1 NCT00036491 0\np1 NCT01048541 1\n")
    files = ["--queries", str(queries), "--qrels", str(qrels), "--corpus", str(corpus)]
    result = CliRunner().invoke(cli, ["eval", *files, "--ablation", "--markdown"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("**custom**")
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + 1 + len(ablation_variants())  # the heading, BM25, each variant
    as_json = CliRunner().invoke(cli, ["eval", *files, "--ablation", "--json"])
    (ablation,) = json.loads(as_json.stdout)
    assert [row["variant"] for row in ablation["rows"]][:2] == ["bm25", "all"]
    table = CliRunner().invoke(cli, ["eval", *files, "--ablation"])
    assert table.exit_code == 0 and "without concept" in table.stdout
    alone = CliRunner().invoke(cli, ["eval", *files, "--markdown"])
    assert alone.exit_code == 2 and "--markdown goes with --ablation" in alone.stderr
