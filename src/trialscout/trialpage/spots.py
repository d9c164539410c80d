""" "About N spots left by <month>": an estimate of the places still open, its inputs and its range.

The registry never says how many people a trial has enrolled so far: while it recruits, the
enrollment figure is a target ("ESTIMATED"), and the actual count appears only once enrolment
closes. So "spots left" is an estimate, and it is shown only where it can mean something:

- the trial says RECRUITING or NOT_YET_RECRUITING (ENROLLING_BY_INVITATION is left out: its places
  are not open to a patient who asks; AVAILABLE is expanded access, with no target),
- its recruitment check grades it CURRENT (a trial probably closed, or not confirmed recently,
  gets no "spots left": the seed page's "~67 spots left by Apr 2026" was for a trial whose
  enrolment closed in 2022),
- it is not a retrospective study (one of records already collected: NCT05894590, a cohort of
  people already vaccinated, "targets" 8,000 and has no place to offer anyone),
- its enrollment is a target (ESTIMATED), plausible (not a 999-style placeholder, not over
  100,000), and it has a start date and a primary completion date at most 10 years apart (a
  longer window is a rolling protocol, whose accrual no straight line describes).

The estimator, evaluated at the registry copy's date (``check.as_of``): enrolment is assumed to
run from the start date to the primary completion date (an upper bound on the accrual window, as
the primary completion date is the last participant's last primary-outcome visit), with ``f`` the
share of that window elapsed. Steady accrual would have enrolled ``target * f``; accrual that
ramps up as sites open (a rate rising linearly from zero) would have enrolled ``target * f**2``.
The spots left lie between the two: ``target * (1 - f)`` to ``target * (1 - f**2)``, rounded outwards
to two significant figures from 100 on. Before the start date (or NOT_YET_RECRUITING) every place
is left: the target itself. Past 90% of the window the page says "few if any" instead of a number.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable

import msgspec

from trialscout.model.enums import DateType, OverallStatus
from trialscout.model.recruitment import RecruitmentCheck, RecruitmentGrade
from trialscout.model.trial import RegistryDate, Trial
from trialscout.trialpage.provenance import Derived, Evidence
from trialscout.trialpage.sponsor import PLAUSIBLE_ENROLLMENT

SPOTS_STATUSES: frozenset[OverallStatus] = frozenset(
    {OverallStatus.RECRUITING, OverallStatus.NOT_YET_RECRUITING}
)
#: Past this share of the start -> primary completion window the page says "few if any". Of the
#: trials in our store whose enrolment had closed before their primary completion date, half had
#: already closed when 93% of the window had passed (their copy's date fell there; when exactly
#: each closed the registry does not say: scripts/patient_layer_staleness.py).
CLOSING_SHARE = 0.9
#: A start-to-primary-completion window longer than this is a rolling protocol (NIH Clinical Center
#: studies opened in 1995 with a primary completion date of 2030 or 2048), not a planned accrual.
MAX_WINDOW_YEARS = 10
_NINES = re.compile(r"9{3,}")
_STATUS = "protocolSection.statusModule"

RULE = (
    "Spots left = the enrollment target minus an estimate of those enrolled by the registry copy's"
    " date, assuming enrolment runs from the start date to the primary completion date: between"
    " steady accrual (target x elapsed share) and accrual that ramps up as sites open (target x"
    " elapsed share squared). Not yet recruiting, or before the start date: the whole target."
)


class SpotsEstimate(msgspec.Struct, frozen=True, kw_only=True):
    """About ``low``-``high`` places left of ``target``, as of ``as_of`` (the copy's date)."""

    low: int
    high: int
    target: int
    as_of: str  # ISO date the estimate is for
    month: str  # "Mar 2024", the month of ``as_of``
    elapsed_share: float  # of the start -> primary completion window, 0..1
    closing: bool  # over `CLOSING_SHARE` of the window has passed: enrolment may have closed
    text: str  # "About 40-67 spots left by Mar 2024 (estimate)"
    derived: Derived


def why_no_spots(trial: Trial, check: RecruitmentCheck) -> str | None:
    """Why the trial gets no spots estimate, in words; None when it gets one."""
    status = trial.overall_status
    if status not in SPOTS_STATUSES:
        return f"its status is {status.value if status else 'not stated'}"
    enrollment = trial.enrollment
    if enrollment is None or enrollment.count is None:
        return "no enrollment figure"
    if enrollment.type is not DateType.ESTIMATED:
        return "its enrollment figure is not a target" + (
            " (ACTUAL: enrolment has closed)" if enrollment.type is DateType.ACTUAL else ""
        )
    if enrollment.count <= 0:
        return "its enrollment target is zero"
    if _NINES.fullmatch(str(enrollment.count)):
        return f"its enrollment target ({enrollment.count}) looks like a placeholder"
    if trial.design is not None and trial.design.time_perspective == "RETROSPECTIVE":
        return "it studies records already collected (a retrospective study): it has no places to fill"
    if enrollment.count > PLAUSIBLE_ENROLLMENT:
        return f"its enrollment target ({enrollment.count:,}) is implausible (over {PLAUSIBLE_ENROLLMENT:,})"
    if check.grade is not RecruitmentGrade.CURRENT:
        grade = check.grade.value if check.grade else "not graded"
        return f"its recruiting status is {grade}"
    if trial.start_date is None:
        return "no start date"
    if trial.primary_completion_date is None:
        return "no primary completion date"
    window = trial.primary_completion_date.latest() - trial.start_date.earliest()
    if window.days <= 0:
        return "its primary completion date is not after its start date"
    if window.days > MAX_WINDOW_YEARS * 365:
        return f"it runs over {MAX_WINDOW_YEARS} years from start to primary completion (a rolling protocol)"
    if check.as_of is None:
        return "its recruitment check has no date"
    return None


def spots_left(trial: Trial, check: RecruitmentCheck) -> SpotsEstimate | None:
    """The estimate of places still open, or None where the record cannot support one."""
    if why_no_spots(trial, check) is not None:
        return None
    assert trial.enrollment is not None
    assert trial.enrollment.count is not None
    assert trial.start_date is not None
    assert trial.primary_completion_date is not None
    assert check.as_of is not None
    target = trial.enrollment.count
    as_of = dt.date.fromisoformat(check.as_of)
    start = trial.start_date.earliest()
    end = trial.primary_completion_date.latest()
    share = 0.0
    if trial.overall_status is OverallStatus.RECRUITING and as_of > start:
        share = min(1.0, (as_of - start).days / (end - start).days)
    low = _round(target * (1 - share), math.floor)
    high = _round(target * (1 - share * share), math.ceil)
    month = as_of.strftime("%b %Y")
    count = f"{low:,}" if low == high else f"{low:,}-{high:,}"
    closing = share >= CLOSING_SHARE
    if share == 0.0:
        why = (
            "not yet recruiting"
            if trial.overall_status is OverallStatus.NOT_YET_RECRUITING
            else "its start date is ahead"
        )
        text = f"All {target:,} spots open as of {month} ({why})"
    elif closing:
        text = (
            f"Few if any spots left by {month}: {share:.0%} of the time to primary completion"
            f" ({trial.primary_completion_date.date}) has passed (estimate: {count} of {target:,})"
        )
    else:
        text = f"About {count} spots left of {target:,} by {month} (estimate)"
    evidence = (
        Evidence(field=f"{_STATUS}.overallStatus", words=str(trial.overall_status)),
        Evidence(
            field="protocolSection.designModule.enrollmentInfo",
            words=f"{target} ({trial.enrollment.type})",
        ),
        Evidence(field=f"{_STATUS}.startDateStruct", words=_date_words(trial.start_date)),
        Evidence(
            field=f"{_STATUS}.primaryCompletionDateStruct",
            words=_date_words(trial.primary_completion_date),
        ),
        Evidence(
            field="protocolSection.miscInfoModule.versionHolder",
            words=f"{check.as_of} ({check.as_of_source or 'date of the check'})",
        ),
    )
    rule = f"{RULE} Elapsed share at {check.as_of}: {share:.0%}."
    return SpotsEstimate(
        low=low,
        high=high,
        target=target,
        as_of=check.as_of,
        month=month,
        elapsed_share=round(share, 3),
        closing=closing,
        text=text,
        derived=Derived(rule=rule, evidence=evidence),
    )


def _round(value: float, direction: Callable[[float], int]) -> int:
    """Whole places; two significant figures from 100 on ("about 3,800-5,500", not "3,870-5,419")."""
    if value < 100:
        return direction(value)
    scale = int(10 ** (len(str(int(value))) - 2))
    return direction(value / scale) * scale


def _date_words(date: RegistryDate) -> str:
    return f"{date.date} ({date.type})" if date.type else date.date
