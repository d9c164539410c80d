"""Eligibility parsing speed: trials per second per core, on the real records.

On the real store (7,225 trials, ../shared/data), in one process, in interleaved rounds (one
round: each way below in turn, on the same trials; medians over the rounds):

- `parse_eligibility` with no memory of criteria (`memo.configure(0)`: the parse before the
  memory), with the memory emptied before the round (cold) and right after a cold round (warm);
- splitting the criteria alone (no rules, no plain language), the baseline of the cost;

on every `SAMPLE`-th trial, in the store's order (the order of a load). Trials/s are per CPU
second of this process (`time.process_time`), so that other work on a shared machine slows the
figures less than wall-clock time would.

The memory's hit rate is measured on every real trial in the store's order, and simulated (the
same least-recently-used rule on the same keys) on the real trials repeated three times copy
after copy, the order of the synthetic registry (`corpus.synthetic_store`), at the default size
and a larger one, to show whether copies inflate it. Last, `update_parsed_criteria` with its
worker processes re-parses a copy of the real store (wall clock, storing the results).

    python -m benchmarks.criteria        # writes docs/benchmarks/criteria.md
"""

from __future__ import annotations

import shutil
import statistics
import time
import tracemalloc
from collections import OrderedDict
from collections.abc import Callable, Sequence

from benchmarks.common import WORK, write_page
from benchmarks.corpus import real_store
from trialscout.eligibility import memo
from trialscout.eligibility.parse import parse_eligibility
from trialscout.eligibility.split import split_criteria
from trialscout.model.trial import Trial
from trialscout.store.criteria import update_parsed_criteria
from trialscout.store.sqlite import SQLiteStore

ROUNDS = 3
SAMPLE = 10  # every 10th real trial in the timed rounds (723 trials)
TARGET = 1_000  # trials per second per core (issue 16)
COPIES = 3
TRACED = 400  # trials read with tracemalloc on, to measure what an entry of the memory holds


def _per_cpu_second(trials: Sequence[Trial], run: Callable[[Trial], object]) -> float:
    started = time.process_time()
    for trial in trials:
        run(trial)
    return len(trials) / (time.process_time() - started)


def _split(trial: Trial) -> object:
    return split_criteria(
        trial.eligibility.criteria if trial.eligibility and trial.eligibility.criteria else ""
    )


def _lru_hit_rate(keys: Sequence[int], size: int) -> float:
    kept: OrderedDict[int, None] = OrderedDict()
    hits = 0
    for key in keys:
        if key in kept:
            hits += 1
            kept.move_to_end(key)
        else:
            kept[key] = None
            if len(kept) > size:
                kept.popitem(last=False)
    return hits / len(keys) if keys else 0.0


def _keys_of_a_pass(trials: Sequence[Trial]) -> tuple[list[int], list[int], float]:
    """The keys each memory is asked, in order, over one pass of ``trials`` (and the bytes the
    memory holds at the default size at the end, traced)."""
    memo.configure()
    rules, sentences = memo._MEMORY.rules, memo._MEMORY.sentence
    rule_keys: list[int] = []
    sentence_keys: list[int] = []

    def asked_rules(*key: object) -> object:
        rule_keys.append(hash(key))
        return rules(*key)

    def asked_sentence(*key: object) -> object:
        sentence_keys.append(hash(key))
        return sentences(*key)

    memo._MEMORY.rules, memo._MEMORY.sentence = asked_rules, asked_sentence  # type: ignore[assignment]
    try:
        for trial in trials:
            parse_eligibility(trial)
    finally:
        memo._MEMORY.rules, memo._MEMORY.sentence = rules, sentences
    # what the memory holds at the default size: the last entries of the pass, read again traced
    memo.configure()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for trial in trials[-TRACED:]:
        parse_eligibility(trial)
    held = memo.stats()
    memory = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    entries = held["rules"].size + held["sentence"].size
    per_entry = memory / entries if entries else 0.0
    return rule_keys, sentence_keys, per_entry


