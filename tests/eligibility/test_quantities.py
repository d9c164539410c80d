"""The quantity readers on any text: never an exception, spans inside the text, real records read.

Also the helpers the other quantity tests share: read one criterion, pick rules by type.
"""

from __future__ import annotations

import zipfile
from typing import TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import XML_SLICE
from trialscout.eligibility.model import Bound, CriterionKind, Expect, PartRole, Rule, Span
from trialscout.eligibility.rules import quantities
from trialscout.eligibility.text import matchable
from trialscout.sources.ctgov_xml import parse_xml, trial_from_xml

INCLUSION = CriterionKind.INCLUSION
EXCLUSION = CriterionKind.EXCLUSION

R = TypeVar("R")


def read(text: str, kind: CriterionKind = INCLUSION) -> list[Rule]:
    """Every rule the quantity readers find in one criterion."""
    view = matchable(text)
    return [rule for reader in quantities.READERS for rule in reader(text, view, kind)]


def of_type(text: str, rule_type: type[R], kind: CriterionKind = INCLUSION) -> list[R]:
    return [rule for rule in read(text, kind) if isinstance(rule, rule_type)]


def one(text: str, rule_type: type[R], kind: CriterionKind = INCLUSION) -> R:
    found = of_type(text, rule_type, kind)
    assert len(found) == 1, f"expected one {rule_type.__name__} in {text!r}, got {found}"
    return found[0]


def words(text: str, span: Span) -> str:
    return text[span.start : span.end]


def part(text: str, rule: Rule, role: PartRole) -> list[str]:
    """The words of a rule's parts with ``role``, in order."""
    return [words(text, p.span) for p in rule.parts if p.role is role]


def bound(
    low: float | None = None,
    high: float | None = None,
    *,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> Bound:
    return Bound(low=low, high=high, low_inclusive=low_inclusive, high_inclusive=high_inclusive)


# ------------------------------------------------------------------------------ any text, real text

VOCABULARY = [
    "Age", "aged", "≥", ">=", "\\>", "<", "≤", "=<", "18", "75", "2", "0-1", "1,500", "100 000", "1.5", "9",
    "years", "months", "of age", "or older", "older than", "between", "and", "or", "to", "-", "+", "/",
    "ANC", "neutrophils", "platelets", "hemoglobin", "Hb", "creatinine", "clearance", "eGFR", "AST", "ALT",
    "bilirubin", "INR", "aPTT", "LVEF", "QTcF", "x ULN", "× 10^9/L", "109/L", "/mm3", "/µL", "g/dL", "g/L",
    "mmol/L", "µmol/L", "mg/dL", "mL/min", "mL/min/1.73 m2", "%", "ms", "times", "upper limit of normal",
    "within normal limits", "except", "unless", "if", "(", ")", "[", "]", ",", ";", ".", ":", "\n",
    "Gilbert's", "liver metastases", "for patients", "ECOG", "PS", "WHO", "Karnofsky", "KPS", "Lansky",
    "performance status", "Life expectancy", "weeks", "measurable", "non-measurable", "evaluable", "disease",
    "RECIST 1.1", "RANO", "Female", "women", "men", "male", "pregnant", "breast-feeding", "negative",
    "pregnancy test", "contraception", "childbearing potential", "must", "not", "no", "without",
    "EGFR", "ALK", "ROS1", "HER2", "PD-L1", "TPS", "KRAS", "G12C", "V600E", "MSI-H", "dMMR", "ER", "PR",
    "mutation", "rearrangement", "positive", "expression", "wild-type", "triple negative", "TKI",
]  # fmt: skip

_criteria_words = st.lists(st.sampled_from(VOCABULARY), max_size=40).map(" ".join)
_criteria_glued = st.lists(st.sampled_from(VOCABULARY), max_size=40).map("".join)


def check_rules(text: str, kind: CriterionKind) -> list[Rule]:
    """Read ``text`` and check what must hold for any text: spans inside it, parts inside their
    rule, exception words as in the text, bounds in order."""
    found = read(text, kind)
    for rule in found:
        assert 0 <= rule.span.start <= rule.span.end <= len(text), rule
        assert rule.expect in (Expect.PRESENT, Expect.ABSENT)
        for p in rule.parts:
            assert rule.span.start <= p.span.start <= p.span.end <= rule.span.end, (text, rule)
        for exception in rule.exceptions:
            assert words(text, exception.span) == exception.text
        for value in (getattr(rule, name, None) for name in ("years", "bound", "score", "ecog", "weeks")):
            if isinstance(value, Bound) and value.low is not None and value.high is not None:
                assert value.low <= value.high, (text, rule)
    return found


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300), st.sampled_from([INCLUSION, EXCLUSION]))
def test_any_text_reads_without_error(text: str, kind: CriterionKind) -> None:
    check_rules(text, kind)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_criteria_words, _criteria_glued), st.sampled_from([INCLUSION, EXCLUSION]))
def test_any_mixture_of_criteria_words_reads_without_error(text: str, kind: CriterionKind) -> None:
    check_rules(text, kind)


def test_real_records_read_cleanly_and_find_every_kind_of_rule() -> None:
    """The first 1,500 records of the legacy XML slice, line by line: no error, every span
    sound, and each kind of rule found where the registry states it."""
    counts: dict[str, int] = {}
    with zipfile.ZipFile(XML_SLICE) as archive:
        names = [n for n in archive.namelist() if n.endswith(".xml")][:1500]
        for name in names:
            eligibility = trial_from_xml(parse_xml(archive.read(name))).eligibility
            text = eligibility.criteria if eligibility and eligibility.criteria else ""
            for line in text.splitlines():
                for rule in check_rules(line, INCLUSION):
                    counts[type(rule).__name__] = counts.get(type(rule).__name__, 0) + 1
    for name, least in {
        # about 80% of what this reading finds today (754, 100, 1248, 82, 108, 876, 42, 9)
        "AgeRule": 600,
        "SexRule": 80,
        "ReproductiveRule": 1000,
        "PerformanceStatusRule": 65,
        "LifeExpectancyRule": 85,
        "LabRule": 700,
        "MeasurableDiseaseRule": 33,
        "BiomarkerRule": 7,
    }.items():
        assert counts.get(name, 0) >= least, (name, counts)
