"""The per-process memory of criterion reads (`eligibility.memo`) never changes what a trial's
criteria read as: real trials parsed with no memory, with a cold one and with a warm one give
the same criteria, rules, spans and sentences."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest

from tests.conftest import v2_studies
from trialscout.eligibility import memo
from trialscout.eligibility.model import Criterion, CriterionKind, Span
from trialscout.eligibility.parse import parse_criteria_text, parse_eligibility
from trialscout.model.trial import Trial
from trialscout.sources.ctgov_json import trial_from_v2


@pytest.fixture
def fresh_memory() -> Iterator[None]:
    memo.configure(memo.DEFAULT_SIZE)
    yield
    memo.configure(memo.DEFAULT_SIZE)


def _parsed(trials: list[Trial]) -> list[bytes]:
    return [msgspec.json.encode(parse_eligibility(t)) for t in trials]


def test_real_trials_read_the_same_with_and_without_the_memory(fresh_memory: None) -> None:
    trials = [trial_from_v2(s) for s in v2_studies()]
    assert len(trials) >= 300
    memo.configure(0)
    without = _parsed(trials)
    assert memo.stats()["rules"].hits == 0
    memo.configure(memo.DEFAULT_SIZE)
    cold = _parsed(trials)
    warm = _parsed(trials)
    stats = memo.stats()
    assert stats["rules"].hits > stats["rules"].calls / 2  # the warm pass was answered from memory
    assert stats["sentence"].hits > stats["sentence"].calls / 2
    for trial, a, b, c in zip(trials, without, cold, warm, strict=True):
        assert a == b == c, trial.nct_id


def test_the_same_words_elsewhere_keep_their_own_offsets(fresh_memory: None) -> None:
    """A boilerplate criterion remembered at one place in a text is answered at another place
    with the spans of that place."""
    words = "* ECOG performance status 0-1\n* Age 18 years or older\n* No chemotherapy within 4 weeks\n"
    first = parse_criteria_text(f"Inclusion Criteria:\n\n{words}\nExclusion Criteria:\n\n* Pregnancy")
    later = f"Inclusion Criteria:\n\n* Signed informed consent\n{words}\nExclusion Criteria:\n\n* Pregnancy"
    second = parse_criteria_text(later)
    assert memo.stats()["rules"].hits >= 4
    memo.configure(0)
    assert second == parse_criteria_text(later)
    typed = {c.text: c for c in first if c.rules}
    assert len(typed) >= 3
    for criterion in second:
        for rule in criterion.rules:
            assert criterion.span.start <= rule.span.start < rule.span.end <= criterion.span.end
        if criterion.text in typed:
            before = typed[criterion.text]
            assert criterion.span.start > before.span.start
            assert memo.relative(criterion).rules == memo.relative(before).rules


def test_the_memory_is_bounded(fresh_memory: None) -> None:
    memo.configure(50)
    for n in range(200):
        memo.read_rules(f"Age {18 + n} years or older", CriterionKind.INCLUSION)
    assert memo.stats()["rules"].size == 50


def test_relative_keeps_what_the_sentence_reads_and_drops_where_it_is() -> None:
    (criterion,) = [
        c for c in parse_criteria_text("Inclusion Criteria:\n\n* Age 18 years or older") if c.rules
    ]
    moved = msgspec.structs.replace(
        criterion,
        id="I9",
        span=Span(criterion.span.start + 100, criterion.span.end + 100),
        rules=tuple(memo.moved_rule(r, 100) for r in criterion.rules),
    )
    assert memo.relative(moved) == memo.relative(criterion)
    assert memo.relative(criterion).span.start == 0
    assert memo.relative(criterion) != memo.relative(
        msgspec.structs.replace(criterion, kind=CriterionKind.EXCLUSION)
    )
    assert isinstance(memo.relative(criterion), Criterion)
