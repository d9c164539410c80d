"""The sentences of a criterion, its stated exceptions, and the sentences that allow or forbid.

- `sentences_of(text)`: the sentences of tidied words (never split inside brackets; a clause
  after ";" that allows something, or a note, is a sentence of its own; "..., but ... may be
  eligible" too);
- `split_exception(sentence)`: the main clause and the exception after it ("X, unless Y"; an
  exception written first, "Except for Y, X", is put after the main clause);
- `label(sentence, topic)`: a leading label ("Hepatic: bilirubin ...") read as the topic;
- allowances ("Subjects with treated brain metastases are eligible provided ...", "Patients may
  have received ...", "X is allowed") said as "You can still join if ..." or "However, ...";
- disallowances ("Patients with X are not eligible") said as "You cannot join if you have X";
- sentences that say themselves what they allow, forbid or do not require ("X is not
  permitted", "No smokers will be included", "X is not required"), shown as written: a frame
  around them would add a second negation.
"""

from __future__ import annotations

import re

from trialscout.eligibility.model import CriterionKind
from trialscout.eligibility.plain.predicates import SUBJECT, predicate
from trialscout.eligibility.plain.text import lower_first
from trialscout.eligibility.plain.voice import Voice, personal

#: How a sentence that excludes begins.
EXCLUDED = "You cannot join if"
_I = re.IGNORECASE

_SENTENCE = re.compile(
    r"(?<=[A-Za-z0-9%)\]³]{2})\.\s+(?=[A-Z(])|;\s+(?=(?:note\b|however\b|but\b|(?:patients|subjects|participants)\b"
    r"[^;]{0,200}?\b(?:are|is|will\s+be|may\s+be|can\s+be)\s+(?:also\s+)?(?:eligible|allowed|permitted|included)\b))"
    r"|,?\s+but\s+(?!(?:no|not|without|never)\b)(?=[^;]{0,200}?\b(?:may|can|could|would|will|shall|are|is)\s+(?:also\s+|still\s+)?(?:be\s+)?"
    r"(?:considered\s+)?(?:eligible|included|allowed|permitted|enrolled|enrol?l|participate)\b)",
    _I,
)
CUE = re.compile(
    r"\b(?P<cue>unless|except(?:ing)?(?:\s+(?:for|in|when|if|that|as))?|with\s+the\s+exception\s+of|other\s+than"
    r"|apart\s+from|aside\s+from|provided\s+that|providing\s+that|as\s+long\s+as|so\s+long\s+as|excluding"
    r"|but\s+not\s+(?!limited\b))\b",
    _I,
)
_LEADING_CUE = re.compile(
    r"^(?:except\s+for|with\s+the\s+exception\s+of|other\s+than|apart\s+from|aside\s+from)\b",
    _I,
)
_ALLOW_WORDS = (
    r"(?:eligible|included|enrolled|allowed|permitted|acceptable|able\s+to\s+(?:participate|enrol?l)|participate"
    r"|enrol?l|considered\s+eligible|considered\s+for\s+(?:inclusion|enrol?lment))"
)
_ALLOWANCE = re.compile(
    rf"^(?:note\s*:\s*)?(?:however,?\s*)?{SUBJECT}\s+(?P<cond>(?:with|who|that|whose|having|on|receiving|taking|treated"
    rf"|previously|without)\b.+?)\s*,?\s+(?:are|is|will\s+be|may\s+be|can\s+be|could\s+be|shall\s+be|would\s+be|remain"
    rf"|may|can|will)\s+(?:also\s+|still\s+)?(?:be\s+)?(?:considered\s+)?(?P<allow>{_ALLOW_WORDS})\b(?P<rest>.*)$",
    _I,
)
_ALLOWED_STATEMENT = re.compile(
    r"\b(?:is|are|will\s+be|may\s+be|can\s+be|could\s+be|would\s+be|shall\s+be|be)\s+(?:also\s+|still\s+)?"
    r"(?:considered\s+)?(?:eligible|allowed|permitted|acceptable)\b"
    r"|\b(?:may|can|could|will|would|shall)\s+(?:also\s+|still\s+)?(?:be\s+)?(?:considered\s+(?:for\s+)?)?"
    r"(?:included|enrolled|eligible|participate|enrol?l|inclusion|enrol?lment)\b"
    r"|\beligible\s+(?:if|provided|when|as\s+long\s+as|only\s+if|so\s+long\s+as)\b"
    r"|^(?!no\b|not\b)[^()]{3,120}?\s(?:allowed|permitted)(?:\s*$|\s+(?:if|provided|as\s+long|for|with|during|in|after"
    r"|unless|when|only|but|except|at)\b|[,;])",
    _I,
)
_MAY = re.compile(
    rf"^(?:note\s*:\s*)?(?:however,?\s*)?{SUBJECT}(?:\s+(?P<cond>(?:with|who|that|on|receiving|taking)\b.+?))?\s*,?\s+"
    r"(?:may|can)\s+(?:still\s+|also\s+)?(?P<vp>(?:have|be|receive|continue|use|take|remain|undergo|enrol?l|participate"
    r"|join)\b.*)$",
    _I,
)
NOT_ALLOWED = re.compile(
    r"\b(?:not|never|ineligible|excluded|prohibited|no\s+longer|cannot|can\s+not)\b[^.;]{0,40}?\b(?:eligible|allowed"
    r"|permitted|included|enrolled|acceptable|participate)\b|\b(?:ineligible|excluded|prohibited)\b|^(?:no|not)\b",
    _I,
)
_DISALLOWANCE = re.compile(
    rf"^(?:note\s*:\s*)?{SUBJECT}\s+(?P<cond>(?:with|who|that|whose|having|on|receiving|taking|treated|previously)\b.+?)"
    r"\s*,?\s+(?:are|is|will\s+be|shall\s+be|would\s+be)\s+(?:not\s+eligible|ineligible|excluded|not\s+allowed"
    r"|not\s+permitted|not\s+included|not\s+enrolled)\b(?P<rest>.*)$",
    _I,
)
_REST_FILLER = re.compile(
    r"^\s*(?:to\s+(?:participate|enrol?l)|for\s+(?:the|this)\s+(?:study|trial)|in\s+(?:the|this)\s+(?:study|trial)"
    r"|as\s+well|for\s+enrol?lment|for\s+(?:inclusion|participation))\b",
    _I,
)
NOTE = re.compile(r"^(?:note|notes|n\.b\.)\s*:\s*", _I)
_PROHIBITION = re.compile(
    r"\b(?:is|are|was|were|will\s+be|be|shall\s+be)\s+(?:not\s+(?:permitted|allowed|acceptable|eligible)|prohibited|forbidden"
    r"|excluded|ineligible)\b|\b(?:cannot|can\s+not|may\s+not|must\s+not|will\s+not)\s+(?:be\s+)?(?:included|enrolled"
    r"|eligible|participate|take\s+part)\b"
    r"|\b(?:should|must|shall)\s+be\s+avoided\b|\b(?:is|are)\s+contraindicated\b",
    _I,
)
_NEGATED_START = re.compile(r"^(?:no|not|without|never)\b", _I)
# --- the parts of a sentence: main clause and exception ---------------------------------------------


