"""The results and money rules of the patient layer over a whole store: how many trials have
results posted, how many of those the summary reads primary outcomes, a participant flow and
serious adverse events for, the results status lines by kind, and how many trials get a money
quote, by kind and by field.

    python -m scripts.patient_layer_results registry.db [--examples N]

Results are read from each trial's stored original record (API v2 JSON or legacy XML).
"""

from __future__ import annotations

import argparse
import random
import re
from collections import Counter

from trialscout.store.sqlite import SQLiteStore
from trialscout.trialpage.money import money
from trialscout.trialpage.results import posted_results, results_status


def main(db: str, examples: int) -> None:
    status: Counter[str] = Counter()
    summary: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    fields: Counter[str] = Counter()
    quoted: list[tuple[str, str, str]] = []
    shown: list[str] = []
    trials = stated = 0
    with SQLiteStore(db, read_only=True) as store:
        for _, trial in store.iter_trials():
            trials += 1
            line = results_status(trial)
            status[re.sub(r"\d{4}(-\d\d)*", "<date>", line.text)] += 1
            if line.posted:
                summary["results posted (status)"] += 1
            fmt, raw = store.raw_record(trial.nct_id)
            results = posted_results(fmt, raw)
            if results is not None:
                summary["a results section read"] += 1
                summary["... with primary outcomes"] += bool(results.primary_outcomes)
                summary["... with values for every primary outcome"] += bool(
                    results.primary_outcomes
                ) and all(o.rows for o in results.primary_outcomes)
                summary["... with a p-value"] += any(o.p_values for o in results.primary_outcomes)
                summary["... with a participant flow"] += results.flow is not None
                summary["... with serious adverse events"] += results.serious_adverse_events is not None
                summary["... read incompletely (truncated)"] += not results.complete
                shown.append(trial.nct_id)
            facts = money(trial)
            if facts.stated:
                stated += 1
                for q in facts.quotes:
                    kinds[q.kind] += 1
                    fields[q.field.split(".")[-1].split("[")[0]] += 1
                quoted.append((trial.nct_id, facts.quotes[0].kind, facts.text))
    print(f"trials: {trials:,}")
    print("\n| results status line | trials |\n|---|---:|")
    for text, n in status.most_common():
        print(f"| {text} | {n:,} |")
    print("\n| posted results summary | trials |\n|---|---:|")
    for what, n in summary.items():
        print(f"| {what} | {n:,} |")
    print(f"\nmoney stated: {stated:,} trials")
    print("\n| quote kind | quotes |\n|---|---:|")
    for kind, n in kinds.most_common():
        print(f"| {kind} | {n:,} |")
    print("\n| quoted field | quotes |\n|---|---:|")
    for field, n in fields.most_common():
        print(f"| {field} | {n:,} |")
    if examples:
        rng = random.Random(14)
        print("\nresults examples:", ", ".join(sorted(rng.sample(shown, min(examples, len(shown))))))
        print("\nmoney examples:")
        for nct_id, kind, text in sorted(rng.sample(quoted, min(examples, len(quoted)))):
            print(f"{nct_id} [{kind}] {text}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", help="the store, e.g. registry.db")
    parser.add_argument("--examples", type=int, default=0, help="print N random examples of each")
    args = parser.parse_args()
    main(args.db, args.examples)
