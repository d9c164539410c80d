"""The interventions' MeSH ancestors (the drug classes of the patient layer) are read from API v2
records, as the registry lists them, and written back by the v2 shape; legacy XML has none."""

from __future__ import annotations

from tests.conftest import AACT, v2_studies
from trialscout.model.trial import MeshTerm
from trialscout.sources.ctgov_json import trial_from_v2, trial_from_v2_json
from trialscout.sources.ctgov_xml import parse_xml, trial_from_xml
from trialscout.sources.v2_shape import study_json


def test_the_ancestors_are_read_in_the_registry_order_and_written_back() -> None:
    with_ancestors = 0
    for study in v2_studies():
        registered = study.get("derivedSection", {}).get("interventionBrowseModule", {}).get("ancestors", [])
        trial = trial_from_v2(study)
        assert [(a.term, a.id) for a in trial.intervention_mesh_ancestors] == [
            (a["term"], a.get("id")) for a in registered if a.get("term")
        ]
        back = trial_from_v2_json(study_json(trial))
        assert back.intervention_mesh_ancestors == trial.intervention_mesh_ancestors
        with_ancestors += bool(registered)
    assert with_ancestors > 50


def test_sildenafil_has_its_pharmacological_classes() -> None:
    study = next(
        s for s in v2_studies() if s["protocolSection"]["identificationModule"]["nctId"] == "NCT00710099"
    )
    trial = trial_from_v2(study)
    assert trial.intervention_mesh_terms == (MeshTerm(term="Sildenafil Citrate", id="D000068677"),)
    assert MeshTerm(term="Phosphodiesterase 5 Inhibitors", id="D058986") in trial.intervention_mesh_ancestors


def test_a_legacy_xml_record_has_no_intervention_ancestors() -> None:
    trial = trial_from_xml(parse_xml((AACT / "xml_legacy" / "NCT03101111.xml").read_bytes()))
    assert trial.intervention_mesh_terms and trial.intervention_mesh_ancestors == ()
