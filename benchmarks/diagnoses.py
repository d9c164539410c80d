"""Findings -> candidate diagnoses on benchmark patient notes: coverage, time, and whether a
suggestion names what the patient's eligible trials are about.

For each note of TREC Clinical Trials 2022 (tuned on) and SIGIR 2016 (held apart): whether
`suggest_diagnoses(note_findings(note))` gives any candidate, the time per note after the first
load, and, for the notes with an eligible trial (qrels score 2) whose text we have, how often one
of the top 3 candidates names one of those trials' conditions or title:

- "words": a content word of the candidate's name (not "syndrome", "disease", "type", ...) among
  the trial's condition and title words, after the same normalising;
- "about": the ranking's own test (`trialscout.concepts.about`: a condition's words inside the
  candidate's, or the other way round).

The oracle row reads the first 3 of TrialGPT's GPT-4 condition lists (``id2queries.json``) the
same way: a ceiling for what naming the right disease would give, never used to tune.

    python -m benchmarks.diagnoses
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import DATA, machine, today
from trialscout.concepts.diagnoses import note_findings, suggest_diagnoses
from trialscout.concepts.hpo import hpo_diseases, hpo_terms, information_content
from trialscout.eligibility.text import matchable
from trialscout.evaluation.benchmark import ELIGIBLE, read_qrels, read_queries
from trialscout.evaluation.corpus import load_corpus
from trialscout.matching.terms import matches, terms
from trialscout.patients.note_values import age_matches, read_age, read_sex

DATASETS = {
    "TREC 2022 (tuned)": (
        DATA / "trialgpt" / "dataset" / "trec_2022",
        [DATA / "trialgpt" / "deepadsc-fork"],
    ),
    "SIGIR 2016 (held apart)": (
        DATA / "trialgpt" / "dataset" / "sigir",
        [DATA / "sigir-trialgpt-format"],
    ),
}
TOP = 3
_WORD = re.compile(r"[^\W_]+")
_GENERIC = frozenset(
    {
        *("syndrome", "disease", "disorder", "type", "deficiency", "form", "forms", "familial"),
        *("congenital", "hereditary", "with", "without", "and", "the", "due", "associated"),
        *("autosomal", "dominant", "recessive", "linked", "acute", "chronic", "primary"),
        *("secondary", "infantile", "juvenile", "adult", "onset", "early", "late", "susceptibility"),
    }
)


def _words(text: str) -> set[str]:
    found = set()
    for word in _WORD.findall(text.lower()):
        if len(word) < 3 or word in _GENERIC or word.isdigit():
            continue
        found.add(word[:-1] if len(word) > 4 and word.endswith("s") else word)
    return found


def _named(names: Sequence[str], trials: Sequence[tuple[tuple[str, ...], str]]) -> tuple[bool, bool]:
    """(words, about): whether one of ``names`` names one of the trials' conditions or title."""
    words = about = False
    for name in names:
        have_words, have = _words(name), terms(name)
        for conditions, title in trials:
            if have_words & set().union(*(_words(c) for c in (*conditions, title))):
                words = True
            named = [terms(c) for c in (*conditions, title)]
            if any(matches(have, t) or matches(t, have) for t in named):
                about = True
    return words, about


def run(name: str, folder: Path, corpus_paths: list[Path]) -> list[str]:
    queries = read_queries(folder / "queries.jsonl").queries
    qrels = read_qrels(folder / "qrels" / "test.tsv")
    eligible = {q: [t for t, s in judged.items() if s == ELIGIBLE] for q, judged in qrels.items()}
    wanted = {t for ts in eligible.values() for t in ts}
    corpus = load_corpus(corpus_paths, only=wanted)
    oracle_lists = json.loads((folder / "id2queries.json").read_text())
    times: list[float] = []
    any_candidate = judged = words_hit = about_hit = oracle_words = oracle_about = 0
    for query, text in queries.items():
        view = matchable(text)
        ages = age_matches(view)
        age = read_age(view, ages)
        sex = read_sex(view, age, ages)
        start = time.perf_counter()
        candidates = suggest_diagnoses(
            note_findings(text),
            sex=sex.sex.value if sex is not None else None,
            age=age.years if age is not None else None,
        )
        times.append(time.perf_counter() - start)
        any_candidate += bool(candidates)
        trials = [
            (corpus[t].trial.conditions, corpus[t].trial.title)
            for t in eligible.get(query, [])
            if t in corpus
        ]
        if not trials:
            continue
        judged += 1
        words, about = _named([c.name for c in candidates[:TOP]], trials)
        words_hit += words
        about_hit += about
        oracle = oracle_lists.get(query, {}).get("gpt-4-turbo", {}).get("conditions", [])[:TOP]
        words, about = _named(oracle, trials)
        oracle_words += words
        oracle_about += about
    ms = sorted(t * 1000 for t in times)
    return [
        f"| {name} | {len(queries)} | {any_candidate} ({any_candidate / len(queries):.0%}) "
        f"| {statistics.median(ms):.1f} / {ms[int(0.95 * (len(ms) - 1))]:.1f} / {ms[-1]:.1f} "
        f"| {judged} | {words_hit} ({words_hit / max(1, judged):.0%}) "
        f"| {about_hit} ({about_hit / max(1, judged):.0%}) "
        f"| {oracle_words} / {oracle_about} |"
    ]


def main() -> None:
    start = time.perf_counter()
    hpo_terms(), hpo_diseases(), information_content()
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    suggest_diagnoses(note_findings("short stature and a webbed neck"))
    first = time.perf_counter() - start
    print(f"findings -> candidate diagnoses, {today()}, {machine()}")
    print(f"HPO read in {loaded:.2f} s; lexicon and disease index built in {first:.2f} s more")
    print()
    print(
        "| notes | n | any candidate | ms per note (median / p95 / max) | with eligible trial text "
        f"| top-{TOP} names a trial's condition (words) | (about) | oracle GPT-4 top-{TOP} (words / about) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, (folder, corpus_paths) in DATASETS.items():
        for line in run(name, folder, corpus_paths):
            print(line)


if __name__ == "__main__":
    main()
