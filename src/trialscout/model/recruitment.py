"""A reality check of a trial's recruiting claim, graded as of the date the registry copy was made.

Patient-facing sites keep showing trials as recruiting years after enrolment closed. A trial that
says it is open (recruiting, not yet recruiting, enrolling by invitation, available) is graded:

- ``PROBABLY_CLOSED``: its primary completion date has passed: an actual one, or an anticipated
  one passed by over `PROBABLY_CLOSED_AFTER_DAYS` (the primary completion date is the last
  participant's last primary-outcome visit, so enrolment closed before it); or it says RECRUITING
  and every site that carries a status is closed (active not recruiting, completed, suspended,
  terminated, withdrawn); or its enrollment is an ACTUAL count (the registry's figure turns from
  a target into a count once enrolment closes).
- ``NOT_CONFIRMED_RECENTLY``: its status was last verified (or, with no verification date, its
  record last updated) over `CONFIRMED_WITHIN_DAYS` before the copy date (US law asks sponsors to
  update a record at least every 12 months; the registry turns an open status UNKNOWN once it has
  gone 2 years unverified past its completion date); or its anticipated primary completion date
  passed by less than `PROBABLY_CLOSED_AFTER_DAYS` (unless its status has also gone unverified for
  two years: the registry's own UNKNOWN rule, so probably closed); or it says RECRUITING and none of its sites
  is recruiting, though some are not closed.
- ``CURRENT``: none of these.

Closed statuses are ``NOT_APPLICABLE``: the registry's own word stands.

The date judged against is the registry copy's (``trial.source.version_date``: API v2
``protocolSection.miscInfoModule.versionHolder``, legacy XML the "processed this data on" download
date), because a record downloaded in 2023 cannot know what happened in 2024; ``today`` is used
only for a record with no such date, and the check says so (``as_of_source``). How old the copy
itself is is a separate fact, shown beside the grade (``as_of``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import msgspec

from trialscout.model.enums import OPEN_STATUSES, DateType, OverallStatus
from trialscout.model.trial import RegistryDate, Trial

CONFIRMED_WITHIN_DAYS = 365
PROBABLY_CLOSED_AFTER_DAYS = 183  # six months
STALE_AFTER_DAYS = 2 * 365  # the registry's own limit for an unverified status

CLOSED_SITE_STATUSES: frozenset[OverallStatus] = frozenset(
    {
        OverallStatus.ACTIVE_NOT_RECRUITING,
        OverallStatus.COMPLETED,
        OverallStatus.SUSPENDED,
        OverallStatus.TERMINATED,
        OverallStatus.WITHDRAWN,
    }
)


class RecruitmentGrade(StrEnum):
    """How far a trial's open status can be trusted, as of the registry copy's date."""

    CURRENT = "current"
    NOT_CONFIRMED_RECENTLY = "not-confirmed-recently"
    PROBABLY_CLOSED = "probably-closed"
    NOT_APPLICABLE = "not-applicable"  # a closed status: nothing to check


#: What a page says of each grade of an open status.
GRADE_WORDS: dict[RecruitmentGrade, str] = {
    RecruitmentGrade.CURRENT: "confirmed within a year of the registry copy",
    RecruitmentGrade.NOT_CONFIRMED_RECENTLY: "not confirmed recently",
    RecruitmentGrade.PROBABLY_CLOSED: "enrolment probably closed",
}


class AsOfSource(StrEnum):
    REGISTRY_COPY = "registry copy"
    TODAY = "today"


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    """One reason, the grade it leads to, and the registry field (API v2 path) and value it read.

    A finding with no grade is a note on how the check was made (it judged against today).
    """

    reason: str
    grade: RecruitmentGrade | None
    field: str
    words: str


class RecruitmentCheck(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of the check, as of ``as_of`` (computed on ``checked_on``).

    A check rebuilt from a store's stored columns carries only the first three fields; ``grade``
    is None there.
    """

    possibly_stale: bool
    reasons: tuple[str, ...]
    checked_on: str
    grade: RecruitmentGrade | None = None
    as_of: str | None = None
    as_of_source: AsOfSource | None = None
    findings: tuple[Finding, ...] = ()


_VERSION_FIELD = "protocolSection.miscInfoModule.versionHolder"
_STATUS_FIELD = "protocolSection.statusModule.overallStatus"
_PCD_FIELD = "protocolSection.statusModule.primaryCompletionDateStruct"
_VERIFIED_FIELD = "protocolSection.statusModule.statusVerifiedDate"
_UPDATED_FIELD = "protocolSection.statusModule.lastUpdatePostDateStruct.date"
_ENROLLMENT_FIELD = "protocolSection.designModule.enrollmentInfo"
_SITES_FIELD = "protocolSection.contactsLocationsModule.locations[].status"


def check_recruitment(trial: Trial, today: dt.date) -> RecruitmentCheck:
    """Grade an open trial's claim against the rest of its record, as of its registry copy's date."""
    as_of, source = _as_of(trial, today)
    status = trial.overall_status
    findings: list[Finding] = []
    if status in OPEN_STATUSES:
        findings.extend(_completion(trial, status, as_of))
        findings.extend(_confirmation(trial, as_of))
        findings.extend(_sites(trial, status))
        findings.extend(_enrolled(trial))
        if source is AsOfSource.TODAY and findings:
            findings.append(
                Finding(
                    reason="the record carries no date for its registry copy, so it was judged"
                    f" against today ({today.isoformat()})",
                    grade=None,
                    field=_VERSION_FIELD,
                    words="(not stated)",
                )
            )
    findings = _unknown_by_registry_rule(findings)
    grade = _grade(status, findings)
    return RecruitmentCheck(
        possibly_stale=grade in (RecruitmentGrade.NOT_CONFIRMED_RECENTLY, RecruitmentGrade.PROBABLY_CLOSED),
        reasons=tuple(f.reason for f in findings if f.grade is not None),
        checked_on=today.isoformat(),
        grade=grade,
        as_of=as_of.isoformat(),
        as_of_source=source,
        findings=tuple(findings),
    )