def split_exception(sentence: str) -> tuple[str, str]:
    """(main clause, the exception after it with its joiner): "X, unless Y" -> ("X", ", unless Y").
    An exception written first ("Except for Y, X") is put after the main clause."""
    lead = _LEADING_CUE.match(sentence)
    if lead is not None:
        depth = 0
        for index, char in enumerate(sentence):
            depth += char == "("
            depth -= char == ")"
            if char == "," and depth <= 0 and index > lead.end():
                exception = sentence[:index].strip()
                return sentence[index + 1 :].strip(), f", {lower_first(exception)}"
        return sentence, ""
    for match in CUE.finditer(sentence):
        if match.start() == 0:
            continue
        before = sentence[: match.start()]
        depth = before.count("(") - before.count(")")
        if depth > 0:
            opening = before.rfind("(")
            main = sentence[:opening].rstrip()
            if main:
                return main, " " + sentence[opening:].strip()
            continue
        main = before.rstrip(" ,")
        if not main:
            continue
        cue = match.group("cue").lower()
        joiner = " " if cue.startswith(("other than", "excluding", "but not")) else ", "
        return main, joiner + sentence[match.start() :].strip()
    return sentence, ""


def sentences_of(text: str) -> list[str]:
    """The sentences of tidied words (never split inside brackets); a clause after ";" that
    allows something or is a note is a sentence of its own."""
    out: list[str] = []
    start = 0
    for match in _SENTENCE.finditer(text):
        before = text[start : match.start()]
        if text[: match.start()].count("(") > text[: match.start()].count(")"):
            continue
        out.append(before)
        start = match.end()
    out.append(text[start:])
    return [s.strip() for s in out if s.strip(" .;,")]


