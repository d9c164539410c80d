"""The lay title on real records: the experimental arm's drugs, the first condition and the
acronym; ' + ' only for drugs one arm gives together; no title where the record does not say
which drug is tested."""

from __future__ import annotations

from tests.trialpage.test_badges import record, v2_trials
from trialscout.model.enums import StudyType
from trialscout.trialpage.title import drug_name, lay_title, readable_condition


def title(nct_id: str) -> str | None:
    found = lay_title(record(nct_id))
    return found.title if found is not None else None


def test_the_experimental_arms_drugs_the_condition_and_the_acronym() -> None:
    found = lay_title(record("NCT05482516"))
    assert found is not None
    assert found.title == "Atezolizumab + Bevacizumab for Colon Adenocarcinoma (MRD-GI)"
    fields = {e.field: e.words for e in found.derived.evidence}
    arms = "protocolSection.armsInterventionsModule"
    assert fields[f"{arms}.armGroups[0].label"] == "Atezolizumab plus Bevacizumab"
    assert fields[f"{arms}.armGroups[0].type"] == "EXPERIMENTAL"
    assert fields[f"{arms}.interventions[0].name"] == "Atezolizumab"
    assert fields["protocolSection.conditionsModule.conditions[0]"] == "Colon Adenocarcinoma"
    assert fields["protocolSection.identificationModule.acronym"] == "MRD-GI"


def test_the_placebo_and_the_comparator_arm_are_left_out() -> None:
    # CagriSema (cagrilintide + semaglutide) vs semaglutide with "Placebo Semaglutide".
    assert title("NCT05813925") == "Cagrilintide + Semaglutide for Obesity or Overweight"


def test_arms_that_give_the_same_drugs_share_the_title() -> None:
    # Escalation and expansion cohorts, both tipifarnib + osimertinib.
    assert title("NCT05693090") == "Tipifarnib + Osimertinib for NSCLC"


def test_arms_that_test_different_drugs_give_no_title() -> None:
    # Cefepime + nacubactam in one arm, aztreonam + nacubactam in another: not one combination.
    trial = record("NCT05905055")
    assert sum(a.type is not None and a.type.value == "EXPERIMENTAL" for a in trial.arm_groups) >= 2
    assert lay_title(trial) is None


def test_without_arms_only_a_single_study_drug_gives_a_title() -> None:
    # No arms and two drugs (gemcitabine, tipifarnib): which is tested is not said.
    assert not record("NCT00003707").arm_groups
    assert title("NCT00003707") is None
    # No arms, one drug; a prevention trial: "in", not "for" (the vaccine is for chickenpox,
    # the condition is who takes part); "(Live)" left out.
    assert title("NCT00000837") == "Varicella Virus Vaccine in HIV Infections"


def test_a_procedure_is_not_named_and_an_inverted_mesh_condition_is_put_in_reading_order() -> None:
    # Arm gives "Procedure: Blood sampling" and the GSK149203A vaccine; condition
    # "Infections, Cytomegalovirus".
    assert record("NCT01357915").conditions[0] == "Infections, Cytomegalovirus"
    assert title("NCT01357915") == "GSK149203A in Cytomegalovirus Infections"


def test_names_and_conditions_in_readable_form() -> None:
    assert title("NCT00460850") == "Peginterferon alfa-2a for Chronic Hepatitis B"
    assert title("NCT00001941") == "Daclizumab for HTLV-I Infection"
    assert drug_name("cetuximab") == "Cetuximab"
    assert drug_name("MK-3475 200 mg Q3W") == "MK-3475"
    assert readable_condition("Diabetes Mellitus, Type 2") == "Type 2 Diabetes Mellitus"
    assert readable_condition("Head and Neck Neoplasms") == "Head and Neck Tumors"
    assert readable_condition("Breast Cancer, Lung Cancer") == "Breast Cancer, Lung Cancer"


def test_a_condition_too_long_for_a_title_gives_none() -> None:
    trial = record("NCT05838768")
    assert len(trial.conditions[0]) > 80
    assert lay_title(trial) is None


def test_observational_studies_get_no_lay_title() -> None:
    observational = [t for t in v2_trials().values() if t.study_type is StudyType.OBSERVATIONAL]
    assert observational
    assert all(lay_title(t) is None for t in observational)
