"""Money on real records: a payment, travel or no-cost sentence is quoted word for word with its
field, only where the record says it; medicine's "compensated cirrhosis", workers' compensation,
litigation, Medicare reimbursement, contingency-management incentives and "postage paid" are
not money for taking part, and a record without such a sentence says "Not stated"."""

from __future__ import annotations

import functools
import zipfile

import pytest

from tests.conftest import AACT, XML_SLICE, v2_studies
from trialscout.model.trial import Trial
from trialscout.sources.ctgov_json import trial_from_v2
from trialscout.sources.ctgov_xml import parse_xml, trial_from_xml
from trialscout.trialpage.money import NOT_STATED, money, sentences

DESCRIPTION = "protocolSection.descriptionModule.detailedDescription"
SUMMARY = "protocolSection.descriptionModule.briefSummary"


@functools.cache
def _v2() -> dict[str, Trial]:
    return {t.nct_id: t for t in (trial_from_v2(s) for s in v2_studies())}


def trial(nct_id: str) -> Trial:
    if nct_id in _v2():
        return _v2()[nct_id]
    aact = AACT / "xml_legacy" / f"{nct_id}.xml"
    if aact.exists():
        return trial_from_xml(parse_xml(aact.read_bytes()))
    with zipfile.ZipFile(XML_SLICE) as archive:
        return trial_from_xml(parse_xml(archive.read(f"{nct_id[:7]}xxxx/{nct_id}.xml")))


def test_a_payment_per_visit_is_quoted_with_its_field() -> None:
    facts = money(trial("NCT03569618"))
    assert facts.stated
    assert (
        facts.text
        == "“You will be compensated for each study visit (visit 1: $50, visit 2: $100, visit 3: $150).”"
    )
    (quote,) = facts.quotes
    assert (quote.kind, quote.field) == ("payment", DESCRIPTION)
    assert quote.sentence in (trial("NCT03569618").detailed_description or "")
    assert facts.derived.evidence[0].field == DESCRIPTION


@pytest.mark.parametrize(
    ("nct_id", "kind", "words"),
    [
        ("NCT04853849", "payment", "They will be compensated a total sum of $175;"),
        (
            "NCT06568081",
            "payment",
            "Participants will be reimbursed for their time according to INVOLVE guidelines.",
        ),
        ("NCT02438137", "travel", "Participants will be compensated for their travel and time"),
        ("NCT00004727", "travel", "a transportation stipend is available for those in need."),
        ("NCT00493129", "no cost", "You will be provided denileukin diftitox free of charge."),
        ("NCT01065844", "unpaid", "Subjects are not reimbursed for time, travel, or physician costs."),
    ],
)
def test_each_kind_of_money_statement(nct_id: str, kind: str, words: str) -> None:
    facts = money(trial(nct_id))
    assert facts.stated
    assert facts.quotes[0].kind == kind
    assert words in facts.quotes[0].sentence


def test_a_sentence_is_not_cut_at_an_initial() -> None:
    # "... gait belts will be provided by M. D. Anderson and the pedometers ... at no charge ..."
    (quote,) = money(trial("NCT00494806")).quotes
    assert quote.kind == "no cost"
    assert quote.sentence.startswith(
        "Rocking, non rocking chairs, and gait belts will be provided by M. D. Anderson"
    )


def test_arms_that_differ_in_a_gift_card_say_which_gets_one() -> None:
    quotes = money(trial("NCT00495833")).quotes
    kinds = {q.sentence: q.kind for q in quotes}
    assert kinds["receives gift card in blood pressure (BP) kit"] == "payment"
    assert kinds["does not receive gift card in BP kit"] == "unpaid"
    assert all(q.field.startswith("protocolSection.armsInterventionsModule.") for q in quotes[:2])


def test_the_same_sentence_twice_is_quoted_once() -> None:
    # The summary and the description both say it, one with a full stop and one without.
    quotes = money(trial("NCT00005020")).quotes
    assert [q.sentence for q in quotes] == [
        "Compensation for travel and for the inconvenience of study participation is provided."
    ]


@pytest.mark.parametrize(
    "nct_id",
    [
        "NCT00005107",  # "compensated cirrhosis" in the criteria
        "NCT00460850",  # "compensated cirrhosis" in the criteria
        "NCT05896748",  # "decompensated liver disease"
        "NCT04691388",  # "Liver cirrhosis, decompensated liver disease"
        "NCT00000408",  # excluded: "Receiving disability or workers compensation insurance payments"
        "NCT00494065",  # excluded: "Patients seeking financial compensation tend to respond differently"
        "NCT00491218",  # costs "estimated from current Medicare reimbursement rates"
        "NCT00000153",  # "participating clinics are not financially reimbursed" (clinics, not people)
        "NCT00493688",  # "a return, postage paid envelope"
        "NCT00498251",  # "blood losses will be compensated with colloids"
        "NCT00000324",  # "voucher payments vs. a control condition": the intervention itself
        "NCT04857515",  # a digital therapeutic's "financial incentives"
        "NCT05305235",  # "If successful, RISE Guide could be provided at no cost to all women ..."
        "NCT00000544",  # "food was provided to the free-living study participants"
    ],
)
def test_words_that_are_not_money_for_taking_part(nct_id: str) -> None:
    facts = money(trial(nct_id))
    assert not facts.stated
    assert facts.text == NOT_STATED
    assert facts.quotes == ()


def test_a_record_without_money_words_says_not_stated() -> None:
    facts = money(trial("NCT06576635"))
    assert (facts.stated, facts.text) == (False, "Not stated in the registry")
    assert "may be covered" not in facts.derived.rule


def test_long_sentences_are_cut_around_their_money_words() -> None:
    (quote,) = money(trial("NCT00495495")).quotes
    assert quote.kind == "no cost"
    assert "at no cost to the subject" in quote.sentence
    assert len(quote.sentence) <= 310 and quote.sentence.startswith("… ")


def test_sentences_join_wrapped_lines_and_split_bullets() -> None:
    text = "Inclusion Criteria:\n\n  - Adults who\n    consent. They are paid.\n  - No insurance"
    assert list(sentences(text)) == [
        "Inclusion Criteria:",
        "Adults who consent.",
        "They are paid.",
        "No insurance",
    ]
