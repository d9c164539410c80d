"""A development sample of plain sentences, disjoint from the gold, to review by hand while the
sentences are worked on (the gold's 297 sentences stay the test set, untouched by tuning).

Drawn like the gold (`tests.eligibility.gold.draw`: uniformly over every criterion of every
registry record of the shared data) with another seed, leaving out every criterion whose span
overlaps a gold span of the same record. Each drawn criterion is parsed as trialscout parses it
today, and its plain sentence is printed with whether it was built or fell back to the
registry's words.

Run ``python -m tests.eligibility.plain_dev.draw_dev [DATA]`` to print JSON lines.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import orjson

from tests.eligibility.gold.draw import registry_trials
from trialscout.eligibility.parse import parse_eligibility
from trialscout.eligibility.split import split_criteria

SEED = 20261203
SIZE = 300
GOLD = Path(__file__).resolve().parent.parent / "gold"


def gold_spans() -> dict[str, list[tuple[int, int]]]:
    spans: dict[str, list[tuple[int, int]]] = {}
    for name in ("criteria-a.json", "criteria-b.json"):
        for item in json.loads((GOLD / name).read_text()):
            spans.setdefault(item["nct_id"], []).append((item["span"][0], item["span"][1]))
    return spans


def draw(data: Path) -> list[dict[str, object]]:
    taken = gold_spans()
    trials = {t.nct_id: t for t in registry_trials(data)}
    population = []
    for nct_id in sorted(trials):
        trial = trials[nct_id]
        text = trial.eligibility.criteria if trial.eligibility and trial.eligibility.criteria else ""
        for piece in split_criteria(text):
            lo, hi = piece.span.start, piece.span.end
            if any(lo < b and a < hi for a, b in taken.get(nct_id, [])):
                continue
            population.append((nct_id, lo, hi))
    chosen = sorted(random.Random(SEED).sample(range(len(population)), SIZE))
    rows: list[dict[str, object]] = []
    for n, i in enumerate(chosen):
        nct_id, lo, hi = population[i]
        trial = trials[nct_id]
        holding = [c for c in parse_eligibility(trial).criteria if c.span.start <= lo < c.span.end]
        mine = min(holding, key=lambda c: (abs(c.span.start - lo), c.span.end - c.span.start), default=None)
        text = trial.eligibility.criteria if trial.eligibility and trial.eligibility.criteria else ""
        rows.append(
            {
                "n": n,
                "nct_id": nct_id,
                "span": [lo, hi],
                "starts": text[lo:hi][:40],
                "text": mine.text if mine else text[lo:hi],
                "kind": str(mine.kind) if mine else None,
                "sentence": mine.plain if mine else None,
                "built": bool(mine and mine.plain and not mine.plain_original),
            }
        )
    return rows


if __name__ == "__main__":
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data")
    for row in draw(data):
        sys.stdout.buffer.write(orjson.dumps(row) + b"\n")
