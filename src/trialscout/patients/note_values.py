"""The values a clinical note states: age, sex, performance status, pregnancy, and tumour
biomarkers, each with the span of the words it was read from (laboratory results and vital signs
are `trialscout.patients.note_labs`).

- `read_age`: "58-year-old", "44 yo", "66yoF", "aged 58", "18 years of age", "a 3-month-old",
  "15-week-old", "newborn", "in her 60s" (a decade: its midpoint, said so in the reading). The
  first stated age is the patient's ("at age 22" tells when something happened, and is skipped).
- `read_sex`: the noun after the patient's age ("a 58-year-old *woman*") weighs most, then other
  nouns (girl, gentleman, Mrs.) and pronouns (she, his); the side with more weight wins, a tie or
  "transgender" leaves it unknown.
- `read_performance`: "ECOG 1", "ECOG PS of 2", "KPS 80", "Karnofsky 70%", "Lansky 60".
- `read_reproductive`: pregnant ("pregnant", "at 11 weeks gestation", "ectopic pregnancy"), not
  pregnant ("not pregnant", "negative pregnancy test", "β-hCG is negative"), breastfeeding, and
  contraception ("uses condoms", "does not use any contraception").
- `read_note_biomarkers`: the criteria reader's biomarkers ("EGFR exon 19 deletion", "ALK-
  positive", "HER2-negative", "triple negative", "MSI-high") plus the forms of reports and the
  TREC Precision Medicine topics: "KRAS (G12C)", "CDK4 amplification", "EML4-ALK fusion",
  "PD-L1 TPS 50%", "high tumor mutational burden".
"""

from __future__ import annotations

import bisect
import re

import msgspec

from trialscout.eligibility.model import BiomarkerRule, CriterionKind, Expect, Span
from trialscout.eligibility.rules.biomarkers import read_biomarkers
from trialscout.model.patient import Biomarker, PatientSex, PerformanceStatus
from trialscout.patients.note_context import Assertion, NoteContext


class Reading(msgspec.Struct, frozen=True):
    """One value read from the note: what it says (``display``) and where (``span``)."""

    display: str
    span: Span


class AgeReading(Reading, frozen=True):
    years: float


class SexReading(Reading, frozen=True):
    sex: PatientSex


class PerformanceReading(Reading, frozen=True):
    status: PerformanceStatus


class StateReading(Reading, frozen=True):
    """A yes/no state: ``field`` is "pregnant", "breastfeeding" or "uses_contraception"."""

    field: str
    value: bool


class BiomarkerReading(Reading, frozen=True):
    biomarker: Biomarker


def number_text(value: float) -> str:
    """A value as a person writes it: 17580, 0.4, 9 (never 9.0 or 1.7e+04)."""
    return format(value, ".10g")


# ----------------------------------------------------------------------------------------------- age

