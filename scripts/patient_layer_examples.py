"""List the fields behind the patient layer's grades, spots and sponsor boxes, for hand-checking.

    .venv/bin/python -m scripts.patient_layer_examples /tmp/dev/registry.db grades [--today 2026-11-21]
    .venv/bin/python -m scripts.patient_layer_examples /tmp/dev/registry.db tally
    .venv/bin/python -m scripts.patient_layer_examples /tmp/dev/registry.db sponsors NCT01 NCT02 ...

``tally``: over the open trials, the findings by registry field and grade, the grades by record
format, the registry copies by year, and the spots estimates by study type.
``grades``: one line per open trial: the record's dates, enrollment and site statuses, what the
page says (grade, reasons, spots estimate or why none). ``sponsors``: for the lead sponsor of each
trial named, the box's figures and every row of the organisation, with why it is left out.
Used to pick and check the examples in docs/patient-layer/{staleness-and-spots,sponsor}.md.
Reads the store read-only with sqlite3 (as scripts/patient_layer_staleness.py does), so it runs on
a store of an older schema without migrating it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
from collections import Counter

import msgspec

from trialscout.model.enums import OPEN_STATUSES, DateType
from trialscout.model.recruitment import check_recruitment
from trialscout.model.trial import RegistryDate, Trial
from trialscout.store.sqlite import SQLiteStore
from trialscout.trialpage.sponsor import not_counted, sponsor_box
from trialscout.trialpage.spots import CLOSING_SHARE, spots_left, why_no_spots


def _date(date: RegistryDate | None) -> str:
    if date is None:
        return "-"
    return f"{date.date}{' A' if date.is_actual else ' E' if date.type else ''}"


def grade_line(trial: Trial, today: dt.date) -> str:
    check = check_recruitment(trial, today)
    estimate = spots_left(trial, check)
    sites = Counter(str(s.status) for s in trial.locations if s.status is not None)
    enrollment = trial.enrollment
    said = estimate.text if estimate else f"no spots: {why_no_spots(trial, check)}"
    return " | ".join(
        (
            trial.nct_id,
            trial.source.format.value,
            str(trial.overall_status),
            f"copy {trial.source.version_date}",
            f"start {_date(trial.start_date)}",
            f"pcd {_date(trial.primary_completion_date)}",
            f"verified {trial.status_verified_date}",
            f"updated {trial.last_update}",
            f"enrol {enrollment.count if enrollment else None} {enrollment.type if enrollment else None}",
            f"sites {dict(sites)}",
            f"{check.grade}: {'; '.join(check.reasons) or '-'}",
            said,
        )
    )


def tally(trials: list[Trial], today: dt.date) -> list[str]:
    findings: Counter[str] = Counter()
    grades: Counter[str] = Counter()
    copies: Counter[str] = Counter()
    estimates: Counter[str] = Counter()
    for trial in trials:
        check = check_recruitment(trial, today)
        grades[f"{check.grade} {trial.source.format.value}"] += 1
        copies[(trial.source.version_date or "no date")[:4]] += 1
        if spots_left(trial, check) is not None:
            estimates[str(trial.study_type)] += 1
        for finding in check.findings:
            span = " (unverified over two years)" if "two years" in finding.reason else ""
            findings[f"{finding.field} -> {finding.grade}{span}"] += 1
    return [
        *(f"finding: {key}: {n}" for key, n in findings.most_common()),
        *(f"grade: {key}: {n}" for key, n in sorted(grades.items())),
        *(f"copy year: {key}: {n}" for key, n in sorted(copies.items())),
        *(f"estimate for study type: {key}: {n}" for key, n in estimates.most_common()),
    ]


def closed_shares(conn: sqlite3.Connection, decoder: msgspec.json.Decoder[Trial]) -> list[str]:
    """The trials of the staleness script's closed-enrolment check (ACTIVE_NOT_RECRUITING, actual
    enrollment, anticipated primary completion still ahead at the copy), with the share of their
    start -> primary completion window elapsed at the copy date and what the page would have said."""
    lines = []
    query = "SELECT record FROM trials WHERE overall_status='ACTIVE_NOT_RECRUITING' ORDER BY nct_id"
    for (record,) in conn.execute(query):
        t = decoder.decode(record)
        pcd, start, enrollment = t.primary_completion_date, t.start_date, t.enrollment
        if (
            enrollment is None
            or enrollment.type is not DateType.ACTUAL
            or start is None
            or pcd is None
            or pcd.is_actual
            or not t.source.version_date
        ):
            continue
        as_of = dt.date.fromisoformat(t.source.version_date)
        begin, end = start.earliest(), pcd.latest()
        if end <= as_of or end <= begin or as_of <= begin:
            continue
        share = (as_of - begin).days / (end - begin).days
        said = "few if any" if share >= CLOSING_SHARE else "a number"
        lines.append(
            f"closed: {t.nct_id} {t.source.format.value} copy {as_of} share {share:.2f}"
            f" enrolled {enrollment.count} (ACTUAL) -> {said}"
        )
    return lines


def sponsor_lines(store: SQLiteStore, trial: Trial, store_trials: int) -> list[str]:
    lead = trial.lead_sponsor
    if lead is None:
        return [f"{trial.nct_id}: no lead sponsor"]
    rows = store.organization_trials(lead.name)
    box = sponsor_box(trial, {lead.name: rows}, store_trials).organizations[0]
    lines = [
        f"{trial.nct_id}: {box.name} ({box.agency_class}): trials {box.trials} (lead {box.as_lead}),"
        f" open {box.open_now}, recruiting {box.recruiting_now}, took part {box.took_part:,}"
        f" from {box.took_part_trials}, not counted "
        + ", ".join(f"{n.reason} {n.trials}" for n in box.not_counted)
    ]
    for row in rows:
        lines.append(
            f"    {row.nct_id} {row.role} {row.overall_status} {row.study_type}"
            f" {row.enrollment} {row.enrollment_type} -> {not_counted(row) or 'counted'}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store")
    parser.add_argument("what", choices=("tally", "grades", "sponsors"))
    parser.add_argument("nct_ids", nargs="*")
    parser.add_argument("--today", default="2026-11-21")
    args = parser.parse_args()
    today = dt.date.fromisoformat(args.today)
    conn = sqlite3.connect(f"file:{args.store}?mode=ro", uri=True)
    decoder = msgspec.json.Decoder(Trial)

    def trial(nct_id: str) -> Trial:
        (record,) = conn.execute("SELECT record FROM trials WHERE nct_id = ?", (nct_id,)).fetchone()
        return decoder.decode(record)

    if args.what == "tally":
        print("\n".join(closed_shares(conn, decoder)))
    if args.what in ("grades", "tally"):
        ids = args.nct_ids or [nct for (nct,) in conn.execute("SELECT nct_id FROM trials ORDER BY nct_id")]
        open_trials = [one for one in map(trial, ids) if one.overall_status in OPEN_STATUSES]
        lines = (
            tally(open_trials, today)
            if args.what == "tally"
            else [grade_line(one, today) for one in open_trials]
        )
        print("\n".join(lines))
    else:
        (store_trials,) = conn.execute("SELECT count(*) FROM trials").fetchone()
        with SQLiteStore(args.store, read_only=True) as store:
            for nct_id in args.nct_ids:
                print("\n".join(sponsor_lines(store, trial(nct_id), store_trials)))


if __name__ == "__main__":
    main()
