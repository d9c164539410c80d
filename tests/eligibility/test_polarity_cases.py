"""Every case of the polarity-and-exception set reads as it must (see `polarity_cases`)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.eligibility.polarity_cases import CASES, Case, Reads
from trialscout.eligibility.model import Criterion
from trialscout.eligibility.parse import parse_eligibility
from trialscout.eligibility.plain import strip_explanations
from trialscout.store.sqlite import SQLiteStore

_EXCLUDES = re.compile(
    r"^(?:You cannot join if|I do not|I have not|I am not|I cannot|I will not|Not allowed"
    r"|No\b.*\bwill be included)"
    r"|^[^.]*\b(?:cannot be included|(?:is|are) not (?:permitted|allowed|eligible)|(?:is|are) ineligible)\b"
)
_REQUIRES = re.compile(r"^(?:I (?!do not|have not|am not|cannot|will not)|My |If I am |The trial requires:)")
_ALLOWS = re.compile(
    r"^(?:You can still join if|You can join if|However,|Allowed)|^[^.]*\b(?:is|are) (?:allowed|permitted)\b"
)
_CONDITION = re.compile(r"^For the (?:exception|point) above, this must also be true:")

_READINGS = {
    Reads.EXCLUSION: _EXCLUDES,
    Reads.REQUIREMENT: _REQUIRES,
    Reads.ALLOWANCE: _ALLOWS,
    Reads.CONDITION: _CONDITION,
}


def _case_id(case: Case) -> str:
    return f"{case.nct_id}:{case.pattern}:{case.anchor[:30]}"


def _found(store: SQLiteStore, case: Case) -> tuple[Criterion, str]:
    parsed = parse_eligibility(store.trial(case.nct_id))
    hits = [(c, c.plain) for c in parsed.criteria if case.anchor in " ".join(c.text.split())]
    assert hits, f"no criterion of {case.nct_id} contains {case.anchor!r}"
    # some records repeat a criterion word for word; the anchor must not pick between different ones
    assert len({c.text for c, _ in hits}) == 1, f"{case.anchor!r} matches different criteria of {case.nct_id}"
    return hits[0]


def _reads(plain: str, reads: Reads) -> bool:
    if reads is Reads.STATEMENT:
        return not any(pattern.search(plain) for pattern in (_EXCLUDES, _REQUIRES, _CONDITION))
    if reads is Reads.REQUIREMENT:
        return bool(_REQUIRES.search(plain)) and not _EXCLUDES.search(plain)
    if reads is Reads.ALLOWANCE:
        return bool(_ALLOWS.search(plain)) and not plain.startswith("You cannot join if")
    return bool(_READINGS[reads].search(plain))


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_case(registry: SQLiteStore, case: Case) -> None:
    criterion, plain = _found(registry, case)
    assert criterion.kind is case.kind, plain
    if criterion.plain_original:
        # no faithful sentence could be built: the registry's own words are shown, marked so
        assert plain == " ".join(criterion.text.split())
    else:
        _check_sentence(case, plain)
    for tag, expect in case.rules:
        typed = [r for r in criterion.rules if r.__struct_config__.tag == tag]
        assert typed, f"no {tag} rule read from {criterion.text!r}"
        assert all(r.expect is expect for r in typed), f"{tag}: {[r.expect for r in typed]} (want {expect})"


def _check_sentence(case: Case, plain: str) -> None:
    assert _reads(plain, case.reads), f"should read as {case.reads}: {plain}"
    lowered = strip_explanations(plain).lower()
    main_at = lowered.find(case.main.lower())
    assert main_at >= 0, f"main clause {case.main!r} missing: {plain}"
    after = main_at + len(case.main)
    for words in case.exception:
        assert lowered.find(words.lower(), after) >= 0, f"{words!r} not kept after the main clause: {plain}"
    for words in case.absent:
        assert words.lower() not in lowered, f"{words!r} must not be said: {plain}"


def test_the_set_is_large_and_varied() -> None:
    assert len(CASES) >= 100
    assert len({(c.nct_id, c.anchor) for c in CASES}) == len(CASES)
    patterns = Counter(c.pattern for c in CASES)
    for needed in (
        "unless",
        "except",
        "with the exception of",
        "other than",
        "provided that",
        "may be included",
        "allowed",
        "as long as",
        "allowing sub-point",
        "No prior",
        "double negative",
        "not required",
        "non-",
        "restated exclusion",
    ):
        assert patterns[needed], needed
    assert {c.reads for c in CASES} == set(Reads)
