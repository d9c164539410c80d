"""The lay summary says who a trial is for from facts the record states, and less when it states less."""

from __future__ import annotations

from tests.eligibility.test_split import seed_criteria
from trialscout.eligibility.parse import parse_criteria_text, parse_eligibility
from trialscout.eligibility.plain import lay_summary
from trialscout.model.enums import Sex, SourceFormat
from trialscout.model.trial import Eligibility, SourceInfo, Trial
from trialscout.store.sqlite import SQLiteStore

SOURCE = SourceInfo(format=SourceFormat.CTGOV_API_V2_JSON)


def seed_trial(**eligibility: object) -> Trial:
    fields: dict[str, object] = {
        "criteria": seed_criteria(),
        "minimum_age_years": 18.0,
        "minimum_age_text": "18 Years",
        "sex": Sex.ALL,
        "healthy_volunteers": False,
    }
    fields.update(eligibility)
    return Trial(
        nct_id="NCT06937905",
        source=SOURCE,
        conditions=("Neuroendocrine Carcinoma",),
        eligibility=Eligibility(**fields),  # type: ignore[arg-type]
    )


def test_the_seed_trial_is_summarised_from_its_fields_and_typed_rules() -> None:
    trial = seed_trial()
    summary = lay_summary(trial, parse_criteria_text(seed_criteria()))
    first, second = summary.split(". ", 1)
    assert first == (
        "This trial is for adults aged 18 or older with neuroendocrine carcinoma, who are fully active or "
        "able to carry out light work (WHO 0-1)"
    )
    assert second.startswith("It is not for people who ")
    assert "leptomeningeal" in second and "HIV" in second


def test_it_says_less_when_the_record_states_less() -> None:
    assert lay_summary(Trial(nct_id="NCT00000001", source=SOURCE), ()) == "This trial is for people."
    women = Trial(
        nct_id="NCT00000002",
        source=SOURCE,
        conditions=("Healthy",),
        eligibility=Eligibility(
            minimum_age_years=18, maximum_age_years=45, sex=Sex.FEMALE, healthy_volunteers=True
        ),
    )
    assert lay_summary(women, ()) == "This trial is for women aged 18 to 45, including healthy volunteers."
    unknown = Trial(nct_id="NCT00000003", source=SOURCE, conditions=("Asthma",), eligibility=Eligibility())
    assert (
        lay_summary(unknown, ()) == "This trial on asthma is for people."
    )  # not "people with asthma": unknown


def test_real_records_are_summarised_in_one_or_two_sentences(registry: SQLiteStore) -> None:
    for nct_id in ("NCT05798663", "NCT00003202", "NCT00000116"):
        trial = registry.trial(nct_id)
        summary = parse_eligibility(trial).summary
        assert summary.startswith("This trial ") and 1 <= summary.count(". ") + 1 <= 2, summary
        assert trial.eligibility is not None
        if trial.eligibility.minimum_age_years == 18:
            assert "aged 18" in summary