_ONES = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = (
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_WORD_VALUES = {word: i + 1 for i, word in enumerate(_ONES)} | {word: i + 10 for i, word in enumerate(_TEENS)}
_WORD_VALUES |= {word: (i + 2) * 10 for i, word in enumerate(_TENS)}
_WORD_NUMBER = rf"(?:(?:{'|'.join(_TENS)})(?:[\s-](?:{'|'.join(_ONES)}))?|{'|'.join(_TEENS + _ONES)})"
#: A number as a note writes it: "3", "2.5", "three", "twenty-one" (`amount_of` reads it).
NUMBER = rf"(?:\d{{1,3}}(?:\.\d)?|{_WORD_NUMBER})"
_AGE = re.compile(
    rf"\b(?P<n>\d{{1,3}}(?:\.\d)?|{_WORD_NUMBER})\s?-?\s?(?P<u>years?|yrs?|y|months?|mos?|weeks?|wks?|days?)"
    r"\s?-?\s?old\b"
    r"|\b(?P<n2>\d{1,3})\s?-?\s?(?:yo|y/o|y\.o\.?)(?:\s?(?P<sx>(?-i:[MF]))(?![A-Za-z]))?(?![A-Za-z])"
    r"|\b(?P<n3>\d{1,3})\s+(?:years?|yrs?)\s+of\s+age\b"
    r"|(?<!\bat\s)(?<!\bthe\s)\bage[ds]?\s?(?::|=|of)?\s?(?P<n4>\d{1,3})\b(?!\s*(?:months?|weeks?|days?|-))",
    re.IGNORECASE,
)
_DECADE = re.compile(
    r"\bin\s+(?:his|her|their)\s+(?P<q>early|mid|late)?[\s-]*(?:(?P<d>[1-9]0)'?s|(?P<w>twenties|thirties|forties"
    r"|fifties|sixties|seventies|eighties|nineties))\b",
    re.IGNORECASE,
)
_NEWBORN = re.compile(r"\b(?:newborn|new-born|neonate|neonatal\s+(?:boy|girl|male|female))\b", re.IGNORECASE)
_DECADE_WORDS = {
    "twenties": 20,
    "thirties": 30,
    "forties": 40,
    "fifties": 50,
    "sixties": 60,
    "seventies": 70,
    "eighties": 80,
    "nineties": 90,
}
_UNIT_YEARS = {"y": 1.0, "m": 1 / 12, "w": 7 / 365.25, "d": 1 / 365.25}
_AGE_UNIT_NAMES = {"y": "years", "m": "months", "w": "weeks", "d": "days"}
_MAX_YEARS = 125.0


def amount_of(words: str) -> float:
    """The number `NUMBER` matched: 3.0 for "3" or "three", 21.0 for "twenty-one"."""
    if words[:1].isdigit():
        return float(words)
    return float(sum(_WORD_VALUES.get(word, 0) for word in re.split(r"[\s-]+", words.lower())))


def _age_of(match: re.Match[str]) -> tuple[float, str] | None:
    raw = match.group("n") or match.group("n2") or match.group("n3") or match.group("n4") or ""
    unit = (match.group("u") or "y")[0].lower()
    amount = amount_of(raw)
    years = amount * _UNIT_YEARS[unit]
    if years > _MAX_YEARS:
        return None
    if unit == "y":
        return years, f"{number_text(amount)} years"
    return years, f"{number_text(amount)} {_AGE_UNIT_NAMES[unit]} ({years:.2f} years)"


def age_matches(view: str) -> list[re.Match[str]]:
    return list(_AGE.finditer(view))


def read_age(view: str, matches: list[re.Match[str]]) -> AgeReading | None:
    """The patient's age: the first one stated (a decade or "newborn" when no number is)."""
    for match in matches:
        age = _age_of(match)
        if age is not None:
            return AgeReading(age[1], Span(match.start(), match.end()), years=round(age[0], 3))
    decade = _DECADE.search(view)
    if decade is not None:
        base = int(decade.group("d")) if decade.group("d") else _DECADE_WORDS[decade.group("w").lower()]
        offset = {"early": 2, "mid": 5, "late": 8}.get((decade.group("q") or "").lower(), 5)
        years = float(base + offset)
        display = f"about {number_text(years)} years (decade midpoint of {decade.group(0)!r})"
        return AgeReading(display, Span(decade.start(), decade.end()), years=years)
    newborn = _NEWBORN.search(view)
    if newborn is not None:
        return AgeReading("newborn (0 years)", Span(newborn.start(), newborn.end()), years=0.0)
    return None


# ----------------------------------------------------------------------------------------------- sex

_SEX_NOUN = re.compile(
    r"\b(?:(?P<f>woman|female|girl|lady|gravida|(?-i:Mrs|Ms|Miss)(?=\.?\s+[A-Z]))"
    r"|(?P<m>man|male|boy|gentleman|(?-i:Mr)(?=\.?\s+[A-Z])))\b"
    r"(?!\s+(?:sexual\s+)?partners?|-to-|'s\b)",
    re.IGNORECASE,
)
_PRONOUN = re.compile(r"\b(?:(?P<f>she|her|hers|herself)|(?P<m>he|him|his|himself))\b", re.IGNORECASE)
_TRANSGENDER = re.compile(
    r"\b(?:transgender|trans(?:\s|-)(?:woman|man|female|male)|non-?binary|intersex|genderqueer"
    r"|male-to-female|female-to-male)\b",
    re.IGNORECASE,
)
_HEAD_GAP = re.compile(r"[^.;:!?\n]{0,45}$")


def read_sex(view: str, age: AgeReading | None, ages: list[re.Match[str]]) -> SexReading | None:
    """The patient's sex by the weight of the note's cues; None when they tie or say transgender."""
    if _TRANSGENDER.search(view):
        return None
    scores = {PatientSex.FEMALE: 0, PatientSex.MALE: 0}
    best: dict[PatientSex, tuple[int, Span]] = {}
    patient_age_end = age.span.end if age is not None else -1
    age_ends = sorted(m.end() for m in ages)

    def vote(sex: PatientSex, weight: int, span: Span) -> None:
        scores[sex] += weight
        if weight and (sex not in best or weight > best[sex][0]):
            best[sex] = (weight, span)

    if age is not None:
        letter = re.search(r"(?-i:[MF])$", view[age.span.start : age.span.end])
        if letter:
            vote(PatientSex.MALE if letter.group(0) == "M" else PatientSex.FEMALE, 5, age.span)
    for match in _SEX_NOUN.finditer(view):
        sex = PatientSex.FEMALE if match.group("f") else PatientSex.MALE
        span = Span(match.start(), match.end())
        index = bisect.bisect_right(age_ends, match.start()) - 1
        after_age = index >= 0 and _HEAD_GAP.fullmatch(view, age_ends[index], match.start()) is not None
        if after_age and age_ends[index] == patient_age_end:
            vote(sex, 5, span)  # "a 58-year-old African-American woman"
        elif not after_age:
            vote(sex, 2, span)
        # else "born to a 39-year-old woman": someone else's age and sex
    for match in _PRONOUN.finditer(view):
        vote(PatientSex.FEMALE if match.group("f") else PatientSex.MALE, 1, Span(match.start(), match.end()))
    female, male = scores[PatientSex.FEMALE], scores[PatientSex.MALE]
    if female == male:
        return None
    sex = PatientSex.FEMALE if female > male else PatientSex.MALE
    return SexReading(sex.value, best[sex][1], sex=sex)


# ---------------------------------------------------------------------------------- performance status

_PERFORMANCE = re.compile(
    r"\b(?:(?P<ecog>ECOG|Zubrod|(?-i:WHO))(?:\s+(?:PS|performance\s+(?:status|score)))?|(?P<bare>performance\s+status)"
    r"|(?P<kps>KPS|Karnofsky(?:\s+performance\s+(?:status|score|scale))?(?:\s*\(KPS\))?)"
    r"|(?P<lansky>Lansky(?:\s+play)?(?:\s+performance)?(?:\s+(?:status|score|scale))?))"
    r"(?:\s++|[:=(]|\b(?:of|is|was|score|grade|at|PS)\b){0,5}?"
    r"(?P<score>\d{1,3})(?!\d|\.\d|\s?[-–]\s?\d)(?:\s?%)?",
    re.IGNORECASE,
)


def read_performance(view: str) -> PerformanceReading | None:
    """The last stated performance status (the most recent, in a note written in order)."""
    found: PerformanceReading | None = None
    for match in _PERFORMANCE.finditer(view):
        score = int(match.group("score"))
        if match.group("ecog") or match.group("bare"):
            if score > 5:
                continue
            scale = "ECOG"
        elif score <= 100 and score % 10 == 0:
            scale = "LANSKY" if match.group("lansky") else "KARNOFSKY"
        else:
            continue
        span = Span(match.start(), match.end())
        found = PerformanceReading(
            f"{scale} {score}", span, status=PerformanceStatus(scale=scale, score=score)
        )
    return found


# ------------------------------------------------------------------------------------ reproductive

_PREGNANT = re.compile(
    r"\b(?:pregnant|(?:\d{1,2})\s?(?:\+\s?\d\s?)?(?:weeks?|wks?)'?\s+(?:of\s+)?(?:gestation|pregnant|pregnancy)"
    r"|(?:first|second|third|1st|2nd|3rd)\s+trimester|gestational\s+age\s+(?:of\s+)?\d+|gravid\s+uterus"
    r"|intrauterine\s+pregnancy|ectopic\s+pregnancy|currently\s+pregnant"
    r"|(?-i:G\d{1,2}\s?P\d{1,2}\w{0,6})(?:\s+\w+){0,3}?\s+at\s+\d{1,2}(?:\s?\+\s?\d)?\s?(?:weeks?|wks?))\b",
    re.IGNORECASE,
)
_NOT_PREGNANT = re.compile(
    r"\bnegative\s+(?:urine\s+|serum\s+)?(?:pregnancy\s+test|(?:β|beta)[\s-]*h?cg|b?-?hcg)\b"
    r"|\b(?:pregnancy\s+test|(?:β|beta)[\s-]*h?cg|b?-?hcg)\b[^.;]{0,60}?\b(?:is|was|were|came\s+back)\s+negative\b",
    re.IGNORECASE,
)
_BORN = re.compile(r"\b(?:born|delivered|birth)\b[^.;]{0,20}$", re.IGNORECASE)
_BREASTFEEDING = re.compile(
    r"\b(?:breast[\s-]?feeding|breastfeeds?|breast[\s-]?fed|lactating|lactation|nursing\s+(?:her|an|a|the)\s+"
    r"(?:infant|baby|child|newborn))\b",
    re.IGNORECASE,
)
_CONTRACEPTION = re.compile(
    r"\b(?:condoms?|contracepti(?:on|ves?)|birth\s+control|(?-i:IUD|OCPs?)|intrauterine\s+device"
    r"|oral\s+contraceptives?)\b",
    re.IGNORECASE,
)
_INCONSISTENT = re.compile(
    r"\b(?:inconsisten\w*|sometimes|occasionally|rarely|irregular\w*)\b", re.IGNORECASE
)


def read_reproductive(context: NoteContext) -> list[StateReading]:
    """Pregnancy, breastfeeding and contraception, as the note states them (first statement
    of each; a negative pregnancy test says not pregnant)."""
    view = context.view
    found: dict[str, StateReading] = {}

    def state(field: str, value: bool, match: re.Match[str]) -> None:
        if field not in found:
            span = Span(match.start(), match.end())
            words = {
                "pregnant": ("pregnant", "not pregnant"),
                "breastfeeding": ("breastfeeding", "not breastfeeding"),
                "uses_contraception": ("uses contraception", "no contraception"),
            }
            found[field] = StateReading(words[field][0 if value else 1], span, field=field, value=value)

    for match in _NOT_PREGNANT.finditer(view):
        state("pregnant", False, match)
    for match in _PREGNANT.finditer(view):
        if _BORN.search(view, max(0, match.start() - 40), match.start()):
            continue  # "born at 38 weeks gestation": the patient's own birth
        span = Span(match.start(), match.end())
        assertion = context.assertion(span)
        if assertion is Assertion.PRESENT and not context.history(span):
            state("pregnant", True, match)
        elif assertion is Assertion.NEGATED:
            state("pregnant", False, match)
    for match in _BREASTFEEDING.finditer(view):
        assertion = context.assertion(Span(match.start(), match.end()))
        if assertion in (Assertion.PRESENT, Assertion.NEGATED):
            state("breastfeeding", assertion is Assertion.PRESENT, match)
    for match in _CONTRACEPTION.finditer(view):
        span = Span(match.start(), match.end())
        assertion = context.assertion(span)
        if assertion is Assertion.NEGATED:
            state("uses_contraception", False, match)
        elif assertion is Assertion.PRESENT and not _INCONSISTENT.search(
            view, context.clause_start(span.start), span.start
        ):
            state("uses_contraception", True, match)
    return sorted(found.values(), key=lambda r: r.span.start)


# ---------------------------------------------------------------------------------------- biomarkers

_GENE = r"(?-i:[A-Z][A-Z0-9]{1,7})"
_VARIANT = (
    r"(?-i:(?:p\.)?(?:[A-Z]\d{1,4}(?:_[A-Z]\d{1,4})?(?:[A-Z*]|del|dup|ins[A-Z]*|fs\*?\d*)?|\d{1,4}[A-Z])"
    r"|(?:exon|Exon)\s+\d{1,2}[^()]{0,30})"
)
_PAREN_VARIANT = re.compile(
    rf"\b(?P<gene>{_GENE})(?:\s+(?P<exon>(?:exon|Exon)\s+\d{{1,2}}))?\s?\(\s?(?P<var>{_VARIANT})\s?\)"
)
# Gene symbols without a digit (one with a digit, "CDK4", "NF1", is taken as a gene anyway).
_KNOWN_GENES = {
    "APC", "ATM", "MYC", "MYCN", "AURKA", "KIT", "MET", "RET", "ALK", "PTEN", "TERT", "ATRX", "HFE", "KRAS",
    "NRAS", "HRAS", "BRAF", "EGFR", "VHL", "POLE", "GNAQ", "MTOR", "EPCAM", "PDGFRA", "PDGFRB", "CDKN2A",
    "NTRK", "ROS", "BRCA", "MDM", "CDK", "PIK3CA", "PIK3R", "ERBB", "FGFR", "IDH", "FLT", "JAK", "NPM",
}  # fmt: skip
_NOT_GENES = {
    "CT",
    "MRI",
    "ECG",
    "EKG",
    "BP",
    "HR",
    "RR",
    "WBC",
    "RBC",
    "HPF",
    "DAT",
    "LDH",
    "ICU",
    "ER",
    "ED",
}
_GENE_ALTERATION = re.compile(
    rf"\b(?:(?P<partner>{_GENE})\s?[-:/]{{1,2}}\s?)?(?P<gene>{_GENE})\s+(?:gene\s+)?(?P<alt>amplification|amplified"
    r"|deletion|deleted|loss\s+of\s+function|loss|truncation|truncating\s+mutation|fusion(?:\s+transcript)?"
    r"|rearrangement|rearranged|mutation|mutated|duplication|inactivating(?:\s+mutation)?|inactivation"
    r"|overexpression|methylation|copy\s+number\s+gain)\b",
    re.IGNORECASE,
)
_ALTERATION_NAMES = (
    ("amplif", "amplification"),
    ("copy", "amplification"),
    ("delet", "deletion"),
    ("loss", "deletion"),
    ("fusion", "fusion"),
    ("rearr", "rearrangement"),
    ("overex", "overexpression"),
    ("methyl", "methylation"),
)
# Gene symbols the criteria reader names otherwise: one name per marker.
_GENE_ALIASES = {"ERBB2": "HER2", "ERBB3": "HER3", "PDL1": "PD-L1"}
_PD_L1 = re.compile(
    r"\bPD-?L1\s?(?:expression\s?)?(?:\(?(?:TPS|CPS|tumou?r\s+proportion\s+score|combined\s+positive\s+score)\)?\s?)?"
    r"(?:of|:|=|is|was|at|in)?\s?(?P<pct>\d{1,3}(?:\.\d)?)\s?%",
    re.IGNORECASE,
)
_TMB_HIGH = re.compile(
    r"\b(?:high|elevated)\s+(?:tumou?r\s+mutation(?:al)?\s+burden|(?-i:TMB))\b|\b(?-i:TMB)[\s-]*(?:high|(?-i:H))\b",
    re.IGNORECASE,
)


_TRAILING = re.compile(r"(?:[\s,;/]|\b(?:and|or|with)\b)+$", re.IGNORECASE)


def _gene_ok(gene: str) -> bool:
    if gene in _NOT_GENES or re.fullmatch(r"[A-Z]\d+[A-Z]", gene):
        return False  # "C282Y mutation": a variant whose gene is not named
    return (
        any(ch.isdigit() for ch in gene) or gene in _KNOWN_GENES or gene.rstrip("0123456789") in _KNOWN_GENES
    )


def _from_rule(rule: BiomarkerRule, view: str, offset: int) -> BiomarkerReading:
    percent = None
    if rule.expression is not None:
        percent = rule.expression.low if rule.expression.low is not None else rule.expression.high
    positive = rule.expect is Expect.PRESENT
    biomarker = Biomarker(
        marker=rule.marker,
        alteration=rule.alteration,
        detail=rule.qualifier,
        positive=positive,
        percent=percent,
    )
    words = view[rule.span.start : rule.span.end]
    end = rule.span.start + len(_TRAILING.sub("", words))
    span = Span(rule.span.start + offset, max(end, rule.span.start + 1) + offset)
    return BiomarkerReading(_biomarker_display(biomarker), span, biomarker=biomarker)


def _biomarker_display(biomarker: Biomarker) -> str:
    """ "EGFR exon 19 deletion", "no EGFR mutation", "HER2 negative", "PD-L1 expression 50%"."""
    if biomarker.alteration in (None, "positive"):
        words = f"{biomarker.marker} {'positive' if biomarker.positive is not False else 'negative'}"
        return f"{words} ({biomarker.detail})" if biomarker.detail else words
    words = " ".join(filter(None, (biomarker.marker, biomarker.detail, biomarker.alteration)))
    if biomarker.percent is not None:
        words += f" {number_text(biomarker.percent)}%"
    return words if biomarker.positive is not False else f"no {words}"


def read_note_biomarkers(context: NoteContext) -> list[BiomarkerReading]:
    """The patient's tumour biomarkers (a relative's, "her mother's BRCA1 mutation", are not)."""
    view = context.view
    readings: list[BiomarkerReading] = []

    def add(biomarker: Biomarker, match: re.Match[str]) -> None:
        span = Span(match.start(), match.end())
        readings.append(BiomarkerReading(_biomarker_display(biomarker), span, biomarker=biomarker))

    for match in _PAREN_VARIANT.finditer(view):
        gene = match.group("gene")
        if not _gene_ok(gene) and not match.group("exon"):
            continue
        detail = " ".join(filter(None, (match.group("exon"), match.group("var").strip())))
        marker = _GENE_ALIASES.get(gene, gene)
        add(Biomarker(marker=marker, alteration="mutation", detail=detail, positive=True), match)
    for match in _GENE_ALTERATION.finditer(view):
        gene, partner = match.group("gene"), match.group("partner")
        if not _gene_ok(gene):
            continue
        word = match.group("alt").lower()
        alteration = next((name for start, name in _ALTERATION_NAMES if word.startswith(start)), "mutation")
        gene = _GENE_ALIASES.get(gene, gene)
        fusion = f"{partner}-{gene}" if partner and alteration == "fusion" else None
        positive = not context.negated(Span(match.start(), match.end()))
        add(Biomarker(marker=gene, alteration=alteration, detail=fusion, positive=positive), match)
    for match in _PD_L1.finditer(view):
        percent = float(match.group("pct"))
        if percent <= 100:
            add(
                Biomarker(marker="PD-L1", alteration="expression", percent=percent, positive=percent >= 1),
                match,
            )
    for match in _TMB_HIGH.finditer(view):
        positive = not context.negated(Span(match.start(), match.end()))
        add(Biomarker(marker="TMB", alteration="high", positive=positive), match)
    for index in range(context.sentence_count()):
        sentence = context.sentence_at(index)
        words = view[sentence.start : sentence.end]
        for rule in read_biomarkers(words, words, CriterionKind.INCLUSION):
            if isinstance(rule, BiomarkerRule):
                readings.append(_from_rule(rule, words, sentence.start))
    return _unique_biomarkers(context, readings)


def _detail(biomarker: Biomarker) -> int:
    """How much a reading says: "PD-L1 60%" more than "PD-L1 expression"."""
    return (biomarker.detail is not None) + (biomarker.percent is not None)


def _unique_biomarkers(context: NoteContext, readings: list[BiomarkerReading]) -> list[BiomarkerReading]:
    """One reading per marker and alteration (the more detailed kept), the patient's own only."""
    kept: dict[tuple[str, str | None], BiomarkerReading] = {}
    for reading in readings:
        if context.assertion(reading.span) in (Assertion.FAMILY, Assertion.OTHER_PERSON):
            continue
        marker = reading.biomarker
        key = (marker.marker, marker.alteration)
        previous = kept.get(key)
        if previous is None or _detail(marker) > _detail(previous.biomarker):
            kept[key] = reading
    return sorted(kept.values(), key=lambda r: r.span.start)
