"""Reader for the trial's target disease: diagnosis, histology, stage, setting, confirmation.

"Histologically or cytologically confirmed NSCLC" -> DiagnosisRule(condition NSCLC's concept,
confirmation "histological or cytological"); "Stage IIIB/IV" -> stage "IIIB/IV"; "Unresectable
locally advanced or metastatic" -> setting as written; "poorly differentiated neuroendocrine
carcinoma" -> histology "poorly differentiated neuroendocrine". Alternatives in one sentence
("NSCLC or SCLC") make one rule whose condition names them with "or" (two PRESENT rules would
ask for both).

In an inclusion, a condition is the diagnosis when a cue says so: a confirmation, "diagnosis
of", a stage, a setting or histology next to it, or a cancer named without "history of" /
"prior" / "other". In an exclusion only an explicit confirmation or "diagnosis of" makes one
(other conditions there are `ConditionRule`s). A stage or setting without a named disease gives
a rule on the "target disease".
"""

from __future__ import annotations

import re

from trialscout.eligibility.mentions import Mention, MentionKind
from trialscout.eligibility.model import CriterionKind, DiagnosisRule, Rule
from trialscout.eligibility.rules.clauses import (
    Claimed,
    Reading,
    covering,
    excepted,
    exceptions_for,
    expected,
    is_negated,
    parts_for,
    sentence,
)

TARGET_DISEASE = "target disease"

_CONFIRMATION = re.compile(
    r"\b(?P<how>(?:(?:histologic(?:al)?(?:ly)?|cytologic(?:al)?(?:ly)?|patholog(?:ic(?:al)?)?(?:ly)?"
    r"|histopatholog(?:ic(?:al)?)?(?:ly)?|radiologic(?:al)?(?:ly)?|radiographic(?:al)?(?:ly)?|clinically"
    r"|biopsy|tissue|molecular(?:ly)?|genetic(?:al)?(?:ly)?)[\s,]*(?:(?:and/or|or|and|/)\s*)?)+)"
    r"[\s-]*(?:confirmed|proven|documented|verified|diagnosed|confirmation|diagnosis|evidence|proof)\b"
)
_CONFIRMATION_GATE = re.compile(r"confirm|proven|document|verif|diagnos|evidence|proof")
_SETTING_GATE = re.compile(
    r"resect|operab|advanced|metasta|recurr|relaps|refract|progress|diagnosed|stage|castrat"
    r"|novo|persist|dissemin"
)
_DIAGNOSIS_CUE = re.compile(
    r"\b(?:diagnos(?:is|ed)\s+(?:of|with|as)|(?:newly|confirmed|documented)\s+diagnos\w+)\b"
)
# In an inclusion, "patients with X" names the trial's disease too.
_PATIENTS_WITH = re.compile(
    r"\b(?:(?:patients?|subjects?|participants?|adults?|men|women|children|individuals)\s+(?:\w+\s+){0,2}?with"
    r"|suffering\s+from|presence\s+of)\b"
)
_STAGE_LEVEL = r"(?:[0IV]{1,4}|[0-4])(?:[A-C][0-9]?)?"
_STAGE = re.compile(
    rf"\b(?i:stages?)\s+(?P<stage>{_STAGE_LEVEL}(?:\s*(?:-|/|,|or|and|to|through)\s*(?i:stage\s+)?{_STAGE_LEVEL})*)"
    rf"(?![\w])|\b(?P<named>(?i:limited|extensive|early|advanced|late))[\s-]+(?i:stage)\b",
)
_SETTING_WORDS = (
    r"unresectable|non-?resectable|inoperable|locally[\s-]+advanced|locally[\s-]+recurrent|metastatic"
    r"|advanced|recurrent|relapsed(?:/refractory)?|refractory|progressive|newly[\s-]+diagnosed|resectable"
    r"|resected|operable|non-?metastatic|castration[\s-]+resistant|castrate[\s-]+resistant"
    r"|de\s+novo|persistent|disseminated|oligometastatic"
)
_SETTING = re.compile(
    rf"\b(?:{_SETTING_WORDS})(?:(?:\s*(?:,|and/or|or|and|/)\s*|\s+)(?:{_SETTING_WORDS}))*\b"
)
_HISTOLOGY = re.compile(
    r"\b(?:(?:poorly|well|moderately|un)[\s-]*differentiated|undifferentiated|adenocarcinoma|non-?squamous"
    r"|squamous(?:\s+cell)?|(?<!non-)(?<!non )small[\s-]+cell|large[\s-]+cell|neuroendocrine|ductal|lobular"
    r"|clear[\s-]+cell|papillary|serous|mucinous|urothelial|transitional[\s-]+cell|sarcomatoid|signet[\s-]+ring"
    r"|medullary|follicular|anaplastic|triple[\s-]+negative|high[\s-]+grade|low[\s-]+grade|mixed\s+histology"
    r"|non-?small[\s-]+cell)\b"
)
_CANCER_WORD = re.compile(
    r"cancer|carcinoma|tumou?r|neoplas|lymphoma|leuka?emia|myeloma|sarcoma|melanoma|glioma|blastoma|mesothelioma"
    r"|malignan|metasta|nsclc|sclc|hcc|crc|rcc|aml|cml|cll|mds|dlbcl|gbm|hnscc|tnbc|crpc|adenoma|seminoma",
    re.IGNORECASE,
)
_NOT_TARGET = re.compile(
    r"\b(?:history\s+of|prior|previous|previously|other|another|second|secondary|concurrent|concomitant"
    r"|additional|family|risk\s+of|except|excluding|without|free\s+of|no\s+evidence\s+of|treated\s+for"
    r"|recovered|brain|cns|leptomeningeal|spinal\s+cord"
    r"|(?:therap\w*|treatments?|chemotherapy|radiotherapy|surgery|resection)\s+(?:\w+\s+){0,2}?for)\b"
)
_METASTASES_ALONE = re.compile(r"(?:\w+\s+)?metasta\w*(?:\s+disease)?", re.IGNORECASE)
_WHERE = re.compile(r"\s*(?:of|in|involving|affecting|to)\s+(?:the\s+)?")
_NOT_A_DIAGNOSIS = frozenset(
    {
        "pregnancy",
        "pregnant",
        "lactation",
        "lactating",
        "breastfeeding",
        "breast feeding",
        "healthy",
        "nursing",
    }
)


