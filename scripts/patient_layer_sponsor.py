"""The sponsor box's counting rule over a whole store: what a naive sum of enrollment figures says
against what the box adds, and what it leaves out, by reason.

    python -m scripts.patient_layer_sponsor registry.db
"""

from __future__ import annotations

import sys
from collections import Counter

from trialscout.store.base import OrganizationTrial
from trialscout.store.sqlite import SQLiteStore
from trialscout.trialpage.sponsor import not_counted


def main(db: str) -> None:
    with SQLiteStore(db, read_only=True) as store:
        rows = [
            OrganizationTrial(
                nct_id=t.nct_id,
                role="lead",
                overall_status=t.overall_status.value if t.overall_status else None,
                study_type=t.study_type.value if t.study_type else None,
                enrollment=t.enrollment.count if t.enrollment else None,
                enrollment_type=t.enrollment.type.value if t.enrollment and t.enrollment.type else None,
            )
            for _, t in store.iter_trials()
        ]
    reasons: Counter[str] = Counter()
    left_out: Counter[str] = Counter()
    added = 0
    for row in rows:
        reason = not_counted(row)
        if reason is None:
            added += row.enrollment or 0
            reasons["counted"] += 1
        else:
            reasons[reason] += 1
            left_out[reason] += row.enrollment or 0
    print(f"trials: {len(rows):,}")
    print(f"naive sum of every enrollment figure: {sum(r.enrollment or 0 for r in rows):,}")
    print(f"added by the sponsor box: {added:,} from {reasons['counted']:,} trials")
    print("| reason | trials | enrollment figures left out |")
    print("|---|---:|---:|")
    for reason, n in reasons.most_common():
        if reason != "counted":
            print(f"| {reason} | {n:,} | {left_out[reason]:,} |")


if __name__ == "__main__":
    main(sys.argv[1])