def _as_of(trial: Trial, today: dt.date) -> tuple[dt.date, AsOfSource]:
    version = trial.source.version_date
    if version:
        try:
            return _first_day(version), AsOfSource.REGISTRY_COPY
        except ValueError:
            pass
    return today, AsOfSource.TODAY


def _unknown_by_registry_rule(findings: list[Finding]) -> list[Finding]:
    """A passed primary completion date and a status unverified for two years: the registry's own
    rule would call the status UNKNOWN, so the trial is probably closed."""
    unverified = any(f.reason.endswith("(over two years)") for f in findings if f.field != _PCD_FIELD)
    if not unverified:
        return findings
    return [
        msgspec.structs.replace(
            f,
            grade=RecruitmentGrade.PROBABLY_CLOSED,
            reason=f.reason + ", and its status has gone unverified for over two years",
        )
        if f.field == _PCD_FIELD and f.grade is RecruitmentGrade.NOT_CONFIRMED_RECENTLY
        else f
        for f in findings
    ]


def _grade(status: OverallStatus | None, findings: list[Finding]) -> RecruitmentGrade:
    if status not in OPEN_STATUSES:
        return RecruitmentGrade.NOT_APPLICABLE
    grades = {f.grade for f in findings}
    for grade in (RecruitmentGrade.PROBABLY_CLOSED, RecruitmentGrade.NOT_CONFIRMED_RECENTLY):
        if grade in grades:
            return grade
    return RecruitmentGrade.CURRENT


def _completion(trial: Trial, status: OverallStatus | None, as_of: dt.date) -> list[Finding]:
    pcd = trial.primary_completion_date
    if pcd is None or pcd.latest() >= as_of:
        return []
    overdue = (as_of - pcd.latest()).days
    grade = (
        RecruitmentGrade.PROBABLY_CLOSED
        if pcd.is_actual or overdue > PROBABLY_CLOSED_AFTER_DAYS
        else RecruitmentGrade.NOT_CONFIRMED_RECENTLY
    )
    words = f"{pcd.date} ({pcd.type.value})" if pcd.type else pcd.date
    return [
        Finding(
            reason=f"its primary completion date ({pcd.date}) has passed but it still says {status}",
            grade=grade,
            field=_PCD_FIELD,
            words=words,
        )
    ]


def _confirmation(trial: Trial, as_of: dt.date) -> list[Finding]:
    verified = trial.status_verified_date
    when, field = (verified, _VERIFIED_FIELD) if verified else (trial.last_update, _UPDATED_FIELD)
    if when is None:
        return []
    try:
        # "2024-12" may mean any day of December: count from its last day (the benefit of the doubt).
        days = (as_of - RegistryDate(date=when).latest()).days
    except (ValueError, IndexError):
        return []
    if days <= CONFIRMED_WITHIN_DAYS:
        return []
    what = "its status was last verified in" if verified else "its record has not been updated since"
    span = "over two years" if days > STALE_AFTER_DAYS else "over a year"
    return [
        Finding(
            reason=f"{what} {when} ({span})",
            grade=RecruitmentGrade.NOT_CONFIRMED_RECENTLY,
            field=field,
            words=when,
        )
    ]


def _sites(trial: Trial, status: OverallStatus | None) -> list[Finding]:
    site_statuses = [s.status for s in trial.locations if s.status is not None]
    if status is not OverallStatus.RECRUITING or not site_statuses:
        return []
    if OverallStatus.RECRUITING in site_statuses:
        return []
    counts: dict[str, int] = {}
    for s in site_statuses:
        counts[s.value] = counts.get(s.value, 0) + 1
    words = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
    if all(s in CLOSED_SITE_STATUSES for s in site_statuses):
        return [
            Finding(
                reason="it says RECRUITING but none of its sites is recruiting",
                grade=RecruitmentGrade.PROBABLY_CLOSED,
                field=_SITES_FIELD,
                words=words,
            )
        ]
    return [
        Finding(
            reason=f"it says RECRUITING but none of its sites is recruiting yet ({words})",
            grade=RecruitmentGrade.NOT_CONFIRMED_RECENTLY,
            field=_SITES_FIELD,
            words=words,
        )
    ]


def _enrolled(trial: Trial) -> list[Finding]:
    enrollment = trial.enrollment
    if enrollment is None or enrollment.type is not DateType.ACTUAL or not enrollment.count:
        return []
    return [
        Finding(
            reason=f"its enrollment is an actual count ({enrollment.count}), which the registry"
            " records once enrolment has closed",
            grade=RecruitmentGrade.PROBABLY_CLOSED,
            field=_ENROLLMENT_FIELD,
            words=f"{enrollment.count} (ACTUAL)",
        )
    ]


def _first_day(iso: str) -> dt.date:
    parts = [int(p) for p in iso.split("-")]
    return dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
