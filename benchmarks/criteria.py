"""Eligibility parsing speed: trials per second per core, on the real records.

Parses every trial of the real store (7,225 trials, ../shared/data) with `parse_eligibility`
in one process (trials/s per core), five rounds, and through `update_parsed_criteria` with its
worker processes (storing the results, as `load` does). Baseline in the same run: splitting
the criteria alone (no rules, no plain language), so the cost of reading rules is visible.

    python -m benchmarks.criteria        # writes docs/benchmarks/criteria.md
"""

from __future__ import annotations

import shutil
import statistics
import time

from benchmarks.common import WORK, write_page
from benchmarks.corpus import real_store
from trialscout.eligibility.parse import parse_eligibility
from trialscout.eligibility.split import split_criteria
from trialscout.store.criteria import update_parsed_criteria
from trialscout.store.sqlite import SQLiteStore

ROUNDS = 5
TARGET = 200  # trials per second per core (a 580,000-trial registry in under 30 minutes on 2 cores)


def main() -> None:
    db = real_store()
    with SQLiteStore(db, read_only=True) as store:
        trials = [trial for _, trial in store.iter_trials()]
    texts = [t.eligibility.criteria for t in trials if t.eligibility and t.eligibility.criteria]
    full, split_only = [], []
    criteria = typed = 0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        results = [parse_eligibility(t) for t in trials]
        full.append(len(trials) / (time.perf_counter() - started))
        started = time.perf_counter()
        for text in texts:
            split_criteria(text)
        split_only.append(len(trials) / (time.perf_counter() - started))
        criteria = sum(len(r.criteria) for r in results)
        typed = sum(1 for r in results for c in r.criteria if c.rules)
    copy = WORK / "criteria-bench.db"
    for leftover in WORK.glob("criteria-bench.db*"):
        leftover.unlink()
    shutil.copy(db, copy)
    with SQLiteStore(copy) as store:
        report = update_parsed_criteria(store, rebuild=True)
    per_core = statistics.median(full)
    lines = [
        f"Target (issue 4): at least {TARGET} trials/s per core (a 580,000-trial registry in under",
        "30 minutes on 2 cores).",
        "",
        f"Data: the {len(trials):,} real trials of ../shared/data (API v2 exports, AACT fixtures, the",
        f"6,786-record legacy XML slice, TREC samples); {criteria:,} criteria, {typed:,} of them with",
        "typed rules.",
        f"Medians of {ROUNDS} rounds in one process.",
        "",
        "| what | trials/s |",
        "|---|---:|",
        "| `parse_eligibility` (split, rules, exceptions, plain language, summary), one process"
        f" | {per_core:,.0f} |",
        f"| baseline: splitting the criteria only, one process | {statistics.median(split_only):,.0f} |",
        "| `update_parsed_criteria` with its worker processes, storing the results"
        f" | {report.trials_per_second:,.0f} |",
        "",
        f"At {per_core:,.0f} trials/s per core, 580,000 trials take"
        f" {580_000 / per_core / 2 / 60:.0f} minutes on 2 cores.",
    ]
    print(write_page("criteria", "Eligibility parsing speed", "\n".join(lines)).read_text())


if __name__ == "__main__":
    main()
