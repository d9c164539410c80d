"""The patient-to-trial benchmark harness on the real SIGIR and TREC 2022 sets, and on a small
benchmark written from real trials."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import msgspec
import pytest
from click.testing import CliRunner

from tests.conftest import AACT, DATA, TODAY
from trialscout.cli import cli
from trialscout.errors import BenchmarkInputError, RecordError
from trialscout.evaluation.benchmark import (
    BENCHMARKS,
    Bm25Ranker,
    EvaluationReport,
    RankedTrial,
    benchmark_files,
    check_expected,
    evaluate,
    load_expected,
    patient_words,
    read_qrels,
    read_queries,
    read_run,
    run_benchmark,
)
from trialscout.evaluation.corpus import (
    BenchmarkTrial,
    CorpusOrigin,
    load_corpus,
    read_corpus,
    trial_from_trialgpt,
)
from trialscout.evaluation.rankers import RANKERS
from trialscout.model.enums import Phase
from trialscout.store.load import load_paths
from trialscout.store.sqlite import SQLiteStore

LOG2_3 = math.log2(3)
TRIALGPT_SIGIR = DATA / "sigir-trialgpt-format"
HEALTH_UNIVERSE = TRIALGPT_SIGIR / "health-universe_sigir_corpus50.jsonl"
XML_SLICE = DATA / "ctgov-xml-2023-slice" / "ctgov_legacy_xml_6786.zip"
CIVAMIDE = "NCT00995306"  # osteoarthritis of the knee, in the health-universe file


# --- the real benchmarks ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, EvaluationReport]:
    """BM25 on both named benchmarks with their default corpus, run files written."""
    run_dir = tmp_path_factory.mktemp("runs")
    return {name: run_benchmark(BENCHMARKS[name].at(DATA), run_dir=run_dir) for name in BENCHMARKS}


@pytest.mark.parametrize(
    ("name", "queries", "judged", "with_text", "eligible", "excluded"),
    [("sigir", 58, 3835, 946, 100, 176), ("trec_2022", 50, 35394, 2641, 123, 65)],
)
def test_coverage_of_the_named_benchmarks(
    reports: dict[str, EvaluationReport],
    name: str,
    queries: int,
    judged: int,
    with_text: int,
    eligible: int,
    excluded: int,
) -> None:
    c = reports[name].coverage
    assert (c.queries, c.judged_pairs, c.pairs_with_text) == (queries, judged, with_text)
    assert (c.eligible_pairs, c.excluded_pairs) == (eligible, excluded)
    assert c.queries_without_text == 0
    # The data README: about 25% of SIGIR's judged pairs have text, about 7.5% of TREC 2022's.
    assert c.text_share == pytest.approx(0.25 if name == "sigir" else 0.075, abs=0.005)
    assert sum(c.candidates_by_origin.values()) == with_text


def test_registry_records_replace_trialgpt_texts(reports: dict[str, EvaluationReport]) -> None:
    corpus = reports["sigir"].corpus
    assert corpus is not None
    assert corpus.origins["trialgpt"] > 700 and corpus.origins["registry"] > 100
    assert corpus.replaced_trialgpt > 30
    assert corpus.rejected > 0  # the classic-API and RSS fixtures of aact-fixtures, reported


def test_bm25_scores_hold_the_expected_scores(reports: dict[str, EvaluationReport]) -> None:
    expected = load_expected()
    for name, report in reports.items():
        assert set(expected.scores[name]["bm25"]) == set(report.rankers[0].metrics)
        assert check_expected(report, expected) == [], name


def test_a_drop_below_the_expected_scores_is_reported(reports: dict[str, EvaluationReport]) -> None:
    expected = load_expected()
    measured = reports["sigir"].rankers[0].metrics["ndcg@10"]
    assert measured is not None
    raised = msgspec.structs.replace(
        expected, scores={"sigir": {"bm25": {"ndcg@10": measured + 0.01, "auroc": 0.0}}}
    )
    (line,) = check_expected(reports["sigir"], raised)
    assert line.startswith("sigir bm25 ndcg@10:") and "below the expected" in line
    # Within the tolerance is not a drop.
    close = msgspec.structs.replace(expected, scores={"sigir": {"bm25": {"ndcg@10": measured + 0.004}}})
    assert check_expected(reports["sigir"], close) == []


def test_run_files_parse_back_in_trec_eval_order(reports: dict[str, EvaluationReport]) -> None:
    report = reports["trec_2022"]
    (path,) = report.run_files
    assert Path(path).name == "trec_2022-bm25.run"
    runs = read_run(path)
    assert len(runs) == report.coverage.queries_with_candidates
    assert sum(len(lines) for lines in runs.values()) == report.coverage.pairs_with_text
    qrels = read_qrels(BENCHMARKS["trec_2022"].at(DATA).qrels)
    for query_id, lines in runs.items():
        assert [line.rank for line in lines] == list(range(1, len(lines) + 1))
        assert {line.run_name for line in lines} == {"bm25"}
        assert {line.nct_id for line in lines} <= set(qrels[query_id])
        # trec_eval sorts by score, then by document ID descending: the same order.
        assert lines == sorted(lines, key=lambda r: (r.score, r.nct_id), reverse=True)


# --- the corpus ---------------------------------------------------------------------------------


def test_trialgpt_documents_become_trials() -> None:
    corpus = load_corpus([HEALTH_UNIVERSE])
    assert len(corpus) == 50
    civamide = corpus[CIVAMIDE]
    t = civamide.trial
    assert civamide.origin is CorpusOrigin.TRIALGPT
    assert (
        t.brief_title == "Evaluating the Safety and Efficacy Civamide in Osteoarthritis (OA) of the Knee(s)"
    )
    assert t.official_title is None  # the same as the brief title
    assert t.conditions == ("Osteoarthritis of the Knee",)
    assert [i.name for i in t.interventions] == ["Civamide (Zucapsaicin)"]
    assert t.phases == (Phase.PHASE3,)
    assert t.enrollment is not None and t.enrollment.count == 695
    assert t.eligibility is not None and t.eligibility.criteria is not None
    criteria = t.eligibility.criteria
    assert criteria.startswith("Inclusion Criteria:\n\nSubject voluntarily agrees to participate")
    assert "\n\nExclusion Criteria:\n\nPresence of tendonitis, bursitis" in criteria
    assert "inclusion criteria:" not in criteria.lower().replace("inclusion criteria:\n\nsubject", "")
    for part in (
        "Osteoarthritis of the Knee",
        "Civamide (Zucapsaicin)",
        "Civamide Cream 0.075%",
        "tendonitis",
    ):
        assert part in civamide.text
    assert [
        trial.trial.phases for trial in corpus.values() if len(trial.trial.phases) > 1
    ]  # "Phase 1; Phase 2"


def test_trialgpt_list_fields_are_read_robustly() -> None:
    doc = {
        "_id": "NCT00000001",
        "title": "Official",
        "metadata": {
            "brief_title": "Brief",
            "drugs_list": "['Aspirin', 'Placebo', 'Aspirin']",
            "diseases_list": "[unclosed",
            "phase": "Phase 2; nonsense",
            "enrollment": "n/a",
            "inclusion_criteria": "",
            "exclusion_criteria": "exclusion criteria: \n\n  Pregnancy \n\n",
        },
    }
    t = trial_from_trialgpt(doc)
    assert (t.brief_title, t.official_title) == ("Brief", "Official")
    assert [i.name for i in t.interventions] == ["Aspirin", "Placebo"]
    assert t.conditions == ("[unclosed",)
    assert t.phases == (Phase.PHASE2,)
    assert t.enrollment is None
    assert t.eligibility is not None and t.eligibility.criteria == "Exclusion Criteria:\n\nPregnancy"
    empty = trial_from_trialgpt({"_id": "NCT00000002", "metadata": {"drugs_list": None}})
    assert (empty.interventions, empty.conditions, empty.eligibility) == ((), (), None)
    with pytest.raises(RecordError, match="NCT ID"):
        trial_from_trialgpt({"_id": "sigir-1", "metadata": {}})


def test_a_registry_record_wins_over_the_trialgpt_text() -> None:
    corpus = read_corpus([TRIALGPT_SIGIR, XML_SLICE], only={"NCT00000492", CIVAMIDE})
    assert set(corpus.trials) == {"NCT00000492", CIVAMIDE}
    registry = corpus.trials["NCT00000492"]
    assert registry.origin is CorpusOrigin.REGISTRY
    assert registry.trial.eligibility is not None and registry.trial.eligibility.minimum_age_years is not None
    assert corpus.trials[CIVAMIDE].origin is CorpusOrigin.TRIALGPT
    assert corpus.origins == {"trialgpt": 1, "registry": 1, "store": 0}
    assert corpus.replaced_trialgpt == 1


def test_a_trialscout_store_is_a_corpus(tmp_path: Path) -> None:
    db = tmp_path / "trials.db"
    with SQLiteStore(db) as store:
        load_paths(store, [AACT / "json_v2"], today=TODAY, workers=0)
        ids = store.nct_ids()
    corpus = load_corpus([db])
    assert set(corpus) == set(ids) and len(ids) > 5
    assert {t.origin for t in corpus.values()} == {CorpusOrigin.STORE}
    assert set(load_corpus([db], only=ids[:2])) == set(ids[:2])


def test_paths_that_hold_no_trials_are_refused(tmp_path: Path) -> None:
    with pytest.raises(BenchmarkInputError, match="not found"):
        load_corpus([tmp_path / "missing.jsonl"])
    with pytest.raises(BenchmarkInputError, match="no trial records"):
        load_corpus([TRIALGPT_SIGIR / "PROVENANCE.txt"])
    with pytest.raises(BenchmarkInputError, match="classic"):
        load_corpus([AACT / "json_classic_api" / "NCT00023673.json"])


# --- patients, judgments, rankers ---------------------------------------------------------------


def test_qrels_are_read_in_every_common_layout(tmp_path: Path) -> None:
    path = tmp_path / "qrels.txt"
    path.write_text("q1 NCT00000001 2\nq1\tNCT00000002\t0\nq2 0 NCT00000003 1\n\n")
    assert read_qrels(path) == {"q1": {"NCT00000001": 2, "NCT00000002": 0}, "q2": {"NCT00000003": 1}}
    path.write_text("query-id\tcorpus-id\tscore\nq1\tNCT00000001\tx\n")
    with pytest.raises(BenchmarkInputError, match=r"line 2: expected 'query-id corpus-id score'"):
        read_qrels(path)
    with pytest.raises(BenchmarkInputError, match="judgments file not found"):
        read_qrels(tmp_path / "none.tsv")


def test_malformed_patient_lines_are_reported_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "queries.jsonl"
    path.write_text('{"_id": "q1", "text": "A woman"}\n{"_id": "q2", \n{"_id": "q3"}\n')
    read = read_queries(path)
    assert read.queries == {"q1": "A woman"}
    assert [p.split(": ", 1)[0] for p in read.problems] == [f"{path}, line 2", f"{path}, line 3"]
    path.write_text("not json\n")
    with pytest.raises(BenchmarkInputError, match="no patient descriptions"):
        read_queries(path)


def test_patient_words_are_lowercase_alphanumeric() -> None:
    assert patient_words('A 58-year-old (BMI 31.2) "NSCLC" patient; EGFR+ & ⊕ done') == [
        *("a", "58", "year", "old", "bmi", "31", "2", "nsclc", "patient", "egfr", "done"),
    ]


def _trials(*ids: str) -> dict[str, BenchmarkTrial]:
    corpus = load_corpus([HEALTH_UNIVERSE])
    return {nct: corpus[nct] for nct in ids}


class _Oracle:
    """Ranks by the judgments themselves: the best any ranker can do."""

    name = "oracle"

    def __init__(self, qrels: Mapping[str, Mapping[str, int]]) -> None:
        self.qrels = qrels

    def rank(self, query_id: str, query_text: str, candidates: Sequence[BenchmarkTrial]) -> list[RankedTrial]:
        return [
            RankedTrial(
                c.nct_id, float(self.qrels[query_id][c.nct_id]), float(self.qrels[query_id][c.nct_id])
            )
            for c in candidates
        ]


def test_an_oracle_ranker_scores_perfectly_and_bm25_ranks_by_shared_words() -> None:
    corpus = _trials(CIVAMIDE, "NCT00036491", "NCT01048541")
    qrels = {"q1": {CIVAMIDE: 2, "NCT00036491": 1, "NCT01048541": 0, "NCT99999999": 2}}
    queries = {"q1": "Knee osteoarthritis pain; she asks about civamide cream."}
    report = evaluate(queries, qrels, corpus, [Bm25Ranker, lambda _corpus: _Oracle(qrels)])
    bm25, oracle = report.rankers
    assert report.coverage.pairs_with_text == 3 and report.coverage.judged_pairs == 4
    assert oracle.metrics["auroc"] == 1.0 and oracle.metrics["recall@10"] == 1.0
    # The ideal counts only candidates with text: the oracle reaches 1.
    assert oracle.metrics["ndcg@10"] == pytest.approx(1.0)
    assert oracle.metrics["p@10"] == pytest.approx(0.1)
    assert 0 < (bm25.per_query["q1"]["ndcg@10"] or 0) < 1
    ranked = Bm25Ranker(corpus).rank("q1", queries["q1"], list(corpus.values()))
    assert ranked[0].nct_id == CIVAMIDE  # it shares the most words
    assert ranked[0].eligibility == ranked[0].score > ranked[1].score


def test_a_ranker_must_answer_for_every_candidate() -> None:
    class Lazy:
        name = "lazy"

        def rank(
            self, query_id: str, query_text: str, candidates: Sequence[BenchmarkTrial]
        ) -> list[RankedTrial]:
            return [RankedTrial(candidates[0].nct_id, 1.0, 1.0)]

    corpus = _trials(CIVAMIDE, "NCT00036491")
    qrels = {"q1": {CIVAMIDE: 2, "NCT00036491": 1}}
    with pytest.raises(ValueError, match="1 missing"):
        evaluate({"q1": "knee"}, qrels, corpus, [lambda _c: Lazy()])


# --- the command --------------------------------------------------------------------------------


@pytest.fixture
def small_benchmark(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Two made-up patients judged against three real trials (and one without text)."""
    wanted = {CIVAMIDE, "NCT00036491", "NCT01048541"}
    lines = [line for line in HEALTH_UNIVERSE.read_text().splitlines() if json.loads(line)["_id"] in wanted]
    corpus = tmp_path / "trials.jsonl"
    corpus.write_text("\n".join(lines) + "\n")
    queries = tmp_path / "queries.jsonl"
    queries.write_text(
        json.dumps({"_id": "p1", "text": "A 63-year-old man with osteoarthritis of both knees; civamide?"})
        + "\nnot json\n"
        + json.dumps({"_id": "p2", "text": "A woman with lung cancer and knee pain."})
        + "\n"
    )
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text(
        f"p1 {CIVAMIDE} 2\np1 NCT00036491 0\np1 NCT01048541 1\n"
        f"p2 {CIVAMIDE} 1\np2 NCT01048541 2\np2 NCT99999999 2\n"
    )
    return queries, qrels, corpus