_LABEL = re.compile(
    r"^(?P<label>(?:age|sex|gender|life\s+expectancy|performance\s+status|menopausal\s+status|hepatic|renal|cardiovascular"
    r"|cardiac|pulmonary|hematopoietic|haematopoietic|hematologic|neurologic|chemotherapy|radiotherapy|radiation\s+therapy"
    r"|surgery|endocrine\s+therapy|biologic\s+therapy|immunotherapy|other|patients?|participants?|subjects?|volunteers?"
    r"|disease\s+characteristics|patient\s+characteristics|prior\s+concurrent\s+therapy|laboratory|labs?|note))"
    r"\s*:\s+(?P<rest>\S.*)$",
    _I,
)
_MORE_LABELS = re.compile(r"(?:^|[\s.;])[A-Z][A-Za-z]+(?:\s+[a-z]+){0,3}\s*:\s+\S")


def label(sentence: str, topic: str | None) -> tuple[str, str | None, bool]:
    """(words, topic, flat): a leading label ("Hepatic: bilirubin ...") read as the topic; ``flat``
    when several labelled lists were run together in one paragraph (then no rewrite is safe)."""
    match = _LABEL.match(sentence)
    if match is None:
        return sentence, topic, False
    if _BLOCK_LABEL.match(match.group("label")) and len(match.group("rest").split()) > _BLOCK_WORDS:
        return sentence, topic, True  # a whole NCI section run together: no rewrite is safe
    rest = match.group("rest")
    if _MORE_LABELS.search(rest):
        return sentence, topic, True
    return rest, match.group("label"), False


_BLOCK_LABEL = re.compile(r"^(?:disease|patient)\s+characteristics|prior\s+concurrent\s+therapy$", _I)
_BLOCK_WORDS = 25


# --- allowances: "Subjects with X are eligible if Y" ------------------------------------------------


def allowance_clause(sentence: str, voice: Voice) -> str | None:
    """'Subjects with treated brain metastases are eligible provided Y' -> 'you have treated brain
    metastases, provided Y' (None when the sentence does not allow anything)."""
    if NOT_ALLOWED.search(_first_clause(sentence)):
        return None
    match = _ALLOWANCE.match(sentence)
    if match is None or not _ALLOWANCE.match(_outside_brackets(sentence)):
        may = _MAY.match(sentence)
        if may is None:
            return None
        verb_phrase = predicate(may.group("vp"), bare=True)
        if verb_phrase is None or verb_phrase.negated:
            return None
        said = verb_phrase.say(voice)
        if may.group("cond"):
            condition = predicate(may.group("cond"))
            if condition is None:
                return None
            said = f"{condition.say(voice)} and {said}"
        return _they(personal(said, voice), voice)
    clause = predicate(match.group("cond"))
    if clause is None:
        return None
    rest = _REST_FILLER.sub("", match.group("rest")).strip()
    rest = _they(personal(rest, voice), voice)
    said = clause.say(voice)
    if rest:
        said += ("" if rest.startswith((",", "(")) else ", ") + rest
    return said


def _outside_brackets(sentence: str) -> str:
    """The words outside brackets (nested brackets too), each bracket replaced by a space."""
    previous = None
    while previous != sentence:
        previous, sentence = sentence, _BRACKETS.sub(" ", sentence)
    unclosed = sentence.find("(")
    return sentence[:unclosed] if unclosed >= 0 else sentence


def _first_clause(sentence: str, *, before_exception: bool = True) -> str:
    """The main clause: outside brackets, before ";" and (by default) before a stated exception."""
    clause = _outside_brackets(sentence).split(";", 1)[0]
    cue = CUE.search(clause) if before_exception else None
    return clause[: cue.start()] if cue is not None and cue.start() > 0 else clause


_THEY = re.compile(r"\b(they|their|them|themselves)\b", _I)


def _they(words: str, voice: Voice) -> str:
    """In an allowance about "patients with X ... if they ...", they are the patient."""
    first = voice is Voice.FIRST
    table = {
        "they": "I" if first else "you",
        "their": "my" if first else "your",
        "them": "me" if first else "you",
        "themselves": "myself" if first else "yourself",
    }
    words = _THEY.sub(lambda m: table[m.group(1).lower()], words)
    return re.sub(r"\b(I|you) (are|is)\b", lambda m: f"{m.group(1)} {'am' if first else 'are'}", words)


