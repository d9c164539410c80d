"""Registry strings (dates, ages, counts) parse to numbers or to 'unknown', never to an exception."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialscout.model.enums import OverallStatus, Phase, parse_enum, phases_from_text
from trialscout.model.trial import RegistryDate
from trialscout.sources.values import age_in_years, enrollment_count, iso_date, text_block


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024-12-16", "2024-12-16"),
        ("2026-09", "2026-09"),
        ("January 2007", "2007-01"),
        ("July 3, 2007", "2007-07-03"),
        ("Sept 2010", "2010-09"),
        ("", None),
        ("N/A", None),
        ("2024-13", None),
    ],
)
def test_dates(text: str, iso: str | None) -> None:
    assert iso_date(text) == iso


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("18 Years", 18.0),
        ("6 Months", 0.5),
        ("2 Weeks", round(14 / 365.25, 4)),
        ("N/A", None),
        ("", None),
        ("adult", None),
    ],
)
def test_ages(text: str, years: float | None) -> None:
    assert age_in_years(text) == years


@pytest.mark.parametrize(
    ("value", "count"),
    [(129, 129), ("48", 48), (0, 0), (99999999, None), (None, None), ("many", None), (-1, None)],
)
def test_enrollment_counts(value: object, count: int | None) -> None:
    assert enrollment_count(value) == count


def test_month_precision_dates_span_the_month() -> None:
    date = RegistryDate(date="2026-02")
    assert (date.earliest(), date.latest()) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))


def test_legacy_and_v2_spellings_meet() -> None:
    assert parse_enum(OverallStatus, "Active, not recruiting") is OverallStatus.ACTIVE_NOT_RECRUITING
    assert parse_enum(OverallStatus, "Unknown status") is OverallStatus.UNKNOWN
    assert phases_from_text("Phase 2/Phase 3") == (Phase.PHASE2, Phase.PHASE3)
    assert phases_from_text("Early Phase 1") == (Phase.EARLY_PHASE1,)
    assert phases_from_text("N/A") == (Phase.NA,)


@given(st.text())
def test_any_text_parses_or_is_unknown(text: str) -> None:
    iso_date(text)
    age_in_years(text)
    enrollment_count(text)
    text_block(text)
    parse_enum(OverallStatus, text)
    phases_from_text(text)