def _eval(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["eval", *args])
    return result.exit_code, result.stdout, result.stderr


def test_eval_runs_a_benchmark_of_ones_own(small_benchmark: tuple[Path, Path, Path], tmp_path: Path) -> None:
    queries, qrels, corpus = small_benchmark
    run_dir = tmp_path / "runs"
    files = ["--queries", str(queries), "--qrels", str(qrels), "--corpus", str(corpus)]
    code, out, err = _eval(*files, "--run-dir", str(run_dir), "--json")
    assert code == 0, err
    assert "line 2: malformed JSON" in err  # reported, skipped
    (report,) = json.loads(out)
    assert report["benchmark"] == "custom"
    assert report["coverage"]["judged_pairs"] == 6 and report["coverage"]["pairs_with_text"] == 5
    assert report["coverage"]["candidates_by_origin"] == {"trialgpt": 5}
    bm25 = report["rankers"][0]
    assert bm25["ranker"] == "bm25" and bm25["per_query"]["p1"]["ndcg@10"] == pytest.approx(1.0)
    runs = read_run(run_dir / "custom-bm25.run")
    assert runs["p1"][0].nct_id == CIVAMIDE
    assert {q: len(lines) for q, lines in runs.items()} == {"p1": 3, "p2": 2}

    code, out, _ = _eval(*files)
    assert code == 0
    assert "custom  2 patients, 5 of 6 judged pairs with text" in out
    for heading in ("nDCG@10", "P@10", "R@10", "R@25", "AUROC", "AUROC/patient"):
        assert heading in out


