"""Posted results on real records: the results line, and the summary of primary outcomes,
participant flow and serious adverse events read from the original record (API v2 JSON and
legacy XML), as the registry's results tables give them; a truncated record still gives what
precedes the break, and a record without results gives no summary."""

from __future__ import annotations

import functools
import json
import zipfile

from tests.conftest import AACT, XML_SLICE, v2_studies
from trialscout.model.enums import SourceFormat
from trialscout.model.trial import Trial
from trialscout.sources.ctgov_json import trial_from_v2, trial_from_v2_json
from trialscout.sources.ctgov_xml import parse_xml, trial_from_xml
from trialscout.trialpage.results import PostedResults, posted_results, results_status

V2 = SourceFormat.CTGOV_API_V2_JSON
XML = SourceFormat.CTGOV_LEGACY_XML


@functools.cache
def _v2() -> dict[str, Trial]:
    return {t.nct_id: t for t in (trial_from_v2(s) for s in v2_studies())}


def xml_raw(nct_id: str) -> bytes:
    with zipfile.ZipFile(XML_SLICE) as archive:
        return archive.read(f"{nct_id[:7]}xxxx/{nct_id}.xml")


def aact_v2_raw(nct_id: str) -> bytes:
    return (AACT / "json_v2" / f"{nct_id}.json").read_bytes()


def summary(fmt: SourceFormat, raw: bytes) -> PostedResults:
    results = posted_results(fmt, raw)
    assert results is not None
    return results


def test_a_v2_record_reads_its_primary_outcome_flow_and_serious_events() -> None:
    # Dupilumab and vaccine responses: placebo 83.7% of 92 analysed, dupilumab 83.3% of 90.
    results = summary(V2, aact_v2_raw("NCT02210780"))
    assert results.complete
    (outcome,) = results.primary_outcomes
    assert outcome.title.startswith("Percentage of Participants With a Positive Response (≥4-Fold Increase)")
    assert outcome.time_frame == "Week 16"
    assert outcome.units == "Percentage of participants"
    assert [(g.title, g.participants) for g in outcome.groups] == [
        ("Placebo qw", 92),
        ("Dupilumab 300 mg qw", 90),
    ]
    assert [(v.group, v.value) for v in outcome.rows[0].values] == [
        ("Placebo qw", "83.7"),
        ("Dupilumab 300 mg qw", "83.3"),
    ]
    assert outcome.field == "resultsSection.outcomeMeasuresModule.outcomeMeasures[0]"
    flow = results.flow
    assert flow is not None and flow.period == "Overall Study"
    placebo, dupilumab = flow.groups
    assert (placebo.started, placebo.completed, placebo.not_completed) == (97, 92, 5)
    assert (dupilumab.started, dupilumab.completed, dupilumab.not_completed) == (97, 89, 8)
    assert dupilumab.reasons[0].reason == "Adverse Event" and dupilumab.reasons[0].participants == 5
    assert len(placebo.reasons) == 3  # the top three of its reasons for leaving
    events = results.serious_adverse_events
    assert events is not None
    assert [(g.title, g.affected, g.at_risk) for g in events.groups] == [
        ("Placebo qw", 0, 97),
        ("Dupilumab 300 mg qw", 3, 97),
    ]
    assert events.terms == 3
    assert {t.term for t in events.top_terms} >= {
        "Serum sickness-like reaction",
        "Mycosis fungoides stage iv",
    }
    fields = [e.field for e in results.derived.evidence]
    assert "resultsSection.outcomeMeasuresModule.outcomeMeasures[0].title" in fields


def test_p_values_and_dispersion_are_quoted_as_registered() -> None:
    # Certolizumab in axial spondyloarthritis (v2): ASDAS-MI 7.0% vs 47.2%, p "<0.001".
    results = summary(V2, aact_v2_raw("NCT02552212"))
    first = results.primary_outcomes[0]
    assert [v.value for v in first.rows[0].values] == ["7.0", "47.2"]
    assert first.p_values[0].p_value == "<0.001"
    assert first.p_values[0].groups == ("Placebo (FAS)", "CZP 200 mg Q2W (FAS)")
    assert first.p_values[0].method == "Regression, Logistic"
    week1 = next(o for o in results.primary_outcomes if o.title.endswith("at Week 1"))
    assert week1.rows[0].values[0].dispersion == "95% CI 48.0 to 53.0"
    baseline = next(o for o in results.primary_outcomes if o.title.endswith("at Baseline"))
    assert baseline.rows == ()  # no values were posted for it: none are invented
    below = next(o for o in results.primary_outcomes if "Follow-Up" in o.title).rows[0].values[1]
    assert below.value == "NA" and below.comment == "Values were below the level of quantification."


