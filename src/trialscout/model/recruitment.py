"""A reality check of a trial's recruiting claim.

Patient-facing sites keep showing trials as recruiting years after enrolment closed. A trial
that says it is recruiting is flagged as possibly stale, with the reasons, when its primary
completion date has passed, when its record has not been updated for over two years, or when
its sites carry statuses and none of them is recruiting.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from trialscout.model.enums import OPEN_STATUSES, OverallStatus
from trialscout.model.trial import Trial

STALE_AFTER_DAYS = 2 * 365


class RecruitmentCheck(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of the check, as of ``checked_on``."""

    possibly_stale: bool
    reasons: tuple[str, ...]
    checked_on: str


def check_recruitment(trial: Trial, today: dt.date) -> RecruitmentCheck:
    """Flag an open trial whose claim the rest of its record contradicts."""
    reasons: list[str] = []
    status = trial.overall_status
    if status in OPEN_STATUSES:
        pcd = trial.primary_completion_date
        if pcd is not None and pcd.latest() < today:
            reasons.append(f"its primary completion date ({pcd.date}) has passed but it still says {status}")
        last = trial.last_update
        if last is not None:
            updated = _first_day(last)
            if (today - updated).days > STALE_AFTER_DAYS:
                reasons.append(f"its record has not been updated since {last} (over two years)")
        site_statuses = [s.status for s in trial.locations if s.status is not None]
        if (
            status is OverallStatus.RECRUITING
            and site_statuses
            and OverallStatus.RECRUITING not in site_statuses
        ):
            reasons.append("it says RECRUITING but none of its sites is recruiting")
    return RecruitmentCheck(
        possibly_stale=bool(reasons), reasons=tuple(reasons), checked_on=today.isoformat()
    )


def _first_day(iso: str) -> dt.date:
    parts = [int(p) for p in iso.split("-")]
    return dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
