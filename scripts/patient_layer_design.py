"""The design and team rules of the patient layer over a whole store: how many trials get each
control sentence and masking sentence, how many interventions get a drug class, how many trials
only a trial-level list (and why the rest get none), and how many officials hold each role.

    python -m scripts.patient_layer_design registry.db

API v2 records are read again from their stored original, so that a store loaded before the
model kept the interventions' MeSH ancestors still counts them.
"""

from __future__ import annotations

import sys
from collections import Counter

from trialscout.model.enums import SourceFormat, StudyType
from trialscout.model.trial import Trial
from trialscout.sources.ctgov_json import trial_from_v2_json
from trialscout.store.sqlite import SQLiteStore
from trialscout.trialpage.design import NOT_DRUGS, names_term, plain_design, telling_classes
from trialscout.trialpage.team import research_team


def _trials(store: SQLiteStore) -> list[Trial]:
    trials = []
    for _, trial in store.iter_trials():
        if trial.source.format is not SourceFormat.CTGOV_LEGACY_XML:
            _, raw = store.raw_record(trial.nct_id)
            trial = trial_from_v2_json(raw)
        trials.append(trial)
    return trials


def _classes_outcome(trial: Trial) -> str:
    design = plain_design(trial)
    if any(i.classes for i in design.interventions):
        return "classes given to an intervention"
    if design.trial_drug_classes is not None:
        return "classes shown for the trial only"
    if not trial.intervention_mesh_ancestors:
        return "no intervention MeSH ancestors in the record"
    if not telling_classes(trial.intervention_mesh_ancestors):
        return "ancestors, but none a class worth showing (chemical structure, roots)"
    unnamed = [
        m.term
        for m in trial.intervention_mesh_terms
        if m.term not in NOT_DRUGS and not any(names_term(i, m.term) for i in trial.interventions)
    ]
    if unnamed:
        return "withheld: a MeSH term names none of the interventions"
    return "withheld: other"


def main(db: str) -> None:
    with SQLiteStore(db, read_only=True) as store:
        trials = _trials(store)
    control: Counter[str] = Counter()
    masking: Counter[str] = Counter()
    classes: Counter[str] = Counter()
    roles: Counter[str] = Counter()
    interventions = with_class = groups = with_doses = 0
    interventional = 0
    for trial in trials:
        design = plain_design(trial)
        if trial.study_type is StudyType.INTERVENTIONAL:
            interventional += 1
            control[
                design.control.words if design.control else "(none: no arms and no single-group model)"
            ] += 1
            masking[design.masking.words if design.masking else "(none: masking not registered)"] += 1
        if trial.source.format is not SourceFormat.CTGOV_LEGACY_XML:
            classes[_classes_outcome(trial)] += 1
        else:
            classes["legacy XML (no ancestors in the format)"] += 1
        interventions += len(design.interventions)
        with_class += sum(bool(i.classes) for i in design.interventions)
        groups += len(design.groups)
        with_doses += sum(bool(g.doses) for g in design.groups)
        for official in research_team(trial).officials:
            roles[official.role or "(no role registered)"] += 1
    print(f"trials: {len(trials):,}, interventional: {interventional:,}")
    print("\ncontrol (interventional trials):")
    for words, n in control.most_common():
        print(f"  {n:6,}  {words}")
    print("\nmasking (interventional trials):")
    for words, n in masking.most_common():
        print(f"  {n:6,}  {words}")
    print("\ndrug classes (trials):")
    for words, n in classes.most_common():
        print(f"  {n:6,}  {words}")
    print(f"\ninterventions: {interventions:,}, with a class of their own: {with_class:,}")
    print(f"groups: {groups:,}, with a dose quoted: {with_doses:,}")
    print("\noverall officials by role:")
    for words, n in roles.most_common():
        print(f"  {n:6,}  {words}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "registry.db")