_NO_CRITERIA = re.compile(
    r"^(?:there\s+are\s+)?no\s+(?:specific\s+|other\s+)?(?:eligibility|inclusion|exclusion)\s+criteri", _I
)
_NONE_WILL_BE = re.compile(
    r"^no\s+\S.{0,100}?\s+(?:will|shall|may|can|are\s+to)\s+be\s+(?:included|enrolled|eligible|allowed|accepted)\b",
    _I,
)
_NOT_REQUIRED = re.compile(
    r"\b(?:is|are)\s+not\s+(?:required|necessary|mandatory|needed)\b|\bnot\s+(?:required|necessary|mandatory)\b"
    r"|\b(?:is|are)\s+optional\b",
    _I,
)


def states_itself(sentence: str) -> bool:
    """A sentence that already says what it allows, forbids or does not require ("X is not
    permitted", "No smokers will be included", "Measurable disease is not required"): shown as
    written, since a frame around it would add a second negation."""
    main = _first_clause(sentence)
    if _NONE_WILL_BE.match(main) or _NOT_REQUIRED.search(main) or _NO_CRITERIA.match(main):
        return True
    whole = _first_clause(sentence, before_exception=False)
    return bool(_PROHIBITION.search(whole)) and not _NEGATED_START.match(sentence)


_NOT_EXCLUDED = re.compile(r"\b(?:are|is|will|shall|would)\s+not\s+(?:be\s+)?excluded\b", _I)


def allows(sentence: str) -> bool:
    """Whether the sentence itself allows something (words in brackets and after ";" aside)."""
    outside = _first_clause(sentence)
    if _NOT_EXCLUDED.search(outside):
        return True
    return bool(_ALLOWED_STATEMENT.search(outside) or _MAY.match(outside)) and not NOT_ALLOWED.search(outside)


_BRACKETS = re.compile(r"\([^()]*\)")


def allowance_sentence(sentence: str, kind: CriterionKind, first: bool) -> str:
    voice = Voice.SECOND
    clause = allowance_clause(sentence, voice)
    lead = "You can still join if" if kind is CriterionKind.EXCLUSION else "You can join if"
    if clause is not None:
        return f"{lead} {clause}"
    words = personal(NOTE.sub("", sentence), voice)
    words = re.sub(r"^(?:however|but)\s*,?\s*", "", words, flags=_I)
    return words if first and kind is CriterionKind.INCLUSION else f"However, {lower_first(words)}"


#: A subject clause that itself allows or turns ("... may be enrolled but are ineligible to ..."):
#: such a sentence is shown as written.
_MIXED = re.compile(
    r"\b(?:may|can|could|will|but|however|eligible|allowed|permitted|included|enrolled)\b|;", _I
)
_DISALLOWANCE_IF = re.compile(
    rf"^(?:note\s*:\s*)?{SUBJECT}\s+(?:will|shall|would|are|is)\s+not\s+be\s+(?:eligible|included|enrolled|allowed)"
    r"(?:\s+(?:for|in)\s+(?:the|this)\s+(?:study|trial|protocol))?\s+if\s+(?:they|he\s+or\s+she|the\s+\w+)\s+(?P<cond>.+)$",
    _I,
)


def disallowance_sentence(sentence: str) -> str | None:
    outside = _first_clause(sentence)
    if not (_DISALLOWANCE_IF.match(outside) or _DISALLOWANCE.match(outside)):
        return None
    conditional = _DISALLOWANCE_IF.match(sentence)
    if conditional is not None:
        clause = predicate(conditional.group("cond"))
        return f"{EXCLUDED} {clause.say(Voice.SECOND)}" if clause is not None else None
    match = _DISALLOWANCE.match(sentence)
    if match is None or _MIXED.search(match.group("cond")):
        return None
    clause = predicate(match.group("cond"))
    if clause is None:
        return None
    rest = _REST_FILLER.sub("", match.group("rest")).strip()
    said = f"{EXCLUDED} {clause.say(Voice.SECOND)}"
    rest = _they(personal(rest, Voice.SECOND), Voice.SECOND)
    return said + (("" if rest.startswith((",", "(")) else ", ") + rest if rest else "")
