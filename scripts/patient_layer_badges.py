"""Counts for docs/patient-layer/badges-and-title.md: over every real record, how many trials get
each badge (by label, dates folded) and how many get a lay title (and why the others do not).

    .venv/bin/python scripts/patient_layer_badges.py                 # the files under ../shared/data
    .venv/bin/python scripts/patient_layer_badges.py /tmp/dev/registry.db   # or a store

From the files it reads the API v2 exports, the AACT fixtures (v2 JSON and legacy XML), the 2023
legacy XML slice (zip) and the TREC 2023 XML sample, one record per NCT ID (API v2 first). Prior
trials are not looked up here: the prior-safety counts are the phase rule alone.
"""

from __future__ import annotations

import json
import os
import re
import sys
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from trialscout.errors import RecordError, TrialscoutError
from trialscout.model.enums import ArmGroupType, StudyType
from trialscout.model.trial import Trial
from trialscout.sources.ctgov_json import trial_from_v2
from trialscout.sources.ctgov_xml import parse_xml, trial_from_xml
from trialscout.trialpage.badges import badges
from trialscout.trialpage.title import MAX_CONDITION, lay_title, readable_condition

DATA = Path(
    os.environ.get("TRIALSCOUT_DATA") or Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
)


def file_trials(data: Path = DATA) -> dict[str, Trial]:
    """Every registry record of the shared data, one per NCT ID (API v2 first)."""
    trials: dict[str, Trial] = {}
    for path in sorted((data / "ctgov-api-v2-exports").rglob("*.json")):
        for study in json.loads(path.read_text()):
            trial = trial_from_v2(study)
            trials[trial.nct_id] = trial
    for path in sorted((data / "aact-fixtures" / "json_v2").glob("*.json")):
        trial = trial_from_v2(json.loads(path.read_text()))
        trials.setdefault(trial.nct_id, trial)
    for blob in _xml_blobs(data):
        try:
            trial = trial_from_xml(parse_xml(blob))
        except RecordError as error:  # a bad record is reported and skipped
            print(f"skipped a record: {error}", file=sys.stderr)
            continue
        trials.setdefault(trial.nct_id, trial)
    return trials


def _xml_blobs(data: Path) -> Iterator[bytes]:
    for folder in (data / "aact-fixtures" / "xml_legacy", data / "trec2023-xml-sample" / "xml"):
        for path in sorted(folder.glob("*.xml")):
            yield path.read_bytes()
    with zipfile.ZipFile(data / "ctgov-xml-2023-slice" / "ctgov_legacy_xml_6786.zip") as z:
        for name in z.namelist():
            if name.endswith(".xml"):
                yield z.read(name)


def store_trials(db: str) -> dict[str, Trial]:
    from trialscout.store.sqlite import SQLiteStore  # only the store variant needs it

    with SQLiteStore(db, read_only=True) as store:
        return {t.nct_id: t for _, t in store.iter_trials()}


def why_no_title(trial: Trial) -> str:
    if trial.study_type is not StudyType.INTERVENTIONAL:
        return "not interventional"
    if not trial.conditions:
        return "no condition registered"
    if len(readable_condition(trial.conditions[0])) > MAX_CONDITION:
        return f"first condition over {MAX_CONDITION} characters"
    if not trial.arm_groups:
        return "no arms, and not exactly one study drug"
    if not any(a.type is ArmGroupType.EXPERIMENTAL for a in trial.arm_groups):
        return "no arm registered EXPERIMENTAL"
    return "no drug, biological or device in the experimental arms (or none they share)"


def main(argv: list[str]) -> None:
    trials = store_trials(argv[0]) if argv else file_trials()
    counts: Counter[tuple[str, str, str]] = Counter()
    titles = 0
    no_title: Counter[str] = Counter()
    interventional = sum(t.study_type is StudyType.INTERVENTIONAL for t in trials.values())
    for trial in trials.values():
        for b in badges(trial):
            label = re.sub(r"\d{4}-\d\d(?:-\d\d)?", "<date>", b.label)
            counts[(b.key, label, str(b.value))] += 1
        if lay_title(trial) is not None:
            titles += 1
        else:
            no_title[why_no_title(trial)] += 1
    print(f"trials: {len(trials):,}, interventional: {interventional:,}\n")
    print("| badge | label | value | trials |\n|---|---|---|---:|")
    order = ["placebo", "randomized", "blinded", "pivotal", "prior-safety", "healthy-volunteers", "results"]
    for (key, label, value), n in sorted(counts.items(), key=lambda kv: (order.index(kv[0][0]), -kv[1])):
        print(f"| {key} | {label} | {value} | {n:,} |")
    print(
        f"\nlay title: {titles:,} of {len(trials):,} trials ({titles:,} of {interventional:,} interventional)"
    )
    print("\n| no lay title, because | trials |\n|---|---:|")
    for why, n in no_title.most_common():
        print(f"| {why} | {n:,} |")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except TrialscoutError as error:
        sys.exit(f"patient_layer_badges: {error}")
