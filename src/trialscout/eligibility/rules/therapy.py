"""Readers for treatments: prior therapy (drugs, classes, lines, progression, washout windows),
procedures with their windows, and concurrent medications with dose thresholds.

A sentence's drugs and anticancer modalities are read together: with a cue of the past
("prior", "received", "lines of", "progression on", "naive", a washout window) they make one
`PriorTherapyRule` per window ("chemotherapy within 21 days or radiotherapy within 14 days" is
two); with a cue of the present ("concurrent", "current use of", "requiring", a dose such as
"> 10 mg/day") or a drug class that criteria name as a concomitant medication (corticosteroids,
anticoagulants, CYP3A4 inhibitors) they make one `MedicationRule` per drug named, the drugs in
its "e.g." list being its parts. Other procedures (surgery, biopsy, dialysis) make a
`ProcedureRule` each, with their window.

Words about something else are left: "hypersensitivity to cetuximab" (a condition), "recovered
from surgery", "candidate for chemotherapy", "planned surgery".
"""

from __future__ import annotations

import re

from trialscout.eligibility.mentions import Mention, MentionKind
from trialscout.eligibility.model import (
    Bound,
    Expect,
    MedicationRule,
    Part,
    PartRole,
    PriorTherapyRule,
    ProcedureRule,
    Rule,
    Span,
    TimeWindow,
)
from trialscout.eligibility.polarity import expect
from trialscout.eligibility.rules.clauses import (
    Claimed,
    Reading,
    covering,
    excepted,
    exception_mentions,
    exceptions_for,
    expected,
    parts_for,
    qualified_condition,
    sentence,
)
from trialscout.eligibility.rules.sections import (
    after_label,
    label_over_its_words,
    section,
    section_start,
    states_nothing,
    window_for,
)

