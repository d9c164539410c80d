"""The last look at a built sentence: slips a patient would notice, which cost the sentence.

`sound(sentence)` is False for a sentence with a known slip of the rewriting (two finite verbs
run together, "you are" before a disease, a "negative" left after "I have", brackets run
together, a frame around a frame). Such a criterion gets no sentence of ours: the registry's
own words are shown instead, which is better than a garbled or inverted sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_I = re.IGNORECASE

_SLIPS = re.compile(
    # two finite verbs run together: "My cancer is has", "you have had previously been", "I am is"
    r"\b(?:is|are|am|was|were)\s+(?:has|have|had|is|are|am|was|were)\b"
    r"|\b(?:have|has)\s+had\s+(?:(?:previously|already|ever|recently|also|only|not)\s+)*(?:been|received|undergone|had)\b"
    r"|\b(?:have|has|do|does|am|are|is)\s+(?:have|has|do|does)\s+(?!not\b|to\b)"
    r"|\b(I|you)\s+(?:do\s+not\s+)?(?:have|am|are)\s+(?:\w+\s+)?(?:\([^()]*\)\s+)?(?:negative|positive|seronegative|seropositive)\b"
    r"(?!\s+(?:for|test|result))"
    # brackets run together, a frame inside a frame, a label left at the end
    r"|\)\(|\bYou cannot join if:|\bThe trial requires:\s*(?:you|I)\b|\byou cannot join if you cannot join\b"
    r"|\bI am (?:patients|subjects|participants)\b"
    r"|\b(?:if|and)\s+(?:I|you)\s+(?:am|are)\s+(?:no|not\s+no)\b"
    # a noun of the registry's said as had ("I have failure of X"), a verb left inside a being
    r"|\b(?:I|you)\s+(?:do\s+not\s+)?have\s+(?:failure|progression|relapse|recurrence)\s+(?:of|on|after|during)\b"
    r"|\b(?:I am|you are)\s+(?:a|an)\s[^,.;:]*?\s(?:must|should|shall|need\s+to)\s"
    # a "prior or current" read as had and not mended: "you have had or current malignancy"
    r"|\bhave\s+(?:not\s+)?had\s+or\s+(?:current|concurrent|ongoing|present)\b"
    # a capacity or a plural group said as had or as being: "I have ability to", "I am carriers"
    r"|\b(?:I|you)\s+(?:do\s+not\s+)?have\s+(?:the\s+)?(?:ability|capacity|willingness)\s+to\b"
    r"|\b(?:I am|you are)\s+(?:[\w-]+\s+){0,2}?(?:carriers|preschoolers|adults|children|adolescents"
    r"|infants|women|men|individuals|volunteers|persons|smokers|people|subjects|participants|controls|donors|recipients)\b"
    # the third person left in a first- or second-person sentence
    r"|\b(?:their|the\s+patient|the\s+subject|patients?\s+(?:must|should|will|from|who|with|that|are|is))\b"
    r"|\b(?:have|has)\s+[^,.;]*?\b(?:abnormality|disease|condition|disorder|cancer|infection|history|deficiency)\s+who\b"
    # a plan or a receipt said as a being ("you are planned receipt of"), a list label kept
    r"|\b(?:am|are)\s+(?:[\w-]+\s+)?(?:receipt|administration|intake)\s+of\b|\binclude[sd]?:"
    r"|:\s*(?:not\s+specified|unspecified|not\s+applicable)\.?$"
    # a sentence ending on a preposition or an article: "as defined by."
    r"|\b(?:by|of|to|with|for|the|a|an|following)\.$"
    # a symbol half translated, a label or heading kept, a connective left at the end
    r"|(?:more|less)\s+than\s*/?\s*=|\b(?:at least|at most)\s*/|/=",
    _I,
)
#: Case-sensitive slips: words the splitter left together ("... carcinoma Evaluable or ...",
#: "... disorder Not pregnant"), a heading in capitals said as had ("I have DONOR: ..."), Title
#: Case kept ("A Recent History Of, Or Current"), a connective or bracket left at the end.
_CASED = re.compile(
    r"(?:\b[a-z][\w-]*|\))\s+(?:No|Not|Negative|Positive|Evaluable|Measurable|Radiographic|Radiologic|Prior|Patients?"
    r"|Must|May|Adequate|Fertile|Effective|Recovered|Concurrent|Willing|Able|Signed|Written|History|Known"
    r"|Age|Performance|Hematopoietic|Hepatic|Renal|Cardiovascular|Pulmonary|Other|At\s+least|More\s+than)\b"
    r"(?![-'])"
    r"|\b(?:have|has|am|are)\s+(?:[A-Z]{3,}:|[A-Z]{4,}\s+[A-Z]{4,}\b)"
    r"|\b[A-Z][a-z]+,?\s+(?:Of|Or|And|With|For|To|In|On|The)\b,?\s+[A-Z]"
    r"|\b(?:OR|AND)\.$|\.\]\.$",
)


_ORDINARY = (
    "Relapsed|Refractory|Recurrent|Metastatic|Advanced|Active|Measurable|Evaluable|Histologically"
    "|Cytologically|Pathologically|Confirmed|Documented|Newly|Untreated|Previously|Locally|Chronic|Acute"
    "|Severe|Stable|Seminoma|Nonseminoma"
)


def _taking(what: str) -> str:
    """A drug is taken; a therapy or treatment is received."""
    return "receiving" if re.search(r"therap|treatment|radio", what) else "taking"


#: Repairs of slips with one right wording: a therapy is taken or had, not "had" as a condition,
#: and a singular count noun takes its article.
_MENDS: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    # an infection said as had: "I have HIV-infected"
    (re.compile(r"\b(I|you) have ([A-Z][\w]*)-infected\b"), r"\1 have \2"),
    # a therapy is received, not taken: "I am not taking radiotherapy"
    (
        re.compile(
            r"\b(am|are)( not)? taking ((?:[\w-]+ ){0,2}?(?:radiotherapy|radiation|chemotherapy|therapy))\b"
        ),
        r"\1\2 receiving \3",
    ),
    # an ordinary word kept capitalised after the frame: "I have Relapsed disease"
    (
        re.compile(r"\b((?:I|you) (?:do not )?have (?:had )?)(" + _ORDINARY + r")\b"),
        lambda m: m.group(1) + m.group(2).lower(),
    ),
    # a plural count said with "is": "My platelets is at most ..."
    (
        re.compile(
            r"\b(My (?:platelets|neutrophils|lymphocytes|leukocytes|triglycerides|transaminases)"
            r"(?: \([^()]*\))?) is\b"
        ),
        r"\1 are",
    ),
    # "prior or concurrent X" read as had: "you have had or concurrent malignancy"
    (
        re.compile(r"\b(I|you) have had or (?:current|concurrent) (?=[\w-]+(?: [\w-]+){0,3}(?:\s*[,.(]|$))"),
        r"\1 have had or now have ",
    ),
    (
        re.compile(
            r"\b(I|you) have not had or (?:current|concurrent) (?=[\w-]+(?: [\w-]+){0,3}(?:\s*[,.(]|$))"
        ),
        r"\1 have not had and do not now have ",
    ),
    (
        re.compile(
            r"\b(I|you) do not have ((?:any |other |any other )?(?:concurrent|current|ongoing)"
            r" (?:[\w-]+ ){0,3}?"
            r"(?:drugs?|medications?|medicines?|therapy|therapies|treatments?|agents?|chemotherapy|radiotherapy"
            r"|steroids|corticosteroids|glucocorticoids|antibiotics|anticoagulants)\b)"
        ),
        lambda m: (
            f"{m.group(1)} {'am' if m.group(1) == 'I' else 'are'} not {_taking(m.group(2))} {m.group(2)}"
        ),
    ),
    (
        re.compile(
            r"\b(I|you) do not have ((?:any |other |any other )?prior (?:[\w-]+ ){0,3}?"
            r"(?:drugs?|medications?|therapy|therapies|treatments?|agents?|chemotherapy|radiotherapy|surgery)\b)"
        ),
        r"\1 have not had \2",
    ),
    (
        re.compile(
            r"\b((?:I|you) (?:do not )?have(?: had)?) ((?:(?:known|current|lifetime|documented|confirmed"
            r"|prior|previous|clinical|psychiatric|seizure|medical|major)\s+)?(?:allergy|diagnosis|condition|hysterectomy|mastectomy"
            r"|splenectomy|contraindication|disorder|cerebrovascular accident|stroke|score)\b)"
        ),
        lambda m: f"{m.group(1)} {'an' if m.group(2)[0] in 'aeiou' else 'a'} {m.group(2)}",
    ),
]
_GLOSS = re.compile(r"\s\(([\w-]+): [^()]*\)")
_GLOSS_INSIDE = re.compile(
    r"\b(beyond|of|to|in|into|with|from|at|for|on|the|a|an|and|or|than|by|without|within)"
    r"\s\([\w-]+: [^()]*\)(?=\s)",
    _I,
)
#: "you are" / "I am" before a noun phrase that names a disease ("you are clinically significant
#: lung disease"): a being is said where a having is meant.
_BE_DISEASE = re.compile(
    r"\b(?:I am|you are)\s+(?!not\b|a\b|an\b|at\b|on\b|in\b|able\b|unable\b|willing\b|receiving\b|taking\b"
    r"|using\b|known\s+to\b|diagnosed\b|treated\b|free\b|allergic\b|being\b|undergoing\b|eligible\b|likely\b)"
    r"(?:(?:clinically|medically|currently|newly|significantly|highly)\s+)?"
    r"(?:(?!(?:from|of|with|to|for|due|by|after|on|in|at|because|without|free)\b)[\w-]+,?\s+){0,6}?"
    r"(?:disease|diseases|disorder|disorders|infection|infections|metastases|metastasis|cancer|tumou?r|failure"
    r"|insufficiency|syndrome|hypertension|diabetes|angina)\b",
    _I,
)


_THEIR = re.compile(r"(?<!\band )\btheir\b")
#: Someone else the sentence speaks of, whose "their" is theirs, not the patient's: "Females on
#: HRT ... if they wish to continue their HRT", "people with Carney complex ... their tumour".
_OTHERS = re.compile(
    r"\b(?:they|them|people|patients|subjects|participants|females|males|women|men|those|children"
    r"|partners?|parents?|caregivers?)\b",
    re.IGNORECASE,
)
#: A bracket run into the word before or after it: "hypertension(systolic ...)", ")WBC".
_TIGHT = (re.compile(r"(?<=[a-z]{3})\((?=[A-Za-z]{2})"), re.compile(r"\)(?=[A-Za-z]{2})"))


def mend(sentence: str) -> str:
    """The sentence with the slips that have one right wording put right ("I do not have
    concurrent steroids" -> "I am not taking concurrent steroids", "you have allergy to" ->
    "you have an allergy to")."""
    before = sentence
    # the registry's "their" in a sentence of the patient's own: "on their smartphone" -> "on my"
    if _OTHERS.search(sentence):
        pass
    elif re.match(r"(?:I|My)\b", sentence):
        sentence = _THEIR.sub("my", sentence)
    elif re.match(r"You cannot join if you\b", sentence) and " I " not in sentence:
        sentence = _THEIR.sub("your", sentence)
    for pattern, words in _MENDS:
        sentence = pattern.sub(words, sentence)
    sentence = _TIGHT[1].sub(") ", _TIGHT[0].sub(" (", sentence))
    if sentence.endswith("].") and sentence.count("]") > sentence.count("["):
        sentence = sentence[:-2].rstrip(" .") + "."
    # a gloss put inside a phrase, after a word that cannot end one ("disease beyond (metastatic:
    # spread ...) the axilla"): the phrase is kept whole and the gloss dropped
    sentence = _GLOSS_INSIDE.sub(r"\1", sentence)
    # a gloss ("(concurrent: at the same time)") whose word a mend took away goes with it
    for gloss in _GLOSS.finditer(sentence):
        word = re.compile(rf"\b{re.escape(gloss.group(1))}\b", _I)
        if word.search(_GLOSS.sub("", before)) and not word.search(_GLOSS.sub("", sentence)):
            sentence = sentence.replace(gloss.group(0), "", 1)
    return sentence


def sound(sentence: str) -> bool:
    """Whether a built sentence is free of the slips the rewriting is known to make."""
    if sentence.count("[") != sentence.count("]") or sentence.count("(") != sentence.count(")"):
        return False  # a bracket opened and never closed (or the reverse): the words were cut
    return not (_SLIPS.search(sentence) or _BE_DISEASE.search(sentence) or _CASED.search(sentence))
