"""A built sentence read against the criterion's own words: what the rewriting is known to drop,
add or invert, which costs the sentence (the registry's words are shown instead, marked).

`sound` looks at the sentence alone; `faithful` needs the words it was built from, because the
slips it catches are slips of meaning: a time window dropped ("chemotherapy within 6 weeks" said
as any chemotherapy ever), an "or" alternative dropped, a requirement said as a bar, a legacy
"Allowed:" label put on a requirement, a word the criterion never says.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

#: A duration in the criterion: a window ("within 6 weeks") or a span ("at least 3 months").
_DURATION = re.compile(
    r"\b(\d+(?:\.\d+)?)\s*-?\s*(?:days?|weeks?|wks?|months?|mos?|years?|yrs?|hours?|hrs?)\b", _I
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")

#: A legacy label: "Allowed:", "Not allowed within 4 weeks:".
_LABEL = re.compile(r"^(?P<label>(?:Not\s+)?Allowed)(?P<q>[^:]*):\s*(?P<item>.*)$", _I | re.S)
#: Words that make an item a requirement or advice, not a therapy or condition a label can stand on.
_NOT_A_NAME = re.compile(
    r"\b(?:must|should|shall|required?|requires|recommended|discouraged|encouraged|completion|completed"
    r"|confirmed|confirmation|documented|test|tests|result|results|level|levels|count|value|values|is|are"
    r"|be|been|was|were|has|have|will|allowed|permitted|prohibited|unless|except|provided|if)\b"
    r"|[<>=≤≥%]",
    _I,
)

#: A requirement a patient fulfils, said after "You cannot join if you": inverted.
_REQUIREMENT_AS_BAR = re.compile(
    r"\bYou cannot join if you (?:have )?(?:(?:already|previously)\s+)?"
    r"(?:(?:provided?|give|given|gave|sign|signed|consent|agree|agreed|understand|comply|complete)\b"
    r"|are\s+(?:likely|able|willing|available|capable|expected)\b|can\s+(?!not\b)|will\s+(?!not\b))",
    _I,
)

#: "also eligible", "are eligible": an allowance.
_ELIGIBLE = re.compile(r"\b(?:also|are|is|remain|be)\s+eligible\b", _I)

#: A label paired with a span of time: "hormone receptor status: at least 3 months".
_LABEL_DURATION = re.compile(
    r"(?P<label>[A-Za-z][\w -]{2,40}?)(?::| is| are)\s+"
    r"(?:at least|at most|more than|less than|over|under)\s+\d+(?:\.\d+)?\s*"
    r"(?:days?|weeks?|months?|years?)\b",
    _I,
)
#: What every match of `_LABEL_DURATION` holds: a sentence without it has no such pair (cheap test first).
_LABEL_DURATION_GATE = re.compile(r"(?:at least|at most|more than|less than|over|under)\s+\d", _I)
_DURATION_LABEL = re.compile(
    r"\b(?:life expectancy|survival|duration|age|time|interval|period|since|follow-up|history)\b", _I
)

#: A word the rewriting adds by rule: what the criterion's word means, not a new bar.
_ADDED_BY_RULE = {
    "cancer": r"cancer|carcinoma|tumou?r|malignan|neoplas|metasta|lymphoma|leuka?emia|sarcoma|myeloma"
    r"|melanoma|glioma|blastoma|oma\b|disease|\b(?:n?sclc|hcc|crc|rcc|aml|all|cll|cml|mds|nhl|gbm|scchn|hnscc|gist|tnbc)\b",
    "spread": r"metasta|spread|dissemin",
    "spinal": r"spinal|cns|central nervous|leptomening|cord",
    "cord": r"cord|spinal|cns|central nervous|leptomening",
}

#: Run-ons the splitter left: a lab after a limit with no "and", a new line.
_RUN_ON = re.compile(
    r"\bULN\s+(?:[A-Z]{2,}|serum|total)\b|\n|\bThe trial requires:\s+[^,.;]+\s[A-Z][a-z]+\s[a-z]"
    # a new item after the last one's value or word: "... 100,000/mm3 Thrombocytopenia must have ..."
    r"|(?:\b[a-z][a-z-]*|\d[\w/³²]*)\s+[A-Z][a-z]{3,}(?:\s+\([^()]*\))?\s+"
    r"(?:must|should|shall|is|are|has|have|will)\b"
    # an item run on after an acronym ("to Cremaphor EL No other ..."), a name in brackets before
    # its acronym ("infection (White Blood Cell Count) WBC ...")
    r"|\b(?:[A-Z]{2,}|\d+)\s+No\s+(?:other|prior|known|concurrent|active|history)\b"
    r"|\([A-Z][a-z]+(?:\s+[A-Z][a-z]+)+\)\s+[A-Z]{2,}\b"
    # a second limit after a capital "OR"/"AND" with no verb: "is at most 1.5 mg/dL OR creatinine
    # clearance at least 60 mL/min"
    r"|\s(?:OR|AND)\s+(?:(?!(?:is|are|am)\b)[\w()/-]+\s+){1,6}?(?:at least|at most|more than|less than)\b"
    # a new item after a closing bracket: "... (required only if ... are elevated) Simultaneous ..."
    r"|[a-z]\)\s+(?!(?:I|My|You)\b)[A-Z][a-z]{3,}\s+[a-z]"
)

#: A phrase said as had or as being that is not one: a gerund, a test result, a dependence received.
_BAD_FRAME = re.compile(
    r"\b(?:I|you)\s+(?:do\s+not\s+)?have\s+(?!(?:bleeding|swelling|wheezing|ongoing|hearing|something|nothing)\b)"
    r"[a-z]+ing\b"
    r"|\b(?:I|you)\s+(?:do\s+not\s+)?have\s+[^.;,]{0,60}?\b(?:negative|positive|normal)\s*(?:[.;,]|$)"
    r"|\b(?:receiving|taking)\s+[^.,;]*?\b(?:dependence|abuse|addiction|disorder)\b"
    r"|\b(?:unwillingness|inability|refusal)\s+to\b"
    r"|(?<!including )(?<!except )\bthose\s+(?:who|with)\b"
    # the registry's demand left inside a sentence of having: "I have co-enrollment on X is required"
    r"|^(?:I|you)\s+(?:have|am|are)\b[^.]*\b(?:is|are)\s+(?:required|needed|necessary|mandatory)\b"
    # advice is no requirement and no bar: "I am receiving concurrent hormonal therapy discouraged"
    r"|\b(?:discouraged|recommended|encouraged|preferred|suggested)\b",
    _I,
)


def _numbers(text: str) -> set[str]:
    return {n.rstrip("0").rstrip(".") if "." in n else n for n in _NUMBER.findall(text)}


def _label_fits(sentence: str, text: str, topic: str | None) -> bool:
    """A legacy label stands only on a plain therapy, drug or condition name, and only with a
    window that the item does not contradict and that its heading really gives."""
    label = _LABEL.match(sentence)
    if label is None:
        return True
    item = label.group("item")
    if _NOT_A_NAME.search(item) or _NOT_A_NAME.search(text):
        return False
    window = label.group("q").strip()
    if not window:
        return True
    own = _DURATION.search(text) is not None
    return not own and topic is not None and _numbers(window) <= _numbers(topic)


def _words_kept(sentence: str, text: str) -> bool:
    """Every number and duration of the criterion is in the sentence, and every word of the
    sentence that the rule words do not add is in the criterion."""
    said = _numbers(sentence)
    if not _numbers(" ".join(m.group(0) for m in _DURATION.finditer(text))) <= said:
        return False
    low = text.lower()
    for word, means in _ADDED_BY_RULE.items():
        if re.search(rf"\b{word}\b", sentence, _I) and not re.search(means, low):
            return False
    # a noun's complement the rewriting dropped: "resection of brain metastases" -> "had surgical resection."
    for complement in re.finditer(r"\b([a-z]{5,}(?:ion|ment|ery|ectomy|opsy))\s+of\b", low):
        noun = complement.group(1)
        kept = re.search(rf"\b{noun}\s+(?:of|to|\()", sentence, _I)
        if re.search(rf"\b{noun}\b", sentence, _I) and not kept:
            return False
    # an "or" alternative dropped: "creatinine ... OR creatinine clearance ..."
    alternative = re.search(r"\bor\b[^.;]{0,40}?(?:[<>≤≥=]|\d)", low.replace("and/or", ""))
    return alternative is None or re.search(r"\bor\b", sentence, _I) is not None


_LABS = "AST|ALT|SGOT|SGPT|bilirubin|creatinine|ALP|alkaline phosphatase"
#: Two labs joined by "and" ("AST and ALT > 2 times normal"): an exclusion of both, not of either.
_LABS_AND = re.compile(
    rf"\b(?:{_LABS})\b[^.;,]{{0,25}}?\band\b\s*(?:{_LABS})\b",
    _I,
)
#: A procedure or treatment and what it was for ("No prior surgical resection for brain
#: metastases"): one bar, whose object is no bar of its own.
_DONE_FOR = re.compile(
    r"\b(?:resection|surgery|radiotherapy|radiation|irradiation|radiosurgery|treatment|therapy)"
    r"\s+(?:for|of|to)\b",
    _I,
)
_TWO_BARS = re.compile(r"\band (?:I|you) (?:have not had|do not have|have had|have)\b", _I)
#: How an exclusion is said: a sentence for one with none of these has lost its polarity.
_EXCLUDING = re.compile(r"\b(?:cannot|not|no|never|without|free of|allowed|eligible|can still)\b|n't\b", _I)


def _context_kept(sentence: str, text: str, topic: str | None, parent: str | None, excluding: bool) -> bool:
    """What the criterion takes from around it is kept: the window its heading gives ("Excluded
    within 6 weeks: ... Immunomodulators"), an exclusion's polarity, an alternative that runs on
    to the next item ("Creatinine no greater than 1.5 times normal OR"), "and" between labs."""
    if parent and parent.rstrip().endswith(":"):
        window = _numbers(" ".join(m.group(0) for m in _DURATION.finditer(parent)))
        if window and not window <= _numbers(sentence):
            return False
    # "Prior Medication:" headings of the legacy layout give their windows in sub-headings
    # ("Excluded within 6 weeks of study entry:"); without one, "you have had" bars any past use
    if (
        topic
        and re.search(r"\bprior\s+(?:medications?|treatments?|therap(?:y|ies))\b", topic, _I)
        and not _DURATION.search(topic + " " + text + " " + sentence)
        and re.search(r"\bhave had\b", sentence)
    ):
        return False
    if excluding and not _EXCLUDING.search(sentence):
        return False
    if re.search(r"(?:^\s*or\b|\bor\s*[.;:]?\s*$)", text, _I):
        return False
    if (
        excluding
        and _LABS_AND.search(text)
        and re.search(r"\bor\b", sentence)
        and not re.search(r"\bor\b", text, _I)
    ):
        return False
    if _DONE_FOR.search(text) and _TWO_BARS.search(sentence) and not re.search(r"\band\b", text, _I):
        return False
    # the registry's allowance left inside a sentence of having: "I have X ... also eligible"
    return not (
        re.match(r"(?:I|My|You)\b", sentence) and _ELIGIBLE.search(sentence) and "join" not in sentence
    )


def faithful(
    sentence: str,
    text: str,
    topic: str | None = None,
    *,
    parent: str | None = None,
    excluding: bool = False,
    own: bool = True,
) -> bool:
    """Whether a built sentence (explanations stripped) keeps the meaning of ``text``, the
    criterion's own words (``topic``: the heading it sits under, where one gives a label;
    ``parent``: the words of the criterion it sits under; ``excluding``: it is an exclusion;
    ``own``: it is a requirement in its own right, not an exception or a condition of one, whose
    sentence is framed by its parent's)."""
    if not _label_fits(sentence, text, topic):
        return False
    if own and not _context_kept(sentence, text, topic, parent, excluding):
        return False
    if _REQUIREMENT_AS_BAR.search(sentence) or _BAD_FRAME.search(sentence) or _RUN_ON.search(sentence):
        return False
    allowing = re.search(r"\b(?:can still join|eligible|allowed|can join)\b", sentence, _I)
    if _ELIGIBLE.search(text) and not allowing:
        return False
    if _LABEL_DURATION_GATE.search(sentence):
        for match in _LABEL_DURATION.finditer(sentence):
            if not _DURATION_LABEL.search(match.group("label")):
                return False
    return _words_kept(sentence, text)
