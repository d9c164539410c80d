"""The predicate of a criterion: what follows its subject ("Patients who have received X") or
starts a list item ("Have X", "Able to X", "Received X"), as a `Clause` in the words' own tense;
and what a noun phrase names (a condition, a therapy), for the frames that need it.

Used by `frames` and `words`; the words after the verb are kept as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from trialscout.eligibility.model import CriterionKind
from trialscout.eligibility.plain.course import tested
from trialscout.eligibility.plain.text import lower_first
from trialscout.eligibility.plain.voice import Aux, Clause, to_base

_I = re.IGNORECASE

SUBJECT = (
    r"(?:(?:the|all|any|eligible|potential|male\s+and\s+female|adult)\s+)?(?:study\s+)?"
    r"(?:patients?|subjects?|participants?|individuals?|persons?|people|volunteers?|candidates?|pts|cases?)"
)
SUBJECT_START = re.compile(rf"^{SUBJECT}\b\s*(?:\((?:[^()]{{0,40}})\)\s*)?(?P<rest>.*)$", _I)
SINGULAR_SUBJECT = re.compile(
    r"^(?:the\s+|a\s+|each\s+)?(?:patient|subject|participant|individual|person|volunteer|candidate)\b", _I
)

# --- what kind of thing a noun phrase names ---------------------------------------------------------

CONDITION = re.compile(
    r"\b(?:disease|diseases|cancer|cancers|carcinomas?|tumou?rs?|neoplasms?|malignan\w*|lymphomas?|leuka?emias?"
    r"|myelomas?|sarcomas?|melanomas?|gliomas?|\w*blastomas?|metasta\w+|lesions?|infections?|syndromes?|disorders?"
    r"|failure|insufficiency|dysfunction|impairment|hypertension|diabetes|hepatitis|HIV|AIDS|cirrhosis|allerg\w*"
    r"|hypersensitivity|intolerance|conditions?|illness(?:es)?|abnormalit\w+|deficiency|injury|injuries|fractures?"
    r"|ulcers?|bleeding|ha?emorrhage|thrombosis|embolism|infarction|stroke|angina|arrhythmias?|fibrillation"
    r"|effusions?|ascites|obstruction|pain|depression|anxiety|psychosis|schizophrenia|dementia|epilepsy"
    r"|seizures?|asthma|COPD|pneumonitis|fibrosis|colitis|arthritis|lupus|psoriasis|mutations?|rearrangements?"
    r"|fusions?|amplification|deletions?|overexpression|expression|addiction|dependence|abuse|toxicit\w+|neuropathy"
    r"|ana?emia|thrombocytopenia|neutropenia|coagulopathy|\w+itis|\w+osis|\w+emia|\w+oma|\w+pathy|function"
    r"|involvement|spread|recurrence|relapse|progression|symptoms?|history|contraindications?|pregnancy"
    r"|hyper\w+|hypo\w+|compression|edema|oedema|tumou?r|NEC|NSCLC|SCLC|fever|status|score|grade|stage"
    r"|donor|test|result|tissue|sample|specimen|lesion|nodules?|masses|mass|syphilis|herpes|malaria|influenza"
    r"|covid-19|sars-cov-2|allergy|allergies|reactions?|events?)\b",
    _I,
)
THERAPY = re.compile(
    r"\b(?:surgery|surgical|resection|operation|transplant\w*|radiotherapy|radiation|irradiation|chemotherapy"
    r"|chemo|immunotherapy|therapy|therapies|treatment|treatments|vaccination|vaccines?|transfusions?"
    r"|procedures?|biopsy|implant\w*|\w+ectomy|\w+otomy|stents?|bypass|radiosurgery|regimens?|inhibitors?"
    r"|agents?|drugs?|medications?|antibod\w+|\w+mab|\w+nib|\w+lib|lines?)\b",
    _I,
)
PAST = re.compile(
    r"\b(?:within|prior|previous(?:ly)?|past|last|ago|since|before|history|ever|recent(?:ly)?|preceding|earlier"
    r"|completed|received|lines?\s+of|regimens?)\b",
    _I,
)
_CURRENT = re.compile(r"\b(?:current(?:ly)?|concurrent|concomitant|ongoing|on-going|chronic)\b", _I)
_FINITE = re.compile(
    r"\b(?:is|are|was|were|has|have|had|must|should|will|shall|can|could|may|might|would|does|do|did|cannot)\b",
    _I,
)
_HEAD_END = re.compile(r"[(,;:]|\b(?:that|which|who|whose|where|when|if|unless|except|other\s+than)\b", _I)


def first_match_start(pattern: re.Pattern[str], words: str) -> int:
    match = pattern.search(words)
    return match.start() if match else 10**6


_BRACKETED = re.compile(r"\([^()]*\)")
_CHUNK_END = re.compile(
    r"[(,;:]|\b(?:of|to|for|with|within|during|after|before|in|on|at|from|by|due|requiring|that|which|who|whose"
    r"|where|when|if|unless|except|other|than|not|no|according|per|including|such|as|since|prior|following|while"
    r"|because|under|over|between|without|via|into)\b",
    _I,
)


def _head(words: str) -> str:
    """The words before the first comma or relative clause, brackets left out."""
    words = _BRACKETED.sub(" ", words)
    end = _HEAD_END.search(words)
    return words[: end.start()] if end else words


def is_noun_phrase(words: str) -> bool:
    """No finite verb before the first comma or relative clause (brackets aside)."""
    head = _head(words)
    return bool(head.strip()) and _FINITE.search(head) is None


_QUANTIFIER = re.compile(
    r"^(?:(?:at\s+least|more\s+than|less\s+than|fewer\s+than|up\s+to|one\s+or\s+more|any|all|only|a|an|the)\s+)*"
    r"(?:\d+|one|two|three|four|five|six|single)?\s*",
    _I,
)


def _chunk(words: str) -> str:
    """The first noun chunk: "Major surgery" of "Major surgery within 28 days" (brackets and a
    leading quantifier aside)."""
    words = _BRACKETED.sub(" ", words)
    words = words[_QUANTIFIER.match(words).end() :]  # type: ignore[union-attr]
    end = _CHUNK_END.search(words)
    return words[: end.start()] if end else words


def noun_phrase_clause(words: str, kind: CriterionKind) -> Clause | None:
    """A named condition -> "have X"; a therapy or procedure with a time -> "have had X"."""
    if not is_noun_phrase(words):
        return None
    chunk = _chunk(words)
    condition = first_match_start(CONDITION, chunk)
    therapy = first_match_start(THERAPY, chunk)
    if condition == therapy == 10**6:
        return None
    rest = lower_first(words)
    if condition < therapy:
        return Clause(aux=Aux.HAVE, rest=rest)
    head = _head(words)
    if PAST.search(head) and not _CURRENT.search(head):
        return Clause(aux=Aux.PERFECT, rest=f"had {rest}")
    if _CURRENT.search(_chunk(words)):
        return Clause(aux=Aux.BE, rest=f"receiving {rest}")
    del kind
    return None


# --- predicates: what follows a subject ("Patients ...") or starts a list item ("Have ...") -----

_PARTICIPLE = {
    "underwent": "undergone",
    "took": "taken",
    "gave": "given",
    "began": "begun",
    "became": "become",
    "did": "done",
    "went": "gone",
    "were": "been",
    "was": "been",
    "ate": "eaten",
    "wrote": "written",
}
PERFECT_START = re.compile(
    r"^(?:received|underwent|undergone|completed|recovered|failed|progressed|relapsed|experienced|developed|had"
    r"|been|signed|achieved|demonstrated|taken|took|used|participated|smoked|tolerated|consented|agreed|shown"
    r"|given|documented|provided|undergone|attained|discontinued|stopped|started|begun|finished"
    r"|resolved|responded|remained|maintained|lived|resided|worked|suffered|sustained|never)\b",
    _I,
)
_BARE_PERFECT_START = re.compile(
    r"^(?:received|underwent|undergone|completed|recovered|failed|progressed|relapsed|experienced|developed|had"
    r"|been|signed|achieved|taken|participated|smoked|tolerated|discontinued|stopped|finished|responded|never)\b",
    _I,
)
_BE_START = re.compile(
    r"^(?:receiving|taking|using|undergoing|requiring|needing|on|currently|treated|diagnosed|known|able|unable"
    r"|willing|unwilling|capable|incapable|aged|older|younger|eligible|ineligible|scheduled|planning|planned"
    r"|expected|likely|enrolled|participating|pregnant|breastfeeding|breast-feeding|lactating|nursing"
    r"|hospitali[sz]ed|allergic|intolerant|hypersensitive|positive|negative|seropositive|seronegative|free|in\s+good"
    r"|a|an|at\s+risk|at\s+high\s+risk|candidates?\s+for|suitable|amenable|fit|unfit|post-?menopausal"
    r"|pre-?menopausal|menopausal|sexually|considered|deemed|judged|refractory|resistant|intolerant|dependent"
    r"|over\s+\d|under\s+\d|between\s+\d|\d+\s*(?:years|yrs)|residents?|living|fluent|literate|ambulatory"
    r"|clinically|medically|hemodynamically|haemodynamically|stable|healthy|male|female|men|women|smokers?"
    r"|current\s+smokers?|non-?smokers?|former\s+smokers?|ex-?smokers?|\w+-positive|\w+-negative)\b",
    _I,
)
_DO_START = re.compile(
    r"^(?P<verb>agree|agrees|meet|meets|require|requires|need|needs|live|lives|reside|resides|speak|speaks"
    r"|understand|understands|consent|consents|refuse|refuses|weigh|weighs|use|uses|take|takes|receive|receives"
    r"|smoke|smokes|suffer|suffers|wish|wishes|want|wants|plan|plans|intend|intends|report|reports|drink|drinks"
    r"|engage|engages|exhibit|exhibits|fulfil|fulfill|fulfils|fulfills|satisfy|satisfies|provide|provides|sign"
    r"|signs|carry|carries|demonstrate|demonstrates|complete|completes|comply|complies|undergo|undergoes"
    r"|attend|attends|own|owns|work|works|experience|experiences|present|presents|show|shows|continue|continues"
    r"|maintain|maintains|tolerate|tolerates|abuse|abuses|misuse|misuses)\b(?!\s+of\b)(?P<rest>.*)$",
    _I,
)


#: "had (previously) been treated": a past perfect, said "have (previously) been treated".
_PLUPERFECT = re.compile(
    r"^had\s+(?P<rest>(?:(?:previously|already|ever|recently|also|only|not|never|once|first)\s+)*"
    r"(?:been|received|undergone|had|taken|completed|failed|progressed|experienced|developed|shown|achieved|used)\b.*)$",
    _I,
)


def perfect_rest(words: str) -> str:
    pluperfect = _PLUPERFECT.match(words)
    if pluperfect is not None:
        return pluperfect.group("rest")
    first, _, rest = words.partition(" ")
    participle = _PARTICIPLE.get(
        first.lower(), first.lower() if first[:1].isupper() and first[1:].islower() else first
    )
    return f"{participle} {rest}".strip()


def predicate(words: str, *, bare: bool = False) -> Clause | None:
    """The clause of a predicate ("with X", "who have had X", "must be able to X", "is X")."""
    words = words.strip(" ,:")
    if not words:
        return None
    low = words.lower()
    for cue, handler in _PREDICATES:
        match = cue.match(words)
        if match is not None:
            found = handler(match)
            if found is not None:
                return found
    if bare:
        if _BARE_PERFECT_START.match(words):
            return Clause(aux=Aux.PERFECT, rest=perfect_rest(words))
    elif PERFECT_START.match(words):
        return Clause(aux=Aux.PERFECT, rest=perfect_rest(words))
    if _BE_START.match(words) and not (
        bare and low.startswith(("a ", "an ", "male", "female", "men ", "women "))
    ):
        if _ADVERB_NOUN.match(words) and CONDITION.search(
            " ".join(_head(words.replace(",", " ")).split()[:12])
        ):
            # "clinically significant lung disease": a condition had, not a state the patient is in
            return Clause(aux=Aux.HAVE, rest=lower_first(words))
        return Clause(aux=Aux.BE, rest=lower_first(words))
    match = _DO_START.match(words)
    if match is not None:
        rest = match.group("rest")
        if match.group("verb").lower().endswith("s"):
            rest = _AND_VERB.sub(lambda m: f"{m.group(1)}{to_base(m.group(2))}", rest)
        return Clause(aux=Aux.DO, rest=f"{to_base(match.group('verb'))}{rest}")
    return None


_ADVERB_NOUN = re.compile(
    r"^(?:clinically|medically|hemodynamically|haemodynamically|currently|known)\s+(?!stable\b|able\b|unable\b"
    r"|fit\b|well\b|indicated\b|necessary\b|required\b|to\b|eligible\b|free\b)",
    _I,
)
_AND_VERB = re.compile(r"(\s+(?:and|or|and/or)\s+)(\w+s)\b(?=\s+(?:to|the|all|with|a|an|by|in)\b)", _I)


def _have(rest: str, negated: bool = False, restated: bool = False) -> Clause:
    rest = rest.strip()
    if PERFECT_START.match(rest):
        return Clause(aux=Aux.PERFECT, rest=perfect_rest(rest), negated=negated, restated=restated)
    return Clause(aux=Aux.HAVE, rest=rest, negated=negated, restated=restated)


def _modal(match: re.Match[str]) -> Clause | None:
    """'must (not) X', 'should X', 'need to X', 'cannot have X'."""
    negated = bool(match.group("neg"))
    inner = (
        predicate(match.group("rest"), bare=True)
        if not match.group("rest").lower().startswith("be ")
        else None
    )
    rest = match.group("rest")
    if rest.lower().startswith("be "):
        inner = tested(rest[3:]) or Clause(aux=Aux.BE, rest=rest[3:].strip())
    elif rest.lower().startswith(("have ", "has ")):
        inner = _have(rest.split(" ", 1)[1])
    if inner is None:
        return None
    return Clause(
        aux=inner.aux,
        rest=inner.rest,
        negated=negated != inner.negated,
        modal=inner.modal,
        subject=inner.subject,
        plural=inner.plural,
        restated=negated,
    )


def _cannot(match: re.Match[str]) -> Clause | None:
    rest = match.group("rest")
    verb = rest.split(" ", 1)[0].lower()
    if verb in {"have", "be", "had"}:
        inner = _modal_inner(rest)
        if inner is None:
            return None
        return Clause(aux=inner.aux, rest=inner.rest, negated=True, restated=True)
    return Clause(aux=Aux.MODAL, modal="can", rest=rest, negated=True)


def _modal_inner(rest: str) -> Clause | None:
    if rest.lower().startswith("be "):
        return Clause(aux=Aux.BE, rest=rest[3:].strip())
    if rest.lower().startswith(("have ", "has ")):
        return _have(rest.split(" ", 1)[1])
    return predicate(rest, bare=True)


_PREDICATES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], Clause | None]]] = [
    (
        re.compile(r"^with\s+(?P<rest>.+)$", _I),
        lambda m: Clause(aux=Aux.HAVE, rest=m.group("rest")) if is_noun_phrase(m.group("rest")) else None,
    ),
    (
        re.compile(r"^without\s+(?P<rest>.+)$", _I),
        lambda m: (
            Clause(aux=Aux.HAVE, rest=m.group("rest"), negated=True)
            if is_noun_phrase(m.group("rest"))
            else None
        ),
    ),
    (re.compile(r"^(?:who|that)\s+(?P<rest>.+)$", _I), lambda m: predicate(m.group("rest"))),
    (
        re.compile(
            r"^(?:must|should|shall|will|need\s+to|needs\s+to|have\s+to|has\s+to|are\s+required\s+to"
            r"|is\s+required\s+to|are\s+to|is\s+to)\s+(?P<neg>not\s+)?(?P<rest>.+)$",
            _I,
        ),
        _modal,
    ),
    (re.compile(r"^(?:cannot|can\s+not|can't)\s+(?P<rest>.+)$", _I), _cannot),
    (
        re.compile(r"^(?:may\s+not|must\s+not|mustn't|should\s+not|shall\s+not)\s+(?P<rest>.+)$", _I),
        lambda m: (
            None
            if (inner := _modal_inner(m.group("rest"))) is None
            else Clause(aux=inner.aux, rest=inner.rest, negated=True, restated=True)
        ),
    ),
    (
        re.compile(r"^(?:are|is|be)\s+(?P<neg>not\s+)?(?P<rest>.+)$", _I),
        lambda m: Clause(aux=Aux.BE, rest=m.group("rest"), negated=bool(m.group("neg"))),
    ),
    (
        re.compile(r"^(?:do|does|did)\s+not\s+(?:have|has)\s+(?P<rest>.+)$", _I),
        lambda m: Clause(aux=Aux.HAVE, rest=m.group("rest"), negated=True),
    ),
    (
        re.compile(r"^(?:have|has)\s+(?P<neg>not\s+|never\s+)?(?P<rest>.+)$", _I),
        lambda m: (
            Clause(aux=Aux.PERFECT, rest="never " + perfect_rest(m.group("rest")))
            if (m.group("neg") or "").strip().lower() == "never"
            else _have(m.group("rest"), negated=bool(m.group("neg")))
        ),
    ),
    (
        re.compile(r"^(?:do|does)\s+not\s+(?P<rest>.+)$", _I),
        lambda m: Clause(aux=Aux.DO, rest=m.group("rest"), negated=True),
    ),
    (
        re.compile(r"^(?P<verb>had|were|was)\s+(?P<rest>.+)$", _I),
        lambda m: Clause(
            aux=Aux.PERFECT,
            rest=perfect_rest(m.group(0))
            if _PLUPERFECT.match(m.group(0))
            else f"{_PARTICIPLE.get(m.group('verb').lower(), 'had')} {m.group('rest')}",
        ),
    ),
    (re.compile(r"^having\s+(?P<rest>.+)$", _I), lambda m: _have(m.group("rest"))),
    (
        re.compile(
            r"^(?:(?:previously|currently|recently)\s+)?(?:treated|diagnosed)\s+(?:with|for|by)\s+.+$", _I
        ),
        lambda m: Clause(aux=Aux.PERFECT, rest=f"been {lower_first(m.group(0))}"),
    ),
]
