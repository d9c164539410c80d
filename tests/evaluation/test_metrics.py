"""The ranking and ROC metrics on examples worked out by hand, ties and empty inputs included."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialscout.evaluation.metrics import auroc, dcg, mean, ndcg_at, precision_at, recall_at

LOG2_3 = math.log2(3)


def test_dcg_discounts_by_log2_of_rank_plus_one() -> None:
    # 2/log2(2) + 1/log2(3) + 0/log2(4) + 1/log2(5)
    assert dcg([2, 1, 0, 1]) == pytest.approx(2 + 1 / LOG2_3 + 1 / math.log2(5))
    assert dcg([]) == 0.0


def test_ndcg_compares_with_the_ideal_order_of_all_judged_candidates() -> None:
    # Ranked 0, 2, 1: DCG = 2/log2(3) + 1/2; ideal 2, 1: 2 + 1/log2(3).
    assert ndcg_at([0, 2, 1], [0, 2, 1], 10) == pytest.approx((2 / LOG2_3 + 0.5) / (2 + 1 / LOG2_3))
    assert ndcg_at([2, 1, 0], [0, 1, 2], 10) == pytest.approx(1.0)


def test_ndcg_cuts_the_ranking_and_the_ideal_at_k() -> None:
    assert ndcg_at([1, 2], [1, 2], 1) == pytest.approx(0.5)  # 1 / 2
    # The ideal is built from every judged candidate, ranked or not: two eligible trials exist.
    assert ndcg_at([2, 0], [2, 0, 2], 2) == pytest.approx(2 / (2 + 2 / LOG2_3))


def test_ndcg_is_undefined_without_a_positive_gain() -> None:
    assert ndcg_at([0, 0, 0], [0, 0, 0], 10) is None
    assert ndcg_at([], [], 10) is None


def test_precision_divides_by_k_even_when_fewer_were_ranked() -> None:
    assert precision_at([True, False, True], 10) == pytest.approx(0.2)
    assert precision_at([True, False, True], 2) == pytest.approx(0.5)
    assert precision_at([], 10) == 0.0
    with pytest.raises(ValueError, match="positive"):
        precision_at([True], 0)


def test_recall_is_the_share_of_relevant_items_in_the_top_k() -> None:
    ranked = [False, True, False, True]
    assert recall_at(ranked, 1) == 0.0
    assert recall_at(ranked, 2) == pytest.approx(0.5)
    assert recall_at(ranked, 25) == pytest.approx(1.0)
    assert recall_at([False, False], 10) is None
    assert recall_at([], 10) is None


def test_auroc_counts_ties_half() -> None:
    assert auroc([3.0], [1.0]) == 1.0
    assert auroc([1.0], [3.0]) == 0.0
    assert auroc([2.0], [2.0]) == 0.5
    # Pairs (3,2)=1, (3,1)=1, (2,2)=0.5, (2,1)=1 -> 3.5 / 4.
    assert auroc([3.0, 2.0], [2.0, 1.0]) == pytest.approx(0.875)
    # Everything tied: no information.
    assert auroc([0.0, 0.0], [0.0, 0.0, 0.0]) == pytest.approx(0.5)


def test_auroc_is_undefined_without_both_classes() -> None:
    assert auroc([], [1.0]) is None
    assert auroc([1.0], []) is None
    assert auroc([], []) is None


scores = st.lists(st.integers(min_value=-3, max_value=3).map(float), max_size=12)


@given(scores, scores)
def test_auroc_equals_the_share_of_correctly_ordered_pairs(
    positives: list[float], negatives: list[float]
) -> None:
    value = auroc(positives, negatives)
    if not positives or not negatives:
        assert value is None
        return
    pairs = list(itertools.product(positives, negatives))
    expected = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs) / len(pairs)
    assert value == pytest.approx(expected)
    assert auroc(negatives, positives) == pytest.approx(1 - expected)


def test_mean_ignores_undefined_values() -> None:
    assert mean([None, 1.0, 2.0]) == pytest.approx(1.5)
    assert mean([None]) is None
    assert mean([]) is None
