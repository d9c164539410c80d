"""The badges of the patient page on real records: a placebo group found wherever the record
registers one (a comparator labelled 'MMR-vaccine and Placebo', an arm 'D: no tenofovir/placebo',
'Placebo, no ozone'), 'No placebo group' only where the record registers its groups and mentions
none, masking with exactly the roles registered, a phase 1 trial never called 'not pivotal' nor
'no earlier testing', and results as the registry copy states them."""

from __future__ import annotations

import functools
import zipfile

from tests.conftest import AACT, DATA, XML_SLICE, v2_studies
from trialscout.model.trial import Trial
from trialscout.sources.ctgov_json import trial_from_v2
from trialscout.sources.ctgov_xml import parse_xml, trial_from_xml
from trialscout.trialpage.badges import Badge, PriorTrial, badges, placebo_badge, prior_safety_badge
from trialscout.trialpage.design import control

TREC_XML = DATA / "trec2023-xml-sample" / "xml"


@functools.cache
def v2_trials() -> dict[str, Trial]:
    return {t.nct_id: t for t in (trial_from_v2(s) for s in v2_studies())}


@functools.cache
def _slice_names() -> dict[str, str]:
    with zipfile.ZipFile(XML_SLICE) as z:
        return {n.rsplit("/", 1)[-1].removesuffix(".xml"): n for n in z.namelist() if n.endswith(".xml")}


@functools.cache
def record(nct_id: str) -> Trial:
    """A real record by its NCT ID: the API v2 exports first, then the legacy XML files."""
    if nct_id in v2_trials():
        return v2_trials()[nct_id]
    for folder in (AACT / "xml_legacy", TREC_XML):
        if (folder / f"{nct_id}.xml").exists():
            return trial_from_xml(parse_xml((folder / f"{nct_id}.xml").read_bytes()))
    with zipfile.ZipFile(XML_SLICE) as z:
        return trial_from_xml(parse_xml(z.read(_slice_names()[nct_id])))


def badge(nct_id: str, key: str, prior: tuple[PriorTrial, ...] = ()) -> Badge:
    found = {b.key: b for b in badges(record(nct_id), prior)}
    return found[key]


def fields(b: Badge) -> dict[str, str]:
    return {e.field: e.words for e in b.derived.evidence}


# -- Placebo -------------------------------------------------------------------------------------


def test_a_placebo_in_an_active_comparator_arm_is_a_placebo_group() -> None:
    # The comparator is registered ACTIVE_COMPARATOR, but its label says it gets a placebo.
    b = badge("NCT03101111", "placebo")
    assert (b.label, b.value) == ("Has a placebo group", True)
    assert "MMR-vaccine and Placebo" in fields(b).values()
    assert "ACTIVE_COMPARATOR" in {a.type.value for a in record("NCT03101111").arm_groups if a.type}


def test_a_placebo_named_only_among_an_active_comparators_interventions() -> None:
    # CagriSema vs semaglutide: the semaglutide arm also gets "Placebo Semaglutide".
    b = badge("NCT05813925", "placebo")
    assert b.value is True
    arm = "protocolSection.armsInterventionsModule.armGroups[1].interventionNames[1]"
    assert fields(b)[arm] == "Drug: Placebo Semaglutide"


def test_a_placebo_comparator_whose_label_says_no_is_still_a_placebo_group() -> None:
    # "D: no tenofovir/placebo": the "no" is about tenofovir.
    b = badge("NCT00490412", "placebo")
    assert b.value is True
    assert (
        fields(b)["protocolSection.armsInterventionsModule.armGroups[3].label"] == "D: no tenofovir/placebo"
    )
    assert fields(b)["protocolSection.armsInterventionsModule.armGroups[3].type"] == "PLACEBO_COMPARATOR"


def test_placebo_no_ozone_is_a_placebo_group() -> None:
    b = badge("NCT00495495", "placebo")
    assert (b.label, b.value) == ("Has a placebo group", True)
    assert "Placebo, no ozone" in fields(b).values()


def test_a_sham_comparator_is_called_a_sham_group() -> None:
    b = badge("NCT06909500", "placebo")
    assert (b.label, b.value) == ("Has a sham group", True)
    assert fields(b)["protocolSection.armsInterventionsModule.armGroups[1].type"] == "SHAM_COMPARATOR"


def test_there_are_no_placebos_is_not_read_as_a_placebo_and_without_arms_nothing_is_claimed() -> None:
    # "...there are no placebos in this study" (detailed description), and no arms registered:
    # the negated mention is no placebo, and without groups the page claims nothing either way.
    trial = record("NCT00004582")
    assert "no placebos" in (trial.detailed_description or "")
    assert not trial.arm_groups
    b = placebo_badge(trial)
    assert (b.label, b.value) == ("Placebo group: not stated in the registry", None)


def test_a_placebo_only_in_the_summary_is_not_a_no() -> None:
    # Three EXPERIMENTAL arms, none naming a placebo; the summary speaks of "HC/placebo": the
    # page must not say "No placebo group".
    trial = record("NCT05816382")
    assert all(a.type is not None and a.type.value == "EXPERIMENTAL" for a in trial.arm_groups)
    b = placebo_badge(trial)
    assert b.value is None
    assert b.label == "Placebo mentioned in the summary (see the groups)"
    assert "placebo" in b.derived.evidence[0].words