def _confirmation(words: str) -> str:
    kinds = []
    for stem, name in (
        ("histopatholog", "histopathological"),
        ("histolog", "histological"),
        ("cytolog", "cytological"),
        ("patholog", "pathological"),
        ("radiolog", "radiological"),
        ("radiograph", "radiological"),
        ("clinical", "clinical"),
        ("biopsy", "histological"),
        ("tissue", "histological"),
        ("molecular", "molecular"),
        ("genetic", "genetic"),
    ):
        if (
            stem in words.lower()
            and name not in kinds
            and not (name == "pathological" and "histopathological" in kinds)
        ):
            kinds.append(name)
    joiner = " and " if re.search(r"\band\b(?!/)", words.lower()) else " or "
    return joiner.join(kinds)


def _is_disease(reading: Reading, mention: Mention) -> bool:
    return mention.text.lower() not in _NOT_A_DIAGNOSIS and mention.concept.lower() not in _NOT_A_DIAGNOSIS


def read_diagnosis(reading: Reading, claimed: Claimed) -> list[Rule]:
    inclusion = reading.kind is CriterionKind.INCLUSION
    lower = reading.lower
    has_condition = any(m.kind is MentionKind.CONDITION for m in reading.mentions)
    if not has_condition and not (inclusion and "stage" in lower):
        return []
    rules: list[Rule] = []
    seen_sentences: set[int] = set()
    cues: list[tuple[int, int, str]] = []
    if _CONFIRMATION_GATE.search(lower):
        cues.extend((m.start(), m.end(), "confirmation") for m in _CONFIRMATION.finditer(reading.lower))
    if "diagnos" in lower:
        cues.extend((m.start(), m.end(), "diagnosis") for m in _DIAGNOSIS_CUE.finditer(reading.lower))
    if inclusion:
        if "with" in lower or "suffering" in lower or "presence" in lower:
            cues.extend((m.start(), m.end(), "patients with") for m in _PATIENTS_WITH.finditer(reading.lower))
        if "stage" in lower:
            cues.extend((m.start(), m.end(), "stage") for m in _STAGE.finditer(reading.view))
        if _SETTING_GATE.search(lower):
            cues.extend((m.start(), m.end(), "setting") for m in _SETTING.finditer(reading.lower))
        cues.extend(
            (m.span.start, m.span.end, "cancer")
            for m in reading.mentions
            if m.kind is MentionKind.CONDITION and _CANCER_WORD.search(m.text)
        )
    for cue_start, cue_end, _ in sorted(cues):
        if excepted(reading, cue_start, cue_end):
            continue
        low, high = sentence(reading, cue_start)
        if low in seen_sentences:
            continue
        rule = _diagnosis_in(reading, claimed, low, high)
        seen_sentences.add(low)
        if rule is not None:
            rules.append(rule)
    return rules


