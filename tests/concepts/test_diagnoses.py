"""Findings in a note -> candidate diagnoses: classic presentations that never name the disease."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialscout.concepts.diagnoses import note_findings, suggest_diagnoses
from trialscout.model.patient import CandidateDiagnosis

TURNER = (
    "A 19-year-old woman presents with primary amenorrhoea. She has short stature, a webbed neck "
    "and a low posterior hairline."
)
MARFAN = (
    "A 24-year-old man with long slender fingers, pectus excavatum and ectopia lentis. He denies chest pain."
)
CUSHING = (
    "A 40-year-old woman with weight gain, a round face, purple abdominal striae, proximal muscle "
    "weakness and hypertension. She bruises easily."
)
KAWASAKI = (
    "A 3-year-old boy {fever}. He has bilateral conjunctival injection, strawberry tongue and "
    "cervical lymphadenopathy."
)
HEMOCHROMATOSIS = (
    "A 52-year-old man with arthralgia of the hands, skin hyperpigmentation, hepatomegaly and diabetes "
    "mellitus. Elevated serum ferritin."
)


def _suggest(note: str, sex: str | None = None, limit: int = 5) -> list[CandidateDiagnosis]:
    return suggest_diagnoses(note_findings(note), sex=sex, limit=limit)


def _names(candidates: list[CandidateDiagnosis], top: int = 3) -> list[str]:
    return [c.name for c in candidates[:top]]


def test_turner_syndrome_from_its_findings() -> None:
    candidates = _suggest(TURNER, sex="female")
    turner = candidates[0]
    assert turner.name == "Turner syndrome"
    assert "ORPHA:881" in turner.concepts
    assert set(turner.supporting) == {
        "primary amenorrhea",
        "short stature",
        "webbed neck",
        "low posterior hairline",
    }
    assert 0 < turner.score <= 1
    assert sum(c.score for c in candidates) <= 1.0 + 1e-6


def test_a_male_patient_is_never_suggested_turner_syndrome() -> None:
    male = TURNER.replace("woman", "man").replace("She", "He")
    for sex in ("male", None):
        names = " ".join(_names(_suggest(male, sex=sex), top=5)).lower()
        if sex == "male":
            assert "turner" not in names and "monosomy x" not in names
        else:
            assert "turner" in names  # the sex is what rules it out


def test_marfan_syndrome_one_candidate_for_omim_and_orphanet() -> None:
    candidates = _suggest(MARFAN, sex="male")
    marfan = next(c for c in candidates[:3] if c.name == "Marfan syndrome")
    assert {"ORPHA:558", "OMIM:154700"} <= set(marfan.concepts)
    assert {"arachnodactyly", "pectus excavatum", "ectopia lentis"} <= set(marfan.supporting)
    assert len([c for c in candidates if c.name == "Marfan syndrome"]) == 1


def test_cushing_syndrome() -> None:
    top = _suggest(CUSHING, sex="female")[0]
    assert "Cushing" in top.name
    assert "hypertension" in top.supporting


def test_kawasaki_disease() -> None:
    top = _suggest(KAWASAKI.format(fever="with a fever for 6 days"), sex="male")[0]
    assert top.name == "Kawasaki disease"
    assert top.score > 0.5


def test_hemochromatosis() -> None:
    assert "Hemochromatosis" in _names(_suggest(HEMOCHROMATOSIS, sex="male"))


def test_a_denied_finding_counts_against_a_disease_that_usually_has_it() -> None:
    homocystinuria = "Homocystinuria due to cystathionine beta-synthase deficiency"
    before = _suggest(MARFAN, sex="male", limit=50)
    after = _suggest(MARFAN + " He has no intellectual disability.", sex="male", limit=50)
    assert homocystinuria in _names(before)
    assert homocystinuria not in _names(after)
    lowered = next(c for c in after if c.name == homocystinuria)
    assert lowered.score < next(c for c in before if c.name == homocystinuria).score
    assert "intellectual disability" in lowered.against
    assert "Marfan syndrome" in _names(after)  # it rarely has it: no less likely


def test_a_denied_finding_is_listed_against_and_not_as_support() -> None:
    denied = _suggest(KAWASAKI.format(fever="with no fever"), limit=50)
    kawasaki = next(c for c in denied if c.name == "Kawasaki disease")
    assert "fever" in kawasaki.against
    assert "fever" not in kawasaki.supporting


def test_one_symptom_suggests_nothing() -> None:
    assert _suggest("A 30-year-old man with a headache.") == []
    assert _suggest("A 30-year-old man with a headache. He denies fever and cough.") == []
    assert _suggest("") == []


def test_findings_name_the_notes_words_and_their_negation() -> None:
    note = "She has recurrent seizures and amenorrhoea. She denies chest pain. No fever."
    findings = {f.name: f for f in note_findings(note)}
    assert note[findings["Seizure"].start : findings["Seizure"].end] == "seizures"
    assert "Amenorrhea" in findings
    assert not findings["Amenorrhea"].negated
    assert findings["Chest pain"].negated
    assert findings["Fever"].negated


def test_relatives_and_generic_words_are_not_findings() -> None:
    note = (
        "Her sister has a webbed neck and short stature. Family history of autosomal dominant "
        "inheritance. Some pain and an abnormality."
    )
    assert note_findings(note) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_gives_findings_without_a_crash(text: str) -> None:
    findings = note_findings(text)
    assert all(0 <= f.start < f.end <= len(text) for f in findings)
    suggest_diagnoses(findings)