def main() -> None:
    db = real_store()
    with SQLiteStore(db, read_only=True) as store:
        trials = [trial for _, trial in store.iter_trials()]
    sample = trials[::SAMPLE]
    ways: dict[str, list[float]] = {"none": [], "cold": [], "warm": [], "split": []}
    for _ in range(ROUNDS):
        memo.configure(0)
        ways["none"].append(_per_cpu_second(sample, parse_eligibility))
        memo.configure()
        ways["cold"].append(_per_cpu_second(sample, parse_eligibility))
        ways["warm"].append(_per_cpu_second(sample, parse_eligibility))
        ways["split"].append(_per_cpu_second(sample, _split))
    medians = {k: statistics.median(v) for k, v in ways.items()}

    rule_keys, sentence_keys, per_entry = _keys_of_a_pass(trials)
    big = 100_000
    rates = {
        (name, order, size): _lru_hit_rate(keys * (COPIES if order == "copies" else 1), size)
        for name, keys in (("rules", rule_keys), ("sentence", sentence_keys))
        for order in ("natural", "copies")
        for size in (memo.DEFAULT_SIZE, big)
    }
    distinct = {"rules": len(set(rule_keys)), "sentence": len(set(sentence_keys))}

    copy = WORK / "criteria-bench.db"
    for leftover in WORK.glob("criteria-bench.db*"):
        leftover.unlink()
    shutil.copy(db, copy)
    memo.configure()
    with SQLiteStore(copy) as store:
        report = update_parsed_criteria(store, rebuild=True)
    for leftover in WORK.glob("criteria-bench.db*"):
        leftover.unlink()

    def rate(name: str, order: str, size: int) -> str:
        return f"{rates[(name, order, size)]:.1%}"

    lines = [
        f"Target (issue 16): at least {TARGET:,} trials/s per core, with the output of the parse unchanged.",
        "",
        f"Data: the {len(trials):,} real trials of ../shared/data (API v2 exports, AACT fixtures, the",
        "6,786-record legacy XML slice, TREC samples), in the store's order; the timed rounds read every",
        f"{SAMPLE}th ({len(sample):,} trials). Medians of {ROUNDS} interleaved rounds in one process (each",
        "round runs every way below in turn), in trials per CPU second of that process: the machine is",
        "shared by other work, which slows wall-clock figures more.",
        "",
        "| what | trials/s per core |",
        "|---|---:|",
        f"| `parse_eligibility`, no memory of criteria (as before the memory) | {medians['none']:,.0f} |",
        f"| `parse_eligibility`, memory emptied before the round (cold) | {medians['cold']:,.0f} |",
        f"| `parse_eligibility`, the same trials again right after (warm) | {medians['warm']:,.0f} |",
        f"| baseline: splitting the criteria only | {medians['split']:,.0f} |",
        "",
        "The memory (`eligibility.memo`): per process, least recently used, "
        f"{memo.DEFAULT_SIZE:,} entries each for a criterion's rules and its plain sentence,"
        f" about {per_entry / 1024:.1f} KiB an entry traced"
        f" ({per_entry * 2 * memo.DEFAULT_SIZE / 2**20:.0f} MiB when both are full).",
        f"One pass over the {len(trials):,} real trials asks it for {len(rule_keys):,} rule reads"
        f" ({distinct['rules']:,} distinct) and {len(sentence_keys):,} sentences"
        f" ({distinct['sentence']:,} distinct).",
        "",
        "| hit rate | rules | sentences |",
        "|---|---:|---:|",
    ]
    for order, label in (
        ("natural", "real trials, store order"),
        ("copies", f"real trials x {COPIES}, copy after copy"),
    ):
        for size in (memo.DEFAULT_SIZE, big):
            lines.append(
                f"| {label}, {size:,} entries | {rate('rules', order, size)}"
                f" | {rate('sentence', order, size)} |"
            )
    inflation = max(
        rates[(name, "copies", memo.DEFAULT_SIZE)] - rates[(name, "natural", memo.DEFAULT_SIZE)]
        for name in ("rules", "sentence")
    )
    lines += [
        "",
        "Copy after copy, a criterion comes back only after a whole registry of others, so a memory",
        "smaller than the distinct criteria has forgotten it: at the default size the copies of the",
        f"synthetic registry raise the hit rate by at most {inflation:.1%} (points)"
        + (
            "; only a memory that holds every distinct criterion is flattered by them."
            if inflation < 0.02
            else ", which flatters any rate measured on the copies."
        ),
        "",
        "| `update_parsed_criteria`, worker processes, storing the results (wall clock) | trials/s |",
        "|---|---:|",
        f"| {report.parsed:,} trials, rebuild | {report.trials_per_second:,.0f} |",
    ]
    print(write_page("criteria", "Eligibility parsing speed", "\n".join(lines)).read_text())


if __name__ == "__main__":
    main()
