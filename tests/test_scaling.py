"""Work grows about linearly with the size of what a person hands in.

A query, a clinical note and a diagnosis name are each built from real text (benchmark patient
descriptions, real trials' condition names) at two sizes, n and 10n, and the CPU time of each
is measured in the same test (the least of a few runs): ten times the text may cost at most
about ten times as much (the bound, 20, leaves room for noise; a quadratic step would cost 100
times, a cubic one 1,000).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA, NSCLC
from trialscout.eligibility.mentions import term_key
from trialscout.eligibility.model import ParsedEligibility
from trialscout.eligibility.parse import parse_eligibility
from trialscout.matching.check import check_trial
from trialscout.matching.terms import Terms, classes_named, matches, terms
from trialscout.model.enums import SourceFormat
from trialscout.model.patient import Condition, PatientProfile, PatientSex
from trialscout.model.trial import Eligibility, SourceInfo, Trial
from trialscout.patients.note import extract_profile
from trialscout.search.query import parse
from trialscout.services.match import MatchRequest, search_request

QUERIES = (
    DATA / "trialgpt" / "dataset" / "sigir" / "queries.jsonl",
    DATA / "trialgpt" / "dataset" / "trec_2022" / "queries.jsonl",
)
#: Ten times the text may cost at most this many times as much.
MAX_RATIO = 20.0


@cache
def descriptions() -> tuple[str, ...]:
    texts = []
    for path in QUERIES:
        with path.open(encoding="utf-8") as lines:
            texts += [json.loads(line)["text"] for line in lines if line.strip()]
    return tuple(texts)


def _joined(parts: tuple[str, ...], size: int) -> str:
    """``parts`` joined (and repeated) to about ``size`` characters, cut at a word's end."""
    chosen: list[str] = []
    total = 0
    while total < size:
        part = parts[len(chosen) % len(parts)]
        chosen.append(part)
        total += len(part) + 1
    return " ".join(chosen)[:size].rsplit(" ", 1)[0]


def patient_text(size: int) -> str:
    """Real patient descriptions, one after another (quotes dropped: a quote in a query makes
    a phrase that every trial must hold, and two descriptions' quotes would pair up)."""
    return _joined(descriptions(), size).replace('"', " ")


@cache
def _nsclc_studies() -> list[dict[str, Any]]:
    studies: list[dict[str, Any]] = json.loads(Path(NSCLC).read_text())
    return studies


@cache
def condition_words() -> tuple[str, ...]:
    """The condition names of real trials (the NSCLC benchmark export)."""
    names: list[str] = []
    for study in _nsclc_studies():
        conditions = study["protocolSection"].get("conditionsModule", {}).get("conditions", [])
        names += [str(c) for c in conditions]
    return tuple(dict.fromkeys(names))


@cache
def real_trials() -> tuple[tuple[Trial, ParsedEligibility], ...]:
    """Ten real trials' eligibility criteria, parsed once."""
    trials = []
    for study in _nsclc_studies()[:10]:
        section = study["protocolSection"]
        criteria = str(section.get("eligibilityModule", {}).get("eligibilityCriteria", ""))
        trial = Trial(
            nct_id=str(section["identificationModule"]["nctId"]),
            eligibility=Eligibility(criteria=criteria),
            source=SourceInfo(format=SourceFormat.CTGOV_API_V2_JSON),
        )
        trials.append((trial, parse_eligibility(trial)))
    return tuple(trials)


def cpu_seconds(work: Callable[[], object], repeats: int) -> float:
    """The least CPU time of ``repeats`` runs of ``work``."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return max(best, 1e-4)  # the clock's grain: a tiny first size cannot inflate the ratio


def ratio(run: Callable[[int], object], size: int, repeats: int = 3) -> float:
    """CPU time at 10 x ``size`` over CPU time at ``size``."""
    run(size)  # warm caches and lazily loaded parts (the lexicon, the analyser)
    small = cpu_seconds(lambda: run(size), repeats)
    large = cpu_seconds(lambda: run(10 * size), repeats)
    return large / small


def test_a_query_is_read_in_time_proportional_to_its_length() -> None:
    assert len(parse(patient_text(20_000)).words) > 500  # a real long query, many words
    assert ratio(lambda n: parse(patient_text(n)), 2_000, repeats=5) <= MAX_RATIO


def test_a_note_is_read_and_searched_in_time_proportional_to_its_length() -> None:
    def match_a_note(size: int) -> None:
        profile = extract_profile(patient_text(size)).profile
        parse(search_request(profile, MatchRequest()).query)  # the query `match` sends

    assert extract_profile(patient_text(30_000)).profile.other_conditions
    assert ratio(match_a_note, 3_000) <= MAX_RATIO


def profile_named(size: int) -> PatientProfile:
    return PatientProfile(
        age=64,
        sex=PatientSex.FEMALE,
        diagnoses=(Condition(name=_joined(condition_words(), size)),),
    )


def test_a_long_diagnosis_name_is_searched_and_checked_in_time_proportional_to_its_length() -> None:
    def match_a_profile(size: int) -> None:
        terms.cache_clear()  # each run reads the name afresh
        classes_named.cache_clear()
        profile = profile_named(size)
        parse(search_request(profile, MatchRequest()).query)
        for trial, parsed in real_trials():
            check_trial(profile, trial, parsed)

    assert len(profile_named(10_000).diagnoses[0].name) > 9_000
    assert ratio(match_a_profile, 1_000) <= MAX_RATIO


@pytest.mark.parametrize("words", ["non-small cell lung cancer", "non small cell lung cancer"])
def test_a_name_repeating_a_negated_term_is_matched_in_linear_time(words: str) -> None:
    """A criterion's words found many times in a patient's name, each after "non", are each
    looked at once (not every word before each of them)."""
    criterion = terms("small cell lung cancer")

    def match(size: int) -> bool:
        name = " ".join([words] * (size // len(words)))
        return matches(Terms(frozenset({term_key(name)}), frozenset()), criterion)

    assert ratio(match, 2_000) <= MAX_RATIO
