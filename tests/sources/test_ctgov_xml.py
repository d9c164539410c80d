"""Legacy <clinical_study> XML maps to the same model as API v2, with sentinels made unknown."""

from __future__ import annotations

import zipfile

import pytest

from tests.conftest import AACT, XML_SLICE
from trialscout.errors import RecordError
from trialscout.model.enums import (
    ContactRole,
    DateType,
    Masking,
    OfficialRole,
    OverallStatus,
    Phase,
    SourceFormat,
    StudyType,
    WhoMasked,
)
from trialscout.sources.ctgov_xml import parse_xml, trial_from_xml

XML_DIR = AACT / "xml_legacy"


def from_slice(member: str):
    with zipfile.ZipFile(XML_SLICE) as archive:
        return trial_from_xml(parse_xml(archive.read(member)))


def from_file(name: str):
    return trial_from_xml(parse_xml((XML_DIR / name).read_bytes()))


def test_a_completed_crossover_trial_reads_in_full() -> None:
    t = from_slice("NCT00496392.xml")
    assert t.nct_id == "NCT00496392"
    assert t.source.format is SourceFormat.CTGOV_LEGACY_XML
    assert t.source.version_date == "2023-02-03"
    assert t.brief_title.startswith("Comparison of Nasal Fentanyl and Oral Transmucosal Fentanyl")
    assert t.overall_status is OverallStatus.COMPLETED
    assert t.phases == (Phase.PHASE3,)
    assert t.study_type is StudyType.INTERVENTIONAL
    assert t.start_date is not None
    assert t.start_date.date == "2007-01"
    assert t.primary_completion_date is not None
    assert (t.primary_completion_date.date, t.primary_completion_date.type) == ("2008-08", DateType.ACTUAL)
    # "Anticipated" in legacy XML is the API's ESTIMATED.
    assert t.enrollment is not None
    assert (t.enrollment.count, t.enrollment.type) == (115, DateType.ESTIMATED)
    assert t.design is not None
    assert t.design.masking is Masking.NONE
    assert t.eligibility is not None
    assert t.eligibility.minimum_age_years == 18
    # "N/A" is the registry's "no limit", not a number.
    assert t.eligibility.maximum_age_years is None
    assert t.eligibility.maximum_age_text == "N/A"
    assert t.eligibility.healthy_volunteers is False
    assert t.eligibility.criteria.startswith("Inclusion Criteria:")
    assert t.overall_officials[0].role is OfficialRole.STUDY_CHAIR
    assert t.interventions[0].other_names == ("Instanyl",)
    assert t.last_update == "2012-05-07"
    assert [s.country for s in t.locations] == ["Denmark"]


def test_masking_lists_who_is_masked_and_ages_convert_to_years() -> None:
    t = from_file("NCT00734539.xml")
    assert t.design is not None
    assert t.design.masking is Masking.QUADRUPLE
    assert t.design.who_masked == (
        WhoMasked.PARTICIPANT,
        WhoMasked.CARE_PROVIDER,
        WhoMasked.INVESTIGATOR,
        WhoMasked.OUTCOMES_ASSESSOR,
    )
    assert t.eligibility is not None
    assert t.eligibility.maximum_age_text == "5 Days"
    assert t.eligibility.maximum_age_years == pytest.approx(5 / 365.25, abs=1e-4)


def test_site_investigators_and_contacts_keep_their_roles() -> None:
    t = from_file("NCT00482794.xml")
    duke = [s for s in t.locations if s.investigators]
    assert duke, "the record lists site investigators"
    assert {p.role for p in duke[0].investigators} == {OfficialRole.PRINCIPAL_INVESTIGATOR}
    assert duke[0].status is OverallStatus.RECRUITING
    assert t.central_contacts[0].role is ContactRole.CONTACT
    assert t.central_contacts[0].email == "thomas.ortel@duke.edu"


def test_multi_phase_text_becomes_two_phases() -> None:
    assert from_file("NCT00023673.xml").phases == (Phase.PHASE1, Phase.PHASE2)


def test_text_blocks_lose_the_indentation_not_the_words() -> None:
    t = from_slice("NCT00496392.xml")
    assert t.brief_summary is not None
    assert "\r" not in t.brief_summary
    assert t.brief_summary.startswith("Primary:\n")
    assert "To compare the efficacy of nasal fentanyl (NF) to oral transmucosal fentanyl" in t.brief_summary


def test_arms_name_their_interventions() -> None:
    with zipfile.ZipFile(XML_SLICE) as archive:
        names = [n for n in archive.namelist() if n.endswith(".xml")][:400]
        trials = [trial_from_xml(parse_xml(archive.read(n))) for n in names]
    linked = [t for t in trials if any(a.intervention_names for a in t.arm_groups)]
    assert linked
    for t in linked:
        for arm in t.arm_groups:
            for name in arm.intervention_names:
                assert any(name.endswith(i.name) for i in t.interventions)


def test_an_rss_feed_is_not_a_study() -> None:
    with pytest.raises(RecordError, match="not a <clinical_study> record"):
        trial_from_xml(parse_xml((XML_DIR / "covid_search.xml").read_bytes()))


def test_broken_xml_is_a_record_error() -> None:
    data = (XML_DIR / "NCT00482794.xml").read_bytes()
    with pytest.raises(RecordError, match="malformed XML"):
        parse_xml(data[: len(data) // 2])