def test_no_placebo_group_only_where_every_group_is_registered_without_one() -> None:
    trial = record("NCT01357915")
    b = placebo_badge(trial)
    assert (b.label, b.value) == ("No placebo group", False)
    plain = control(trial)
    assert plain is not None and "No group is registered as a placebo" in plain.words


def test_a_single_arm_trial_has_no_placebo_group_by_the_one_arm_rule() -> None:
    b = badge("NCT05482516", "placebo")
    assert (b.label, b.value) == ("No placebo group (one arm)", False)
    assert "one arm" in b.derived.rule


# -- Randomized, blinded -------------------------------------------------------------------------


def test_randomized_and_masking_with_exactly_the_registered_roles() -> None:
    assert badge("NCT05813925", "randomized").label == "Randomized"
    b = badge("NCT05813925", "blinded")
    assert b.label == "Blinded (participant, care provider, investigator, outcomes assessor)"
    b = badge("NCT00495495", "blinded")
    assert (b.label, b.value) == ("Blinded (participant, outcomes assessor)", True)
    assert fields(b)["protocolSection.designModule.designInfo.maskingInfo.whoMasked"] == (
        "PARTICIPANT, OUTCOMES_ASSESSOR"
    )


def test_a_single_group_is_not_randomized_and_open_label_is_false() -> None:
    b = badge("NCT05482516", "randomized")
    assert (b.label, b.value) == ("One group (not randomized)", False)
    assert fields(b)["protocolSection.designModule.designInfo.allocation"] == "NA"
    b = badge("NCT05482516", "blinded")
    assert (b.label, b.value) == ("Open label", False)


# -- Pivotal, prior safety -----------------------------------------------------------------------


def test_a_phase_3_randomized_treatment_trial_is_late_stage() -> None:
    b = badge("NCT05813925", "pivotal")
    assert (b.label, b.value) == ("Late-stage (phase 3) randomized trial", True)
    assert badge("NCT05813925", "prior-safety").label == "Follows earlier safety testing (phase 3)"


def test_a_phase_1_trial_is_early_phase_and_claims_no_earlier_testing_either_way() -> None:
    b = badge("NCT05693090", "pivotal")
    assert (b.label, b.value) == ("Early-phase (phase 1)", False)
    b = badge("NCT05693090", "prior-safety")
    assert (b.label, b.value) == ("Earlier safety testing: no earlier trial in this store", None)


def _prior(nct_id: str, intervention: str) -> PriorTrial:
    earlier = record(nct_id)
    assert earlier.completion_date is not None
    return PriorTrial(
        nct_id=earlier.nct_id,
        title=earlier.title,
        phases=tuple(p.value for p in earlier.phases),
        completion_date=earlier.completion_date.date,
        intervention=intervention,
    )


def test_a_phase_1_trial_with_an_earlier_completed_trial_of_its_drug_names_it() -> None:
    # Tipifarnib + osimertinib (phase 1, 2023) after NCT00003707 (tipifarnib, phase 1, 2002-11).
    prior = _prior("NCT00003707", "tipifarnib")
    b = badge("NCT05693090", "prior-safety", (prior,))
    assert (b.label, b.value) == ("Tested before: NCT00003707 (Phase 1, completed 2002-11)", True)
    assert fields(b)["NCT00003707:protocolSection.armsInterventionsModule.interventions.name"] == "tipifarnib"


def test_a_prior_trial_of_another_drug_or_one_that_ended_later_does_not_count() -> None:
    trial = record("NCT05693090")
    other_drug = _prior("NCT00003707", "gemcitabine hydrochloride")
    assert prior_safety_badge(trial, (other_drug,)).value is None
    # The later trial does not come before the earlier one.
    later = PriorTrial(
        nct_id="NCT05693090",
        title=trial.title,
        phases=("PHASE1",),
        completion_date="2024-01",
        intervention="Tipifarnib",
    )
    assert prior_safety_badge(record("NCT00003707"), (later,)).value is None


# -- Healthy volunteers, results -----------------------------------------------------------------


def test_healthy_volunteers_as_registered() -> None:
    b = badge("NCT06909500", "healthy-volunteers")
    assert (b.label, b.value) == ("Accepts healthy volunteers", True)
    assert fields(b) == {"protocolSection.eligibilityModule.healthyVolunteers": "true"}
    assert badge("NCT05813925", "healthy-volunteers").value is False


def test_results_posted_with_the_date_and_none_claimed_for_a_trial_still_running() -> None:
    b = badge("NCT00495495", "results")
    assert (b.label, b.value) == ("Results posted 2010-12-23", True)
    b = badge("NCT05813925", "results")
    assert (b.label, b.value) == ("Results pending: not yet posted", None)
    b = badge("NCT00490412", "results")  # COMPLETED, no results in this copy
    assert b.value is False and b.label.startswith("No results posted")


def test_an_observational_study_gets_no_design_badges() -> None:
    trial = next(
        t for t in v2_trials().values() if t.study_type is not None and t.study_type.value == "OBSERVATIONAL"
    )
    keys = {b.key for b in badges(trial)}
    assert keys == {"healthy-volunteers", "results"}