_MODALITY = re.compile(
    r"therap|chemo|radia|radio|irradia|brachy|immuno|treatment|regimen|car\s*t|vaccin", re.I
)
_CONCOMITANT = re.compile(
    r"steroid|corticoid|cortison|prednis|dexameth|hydrocort|budesonide|immunosuppress|anticoag|antiplatelet"
    r"|heparin|warfarin|coumadin|aspirin|clopidogrel|cyp|p[\s-]?gp|glycoprotein|inducer|nsaid|anti-?inflammatory"
    r"|statin|opioid|benzodiazep|antidepress|antipsychot|ssri|maoi|proton\s+pump|beta[\s-]+blocker|ace\s+inhib"
    r"|vaccin|herbal|supplement|insulin|metformin|contracept|hormone\s+replacement|antibiotic|antibacterial"
    r"|antiviral|antifungal|antiretroviral|growth\s+factor|csf|erythropoie|bisphosphon|denosumab|qt|digoxin"
    r"|antiarrhythm|antiepilep|anticonvuls|thyroid|levothyrox|vitamin|diuretic|antihypertens|grapefruit",
    re.IGNORECASE,
)
_PRIOR_CUE = re.compile(
    r"\b(?:prior|previous(?:ly)?|received|receipt|pre-?treated|heavily|treated\s+with|treatment\s+with"
    r"|therapy\s+with|exposure\s+to|exposed|lines?\s+of|regimens?|progress\w*|refractory|failed|failure"
    r"|relapsed|na[iï]ve|last\s+dose|since|history\s+of|had|underwent|undergone|completed|washout"
    r"|discontinued|before\s+(?:the\s+)?(?:first|study|enrol\w*|randomi[sz]ation)|preceding|prior\s+to)\b"
)
_CONCURRENT_CUE = re.compile(
    r"\b(?:concurrent(?:ly)?|concomitant(?:ly)?|ongoing|current(?:ly)?|chronic|regular(?:ly)?|daily|requir\w*"
    r"|receiving|use\s+of|using|uses|taking|takes|on\s+(?:treatment|therapy)\s+with|need\s+for|continu\w*"
    r"|during\s+(?:the\s+)?(?:study|trial|treatment)|while\s+on\s+study|long[\s-]+term|maintenance"
    r"|stable\s+dose|chronic\s+use|expected\s+to\s+require|administration\s+of)\b"
)
_NOT_A_TREATMENT = re.compile(
    r"(?:recover\w*\s+from|recovery\s+from|resol\w*|toxicit\w*|adverse\s+(?:events?|effects?|reactions?)"
    r"|side[\s-]+effects?|effects?\s+of|complications?\s+(?:of|from)|related\s+to|attributed\s+to|due\s+to"
    r"|caused\s+by|hypersensitiv\w*|allerg\w*|contraindicat\w*|sensitivity\s+to|reactions?\s+to|unable\s+to"
    r"|unwilling|inability|refus\w*|candidates?\s+for|amenable\s+to|eligible\s+for|suitable\s+for|fit\s+for"
    r"|indicated\s+for|able\s+to\s+(?:undergo|receive|tolerate)|will\s+(?:receive|undergo)|scheduled|planned"
    r"|planning|to\s+(?:receive|undergo)|consent|willing|agree\w*|contracept\w*|birth\s+control|allow\w*\s+for"
    r"|sufficient\s+to|preclude\w*|tolerate)\b"
)
_THE_TRIALS_OWN = frozenset({"study drug", "study medication", "study treatment", "study product"})
_CONTRACEPTION = re.compile(r"contracep|birth\s+control|condom|intrauterine|\biud\b", re.IGNORECASE)
# "major surgery planned during the study": a future procedure, no history to check.
_PLANNED_AFTER = re.compile(
    r"\s*(?:is\s+|are\s+|was\s+)?(?:planned|scheduled|anticipated|expected|foreseen)\b"
)
# A specimen taken ("biopsy", "bone marrow aspirate", "blood sample") is what a trial asks the
# patient to give, how a diagnosis was confirmed, or a date others count from; only a stated
# window around it, with none of those words, makes it a procedure the patient had.
_SPECIMEN = re.compile(r"biops|aspirat|specimen|sample|blood\s+draw|tissue\s+collection", re.IGNORECASE)
_SPECIMEN_CUE = re.compile(
    r"\b(?:proven|confirm\w*|document\w*|demonstrat\w*|show\w*|diagnos\w*|by|on|accessible|amenable"
    r"|suitable|available|availability|provide|provision|submi\w*|obtain\w*|collect\w*|willing|consent\w*"
    r"|agree\w*|undergo|mandatory|required|requirement|fresh|archival|research|site|date|after|following"
    r"|tissue|specimens?|blocks?|slides?|samples?|at\s+the\s+time|time\s+of|prior\s+to\s+(?:the\s+)?"
    r"(?:first\s+)?biops\w*)\b"
)
# An allowance, not a requirement: "Prior chemotherapy for nonleukemic malignancy allowed".
_ALLOWED_AFTER = re.compile(r"[^.;:]{0,50}?\b(?:is\s+|are\s+)?(?:allowed|permitted|acceptable)\b")
_ALLOWED_BEFORE = re.compile(r"\b(?:allowed|permitted)\s*\(?\s*(?:e\.\s*g\.?|such\s+as|including)[^)]*$")
_WITH_AFTER = re.compile(r"\s+(?:with|of|using|by)\s")
_EXAMPLE_CUE = re.compile(r"\b(?:e\.\s*g\.?|i\.\s*e\.?|such\s+as|including|includes|like|for\s+example)\b")

