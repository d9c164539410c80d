"""The frames a criterion's words start with: "History of X", "Known X", "Prior X", "Use of X",
"Inability to X", "Pregnant or breastfeeding", "Women of childbearing potential must X", "Age ...",
"Life expectancy ...", "ECOG 0-1", "Bilirubin no greater than ...", "At least 4 weeks since X",
"Signed informed consent", "Histologically confirmed X".

`NOUN_FRAMES` is the ordered list of (pattern, handler); a handler returns the `Clause` or None
when the frame does not fit after all. The words after the frame are kept as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from trialscout.eligibility.model import CriterionKind
from trialscout.eligibility.plain.numbers import karnofsky_sentence, performance_sentence, score_bound
from trialscout.eligibility.plain.predicates import PAST, is_noun_phrase
from trialscout.eligibility.plain.text import lower_first
from trialscout.eligibility.plain.voice import PERSON, Aux, Clause, Voice

_I = re.IGNORECASE

# --- noun phrases and other frames that start a criterion ---------------------------------------

_HISTORY = re.compile(
    r"^(?P<words>(?:(?:a|an|any|known|prior|past|previous|personal|family|documented|medical|clinical|significant"
    r"|recent|positive|confirmed|remote)\s+)*history)\s+(?P<rest>(?:of|or\s+presence\s+of|or\s+current|or\s+evidence\s+of)\b.*)$",
    _I,
)
_KNOWN = re.compile(
    r"^(?P<words>known|known\s+or\s+suspected|suspected|suspected\s+or\s+known|known\s+or\s+presumed)\s+(?P<rest>.+)$",
    _I,
)
_PRESENCE = re.compile(r"^(?:(?:the|any)\s+)?(?:presence|existence|occurrence)\s+of\s+(?P<rest>.+)$", _I)
_EVIDENCE = re.compile(
    r"^(?P<words>(?:(?:a|any|clinical|radiographic|radiological|documented|current|confirmed|prior|established"
    r"|objective|laboratory|histological|pathological|serological|clear)\s+)*"
    r"(?:evidence|signs?|symptoms?|diagnosis|documentation|findings?))\s+(?P<rest>(?:of|or\s+symptoms\s+of)\b.+)$",
    _I,
)
_DIAGNOSED = re.compile(r"^(?:(?:newly|previously|recently)\s+)?diagnosed\s+(?:with|as\s+having)\s+.+$", _I)
_PRIOR = re.compile(
    r"^(?:(?:any|a)\s+)?(?P<when>prior|previous|past|recent|earlier)\s+(?!to\b)(?P<rest>.+)$", _I
)
_TREATMENT_WITH = re.compile(
    r"^(?P<what>treatment|therapy|therapies|treatments)\s+(?P<how>targeting|directed\s+(?:against|at)|against)\s+(?P<rest>.+)$",
    _I,
)
_USE = re.compile(
    r"^(?:(?P<current>current|concurrent|concomitant|ongoing|on-going|regular|chronic|daily|active)\s+(?:or\s+\w+\s+)?)?"
    r"(?:use|usage|intake|consumption|administration)\s+of\s+(?P<rest>.+)$",
    _I,
)
_RECEIPT = re.compile(
    r"^(?:(?P<current>current|concurrent|concomitant|ongoing)\s+)?(?:treatment|therapy|receipt|administration)"
    r"\s+(?P<prep>with|of|by|using)\s+(?P<rest>.+)$",
    _I,
)
_EXPOSURE = re.compile(r"^(?:any\s+)?(?:prior\s+|previous\s+)?exposure\s+to\s+(?P<rest>.+)$", _I)
_PARTICIPATION = re.compile(
    r"^(?:(?P<current>current|concurrent|concomitant|simultaneous|ongoing)\s+)?(?:participation|enrol?lment|involvement)"
    r"\s+in\s+(?P<rest>.+)$",
    _I,
)
_ABILITY = re.compile(
    r"^(?P<what>inability|unable|unwillingness|unwilling|refusal|ability|able|willingness|willing|capable|incapable"
    r"|capacity|failure)(?P<more>(?:\s+(?:and|or|and/or)\s+(?:inability|unable|unwillingness|unwilling|ability|able"
    r"|willingness|willing|capable))*)\s+(?P<prep>to|of)\s+(?P<rest>.+)$",
    _I,
)
_ABILITY_WORDS = {
    "inability": "unable",
    "unable": "unable",
    "unwillingness": "unwilling",
    "unwilling": "unwilling",
    "refusal": "unwilling",
    "ability": "able",
    "able": "able",
    "willingness": "willing",
    "willing": "willing",
    "capable": "capable",
    "incapable": "incapable",
    "capacity": "able",
}
_PREGNANT = (
    r"(?:pregnan(?:t|cy)|breast[\s-]?feeding|breastfeeding|lactating|lactation|nursing|(?:planning|intending|wishing)"
    r"\s+to\s+(?:become\s+pregnant|breast[\s-]?feed|conceive)[^,;]*?)"
)
PREGNANCY = re.compile(
    rf"^(?:(?:women|females?|female\s+(?:patients|subjects|participants)|patients|participants|subjects)\s+(?:who\s+are|that\s+are)\s+)?"
    rf"(?P<states>{_PREGNANT}(?:\s*(?:,|or|and|and/or|/)\s*(?:(?:currently|are|who\s+are)\s+)?{_PREGNANT})*)"
    r"(?:\s+(?:women|females|patients|participants|subjects|mothers|female\s+(?:patients|subjects|participants)))?"
    r"(?P<rest>(?:\s*[,(]|\s+(?:or|during|within|at|and|while|before|in|until|for|who)\b).*|)$",
    _I,
)
_PREGNANCY_WORDS = [
    (re.compile(r"\bpregnancy\b", _I), "pregnant"),
    (re.compile(r"\b(?:breast[\s-]feeding|lactation|lactating|nursing)\b", _I), "breastfeeding"),
]
GROUP = re.compile(
    r"^(?P<group>women|females|female\s+(?:patients|subjects|participants)|men|males|male\s+(?:patients|subjects"
    r"|participants)|fertile\s+(?:patients|women|men|subjects|participants|females|males)|sexually\s+active\s+"
    r"(?:women|men|patients|subjects|participants|males|females)|patients|subjects|participants)\s+"
    r"(?P<qualifier>(?:(?:who\s+are|that\s+are)\s+)?(?:of\s+(?:child[\s-]?bearing|reproductive)\s+potential"
    r"|with\s+(?:child[\s-]?bearing|reproductive)\s+potential|able\s+to\s+(?:become\s+pregnant|father\s+(?:a\s+)?child(?:ren)?)"
    r"|capable\s+of\s+(?:becoming\s+pregnant|reproduction)|sexually\s+active(?:\s+with\s+[^,]+?)?)(?:\s+\([^)]{0,80}\))?"
    r"(?:\s+(?:who|that)\s+(?:are|is|have)\s+(?:not\s+)?(?:sexually\s+active|using|willing|able|heterosexually)[^,;]*?)?)"
    r"\s*,?\s*(?P<link>must|should|will|need\s+to|have\s+to|agree\s+to|are\s+required\s+to|who)\s+(?P<rest>.+)$",
    _I,
)
_GROUP_SINGULAR = {
    "women": "a woman",
    "females": "a woman",
    "men": "a man",
    "males": "a man",
    "patients": "a patient",
    "subjects": "a patient",
    "participants": "a participant",
}
_SEX = re.compile(
    r"^(?P<sex>(?:male|female|men|women|males|females|man|woman|boys|girls)(?:\s*(?:or|and|and/or|&|/)\s*"
    r"(?:male|female|men|women|males|females|boys|girls))?)(?:\s+(?:patients|subjects|participants|volunteers|adults"
    r"|children|individuals|persons|people))?(?P<rest>(?:\s*,|\s+(?:aged|age|over|between|from|of|at|older|younger"
    r"|with|who|\d)).*|)$",
    _I,
)
_SEX_WORDS = {
    "men": "a man",
    "women": "a woman",
    "man": "a man",
    "woman": "a woman",
    "males": "male",
    "females": "female",
    "boys": "a boy",
    "girls": "a girl",
}
_HEALTHY = re.compile(
    r"^healthy\s+(?P<what>(?:(?:male|female|adult|normal|elderly|young|older)\s+(?:and\s+female\s+|or\s+female\s+)?)*"
    r"(?:volunteers?|subjects?|adults?|participants?|individuals?|men|women|males|females|people|persons?|children))"
    r"(?P<rest>.*)$",
    _I,
)
_AGE = re.compile(
    r"^(?P<word>age|aged)\b\s*(?:of\s+|:\s*|is\s+|=\s*|must\s+be\s+|between\s+(?=\d))?(?P<rest>.+)$", _I
)
_YEARS = re.compile(
    r"^(?:over\s+|under\s+|at\s+least\s+|older\s+than\s+|younger\s+than\s+|between\s+|more\s+than\s+|less\s+than\s+)?"
    r"\d+(?:\s*(?:-|to|and)\s*\d+)?\s*(?:(?:years?|yrs?)(?:\s+(?:of\s+age|old))?|(?:months?|weeks?)\s+(?:of\s+age|old))?"
    r"(?:\s+(?:or|and)\s+(?:older|over|above|younger|under|below|up|greater))?(?:\s+(?:of\s+age|old|inclusive))?"
    r"(?=\s*(?:$|[,;(]|at\s|on\s|who\s|with\s))(?P<rest>.*)$",
    _I,
)
_LIFE = re.compile(
    r"^(?:(?:a|an|estimated|anticipated|expected|predicted)\s+)*life\s+expectancy\s*(?:of|:|is|must\s+be|should\s+be|=)?\s*(?P<rest>.+)$",
    _I,
)
_PERFORMANCE = re.compile(
    r"^(?:(?:an?\s+)?(?P<scale>ecog|who|zubrod|eastern\s+cooperative\s+oncology\s+group|karnofsky|lansky|kps)\b\s*"
    r"(?:\((?:ecog|who|kps)\)\s*)?)?(?P<ps>performance\s+(?:status|score)|ps|score)?\s*(?:\((?:ps|ecog|who|kps)\)\s*)?"
    r"(?:(?:\s*of|:|=|is|score|scale|status|must\s+be)\s*)*(?P<range>.+)$",
    _I,
)
_ANALYTE = (
    r"(?:(?:serum|plasma|total|direct|conjugated|fasting|calculated|measured|estimated|absolute|corrected|whole\s+blood)\s+)*"
    r"(?:creatinine\s+clearance|creatinine|bilirubin|ast|alt|sgot|sgpt|ast\s*/\s*alt|sgot\s*/\s*sgpt|transaminases?"
    r"|alkaline\s+phosphatase|alk\s+phos|albumin|ha?emoglobin|hgb|hb|platelets?(?:\s+count)?|neutrophils?(?:\s+count)?"
    r"|anc|absolute\s+neutrophil\s+count|granulocytes?(?:\s+count)?|wbc|white\s+blood\s+(?:cell\s+)?count"
    r"|leukocytes?(?:\s+count)?|lymphocytes?(?:\s+count)?|cd4\+?(?:\s+(?:t[\s-]?)?cells?)?(?:\s+count)?|inr|ptt|aptt"
    r"|prothrombin\s+time|lvef|(?:left\s+ventricular\s+)?ejection\s+fraction|qtc[fb]?|qt\s+interval|fev1|dlco"
    r"|oxygen\s+saturation|hba1c|glucose|potassium|sodium|calcium|magnesium|phosph(?:ate|orus)|tsh|testosterone"
    r"|psa|ldh|lipase|amylase|bmi|body\s+mass\s+index|weight|(?:systolic\s+|diastolic\s+)?blood\s+pressure"
    r"|heart\s+rate|e?gfr|crcl|bun|uric\s+acid|ferritin|triglycerides|cholesterol|ldl|hdl|viral\s+load|hiv\s+rna"
    r"|hbv\s+dna|hcv\s+rna|granulocyte\s+count|hematocrit|haematocrit|reticulocytes?)"
    r"(?:\s+(?:level|levels|count|value|values|concentration))?"
)
_LAB = re.compile(
    rf"^(?P<subject>{_ANALYTE}(?:\s*(?:and|or|and/or|/|,)\s*{_ANALYTE})*)\s*(?:\([^()]{{0,40}}\)\s*)?(?::\s*|of\s+|must\s+be\s+|is\s+|=\s*)?"
    r"(?P<rest>(?:at\s+least|at\s+most|more\s+than|less\s+than|greater\s+than|lower\s+than|higher\s+than|no\s+greater\s+than"
    r"|no\s+more\s+than|not\s+more\s+than|no\s+less\s+than|not\s+less\s+than|not\s+greater\s+than|no\s+higher\s+than"
    r"|below|above|under|over|within|between|equal\s+to|up\s+to|normal|in\s+the\s+normal|wnl|\d|less|greater"
    r"|≥|≤|<|>)\b.*)$",
    _I,
)
_SINCE = re.compile(
    r"^(?P<q>at\s+least|more\s+than|less\s+than|fewer\s+than|over|under|a\s+minimum\s+of|minimum\s+of|greater\s+than"
    r"|no\s+more\s+than|no\s+less\s+than)\s+(?P<n>[\w.,-]+(?:\s*\(\d+\))?\s+(?:hours?|days?|weeks?|months?|years?))"
    r"\s+(?:must\s+have\s+(?:passed|elapsed)\s+)?(?:have\s+(?:passed|elapsed)\s+)?(?:since|from|after|following)\s+(?P<rest>.+)$",
    _I,
)
_RECOVERED = re.compile(r"\s*,?\s+and\s+(?:have\s+|has\s+)?(?:fully\s+)?recovered\b", _I)
_CONSENT = re.compile(
    r"^(?P<lead>(?:(?:provision\s+of|provide[sd]?|obtained|give|gives|given|personally|voluntarily|voluntary|signed"
    r"|written|dated|and|fully|an|a|the)\s+)*)(?:informed\s+consent|consent\s+form)\b(?P<rest>.*)$",
    _I,
)
_CONFIRMED = re.compile(
    r"^(?P<how>(?:(?:histologically|cytologically|pathologically|histopathologically|histologic|histological|cytological"
    r"|pathological|radiologically|radiographically|clinically|biochemically|genetically|molecularly|and|or|and/or|/|,)\s*)+)"
    r"\s*(?:confirmed|proven|proved|documented|verified|established|diagnosed)\s+(?!and\b|or\b|by\b)(?P<rest>.+)$",
    _I,
)
_HOW = [
    ("tissue or cells", re.compile(r"histolog\w*.*cytolog\w*|cytolog\w*.*histolog\w*", _I)),
    ("tissue", re.compile(r"histolog\w*|patholog\w*|histopatholog\w*", _I)),
    ("cells", re.compile(r"cytolog\w*", _I)),
]


def _history(match: re.Match[str]) -> Clause:
    words = lower_first(match.group("words"))
    if not words.startswith(("a ", "an ", "any ")):
        words = f"a {words}"
    return Clause(aux=Aux.HAVE, rest=f"{words} {match.group('rest')}")


def _known(match: re.Match[str]) -> Clause | None:
    rest = match.group("rest")
    if rest.lower().startswith("to "):
        return Clause(aux=Aux.BE, rest=f"{lower_first(match.group('words'))} {rest}")
    if rest.lower().startswith(("history", "allerg", "hypersensitivity", "intolerance")):
        return Clause(aux=Aux.HAVE, rest=f"a {lower_first(match.group('words'))} {rest}")
    return Clause(aux=Aux.BE, rest=f"{lower_first(match.group('words'))} to have {rest}")


def _prior(match: re.Match[str]) -> Clause | None:
    rest = match.group("rest")
    low = rest.lower()
    if low.startswith("history"):
        history = _HISTORY.match(rest)
        return _history(history) if history else None
    targeted = _TREATMENT_WITH.match(rest)
    if targeted is not None:
        return Clause(
            aux=Aux.PERFECT,
            rest=f"had a {targeted.group('what').lower().rstrip('s')} that targets {targeted.group('rest')}",
        )
    for pattern, verb in (
        (r"^(?:use|usage)\s+of\s+", "used "),
        (r"^exposure\s+to\s+", "been exposed to "),
        (r"^(?:participation|enrol?lment)\s+in\s+", "taken part in "),
        (r"^(?:receipt|administration)\s+of\s+", "received "),
    ):
        found = re.match(pattern, rest, _I)
        if found is not None:
            return Clause(aux=Aux.PERFECT, rest=verb + rest[found.end() :])
    if not is_noun_phrase(rest):
        return None
    return Clause(aux=Aux.PERFECT, rest=f"had {lower_first(rest)}")


def _use(match: re.Match[str]) -> Clause | None:
    rest = match.group("rest")
    if match.group("current"):
        return Clause(aux=Aux.BE, rest=f"currently using {rest}")
    if PAST.search(rest):
        return Clause(aux=Aux.PERFECT, rest=f"used {rest}")
    return Clause(aux=Aux.DO, rest=f"use {rest}")


def _receipt(match: re.Match[str]) -> Clause | None:
    rest = match.group("rest")
    words = lower_first(match.group(0))
    if match.group("current"):
        return Clause(aux=Aux.BE, rest=f"receiving {words[len(match.group('current')) + 1 :]}")
    if not PAST.search(rest):
        return None
    if words.startswith(("receipt", "administration")):
        return Clause(aux=Aux.PERFECT, rest=f"received {rest}")
    return Clause(aux=Aux.PERFECT, rest=f"had {words}")


def _participation(match: re.Match[str]) -> Clause:
    rest = match.group("rest")
    if not match.group("current") and PAST.search(rest):
        return Clause(aux=Aux.PERFECT, rest=f"taken part in {rest}")
    return Clause(aux=Aux.BE, rest=f"taking part in {rest}")


def _ability(match: re.Match[str]) -> Clause | None:
    words = [_ABILITY_WORDS.get(match.group("what").lower())]
    for extra in re.findall(r"(and|or|and/or)\s+(\w+)", match.group("more") or "", _I):
        words.append(extra[0].lower())
        words.append(_ABILITY_WORDS.get(extra[1].lower()))
    if None in words:
        if match.group("what").lower() == "failure":
            return None
        return None
    prep = match.group("prep").lower()
    if prep == "of" and words[0] not in {"capable", "incapable"}:
        return None
    return Clause(aux=Aux.BE, rest=" ".join(w for w in words if w) + f" {prep} {match.group('rest')}")


def pregnancy_clause(match: re.Match[str]) -> Clause:
    states = match.group("states")
    for pattern, word in _PREGNANCY_WORDS:
        states = pattern.sub(word, states)
    states = re.sub(r"\s*/\s*", " or ", states)
    rest = re.sub(
        r"\b(?:women|females|patients|participants|subjects)\s+(?:who\s+are\s+)?(?=planning|intending|wishing)",
        "",
        match.group("rest"),
        flags=_I,
    )
    return Clause(aux=Aux.BE, rest=f"{states}{rest}".strip())


def _performance(match: re.Match[str], kind: CriterionKind) -> Clause | None:
    if not (match.group("scale") or match.group("ps")):
        return None
    scale = (match.group("scale") or "ECOG").upper()
    if scale.startswith("EASTERN"):
        scale = "ECOG"
    if scale == "KPS":
        scale = "KARNOFSKY"
    bound = score_bound(match.group("range"))
    if bound is None:
        return None
    voice = Voice.FIRST if kind is CriterionKind.INCLUSION else Voice.SECOND
    if scale in {"KARNOFSKY", "LANSKY"} or (bound.low or 0) > 5 or (bound.high or 0) > 5:
        if scale not in {"KARNOFSKY", "LANSKY"}:
            scale = "KARNOFSKY"
        if bound.low is None or kind is CriterionKind.EXCLUSION:
            return None
        words = karnofsky_sentence(bound.low, voice, scale)
    elif kind is CriterionKind.EXCLUSION:
        words = performance_sentence(scale, bound, False, voice)
    else:
        words = performance_sentence(scale, bound, True, voice)
    return _personal_sentence(words, voice)


def _personal_sentence(sentence: str, voice: Voice) -> Clause | None:
    """A sentence from `numbers`, already in its voice, as a clause ("I am X" -> BE X)."""
    for start in ("I am ", "you are "):
        if sentence.startswith(start):
            return Clause(aux=Aux.BE, rest=sentence[len(start) :])
    for start in ("my ", "your "):
        if sentence.startswith(start):
            subject, _, rest = sentence[len(start) :].partition(" is ")
            return Clause(aux=Aux.POSSESSIVE, subject=subject, rest=rest) if rest else None
    del voice
    return None


def _lab(match: re.Match[str]) -> Clause:
    subject = match.group("subject")
    plural = bool(re.search(r"\band\b", subject, _I))
    return Clause(aux=Aux.POSSESSIVE, subject=lower_first(subject), rest=match.group("rest"), plural=plural)


def _since(match: re.Match[str], kind: CriterionKind) -> Clause:
    amount = match.group("n")
    verb = "has" if re.match(r"^(?:1|one|a)\b", amount, _I) else "have"
    rest = match.group("rest")
    if kind is CriterionKind.INCLUSION:
        rest = _RECOVERED.sub(f", and {PERSON} have recovered", rest)
    return Clause(aux=Aux.PLAIN, rest=f"{match.group('q').lower()} {amount} {verb} passed since {rest}")


def _consent(match: re.Match[str]) -> Clause | None:
    lead = match.group("lead") or ""
    if not lead.strip() and not match.group(0).lower().startswith(("informed consent", "consent form")):
        return None
    cleaned = re.sub(r"^(?:provision\s+of|provide[sd]?|obtained|give|gives|given)\s+", "", lead, flags=_I)
    words = f"{cleaned}{match.group(0)[len(lead) :]}"
    return Clause(aux=Aux.PERFECT, rest=f"given {lower_first(words)}")


def _confirmed(match: re.Match[str]) -> Clause | None:
    how = match.group("how")
    sample = next((name for name, pattern in _HOW if pattern.search(how)), None)
    rest = match.group("rest")
    where = re.search(r"[,:;(]", rest)
    check = (
        f"confirmed by examining {sample} under a microscope"
        if sample
        else f"{lower_first(how.strip())} confirmed"
    )
    if where is not None and len(rest[: where.start()].split()) <= _CONFIRMED_WORDS:
        return Clause(aux=Aux.HAVE, rest=f"{rest[: where.start()].rstrip()} ({check}){rest[where.start() :]}")
    if len(rest.split()) > _CONFIRMED_WORDS:
        return None  # where the confirmation belongs is not clear: the words stay in their order
    return Clause(aux=Aux.HAVE, rest=f"{rest} ({check})")


_CONFIRMED_WORDS = 12


def group_clause(match: re.Match[str], kind: CriterionKind) -> Clause | None:
    group = match.group("group").lower()
    words = group.split()
    noun = words[-1]
    adjectives = " ".join(words[:-1])
    singular = _GROUP_SINGULAR.get(noun, f"a {noun.rstrip('s')}")
    if adjectives:
        singular = f"a {adjectives} {singular.split(' ', 1)[1]}"
    qualifier = re.sub(r"^(?:who|that)\s+are\s+(?=of\b)", "", match.group("qualifier").strip(), flags=_I)
    qualifier = re.sub(r"\b(who|that)\s+are\b", r"\1 is", qualifier, flags=_I)
    qualifier = re.sub(r"\b(who|that)\s+have\b", r"\1 has", qualifier, flags=_I)
    link = match.group("link").lower()
    rest = match.group("rest")
    if kind is CriterionKind.INCLUSION and link != "who":
        modal = {
            "need to": "need to",
            "have to": "have to",
            "agree to": "agree to",
            "are required to": "must",
        }.get(link, link)
        return Clause(aux=Aux.PLAIN, rest=f"if {PERSON} am {singular} {qualifier}, {PERSON} {modal} {rest}")
    if kind is CriterionKind.EXCLUSION and link == "who":
        return Clause(aux=Aux.BE, rest=f"{singular} {qualifier} who {_third_person(rest)}")
    return None


def _third_person(words: str) -> str:
    first, _, rest = words.partition(" ")
    changed = {"are": "is", "have": "has", "do": "does", "were": "was"}.get(first.lower())
    if changed is None:
        return words
    return f"{changed} {rest}".strip()


def _sex(match: re.Match[str]) -> Clause:
    sex = match.group("sex")
    said = re.sub(
        r"\b(men|women|man|woman|males|females|boys|girls)\b",
        lambda m: _SEX_WORDS[m.group(1).lower()],
        sex,
        flags=_I,
    )
    said = re.sub(r"\s*(?:and/or|and|&|/)\s*", " or ", said)
    return Clause(aux=Aux.BE, rest=f"{lower_first(said)}{match.group('rest')}")


def _healthy(match: re.Match[str]) -> Clause:
    what = match.group("what").lower()
    for plural, single in (
        ("people", "person"),
        ("persons", "person"),
        ("children", "child"),
        ("women", "woman"),
        ("men", "man"),
    ):
        what = re.sub(rf"\b{plural}\b", single, what)
    what = re.sub(r"\b(volunteer|subject|adult|participant|individual|male|female)s\b", r"\1", what)
    return Clause(aux=Aux.BE, rest=f"a healthy {what}{match.group('rest')}")


def _years(match: re.Match[str]) -> Clause | None:
    words = match.group(0)
    if not re.search(
        r"\b(?:years?|yrs?|old|age|older|younger|over|under|above|below)\b",
        words[: len(words) - len(match.group("rest"))],
        _I,
    ):
        return None
    return Clause(aux=Aux.BE, rest=lower_first(words))


def _age(match: re.Match[str]) -> Clause:
    if match.group("word").lower() == "aged":
        return Clause(aux=Aux.BE, rest=f"aged {match.group('rest')}")
    return Clause(aux=Aux.POSSESSIVE, subject="age", rest=match.group("rest"))


NOUN_FRAMES: list[tuple[re.Pattern[str], Callable[[re.Match[str], CriterionKind], Clause | None]]] = [
    (_HISTORY, lambda m, k: _history(m)),
    (_CONFIRMED, lambda m, k: _confirmed(m)),
    (_KNOWN, lambda m, k: _known(m)),
    (_PRESENCE, lambda m, k: Clause(aux=Aux.HAVE, rest=m.group("rest"))),
    (
        _EVIDENCE,
        lambda m, k: Clause(aux=Aux.HAVE, rest=f"{_with_article(m.group('words'))} {m.group('rest')}"),
    ),
    (_DIAGNOSED, lambda m, k: Clause(aux=Aux.PERFECT, rest=f"been {lower_first(m.group(0))}")),
    (_PRIOR, lambda m, k: _prior(m)),
    (
        _TREATMENT_WITH,
        lambda m, k: (
            Clause(
                aux=Aux.PERFECT,
                rest=f"had a {m.group('what').lower().rstrip('s')} that targets {m.group('rest')}",
            )
            if PAST.search(m.group("rest")) or k is CriterionKind.EXCLUSION
            else None
        ),
    ),
    (_USE, lambda m, k: _use(m)),
    (_EXPOSURE, lambda m, k: Clause(aux=Aux.PERFECT, rest=f"been exposed to {m.group('rest')}")),
    (_RECEIPT, lambda m, k: _receipt(m)),
    (_PARTICIPATION, lambda m, k: _participation(m)),
    (_ABILITY, lambda m, k: _ability(m)),
    (PREGNANCY, lambda m, k: pregnancy_clause(m)),
    (GROUP, group_clause),
    (_HEALTHY, lambda m, k: _healthy(m)),
    (_SEX, lambda m, k: _sex(m)),
    (_LIFE, lambda m, k: Clause(aux=Aux.POSSESSIVE, subject="life expectancy", rest=m.group("rest"))),
    (_PERFORMANCE, _performance),
    (_LAB, lambda m, k: _lab(m)),
    (_SINCE, _since),
    (_AGE, lambda m, k: _age(m)),
    (_YEARS, lambda m, k: _years(m)),
    (_CONSENT, lambda m, k: _consent(m)),
]


def _with_article(words: str) -> str:
    words = lower_first(words)
    if words.split(" ", 1)[0] in {"a", "an", "any", "the"} or not words.startswith(
        ("diagnosis", "documentation")
    ):
        return words
    return f"a {words}"