def test_eval_compares_every_ranker_with_bm25(
    small_benchmark: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    queries, qrels, corpus = small_benchmark
    judgments = read_qrels(qrels)
    monkeypatch.setitem(RANKERS, "oracle", lambda _corpus: _Oracle(judgments))
    code, out, err = _eval(
        "--queries", str(queries), "--qrels", str(qrels), "--corpus", str(corpus), "--ranker", "oracle"
    )
    assert code == 0, err
    lines = [line.split() for line in out.splitlines()]
    bm25 = next(line for line in lines if line[:1] == ["bm25"])
    oracle = next(line for line in lines if line[:1] == ["oracle"])
    difference = lines[lines.index(oracle) + 1]
    assert oracle[1:] == ["1.000", "0.100", "1.000", "1.000", "1.000", "1.000"]
    assert difference[:2] == ["vs", "bm25"] and len(difference) == 8
    assert float(difference[2]) == pytest.approx(1 - float(bm25[1]), abs=0.0011)


def test_eval_checks_a_named_benchmark_against_expected_scores() -> None:
    code, out, err = _eval("sigir", "--data", str(DATA), "--check")
    assert code == 0, err
    assert "sigir  58 patients, 946 of 3,835 judged pairs with text (24.7%" in out
    assert "at or above expected" in err


def test_eval_check_exits_1_listing_the_scores_that_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = load_expected()
    raised = msgspec.structs.replace(expected, scores={"sigir": {"bm25": {"ndcg@10": 0.99, "p@10": 0.0}}})
    monkeypatch.setattr("trialscout.cli.evaluate.load_expected", lambda: raised)
    code, _, err = _eval("sigir", "--data", str(DATA), "--check")
    assert code == 1
    assert "Scores below expected:" in err and "sigir bm25 ndcg@10:" in err and "p@10" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--queries", "{queries}"], "needs both --queries and --qrels"),
        (["--queries", "{queries}", "--qrels", "{missing}"], "judgments file not found"),
        (["--queries", "{queries}", "--qrels", "{queries}"], "line 1: expected 'query-id corpus-id score'"),
        (["--queries", "{queries}", "--qrels", "{qrels}", "--corpus", "{missing}"], "corpus path not found"),
        (["--queries", "{queries}", "--qrels", "{qrels}", "--ranker", "nope"], "unknown ranker 'nope'"),
    ],
)
def test_eval_bad_input_is_one_line_and_exit_2(
    small_benchmark: tuple[Path, Path, Path], tmp_path: Path, args: list[str], message: str
) -> None:
    queries, qrels, corpus = small_benchmark
    paths = {"queries": queries, "qrels": qrels, "missing": tmp_path / "missing.tsv"}
    code, _, err = _eval(*(a.format(**paths) for a in args), "--corpus", str(corpus))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("Error: ") and message in err