def test_a_legacy_xml_record_reads_into_the_same_summary() -> None:
    # MSL-109 for CMV retinitis: mortality 0.68 vs 0.31 deaths per person-year; 27 and 14 died.
    results = summary(XML, xml_raw("NCT00000135"))
    (outcome,) = results.primary_outcomes
    assert (outcome.title, outcome.units) == ("Mortality Rate", "deaths per person-year")
    assert [(g.title, g.participants) for g in outcome.groups] == [("MSL-109", 104), ("Placebo", 105)]
    assert [v.value for v in outcome.rows[0].values] == ["0.68", "0.31"]
    flow = results.flow
    assert flow is not None
    assert [(g.started, g.completed, g.not_completed) for g in flow.groups] == [(104, 77, 27), (105, 91, 14)]
    assert [(r.reason, r.participants) for r in flow.groups[0].reasons] == [("Death", 27)]
    events = results.serious_adverse_events
    assert events is not None
    # The "Total" category gives each group's totals; it is not a term.
    assert [(g.affected, g.at_risk) for g in events.groups] == [(0, 104), (0, 105)]
    assert events.top_terms == () and events.terms == 0


def test_serious_totals_are_not_the_mortality_totals_beside_them() -> None:
    # The "Total" category lists "Total, all-cause mortality" (0 of 12) before "Total, serious
    # adverse events" (1 of 12): the page gives the second.
    events = summary(XML, xml_raw("NCT00003656")).serious_adverse_events
    assert events is not None
    assert [(g.affected, g.at_risk) for g in events.groups] == [(1, 12), (0, 14)]
    assert [(t.term, t.affected) for t in events.top_terms] == [("Leukopenia", 1)]


def test_a_total_group_is_not_counted_twice_in_the_terms() -> None:
    # PEAR-004 vs sham, with a "Total" event group: suicidal ideation 0 + 1, and 1 in Total.
    study = next(
        s for s in v2_studies() if s["protocolSection"]["identificationModule"]["nctId"] == "NCT03751280"
    )
    events = summary(V2, json.dumps(study).encode()).serious_adverse_events
    assert events is not None
    assert [(g.title, g.affected, g.at_risk) for g in events.groups][-1] == ("Total", 1, 110)
    assert [(t.term, t.affected) for t in events.top_terms] == [("Suicidal ideation", 1)]


def test_a_legacy_xml_p_value_and_standard_deviation() -> None:
    # Dimethyl fumarate for sleep apnoea: RDI change -3.11 (SD 12.9) vs 10.2 (SD 13.1), p 0.0124.
    raw = (AACT / "xml_legacy" / "NCT02438137.xml").read_bytes()
    outcome = summary(XML, raw).primary_outcomes[0]
    assert outcome.measure == "Mean" and outcome.dispersion_type == "Standard Deviation"
    assert [(v.value, v.dispersion) for v in outcome.rows[0].values] == [
        ("-3.11", "SD 12.9"),
        ("10.2", "SD 13.1"),
    ]
    assert [p.p_value for p in outcome.p_values] == ["0.0124"]


def test_a_truncated_record_gives_what_precedes_the_break() -> None:
    raw = aact_v2_raw("NCT02210780")
    cut = raw[: raw.index(b'"adverseEventsModule"') + 200]
    results = summary(V2, cut)
    assert not results.complete
    assert results.primary_outcomes[0].rows[0].values[0].value == "83.7"
    assert results.flow is not None and results.flow.groups[0].started == 97
    assert "truncated" in results.derived.rule
    xml = xml_raw("NCT00000135")
    partial = summary(XML, xml[: xml.index(b"<outcome_list>") + 400])
    assert not partial.complete
    assert partial.flow is not None and partial.flow.groups[1].completed == 91
    assert posted_results(V2, b'{"resultsSection": {"outcomeMeas') is None
    assert posted_results(XML, b"<clinical_study><clinical_res") is None
    assert posted_results(V2, b"\xff\xfe not a record") is None


def test_a_record_without_results_gives_no_summary() -> None:
    assert posted_results(XML, xml_raw("NCT00004727")) is None
    assert posted_results(V2, aact_v2_raw("NCT03418623")) is None


def test_the_results_line() -> None:
    posted = trial_from_v2_json(aact_v2_raw("NCT02210780"))
    line = results_status(posted)
    assert line.posted and line.text == "Results posted 2020-05-07" and line.first_posted == "2020-05-07"
    assert any(
        e.field == "protocolSection.statusModule.resultsFirstPostDateStruct" for e in line.derived.evidence
    )
    # Completed, its completion date 1987-06 (ACTUAL); another completed one gives no date.
    completed = trial_from_xml(parse_xml(xml_raw("NCT00000114")))
    assert results_status(completed).text == "No results posted (the trial completed in 1987)"
    undated = trial_from_xml(parse_xml(xml_raw("NCT00004727")))
    assert undated.completion_date is None and undated.primary_completion_date is None
    assert results_status(undated).text == "No results posted"
    recruiting = _v2()["NCT06576635"]
    assert results_status(recruiting).text == "Results pending: not yet posted"
    assert not results_status(recruiting).posted


def test_results_said_to_be_posted_without_a_results_section() -> None:
    # An AACT fixture: hasResults true, but the copy holds no resultsSection (and no date).
    raw = aact_v2_raw("NCT00465816")
    assert results_status(trial_from_v2_json(raw)).text == "Results posted (the registry gives no date)"
    assert posted_results(V2, raw) is None