_COUNT_GATE = re.compile(r"\d|\b(?:one|single|two|three|four|five|six)\b")
_DOSE_GATE = re.compile(r"\d\s*(?:mg|mcg|µg|μg|ug|g|iu|units?)\b")
_NUMBER_WORDS = {"one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_COUNT = r"(?P<{name}>\d+|one|single|two|three|four|five|six)"
_LINES = re.compile(
    r"\b(?P<op>at\s+least|a\s+minimum\s+of|minimum\s+of|no\s+more\s+than|not\s+more\s+than|up\s+to|a\s+maximum\s+of"
    r"|maximum\s+of|at\s+most|more\s+than|greater\s+than|fewer\s+than|less\s+than|>=|<=|≥|≤|>|<)?\s*"
    + _COUNT.format(name="low")
    + r"(?:\s*(?:-|to|or)\s*"
    + _COUNT.format(name="high")
    + r")?(?:\s*\(\d\))?\s*(?P<more>or\s+more|or\s+greater|or\s+fewer|or\s+less|\+)?\s+"
    r"(?:(?:prior|previous|standard|systemic|platinum[\s-]+based|platinum[\s-]+containing|chemotherapy"
    r"|different|separate|lines?\s+of|of|cytotoxic|anti-?cancer|treatment|therapeutic)\s+){0,4}"
    r"(?P<noun>lines?|regimens?|(?:systemic\s+)?therap(?:y|ies)|treatments?)\b"
)
# "Prior lines of systemic anti-tumor therapy ≥ 2": the count after the lines.
_LINES_AFTER = re.compile(
    r"\b(?:lines?|regimens?)\s+of\s+(?:[\w-]+\s+){0,4}?(?:therap(?:y|ies)|treatments?|chemotherapy)\s*"
    r"(?P<op>>=|<=|≥|≤|>|<|at\s+least|of\s+at\s+least|no\s+more\s+than|up\s+to)\s*"
    + _COUNT.format(name="low")
    + r"\b"
)
_PROGRESSION = re.compile(
    r"\b(?:progress\w*\s+(?:\w+\s+){0,3}?(?:on|after|following|during|despite|while\s+on|within)|refractory\s+to"
    r"|failed|failure\s+(?:of|on)|relapsed\s+(?:after|following)|resistan\w+\s+to|intoleran\w+\s+(?:to|of)"
    r"|recurrence\s+(?:after|following))\b"
)
_SETTING_WORDS = (
    r"metastatic|adjuvant|neo-?adjuvant|advanced|recurrent|maintenance|peri-?operative|first[\s-]+line"
    r"|second[\s-]+line|locally\s+advanced|curative"
)
_SETTING = re.compile(
    r"\b(?:in\s+the\s+|for\s+)(?P<setting>(?:"
    + _SETTING_WORDS
    + r")(?:\s+(?:or|and|and/or)\s+(?:"
    + _SETTING_WORDS
    + r"))?)\s+(?:setting|disease|stage)\b|\b(?P<setting2>adjuvant|neo-?adjuvant)\b"
)
_NAIVE = re.compile(
    r"\b(?P<what>treatment|therapy|chemotherapy|chemo|systemic\s+therapy|systemic\s+treatment|immunotherapy|tki"
    r"|drug|[a-z0-9-]{2,20})\)?[\s-]+na[iï]ve\b|\bpreviously\s+untreated\b|\buntreated\b(?=\s+(?:\w+\s+){0,4}"
    r"(?:cancer|carcinoma|disease|nsclc|sclc|tumou?r|lymphoma|leuka?emia|myeloma))"
)
_GENERIC_PRIOR = re.compile(
    r"\b(?:prior|previous)\s+(?P<what>(?:(?:systemic|anti-?cancer|anti-?tumou?r|cancer|cytotoxic|first-line"
    r"|adjuvant|neo-?adjuvant|investigational|treatment)\s+)*(?:therap(?:y|ies)|treatments?|regimens?))\b"
)
_TARGETED = re.compile(
    r"\b(?:targeting|directed\s+(?:at|against|to)|targeted\s+(?:at|against|to))\s+(?:the\s+)?"
    r"(?P<target>[A-Z][A-Za-z0-9]{1,10}(?:[-/][A-Za-z0-9]+)?)"
    r"|\b(?P<target2>[A-Z][A-Z0-9]{1,8}(?:-[A-Z0-9]{1,4})?)[\s-](?:targeted|targeting|directed)\b"
    r"|\banti-(?P<target3>(?!(?i:hiv|hcv|hbv|hbs|hbc|hbe|hav|cmv|ebv|htlv|hla|dna|ds|nuclear|thyroid|tpo|gad"
    r"|la\b|ro\b|ssa|ssb|sm\b|rnp|phospholipid|cardiolipin|neutrophil|islet|aqp4|mog|nmda|gabhs|drug))"
    r"[A-Z][A-Za-z0-9]{1,10}(?:-[A-Za-z0-9]{1,4})?)"
    r"(?=[\s-]+(?:therap|treatment|agent|antibod|drug|mab|adc|bispecific|monoclonal|inhibitor|directed))"
)
_DOSE = re.compile(
    r"(?P<op>>=|<=|≥|≤|>|<|more\s+than|greater\s+than|higher\s+than|exceeding|in\s+excess\s+of|above|over"
    r"|less\s+than|lower\s+than|below|under|up\s+to|at\s+least|at\s+most|maximum\s+of|a\s+maximum\s+of"
    r"|minimum\s+of|equivalent\s+to|of)?\s*(?P<num>\d+(?:[.,]\d+)?)\s*(?P<unit>mg|mcg|µg|μg|ug|g|iu|units?)\b"
    r"(?!\s*/\s*(?:d?l|ml|mm|µl|ul)\b)(?:\s*(?:/|per|a)\s*(?P<per>day|d|24\s*h(?:ours?)?|kg|m2|m²|week|dose)\b"
    r"|\s+(?P<daily>daily|a\s+day|per\s+day|qd)\b)?"
    r"(?P<after>\s+or\s+(?:more|higher|greater|above|less|lower|below))?"
)


def _count(word: str | None) -> float | None:
    if not word:
        return None
    word = word.lower()
    return float(_NUMBER_WORDS[word]) if word in _NUMBER_WORDS else float(word)


def lines_bound(match: re.Match[str]) -> Bound | None:
    groups = match.groupdict()
    low, high = _count(groups.get("low")), _count(groups.get("high"))
    if low is None:
        return None
    op = " ".join((groups.get("op") or "").split()).removeprefix("of ")
    more = groups.get("more") or ""
    if high is not None:
        return Bound(low=low, high=high)
    if op in ("at least", "a minimum of", "minimum of", ">=", "≥") or more in ("or more", "or greater", "+"):
        return Bound(low=low)
    if op in ("more than", "greater than", ">"):
        return Bound(low=low, low_inclusive=False)
    if op in (
        "no more than",
        "not more than",
        "up to",
        "a maximum of",
        "maximum of",
        "at most",
        "<=",
        "≤",
    ) or more in (
        "or fewer",
        "or less",
    ):
        return Bound(high=low)
    if op in ("fewer than", "less than", "<"):
        return Bound(high=low, high_inclusive=False)
    return Bound(low=low, high=low)


def dose_bound(match: re.Match[str]) -> tuple[Bound, str]:
    value = float(match.group("num").replace(",", "."))
    op = " ".join((match.group("op") or "").lower().split())
    after = (match.group("after") or "").lower()
    if op in (">", "more than", "greater than", "higher than", "exceeding", "in excess of", "above", "over"):
        bound = Bound(low=value, low_inclusive=False)
    elif op in ("<", "less than", "lower than", "below", "under"):
        bound = Bound(high=value, high_inclusive=False)
    elif op in ("<=", "≤", "up to", "at most", "maximum of", "a maximum of") or re.search(
        r"less|lower|below", after
    ):
        bound = Bound(high=value)
    else:
        bound = Bound(low=value)
    unit = match.group("unit").lower().replace("μ", "µ").replace("units", "unit")
    per = (match.group("per") or "").lower()
    if match.group("daily") or per in ("d", "day") or per.startswith("24"):
        per = "day"
    return bound, f"{unit}/{per}" if per else unit


def _skip(reading: Reading, start: int) -> bool:
    low, _ = sentence(reading, start)
    return bool(_NOT_A_TREATMENT.search(reading.lower, max(low, start - 50), start))


def _names_a_drug_after(reading: Reading, mention: Mention) -> bool:
    if not _WITH_AFTER.match(reading.lower, mention.span.end):
        return False
    return any(
        m.kind is MentionKind.DRUG and 0 <= m.span.start - mention.span.end <= 25 for m in reading.mentions
    )


def _in_example(reading: Reading, low: int, start: int, previous_head: int) -> bool:
    """Whether the drug at ``start`` is an example of the one before ("strong CYP3A4 inhibitors
    (e.g., ketoconazole)"): inside an open parenthesis, or after "e.g." / "such as" that no
    closing parenthesis ends."""
    before = reading.view[low:start]
    if before.count("(") > before.count(")"):
        return True
    segment = reading.lower[max(low, previous_head) : start]
    cues = list(_EXAMPLE_CUE.finditer(segment))
    return bool(cues) and ")" not in segment[cues[-1].end() :]


def read_therapy(reading: Reading, claimed: Claimed) -> list[Rule]:
    rules: list[Rule] = []
    by_sentence: dict[tuple[int, int], list[Mention]] = {}
    for mention in reading.mentions:
        if mention.kind is MentionKind.CONDITION:
            continue
        start, end = mention.span.start, mention.span.end
        if excepted(reading, start, end) or claimed.overlaps(start, end) or _skip(reading, start):
            continue
        if states_nothing(reading, end) or label_over_its_words(reading, mention):
            continue  # "Biologic therapy: Not specified" asks nothing; "Chemotherapy: No prior chemotherapy"
        if _CONTRACEPTION.search(mention.text) or mention.concept in _THE_TRIALS_OWN:
            continue  # the reproductive rules read contraception; "study drug" is the trial's
        if qualified_condition(reading, mention) is not None:
            continue  # "diabetes requiring insulin": the condition's rule names the drug
        if mention.kind is MentionKind.PROCEDURE and _names_a_drug_after(reading, mention):
            continue  # "systemic treatment with corticosteroids": the drug is what is named
        if mention.kind is MentionKind.PROCEDURE and not _MODALITY.search(
            mention.concept + " " + mention.text
        ):
            if not _PLANNED_AFTER.match(reading.lower, end) and not _a_specimen(reading, mention):
                procedure = _procedure(reading, mention)
                if procedure.expect is Expect.ABSENT or not _allowed(reading, start, end):
                    rules.append(procedure)  # "Prior surgery allowed" asks for none
            claimed.add(start, end)
            continue
        by_sentence.setdefault(section(reading, start), []).append(mention)
    for low, high in _therapy_sentences(reading, by_sentence):
        rules.extend(_therapy_in(reading, claimed, low, high, by_sentence.get((low, high), [])))
    return rules


def _therapy_sentences(
    reading: Reading, by_sentence: dict[tuple[int, int], list[Mention]]
) -> list[tuple[int, int]]:
    """The sentences with drugs or modalities, and those that speak of therapy without naming
    one ("at least 2 prior lines", "treatment-naive", "previous treatment targeting DLL3")."""
    found = set(by_sentence)
    lower = reading.lower
    patterns = []
    if (
        "line" in lower
        or "regimen" in lower
        or (("prior" in lower or "previous" in lower) and _COUNT_GATE.search(lower))
    ):
        patterns.append(_LINES)
    if "naive" in lower or "naïve" in lower or "untreated" in lower:
        patterns.append(_NAIVE)
    if "prior" in lower or "previous" in lower:
        patterns.append(_GENERIC_PRIOR)
    if "target" in lower or "directed" in lower or "anti-" in lower:
        patterns.append(_TARGETED)
    for pattern in patterns:
        for match in pattern.finditer(reading.view if pattern is _TARGETED else lower):
            if not excepted(reading, match.start(), match.end()):
                found.add(section(reading, match.start()))
    return sorted(found)


def _a_specimen(reading: Reading, mention: Mention) -> bool:
    """Whether the procedure is a specimen taken (`_SPECIMEN`) that the words do not make a
    procedure the patient had within a window."""
    start, end = mention.span.start, mention.span.end
    if not _SPECIMEN.search(mention.concept + " " + mention.text):
        return False
    low, high = sentence(reading, start)
    cue = _SPECIMEN_CUE.search(
        reading.lower[max(low, start - 40) : start] + " " + reading.lower[end : min(high, end + 25)]
    )
    return cue is not None or window_for(reading, start, end) is None


def _procedure(reading: Reading, mention: Mention) -> ProcedureRule:
    start, end = mention.span.start, mention.span.end
    window = window_for(reading, start, end)
    return ProcedureRule(
        expect=expected(reading, start),
        span=covering(mention.span, window.span if window else None),
        parts=parts_for(reading, [(start, end)], window),
        exceptions=exceptions_for(reading, start),
        procedure=mention.concept,
        window=window,
    )


def _is_medication(reading: Reading, low: int, high: int, mentions: list[Mention], has_dose: bool) -> bool:
    if has_dose:
        return True
    if all(m.kind is MentionKind.DRUG and _CONCOMITANT.search(m.concept + " " + m.text) for m in mentions):
        return True  # "treatment with strong CYP3A inhibitors within 4 weeks" is a medication
    first = mentions[0].span.start
    prior = [m.end() for m in _PRIOR_CUE.finditer(reading.lower, low, high) if m.start() < first + 40]
    concurrent = [
        m.end() for m in _CONCURRENT_CUE.finditer(reading.lower, low, high) if m.start() < first + 20
    ]
    if prior and concurrent:
        return max(concurrent) > max(prior)
    if concurrent:
        return True
    if prior or any(m.kind is MentionKind.PROCEDURE for m in mentions):
        return False
    if all(_CONCOMITANT.search(m.concept + " " + m.text) for m in mentions):
        return True
    # A drug named alone: with a window it is a washout ("cetuximab within 4 weeks"), without
    # one a drug the patient must not be taking ("Cimetidine.").
    return not any(window_for(reading, m.span.start, m.span.end) for m in mentions)


def _therapy_in(
    reading: Reading, claimed: Claimed, low: int, high: int, mentions: list[Mention]
) -> list[Rule]:
    view = reading.view
    lower = reading.lower[low:high]
    doses = []
    if _DOSE_GATE.search(lower):
        doses = [m for m in _DOSE.finditer(reading.lower, low, high) if not excepted(reading, *m.span())]
    lines = None
    if "line" in lower or "regimen" in lower or _COUNT_GATE.search(lower):
        lines = next(
            (
                m
                for pattern in (_LINES, _LINES_AFTER)
                for m in pattern.finditer(reading.lower, low, high)
                if not excepted(reading, *m.span())
            ),
            None,
        )
    naive = None
    if "naive" in lower or "naïve" in lower or "untreated" in lower:
        naive = next(
            (m for m in _NAIVE.finditer(reading.lower, low, high) if not excepted(reading, *m.span())), None
        )
    rules: list[Rule] = []
    drugs = [m for m in mentions if m.kind is MentionKind.DRUG]
    if mentions and not lines and not naive and _is_medication(reading, low, high, mentions, bool(doses)):
        # "No concurrent hormonal therapy": a modality taken now is a medication too.
        return _medications(reading, claimed, low, mentions, doses)
    if drugs and not lines and not naive and _is_medication(reading, low, high, drugs, bool(doses)):
        rules.extend(_medications(reading, claimed, low, drugs, doses))
        mentions = [m for m in mentions if m.kind is not MentionKind.DRUG]
        if not mentions:
            return rules
    extra: list[tuple[str, tuple[int, int]]] = []
    for match in _TARGETED.finditer(view, low, high):
        target = match.group("target") or match.group("target2") or match.group("target3")
        if target and not any(m.span.start < match.end() and match.start() < m.span.end for m in mentions):
            extra.append((f"{target}-targeted therapy", match.span()))
    if not mentions and not extra:
        generic = next(
            (
                m
                for m in _GENERIC_PRIOR.finditer(reading.lower, low, high)
                if not excepted(reading, *m.span())
            ),
            None,
        )
        if generic is not None:
            extra.append((" ".join(generic.group("what").lower().split()), generic.span("what")))
    if naive is not None and not mentions and not extra:
        what = " ".join((naive.groupdict().get("what") or "").lower().split())
        specific = what not in ("treatment", "therapy", "drug", "systemic treatment") and _MODALITY.search(
            what
        )
        extra.append((what if specific else "systemic therapy", naive.span()))
    if not mentions and not extra and lines is None:
        return []
    # One rule per window: "chemotherapy within 21 days or radiotherapy within 14 days".
    groups: dict[tuple[int, int] | None, list[tuple[str, tuple[int, int], Mention | None]]] = {}
    windows: dict[tuple[int, int] | None, TimeWindow | None] = {}
    items: list[tuple[str, tuple[int, int], Mention | None]] = [
        (m.concept, (m.span.start, m.span.end), m) for m in mentions
    ]
    items += [(name, span, None) for name, span in extra]
    if not items and lines is not None:
        items.append(("", lines.span(), None))
    for name, (start, end), mention in sorted(items, key=lambda item: item[1]):
        window = window_for(reading, start, end)
        key = (window.span.start, window.span.end) if window and window.span else None
        groups.setdefault(key, []).append((name, (start, end), mention))
        windows[key] = window
    progression = next(
        (m for m in _PROGRESSION.finditer(reading.lower, low, high) if not excepted(reading, *m.span())), None
    )
    setting = next(
        (m for m in _SETTING.finditer(reading.lower, low, high) if not excepted(reading, *m.span())), None
    )
    for key, group in groups.items():
        window = windows[key]
        start = min(span[0] for _, span, _ in group)
        spans = [span for _, span, _ in group]
        if naive is not None:
            # "treatment-naive": no prior therapy is what an inclusion asks.
            rule_expect = expect(reading.kind, True)
            spans.append(naive.span())
        else:
            # "No prior therapy for metastatic NSCLC including therapy with ALK inhibitors": the
            # negation stands before the sentence's first cue of the past.
            # A section's label stands before its words: "Chemotherapy: No prior ..." is negated.
            cue_from = min(_label_cue(reading, *span) for _, span, _ in group)
            # ... from the end of the drugs named before (another window's), not across them
            before = [
                e
                for other in groups.values()
                if other is not group
                for _, (_, e), _ in other
                if e <= cue_from
            ]
            section = max([section_start(reading, low, cue_from), *before])
            first_cue = next(
                (m.start() for m in _PRIOR_CUE.finditer(reading.lower, section, cue_from)), cue_from
            )
            cue_start = min([cue_from, first_cue] + ([lines.start()] if lines else []))
            rule_expect = expected(reading, cue_start)
        if rule_expect is Expect.PRESENT and any(_ALLOWED_AFTER.match(reading.lower, e) for _, e in spans):
            for _, span, _ in group:  # "Prior radiotherapy for nonleukemic malignancy allowed"
                claimed.add(*span)
            continue
        extras = [m for m in (lines, progression, setting) if m is not None]
        exceptions = exceptions_for(reading, start)
        rules.append(
            PriorTherapyRule(
                expect=rule_expect,
                span=covering(*spans, *(m.span() for m in extras), window.span if window else None),
                parts=parts_for(
                    reading,
                    [span for name, span, mention in group if name and mention is not None],
                    window,
                    also=exception_mentions(reading, exceptions),
                    extra=[
                        Part(PartRole.PROCEDURE if _MODALITY.search(name) else PartRole.DRUG, Span(*span))
                        for name, span, mention in group
                        if name and mention is None
                    ],
                ),
                exceptions=exceptions,
                therapies=tuple(dict.fromkeys(name for name, _, _ in group if name)),
                lines=lines_bound(lines) if lines else None,
                progression=progression is not None,
                window=window,
                setting=_setting_name(setting),
            )
        )
        for _, span, _ in group:
            claimed.add(*span)
    return rules


def _allowed(reading: Reading, start: int, end: int) -> bool:
    """Whether the drug at [start, end) is one the words allow, not one they ask for
    ("Concurrent corticosteroids allowed", "medications for hot flashes allowed (e.g., clonidine")."""
    return bool(
        _ALLOWED_AFTER.match(reading.lower, end)
        or _ALLOWED_BEFORE.search(reading.lower, max(0, start - 60), start)
    )


def _label_cue(reading: Reading, start: int, end: int) -> int:
    """Where the negation of the phrase at [start, end) is looked for: before it, or, for a
    section's label, before its words' first cue of the present or the past ("Chemotherapy: No
    concurrent ..." is negated)."""
    position = after_label(reading, start, end)
    if position == start:
        return start
    cue = _CONCURRENT_CUE.search(reading.lower, position, position + 20) or _PRIOR_CUE.search(
        reading.lower, position, position + 20
    )
    return cue.start() if cue is not None else position


def _setting_name(match: re.Match[str] | None) -> str | None:
    if match is None:
        return None
    words = match.group("setting") or match.group("setting2") or ""
    return " ".join(words.lower().replace("-", " ").split()).replace("neo adjuvant", "neoadjuvant") or None


def _medications(
    reading: Reading, claimed: Claimed, low: int, mentions: list[Mention], doses: list[re.Match[str]]
) -> list[Rule]:
    heads: list[tuple[Mention, list[Mention]]] = []
    previous_head = low
    for mention in mentions:
        start = mention.span.start
        after_dose = any(d.start() < start <= d.end() + 30 for d in doses)
        if heads and (after_dose or _in_example(reading, low, start, previous_head)):
            heads[-1][1].append(mention)
            continue
        heads.append((mention, []))
        previous_head = mention.span.end
    rules: list[Rule] = []
    for index, (head, examples) in enumerate(heads):
        start, end = head.span.start, head.span.end
        stop = heads[index + 1][0].span.start if index + 1 < len(heads) else None
        # The dose nearest the drug, after it ("> 10 mg/day") or just before ("1200 mg of zidovudine").
        near = [
            d
            for d in doses
            if (start <= d.start() and (stop is None or d.start() < stop)) or 0 <= start - d.end() < 25
        ]
        dose = min(near, key=lambda d: abs(d.start() - end), default=None)
        bound, unit = dose_bound(dose) if dose else (None, None)
        near_dose = reading.lower[start : dose.end() + 40] if dose is not None else ""
        if unit and "prednis" in near_dose and "equivalent" in near_dose:
            unit = f"{unit} prednisone-equivalent"
        window = window_for(reading, start, end)
        exceptions = exceptions_for(reading, start, stop)
        rule_expect = expected(reading, _label_cue(reading, start, end))
        if rule_expect is Expect.PRESENT and _allowed(reading, start, end):
            for mention in (head, *examples):  # "Concurrent corticosteroids allowed"
                claimed.add(mention.span.start, mention.span.end)
            continue
        rules.append(
            MedicationRule(
                expect=rule_expect,
                span=covering(head.span, dose.span() if dose else None, *(m.span for m in examples)),
                parts=parts_for(
                    reading,
                    [(start, end), *((m.span.start, m.span.end) for m in examples)],
                    window,
                    also=exception_mentions(reading, exceptions),
                ),
                exceptions=exceptions,
                medication=head.concept,
                dose=bound,
                dose_unit=unit,
                window=window,
            )
        )
        for mention in (head, *examples):
            claimed.add(mention.span.start, mention.span.end)
    return rules


READERS = (read_therapy,)
