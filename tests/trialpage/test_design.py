"""The design in plain words: a placebo given in a comparison arm is never a 'no placebo', masking
names exactly who is masked, doses are quoted, and a drug class is pinned on an intervention only
when the record leaves no doubt which drug it belongs to."""

from __future__ import annotations

import functools

import msgspec

from tests.conftest import AACT, v2_studies
from trialscout.model.enums import Masking, StudyType
from trialscout.model.trial import Trial
from trialscout.sources.ctgov_json import trial_from_v2
from trialscout.sources.ctgov_xml import parse_xml, trial_from_xml
from trialscout.trialpage.design import PlainDesign, plain_design


@functools.cache
def _v2() -> dict[str, Trial]:
    return {t.nct_id: t for t in (trial_from_v2(s) for s in v2_studies())}


def v2(nct_id: str) -> Trial:
    return _v2()[nct_id]


def displays(design: PlainDesign) -> dict[str, str]:
    return {i.name: i.display for i in design.interventions}


def test_a_placebo_given_in_a_comparison_arm_is_not_a_no_placebo_group() -> None:
    # The INTERLINK-1 pattern: the comparison arm is registered ACTIVE_COMPARATOR and gives a
    # placebo ("MMR-vaccine and Placebo"); a commercial page read it as "No Placebo Group".
    trial = trial_from_xml(parse_xml((AACT / "xml_legacy" / "NCT03101111.xml").read_bytes()))
    design = plain_design(trial)
    assert design.control is not None
    assert design.control.words.startswith("Compared with a group given a placebo")
    assert "comparison group given an existing treatment" in design.control.words
    assert not design.control.words.startswith("No")
    assert any(e.words == "MMR-vaccine and Placebo" for e in design.control.derived.evidence)
    kinds = {g.label: g.kind for g in design.groups}
    assert kinds["MMR-vaccine and Placebo"] == "comparison group (an existing treatment)"


def test_masking_names_exactly_the_roles_the_registry_lists() -> None:
    words = {"PARTICIPANT": "participants", "CARE_PROVIDER": "care providers"}
    words |= {"INVESTIGATOR": "investigators", "OUTCOMES_ASSESSOR": "outcome assessors"}
    checked = 0
    for trial in _v2().values():
        fact = plain_design(trial).masking
        if (
            trial.design is None
            or trial.design.masking is None
            or trial.study_type is StudyType.OBSERVATIONAL
        ):
            assert fact is None
            continue
        assert fact is not None
        masked = {w.value for w in trial.design.who_masked}
        for role, plain in words.items():
            assert (plain in fact.words) == (role in masked), (trial.nct_id, fact.words)
        if trial.design.masking is Masking.NONE:
            assert fact.words == "Open label: everyone knows who gets which treatment"
        checked += 1
    assert checked > 150
    design = plain_design(v2("NCT05905055"))
    assert design.masking is not None
    assert design.masking.words.startswith("Double-blind: neither")


def test_doses_are_quoted_from_the_registered_descriptions() -> None:
    design = plain_design(v2("NCT02179567"))
    (group,) = design.groups
    assert [q.words for q in group.doses] == [
        "Docetaxel: 60mg/m2 i.v on day 1",
        "Bevacizumab: 7.5 mg/kg, iv on day 1",
    ]
    quoted = 0
    for trial in _v2().values():
        for group in plain_design(trial).groups:
            registered = (
                *(a.description for a in trial.arm_groups),
                *(i.description for i in trial.interventions),
            )
            texts = [" ".join(t.split()) for t in registered if t]
            for quote in group.doses:
                assert any(quote.words in text for text in texts), (trial.nct_id, quote.words)
                quoted += 1
    assert quoted > 100


def test_a_single_mesh_term_gives_its_classes_to_the_intervention_it_names() -> None:
    design = plain_design(v2("NCT02552212"))
    assert displays(design)["Certolizumab Pegol"].startswith("Certolizumab Pegol (TNF inhibitor")
    assert displays(design)["Placebo"] == "Placebo"
    assert design.trial_drug_classes is None
    # Named by another name: MK-3475 is registered with the other name "Pembrolizumab".
    design = plain_design(v2("NCT05879653"))
    assert displays(design)["MK-3475"] == "MK-3475 (immune checkpoint inhibitor)"
    assert displays(design)["ASG-22CE"] == "ASG-22CE"
    assert plain_design(v2("NCT00710099")).interventions[0].display.startswith("sildenafil (vasodilator")


def test_pooled_classes_of_several_drugs_stay_at_the_trial_level() -> None:
    design = plain_design(v2("NCT05832827"))  # paclitaxel, carboplatin, pembrolizumab, lenvatinib
    assert all(not i.classes for i in design.interventions)
    assert design.trial_drug_classes is not None
    words = design.trial_drug_classes.words
    assert words.startswith("Drug classes in this trial: ")
    assert "immune checkpoint inhibitor" in words and "protein kinase inhibitor" in words
    # The roots of the tree are not shown, nor a broader class beside its narrower one.
    assert "molecular mechanisms" not in words.lower() and "enzyme inhibitor" not in words


def test_no_class_from_a_mesh_term_that_names_none_of_the_interventions() -> None:
    # "Methamphetamine" indexes a treatment programme for methamphetamine use; "Coal Tar"
    # indexes cognitive behavioural therapy ("CBT"): neither trial gives the drug.
    for nct in ("NCT05266716", "NCT06685900", "NCT06889259"):
        design = plain_design(v2(nct))
        assert all(not i.classes for i in design.interventions), nct
        assert design.trial_drug_classes is None, nct


def test_a_class_is_given_to_an_intervention_only_from_a_single_mesh_term() -> None:
    attributed = 0
    for trial in _v2().values():
        design = plain_design(trial)
        for item in design.interventions:
            if item.classes:
                attributed += 1
                assert len(trial.intervention_mesh_terms) == 1, trial.nct_id
                assert design.trial_drug_classes is None
        assert msgspec.json.decode(msgspec.json.encode(design), type=PlainDesign) == design
    assert attributed >= 10


def test_an_observational_study_has_its_model_and_time_perspective_and_no_arms_vocabulary() -> None:
    design = plain_design(v2("NCT02663973"))
    assert design.study_type == "OBSERVATIONAL"
    assert design.observational_model is not None and design.time_perspective is not None
    assert design.observational_model.words.startswith("Case-only")
    assert design.time_perspective.words.startswith("Prospective")
    assert design.allocation is None and design.masking is None and design.control is None
