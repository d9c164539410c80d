"""Any criteria text and any profile give a verdict, never an exception: random profiles
against real criteria (pieces of the records in ../shared/data, shuffled and cut) and against
made-up text."""

from __future__ import annotations

import datetime as dt
import functools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import DATA
from trialscout.matching.check import TrialResult, Verdict, check_trial
from trialscout.model.enums import OverallStatus, SourceFormat
from trialscout.model.patient import (
    Biomarker,
    Condition,
    Finding,
    LabResult,
    Medication,
    PatientProfile,
    PatientSex,
    PerformanceStatus,
    Procedure,
    Therapy,
)
from trialscout.model.trial import Eligibility, SourceInfo, Trial
from trialscout.sources.files import ArchivedRecord, iter_source, parse_record

WORDS = st.sampled_from(
    [
        "brain metastases",
        "breast cancer",
        "HIV",
        "hepatitis B",
        "diabetes",
        "no neuropathy",
        "family history of stroke",
        "other malignancy",
        "osimertinib",
        "pembrolizumab",
        "insulin",
        "radiotherapy",
        "lobectomy",
        "pregnancy",
        "",
        "x" * 300,
        "NSCLC, stage IV",
        "ECOG",
    ]
)
DATES = st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)))
NUMBERS = st.floats(allow_nan=True, allow_infinity=True, width=32)

PROFILES = st.builds(
    PatientProfile,
    age=st.one_of(st.none(), NUMBERS),
    sex=st.one_of(st.none(), st.sampled_from(PatientSex)),
    as_of=st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2040, 1, 1))),
    pregnant=st.one_of(st.none(), st.booleans()),
    childbearing_potential=st.one_of(st.none(), st.booleans()),
    diagnoses=st.lists(st.builds(Condition, name=WORDS, stage=st.one_of(st.none(), WORDS)), max_size=2).map(
        tuple
    ),
    other_conditions=st.lists(
        st.builds(
            Condition,
            name=WORDS,
            diagnosed=DATES,
            resolved=DATES,
            status=st.sampled_from(["active", "resolved", "history"]),
        ),
        max_size=3,
    ).map(tuple),
    absent=st.lists(st.builds(Finding, name=WORDS), max_size=3).map(tuple),
    biomarkers=st.lists(
        st.builds(
            Biomarker,
            marker=WORDS,
            positive=st.one_of(st.none(), st.booleans()),
            percent=st.one_of(st.none(), NUMBERS),
        ),
        max_size=2,
    ).map(tuple),
    performance_status=st.one_of(
        st.none(),
        st.builds(
            PerformanceStatus,
            scale=st.sampled_from(["ECOG", "KARNOFSKY", "LANSKY", "??"]),
            score=NUMBERS,
            date=DATES,
        ),
    ),
    labs=st.lists(
        st.builds(
            LabResult,
            analyte=st.sampled_from(["anc", "platelets", "creatinine", "ast", "qtc", "??"]),
            value=NUMBERS,
            unit=st.sampled_from([None, "/mm3", "mg/dL", "xULN", "furlongs"]),
            date=DATES,
        ),
        max_size=3,
    ).map(tuple),
    prior_therapies=st.lists(
        st.builds(
            Therapy, name=WORDS, start=DATES, end=DATES, line=st.one_of(st.none(), st.integers(-3, 30))
        ),
        max_size=3,
    ).map(tuple),
    medications=st.lists(
        st.builds(Medication, name=WORDS, dose=st.one_of(st.none(), NUMBERS)), max_size=2
    ).map(tuple),
    procedures=st.lists(st.builds(Procedure, name=WORDS, date=DATES), max_size=2).map(tuple),
)


@functools.cache
def real_lines() -> tuple[str, ...]:
    """Lines of real eligibility texts: the first 150 records of the XML slice and the v2 exports."""
    lines: list[str] = []
    sources = [DATA / "ctgov-api-v2-exports", DATA / "ctgov-xml-2023-slice" / "ctgov_legacy_xml_6786.zip"]
    for n, item in enumerate(iter_source(sources)):
        if n >= 300:
            break
        raw = item.read() if isinstance(item, ArchivedRecord) else item
        try:
            text = parse_record(raw).eligibility.criteria or ""  # type: ignore[arg-type, union-attr]
        except Exception:  # noqa: BLE001 - an unreadable record gives no lines
            continue
        lines.extend(line for line in text.splitlines() if line.strip())
    return tuple(lines)


def trial(text: str, status: OverallStatus | None) -> Trial:
    return Trial(
        nct_id="NCT00000003",
        overall_status=status,
        eligibility=Eligibility(criteria=text, minimum_age_years=18),
        source=SourceInfo(format=SourceFormat.CTGOV_API_V2_JSON),
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    profile=PROFILES,
    picks=st.lists(st.integers(min_value=0), min_size=1, max_size=25),
    cut=st.integers(min_value=0, max_value=40),
    status=st.one_of(st.none(), st.sampled_from(OverallStatus)),
)
def test_any_profile_against_real_criteria_gives_a_verdict(
    profile: PatientProfile, picks: list[int], cut: int, status: OverallStatus | None
) -> None:
    lines = real_lines()
    text = "\n".join(
        [
            "Inclusion Criteria:",
            *(lines[p % len(lines)][cut:] for p in picks[:12]),
            "Exclusion Criteria:",
            *(lines[p % len(lines)] for p in picks[12:]),
        ]
    )
    check = check_trial(profile, trial(text, status))
    assert check.result in TrialResult
    assert all(v.verdict in Verdict for v in check.criteria)
    # a "not eligible" always names the criteria that failed, each with its reason
    if check.result is TrialResult.NOT_ELIGIBLE:
        assert check.failing and all(v.reason for v in check.criteria if v.id in check.failing)


@settings(max_examples=100, deadline=None)
@given(profile=PROFILES, text=st.text(max_size=600))
def test_any_profile_against_any_text_gives_a_verdict(profile: PatientProfile, text: str) -> None:
    assert check_trial(profile, trial(text, OverallStatus.RECRUITING)).result in TrialResult