def test_benchmark_names_and_files_resolve_under_the_data_folder(tmp_path: Path) -> None:
    sigir, trec = benchmark_files(root=DATA)
    assert (sigir.name, trec.name) == ("sigir", "trec_2022")
    assert sigir.qrels == DATA / "trialgpt" / "dataset" / "sigir" / "qrels" / "test.tsv"
    assert all(p.exists() for p in sigir.corpus)
    (only,) = benchmark_files("trec_2022", root=DATA, corpus=[HEALTH_UNIVERSE])
    assert only.corpus == (HEALTH_UNIVERSE,)
    with pytest.raises(BenchmarkInputError, match="unknown benchmark"):
        benchmark_files("medline", root=DATA)


def test_ties_are_ordered_as_trec_eval_orders_them() -> None:
    class Constant:
        name = "constant"

        def rank(
            self, query_id: str, query_text: str, candidates: Sequence[BenchmarkTrial]
        ) -> list[RankedTrial]:
            return [RankedTrial(c.nct_id, 0.0, 0.0) for c in candidates]

    corpus = _trials(CIVAMIDE, "NCT00036491", "NCT01048541")
    qrels = {"q1": {"NCT00036491": 2, CIVAMIDE: 1, "NCT01048541": 0}}
    (scores,) = evaluate({"q1": "knee"}, qrels, corpus, [lambda _c: Constant()]).rankers
    # Higher NCT ID first: NCT01048541 (0), NCT00995306 (1), NCT00036491 (2).
    expected = (1 / LOG2_3 + 2 / 2) / (2 + 1 / LOG2_3)
    assert scores.metrics["ndcg@10"] == pytest.approx(expected)
    assert scores.metrics["auroc"] == 0.5  # all tied: no information


