"""The parser and the matcher against the hand-checked gold set (tests/eligibility/gold/).

The figures these tests hold are in docs/eligibility-gold.md; each floor sits a little under
the measured value, so a change that makes the parser worse fails here, and one that makes it
better is recorded by raising the floor.
"""

from __future__ import annotations

import pytest

from tests.conftest import DATA
from tests.eligibility.gold import score
from trialscout.model.trial import Trial


@pytest.fixture(scope="module")
def gold_trials() -> dict[str, Trial]:
    wanted = {i["nct_id"] for i in score.gold_items()} | {c["nct_id"] for c in score.gold_cases()}
    trials = score.trials_for(DATA, wanted)
    assert set(trials) == wanted, f"gold trials missing from the shared data: {sorted(wanted - set(trials))}"
    return trials


def test_the_gold_set_is_what_its_readme_says(gold_trials: dict[str, Trial]) -> None:
    items, cases = score.gold_items(), score.gold_cases()
    assert [i["n"] for i in items] == list(range(300))
    assert len(cases) >= 40
    for item in items:
        text = gold_trials[item["nct_id"]].eligibility.criteria or ""  # type: ignore[union-attr]
        lo, hi = item["span"]
        for criterion in item["criteria"]:
            assert criterion["starts"] in text[lo:hi], (item["n"], criterion["starts"])
            assert criterion["role"] in {
                "requirement",
                "exception",
                "exception_condition",
                "definition",
                "note",
            }
    for case in cases:
        text = gold_trials[case["nct_id"]].eligibility.criteria or ""  # type: ignore[union-attr]
        assert {g["verdict"] for g in case["criteria"]} <= {"met", "not_met", "unknown"}
        missing = [g["starts"] for g in case["criteria"] if g["starts"] not in text]
        assert not missing, (case["id"], missing)


@pytest.fixture(scope="module")
def case_report(gold_trials: dict[str, Trial]) -> score.Report:
    """The gold cases checked once, for the tests that read the verdicts."""
    report = score.Report()
    score.score_cases(score.gold_cases(), gold_trials, report)
    return report


def test_no_patient_is_ruled_out_by_a_criterion_the_gold_says_they_do_not_fail(
    case_report: score.Report,
) -> None:
    report = case_report
    assert report.verdicts > 500
    assert report.wrong_not_met == []


def test_the_gold_not_mets_are_found(case_report: score.Report) -> None:
    """Caution must not turn every verdict into unknown: the patients the gold rules out are
    mostly ruled out."""
    report = case_report
    ruled_out = sum(n for (gold, ours), n in report.results.items() if gold == ours == "not_eligible")
    gold_out = sum(n for (gold, _), n in report.results.items() if gold == "not_eligible")
    assert ruled_out >= 0.5 * gold_out, report.results


def test_typed_rules_split_and_plain_sentences_hold_their_measured_quality(
    gold_trials: dict[str, Trial],
) -> None:
    report = score.Report()
    score.score_items(score.gold_items(), gold_trials, report)
    assert report.criteria >= 300
    assert report.split_right / report.criteria >= FLOORS["split"]
    assert report.kind_right / report.criteria >= FLOORS["kind"]
    assert report.precision >= FLOORS["precision"], score.render(report)
    assert report.recall >= FLOORS["recall"], score.render(report)
    assert report.plain_built / report.plain_checked >= FLOORS["plain_built"]


#: Measured on 2026-12-02 (docs/eligibility-gold.md), less a margin of about 0.02. The plain
#: sentences built fell from 82.7% to 68.4% when the faithfulness gate began to show the
#: registry's words in place of sentences that changed a meaning or slipped.
FLOORS = {"split": 0.82, "kind": 0.88, "precision": 0.46, "recall": 0.49, "plain_built": 0.66}


def test_plain_sentences_keep_their_meaning_and_grammar(gold_trials: dict[str, Trial]) -> None:
    """The hand review (gold/plain-review.json) of each built sentence. The targets are at most
    2% with a changed meaning and 5% with a grammar slip; measured on 2026-12-02 after the
    faithfulness gate: 3 and 10 of 234 (1.3%, 4.3%; before it, 23 and 51 of 297). A
    sentence that changed since its review counts as not reviewed; at least 90% must be
    reviewed, so a change to the sentences needs a new review."""
    reviewed = {(r["n"], r["starts"], r["sentence"]): r for r in score.gold_reviews()}
    current = list(score.built_sentences(score.gold_items(), gold_trials))
    assert len(current) > 200
    found = [reviewed[key] for key in current if key in reviewed]
    assert len(found) >= 0.9 * len(current), f"{len(current) - len(found)} sentences not reviewed"
    changed = [r for r in found if r["meaning"] != "same"]
    slips = [r for r in found if r["grammar"] != "ok"]
    assert len(changed) <= PLAIN_CEILINGS["changed"] * len(found), changed
    assert len(slips) <= PLAIN_CEILINGS["slips"] * len(found), slips


#: The issue's targets, which the reviewed sentences meet (1.3% and 4.3% on 2026-12-02).
PLAIN_CEILINGS = {"changed": 0.02, "slips": 0.05}
