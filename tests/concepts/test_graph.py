"""The concept graph of the packaged vocabularies: names meet in one form, the hierarchy says
what is broader, narrower and next to a concept, and it survives being saved."""

from __future__ import annotations

import pytest

from trialscout.concepts.about import trial_concepts
from trialscout.concepts.graph import ConceptGraph, decode, encode, normal_name, packaged_graph


@pytest.fixture(scope="module")
def graph() -> ConceptGraph:
    return packaged_graph()


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Lung Neoplasms", "Neoplasm of the lung"),
        ("Carcinoma, Non-Small-Cell Lung", "non-small cell lung carcinoma"),
        ("Cushing's syndrome", "Cushing Syndrome"),
        ("Haemochromatosis", "hemochromatosis"),
        ("Nervous System Diseases", "Abnormality of the nervous system"),
        ("Brain Metastases", "brain metastasis"),
        ("lung tumour", "lung cancer"),
    ],
)
def test_names_meet_in_one_form(one: str, other: str) -> None:
    assert normal_name(one, inverted="," in one) == normal_name(other)


def test_diabetes_and_diseases_keep_their_s_where_it_is_not_a_plural() -> None:
    assert normal_name("Type 2 Diabetes") == "type 2 diabetes"
    assert normal_name("Heart Diseases") == "heart disease"


def test_narrower_concepts_sit_under_the_broader_one(graph: ConceptGraph) -> None:
    (lung,) = graph.lookup("lung cancer")
    for narrower in ("small cell lung cancer", "NSCLC", "non-small cell lung carcinoma"):
        (concept,) = graph.lookup(narrower)
        assert lung in graph.ancestors(concept), narrower


def test_siblings_are_near_and_not_on_the_line(graph: ConceptGraph) -> None:
    (sclc,) = graph.lookup("SCLC")
    (nsclc,) = graph.lookup("NSCLC")
    (lung,) = graph.lookup("lung cancer")
    near = graph.near(sclc)
    assert nsclc in near and lung not in near and sclc not in near


def test_an_abbreviation_gets_the_broader_tumour_its_name_says(graph: ConceptGraph) -> None:
    (hnscc,) = graph.lookup("HNSCC")
    (head_and_neck,) = graph.lookup("head and neck cancer")
    assert head_and_neck in graph.ancestors(hnscc)


def test_a_disease_family_name_finds_its_numbered_types(graph: ConceptGraph) -> None:
    found = graph.lookup("hemochromatosis")
    assert len(found) >= 2
    assert all("emochromatosis" in graph.label(c) for c in found)


def test_a_text_names_the_longest_concepts_in_it(graph: ConceptGraph) -> None:
    spans = graph.spans("Stage IV non-small cell lung cancer with brain metastases")
    labels = [graph.label(c) for span in spans for c in span.concepts]
    assert "Non-small cell lung carcinoma" in labels
    assert "Small cell lung carcinoma" not in labels


def test_a_trial_with_an_unknown_condition_is_left_open(graph: ConceptGraph) -> None:
    known = trial_concepts(graph, ["Non Small Cell Lung Cancer"], ["Lung Neoplasms"])
    assert not known.open and "lung cancer" in known.closure
    assert "lung cancer" not in known.direct  # the registry's broader MeSH term is not a condition
    unknown = trial_concepts(graph, ["Healthy"])
    assert unknown.open


def test_the_graph_survives_being_saved(graph: ConceptGraph) -> None:
    again = decode(encode(graph))
    assert again.lookup("SCLC") == graph.lookup("SCLC")
    assert len(again.concepts) == len(graph.concepts)