def test_every_report_carries_the_chance_level_of_its_pools() -> None:
    """Beside BM25, the figures a random order scores on the same candidates: a pool where every
    candidate is eligible scores 1 in any order; a pool of one eligible trial among three scores
    below the oracle, the same in every run."""
    corpus = _trials(CIVAMIDE, "NCT00036491", "NCT01048541")
    queries = {"q1": "knee pain", "q2": "knee pain"}
    qrels = {
        "q1": {CIVAMIDE: 2, "NCT00036491": 2, "NCT01048541": 2},
        "q2": {CIVAMIDE: 2, "NCT00036491": 0, "NCT01048541": 0},
    }
    report = evaluate(queries, qrels, corpus, [Bm25Ranker])
    chance = report.random
    assert chance is not None and chance.orders == 20
    again = evaluate(queries, qrels, corpus, [Bm25Ranker]).random
    assert again == chance
    one = evaluate({"q2": "knee pain"}, {"q2": qrels["q2"]}, corpus, [Bm25Ranker]).random
    full = evaluate({"q1": "knee pain"}, {"q1": qrels["q1"]}, corpus, [Bm25Ranker]).random
    assert full is not None and full.metrics["ndcg@10"] == pytest.approx(1.0)
    assert one is not None
    low, mid, high = one.low["ndcg@10"], one.metrics["ndcg@10"], one.high["ndcg@10"]
    assert low is not None and mid is not None and high is not None
    assert low < mid < high <= 1.0 and mid < 0.95
