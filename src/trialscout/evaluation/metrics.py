"""Ranking and classification metrics, as trec_eval and the ROC literature define them.

Pure functions of plain values, so that each can be checked by hand:

- `ndcg_at` — nDCG@k with graded gains (the judgment itself: 0, 1, 2), linear gain and a
  log2(rank + 1) discount, the ideal ranking built from every judged candidate (trec_eval's
  ``ndcg_cut``);
- `precision_at` — P@k: relevant items in the top k, divided by k (trec_eval's ``P``, which
  also divides by k when fewer than k were ranked);
- `recall_at` — recall@k: the share of all relevant items that are in the top k;
- `auroc` — the area under the ROC curve, as the Mann-Whitney U statistic: the probability
  that a positive scores higher than a negative, a tie counting half.

A ranking is a sequence of judgments, best-ranked first. Empty inputs give 0.0 (or ``None``
where the value is undefined: AUROC without both classes, nDCG without a relevant item).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def dcg(gains: Iterable[float]) -> float:
    """Discounted cumulative gain: the sum of gain / log2(rank + 1), rank starting at 1."""
    return sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains, start=1))


def ndcg_at(ranked_gains: Sequence[float], all_gains: Iterable[float], k: int) -> float | None:
    """nDCG@k of a ranking: DCG of its top k over the DCG of the best possible top k.

    ``ranked_gains`` are the judgments in ranked order; ``all_gains`` are the judgments of every
    candidate (ranked or not), from which the ideal ranking is built. ``None`` when no
    candidate has a positive gain (the query says nothing about ranking quality).
    """
    ideal = dcg(sorted((g for g in all_gains if g > 0), reverse=True)[:k])
    if ideal == 0:
        return None
    return dcg(ranked_gains[:k]) / ideal


def precision_at(ranked_relevant: Sequence[bool], k: int) -> float:
    """P@k: relevant items among the first k, over k (not over the number ranked)."""
    if k <= 0:
        raise ValueError(f"k must be positive, not {k}")
    return sum(ranked_relevant[:k]) / k


def recall_at(ranked_relevant: Sequence[bool], k: int) -> float | None:
    """Recall@k: relevant items among the first k, over all relevant items ranked.

    ``None`` when nothing is relevant (recall is undefined).
    """
    total = sum(ranked_relevant)
    if total == 0:
        return None
    return sum(ranked_relevant[:k]) / total


def auroc(positives: Sequence[float], negatives: Sequence[float]) -> float | None:
    """Area under the ROC curve: P(a positive's score > a negative's), ties counting half.

    Computed from ranks (Mann-Whitney U), O(n log n). ``None`` without both classes.
    """
    n_pos, n_neg = len(positives), len(negatives)
    if n_pos == 0 or n_neg == 0:
        return None
    labelled = sorted([(s, True) for s in positives] + [(s, False) for s in negatives], key=lambda x: x[0])
    rank_sum = 0.0
    start = 0
    while start < len(labelled):
        end = start
        while end + 1 < len(labelled) and labelled[end + 1][0] == labelled[start][0]:
            end += 1
        # Tied scores share the mean of the ranks they span (ranks start at 1).
        mean_rank = (start + end) / 2 + 1
        rank_sum += mean_rank * sum(1 for _, positive in labelled[start : end + 1] if positive)
        start = end + 1
    u = rank_sum - n_pos * (n_pos + 1) / 2
    return u / (n_pos * n_neg)


def mean(values: Iterable[float | None]) -> float | None:
    """The mean of the defined values; ``None`` when there are none."""
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None
