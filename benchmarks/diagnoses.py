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

Beside them, as the baseline, the diagnoses the note reader finds named in the note, and both
together. The oracle row reads the first 3 of TrialGPT's GPT-4 condition lists (``id2queries.json``) the
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
from trialscout.evaluation.benchmark import ELIGIBLE, read_qrels, read_queries
from trialscout.evaluation.corpus import load_corpus
from trialscout.matching.terms import matches, terms
from trialscout.patients.note import extract_profile

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
    """The table's rows for one benchmark: what names the patients' eligible trials' diseases."""
    queries = read_queries(folder / "queries.jsonl").queries
    qrels = read_qrels(folder / "qrels" / "test.tsv")
    eligible = {q: [t for t, s in judged.items() if s == ELIGIBLE] for q, judged in qrels.items()}
    corpus = load_corpus(corpus_paths, only={t for ts in eligible.values() for t in ts})
    oracle_lists = json.loads((folder / "id2queries.json").read_text())
    times: list[float] = []
    leads: dict[str, list[list[str]]] = {source: [] for source in SOURCES}
    judged_trials: list[list[tuple[tuple[str, ...], str]]] = []
    for query, text in queries.items():
        profile = extract_profile(text).profile  # its candidates are the ones timed below
        start = time.perf_counter()
        suggest_diagnoses(
            note_findings(text),
            sex=profile.sex.value if profile.sex is not None else None,
            age=profile.age,
        )
        times.append(time.perf_counter() - start)
        candidates = [c.name for c in profile.candidate_diagnoses[:TOP]]
        named = [c.name for c in profile.diagnoses]
        oracle = oracle_lists.get(query, {}).get("gpt-4-turbo", {}).get("conditions", [])[:TOP]
        for source, names in zip(SOURCES, (candidates, named, named + candidates, oracle), strict=True):
            leads[source].append(names)
        judged_trials.append(
            [
                (corpus[t].trial.conditions, corpus[t].trial.title)
                for t in eligible.get(query, [])
                if t in corpus
            ]
        )
    ms = sorted(t * 1000 for t in times)
    rows = []
    judged = sum(bool(trials) for trials in judged_trials)
    for source, per_note in leads.items():
        hits = [
            _named(names, trials) for names, trials in zip(per_note, judged_trials, strict=True) if trials
        ]
        words, about = sum(w for w, _ in hits), sum(a for _, a in hits)
        given = sum(bool(names) for names in per_note)
        rows.append(
            f"| {name} | {source} | {given} of {len(per_note)} ({given / len(per_note):.0%}) | {judged} "
            f"| {words} ({words / max(1, judged):.0%}) | {about} ({about / max(1, judged):.0%}) |"
        )
    rows.append(
        f"| {name} | time per note, findings + suggestions (median / p95 / max) "
        f"| {statistics.median(ms):.1f} / {ms[int(0.95 * (len(ms) - 1))]:.1f} / {ms[-1]:.1f} ms | | | |"
    )
    return rows


SOURCES = (
    f"candidates, top {TOP}",
    "named in the note (baseline)",
    f"named + candidates top {TOP}",
    f"oracle: GPT-4 conditions, first {TOP}",
)


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
        "| notes | leads | notes with any | notes with an eligible trial's text "
        "| a lead names its condition or title (words) | (about) |"
    )
    print("|---|---|---|---|---|---|")
    for name, (folder, corpus_paths) in DATASETS.items():
        for line in run(name, folder, corpus_paths):
            print(line)


if __name__ == "__main__":
    main()
