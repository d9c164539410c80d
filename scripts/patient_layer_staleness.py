"""Counts for docs/patient-layer/staleness-and-spots.md over a whole store.

    .venv/bin/python scripts/patient_layer_staleness.py /tmp/dev/registry.db [--today 2026-11-21]

Prints: the old rule (judged against today) beside the grades (judged against the registry copy's
date), per status; how many open trials get a spots estimate and why the others do not; and the
estimator's check on trials whose enrolment had closed by their copy date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import statistics
from collections import Counter

import msgspec

from trialscout.model.enums import OPEN_STATUSES, DateType, OverallStatus
from trialscout.model.recruitment import check_recruitment
from trialscout.model.trial import Trial
from trialscout.trialpage.spots import spots_left, why_no_spots


def old_rule(trial: Trial, today: dt.date) -> bool:
    """The check before issue 14: primary completion passed, or no update for two years, or
    RECRUITING with no recruiting site, all against today."""
    if trial.overall_status not in OPEN_STATUSES:
        return False
    pcd = trial.primary_completion_date
    if pcd is not None and pcd.latest() < today:
        return True
    last = trial.last_update
    if last is not None:
        parts = [int(p) for p in last.split("-")] + [1, 1]
        if (today - dt.date(parts[0], parts[1], parts[2])).days > 2 * 365:
            return True
    sites = [s.status for s in trial.locations if s.status is not None]
    return (
        trial.overall_status is OverallStatus.RECRUITING
        and bool(sites)
        and OverallStatus.RECRUITING not in sites
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store")
    parser.add_argument("--today", default="2026-11-21")
    args = parser.parse_args()
    today = dt.date.fromisoformat(args.today)
    conn = sqlite3.connect(f"file:{args.store}?mode=ro", uri=True)
    decoder = msgspec.json.Decoder(Trial)
    old: Counter[str] = Counter()
    new: Counter[tuple[str, str]] = Counter()
    sources: Counter[str] = Counter()
    no_spots: Counter[str] = Counter()
    spots = closing = 0
    kinds: Counter[str] = Counter()
    shares: list[float] = []
    closed_shares: list[float] = []
    for (record,) in conn.execute("SELECT record FROM trials"):
        trial = decoder.decode(record)
        status = trial.overall_status
        if status not in OPEN_STATUSES:
            continue
        check = check_recruitment(trial, today)
        old[f"{status} {'flagged' if old_rule(trial, today) else 'not flagged'}"] += 1
        new[(str(status), str(check.grade))] += 1
        sources[str(check.as_of_source)] += 1
        estimate = spots_left(trial, check)
        if estimate is None:
            no_spots[_bucket(why_no_spots(trial, check) or "")] += 1
        else:
            spots += 1
            closing += estimate.closing
            kinds[estimate.text.split(" ")[0]] += 1
            if status is OverallStatus.RECRUITING:
                shares.append(estimate.elapsed_share)
    # The estimator's blind spot, measured: trials whose enrolment had closed by the copy date
    # (ACTIVE_NOT_RECRUITING, actual enrollment, primary completion still ahead). Spots left were
    # 0; the estimator would have said target x (1 - f) to target x (1 - f^2) at that date.
    for (record,) in conn.execute("SELECT record FROM trials WHERE overall_status='ACTIVE_NOT_RECRUITING'"):
        closed = decoder.decode(record)
        if (
            closed.enrollment is None
            or closed.enrollment.type is not DateType.ACTUAL
            or closed.start_date is None
            or closed.primary_completion_date is None
            or closed.primary_completion_date.is_actual
            or not closed.source.version_date
        ):
            continue
        as_of = dt.date.fromisoformat(closed.source.version_date)
        start, end = closed.start_date.earliest(), closed.primary_completion_date.latest()
        if end <= as_of or end <= start or as_of <= start:
            continue
        closed_shares.append((as_of - start).days / (end - start).days)
    print("Old rule (against today", today, "):")
    for key, n in sorted(old.items()):
        print(f"  {key:45} {n:5}")
    print("Grades (against the registry copy's date):")
    for (status_name, grade), n in sorted(new.items()):
        print(f"  {status_name:25} {grade:25} {n:5}")
    print("  as of:", dict(sources))
    print("Spots estimates:", spots, "of", sum(new.values()), "open trials;", dict(kinds))
    print("  of which 'few if any' (past 90% of the window):", closing)
    for reason, n in no_spots.most_common():
        print(f"  no estimate: {reason:60} {n:5}")
    if shares:
        print(f"  RECRUITING with an estimate: elapsed share median {statistics.median(shares):.2f}")
    if closed_shares:
        q = statistics.quantiles(closed_shares, n=4)
        print(
            f"Closed enrolment before primary completion: {len(closed_shares)} trials;"
            f" elapsed share of start->PCD at the copy date: quartiles {q[0]:.2f} {q[1]:.2f} {q[2]:.2f};"
            f" estimator's mean 'spots left' share (steady..ramp):"
            f" {statistics.mean(1 - f for f in closed_shares):.2f}"
            f"..{statistics.mean(1 - f * f for f in closed_shares):.2f}"
            " (truth: 0)"
        )


def _bucket(reason: str) -> str:
    for prefix in ("its enrollment target (", "its status is", "its recruiting status is"):
        if reason.startswith(prefix) and prefix.endswith("("):
            return prefix + "...)" + reason.split(")", 1)[1]
    return reason


if __name__ == "__main__":
    main()