def _diagnosis_in(reading: Reading, claimed: Claimed, low: int, high: int) -> DiagnosisRule | None:
    """The diagnosis stated in the sentence [low, high), if it states one."""
    view = reading.view
    inclusion = reading.kind is CriterionKind.INCLUSION
    confirmation = next(
        (
            m
            for m in _CONFIRMATION.finditer(reading.lower, low, high)
            if not excepted(reading, m.start(), m.end())
        ),
        None,
    )
    cue = next(
        (
            m
            for m in _DIAGNOSIS_CUE.finditer(reading.lower, low, high)
            if not excepted(reading, m.start(), m.end())
        ),
        None,
    )
    if cue is None and inclusion:
        cue = next(
            (
                m
                for m in _PATIENTS_WITH.finditer(reading.lower, low, high)
                if not excepted(reading, m.start(), m.end())
            ),
            None,
        )
    stages = [m for m in _STAGE.finditer(view, low, high) if not excepted(reading, m.start(), m.end())]
    settings = [
        m for m in _SETTING.finditer(reading.lower, low, high) if not excepted(reading, m.start(), m.end())
    ]
    histologies = [
        m for m in _HISTOLOGY.finditer(reading.lower, low, high) if not excepted(reading, m.start(), m.end())
    ]
    anchor = min(
        [m.start() for m in (confirmation, cue) if m is not None]
        + [m.start() for m in stages + settings]
        + [high]
    )
    diseases: list[Mention] = []
    for mention in reading.mentions:
        start, end = mention.span.start, mention.span.end
        if not (low <= start < high) or mention.kind is not MentionKind.CONDITION:
            continue
        if excepted(reading, start, end) or claimed.overlaps(start, end) or not _is_disease(reading, mention):
            continue
        if _NOT_TARGET.search(reading.lower, max(low, start - 45), start) or _NOT_TARGET.match(
            reading.lower, start
        ):
            continue
        explicit = (confirmation is not None and confirmation.start() < start) or (
            cue is not None
            and cue.start() < start
            and start - cue.end() < (60 if "diagnos" in cue.group(0).lower() else 25)
        )
        near_setting = any(abs(m.end() - start) < 40 or abs(end - m.start()) < 30 for m in stages + settings)
        if diseases and _WHERE.fullmatch(reading.lower, diseases[-1].span.end, start):
            continue  # "rhabdoid tumor of the central nervous system": where, not another disease
        if is_negated(reading, start):
            continue  # "No symptomatic brain metastases ... or spinal metastases": not the disease
        cancer = _CANCER_WORD.search(mention.text) is not None and not _METASTASES_ALONE.fullmatch(
            mention.text
        )
        if (explicit and (inclusion or cancer or confirmation is not None)) or (
            inclusion and (near_setting or cancer)
        ):
            diseases.append(mention)
    if not diseases and not (inclusion and (stages or (settings and confirmation))):
        return None
    names = list(dict.fromkeys(" ".join(m.text.split()) for m in diseases))
    concepts = tuple(dict.fromkeys(m.concept for m in diseases))
    stage_text = ", ".join(
        " ".join(reading.text[m.start() : m.end()].split())
        if m.group("named")
        else " ".join(m.group("stage").split())
        for m in stages
    )
    setting_text = " or ".join(dict.fromkeys(" ".join(m.group(0).lower().split()) for m in settings))
    histology_text = " ".join(dict.fromkeys(" ".join(m.group(0).lower().split()) for m in histologies))
    spans = [(m.span.start, m.span.end) for m in diseases]
    spans += [m.span() for m in stages + settings + histologies]
    if confirmation is not None:
        spans.append(confirmation.span())
    start = min(s for s, _ in spans) if spans else anchor
    for mention in diseases:
        claimed.add(mention.span.start, mention.span.end)
    return DiagnosisRule(
        expect=expected(reading, start),
        span=covering(*spans) if spans else covering((low, high)),
        parts=parts_for(reading, [(m.span.start, m.span.end) for m in diseases]),
        exceptions=exceptions_for(reading, start),
        condition=" or ".join(names) if names else TARGET_DISEASE,
        concepts=concepts,
        histology=histology_text or None,
        stage=stage_text or None,
        confirmation=_confirmation(confirmation.group("how")) if confirmation else None,
        setting=setting_text or None,
    )


READERS = (read_diagnosis,)
