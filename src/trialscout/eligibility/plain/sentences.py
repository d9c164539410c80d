"""Plain language for criteria: one short sentence a patient understands, faithful to the words.

`plain_sentence(criterion)`:

- inclusions in the first person ("I am 18 or older.", "I am fully active or able to carry out
  light work (ECOG 0-1).", "My kidneys work well enough (creatinine clearance more than 50
  mL/min).");
- exclusions after "You cannot join if" ("You cannot join if you have had a treatment that
  targets DLL3."), never as something the patient must be;
- negations kept where they are: "No brain metastases" in an inclusion says "I do not have
  brain metastases";
- every stated exception kept after the main clause, in the registry's words: "..., unless as
  curative therapy without progression for at least 6 months"; a sub-point or sentence that
  allows something ("Subjects with treated brain metastases are eligible provided ...") says
  "You can still join if you have treated brain metastases, provided ...", never as the rule;
- typed rules when they say everything the main clause says (`rules`), otherwise the
  words rewritten by safe frames (`words`); when no frame is safe, the words whole after
  "The trial requires:" or "You cannot join if:";
- jargon explained in brackets on first use (`text`, ``eligibility/data/plain_glossary.tsv``).

It never raises: a bug in a rewrite costs the rewrite, not the sentence (the words are then
shown whole after the faithful frame). `plain_sentences(criteria)` also uses each criterion's
parent, so that the conditions listed under an allowing sub-point ("... are eligible provided
the following criteria are met:") read as conditions of that exception, not as exclusions.

The lay summary of a trial is in `summary`; the package's docstring lists the modules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import msgspec

from trialscout.eligibility.model import Criterion, CriterionKind, CriterionRole, Expect
from trialscout.eligibility.plain.clauses import (
    EXCLUDED,
    NOT_ALLOWED,
    NOTE,
    allowance_sentence,
    allows,
    disallowance_sentence,
    label,
    sentences_of,
    split_exception,
    states_itself,
)
from trialscout.eligibility.plain.faithful import faithful
from trialscout.eligibility.plain.negation import NoReading, exclusion_negation, without_no
from trialscout.eligibility.plain.predicates import SUBJECT
from trialscout.eligibility.plain.rules import rules_in, typed_sentence
from trialscout.eligibility.plain.scope import scope_condition, scoped_sentence
from trialscout.eligibility.plain.sound import mend, sound
from trialscout.eligibility.plain.text import (
    finish,
    glossary,
    lower_first,
    protect,
    strip_explanations,
    tidy,
    unprotect,
)
from trialscout.eligibility.plain.voice import Aux, Clause, Voice, personal
from trialscout.eligibility.plain.words import clause_of

#: How a sentence that excludes begins, and the fallback frames when no rewrite is safe.
REQUIRED = "The trial requires:"
_CONDITION_OF_EXCEPTION = "For the exception above, this must also be true:"
_CONDITION_OF_POINT = "For the point above, this must also be true:"

_I = re.IGNORECASE
_TRAILING_REQUIRED = re.compile(r"\s+(?:is\s+|are\s+)?(?<!not\s)required$", _I)
_ORPHAN_EXCEPTION = re.compile(
    r"^(?:unless|except|excepting|with\s+the\s+exception\s+of|other\s+than|apart\s+from|aside\s+from|provided)\b",
    _I,
)
_CONDITIONAL_LIST = re.compile(
    r"\b(?:provided|if|when|as\s+long\s+as|only\s+if|on\s+condition)\b[^.]*:\s*$|\bcriteria\s+(?:are|is)\s+met\s*:?\s*$",
    _I,
)

_TOPIC_ALLOWED = re.compile(r"^(?:[^:]*:\s*)?\[?(?:allowed|permitted)\b(?P<q>[^:]*)$", _I)
_TOPIC_EXCLUDED = re.compile(
    r"^(?:[^:]*:\s*)?\[?(?:excluded|not\s+allowed|not\s+permitted|prohibited)\b(?P<q>[^:]*)$", _I
)
_TOPIC_REQUIRED = re.compile(r"^(?:[^:]*:\s*)?\[?(?:required|recommended)\b(?P<q>[^:]*)$", _I)
_TOPIC_SENTENCE = re.compile(
    rf"^(?P<lead>{SUBJECT}\s+(?:must|should|may\s+not|must\s+not|cannot|will|need\s+to|are\s+to)(?:\s+(?:have|be"
    r"|meet|not\s+have|not\s+be|agree\s+to))?)(?:\s+(?:all|any|one|at\s+least\s+one)\s+of)?"
    r"(?:\s+the\s+following(?:\s+criteria)?)?$"
    r"|^(?P<phrase>(?:a\s+|any\s+|known\s+|prior\s+|past\s+)?(?:history|evidence|presence|diagnosis|use|treatment)"
    r"(?:\s+\w+){0,2}\s+(?:of|with))$",
    _I,
)
_TOPIC_LABEL = re.compile(
    r"^(?:age|life\s+expectancy|performance\s+status|menopausal\s+status|sex|gender)$", _I
)
_QUANTITY_START = re.compile(
    r"^(?:\d|at\s+least|at\s+most|more\s+than|less\s+than|greater\s+than|over|under|between|up\s+to|no\s+more|no\s+less"
    r"|no\s+greater|not\s+more|not\s+less|of\s+at\s+least|older|younger|female|male|pre|post|peri)",
    _I,
)
_SCALE_WORDS = re.compile(r"\b(?:ecog|karnofsky|lansky|zubrod|who|kps)\b", _I)
_TOPIC_PRIOR = re.compile(r"\bprior\s+(?:medication|treatment|therapy)\b", _I)
_TOPIC_CURRENT = re.compile(r"\b(?:concurrent|concomitant)\s+(?:medication|treatment|therapy)\b", _I)
_TOPIC_CONDITION = re.compile(r"\bco-?existing\s+conditions?\b|\bmedical\s+conditions?\b", _I)


# --- the main clause ----------------------------------------------------------------------------------


def _said(clause: Clause, kind: CriterionKind) -> str:
    """A clause in the voice of its criterion's kind."""
    if kind is CriterionKind.INCLUSION:
        return clause.say(Voice.FIRST)
    negated = clause.negated and not clause.restated
    if clause.aux is Aux.PLAIN:
        return f"{EXCLUDED} {clause.say(Voice.SECOND)}"
    return f"{EXCLUDED} {clause.say(Voice.SECOND, negated=negated)}"


class Unsayable(Exception):
    """No faithful, grammatical sentence can be built: the registry's own words are shown instead."""


def _fallback(words: str, kind: CriterionKind) -> str:
    """No frame is safe for these words: the criterion gets no sentence of ours (see `plain_sentence`)."""
    del words, kind
    raise Unsayable


def _topic_frame(words: str, kind: CriterionKind, topic: str | None) -> tuple[str, str | None]:
    """(words to frame, a whole sentence when the topic decides it): "Allowed" / "Excluded" topics."""
    if not topic:
        return words, None
    topic = tidy(topic)
    allowed = _TOPIC_ALLOWED.match(topic)
    if allowed is not None:
        qualifier = allowed.group("q").strip()
        return words, f"Allowed{' ' + qualifier if qualifier else ''}: {words}"
    excluded = _TOPIC_EXCLUDED.match(topic)
    if excluded is not None:
        qualifier = excluded.group("q").strip()
        return words, f"Not allowed{' ' + qualifier if qualifier else ''}: {words}"
    required = _TOPIC_REQUIRED.match(topic)
    if required is not None and kind is CriterionKind.INCLUSION:
        return f"{topic.split(':')[-1].strip()}: {words}", f"{REQUIRED} {lower_first(words)}"
    sentence = _TOPIC_SENTENCE.match(topic)
    if sentence is not None:
        return f"{sentence.group('lead') or sentence.group('phrase')} {lower_first(words)}", None
    if (
        _TOPIC_LABEL.match(topic)
        and topic.split()[0].lower() not in words.lower()
        and not _SCALE_WORDS.search(words)
        and _QUANTITY_START.match(words)
    ):
        return f"{topic} {lower_first(words)}", None
    return words, None


def _topic_clause(words: str, topic: str | None) -> Clause | None:
    """A noun phrase under an AIDS-format topic: "Co-existing Condition", "Prior Medication"."""
    if not topic or len(words.split()) > 12:
        return None
    if _TOPIC_CONDITION.search(topic):
        return Clause(aux=Aux.HAVE, rest=lower_first(words))
    if _TOPIC_PRIOR.search(topic):
        return Clause(aux=Aux.PERFECT, rest=f"had {lower_first(words)}")
    if _TOPIC_CURRENT.search(topic):
        return Clause(aux=Aux.BE, rest=f"taking {lower_first(words)}")
    return None


#: A requirement with its own subject and "must": "Toxicities from prior therapy must have resolved".
_OWN_MODAL = re.compile(
    r"^(?!(?:no|not|none|never|without)\b)[A-Za-z][\w-]*(?:\s+[\w/-]+){0,8}?\s+(?:must|should|shall)\s+(?:have|be)\b"
    r"(?!.*\b(?:not|no|never|unless|except)\b)[^;:]*$",
    _I,
)
_FINITE_WORD = re.compile(r"\b(?:is|are|was|were|has|have|had|must|should|will|can|may|would)\b", _I)


def _main_sentence(criterion: Criterion, sentence: str, topic: str | None) -> str:
    kind = criterion.kind
    sentence = NOTE.sub("", sentence)
    sentence, topic, flat = label(sentence, topic)
    if flat:
        return _fallback(sentence, kind)
    for pattern, said in (
        (_TOPIC_EXCLUDED, "Not allowed"),
        (_TOPIC_ALLOWED, "Allowed"),
        (_TOPIC_REQUIRED, "Required"),
    ):
        heading = pattern.fullmatch(sentence)
        if heading is not None and ":" not in sentence:
            qualifier = heading.group("q").strip()
            return f"{said}{' ' + qualifier if qualifier else ''}"
    disallowed = disallowance_sentence(sentence)
    if disallowed is not None:
        return disallowed
    if states_itself(sentence):
        return personal(sentence, Voice.FIRST if kind is CriterionKind.INCLUSION else Voice.SECOND)
    if allows(sentence):
        return allowance_sentence(sentence, kind, first=True)
    scoped = scoped_sentence(sentence, kind)
    if scoped is not None:
        return scoped
    framed, whole = _topic_frame(sentence, kind, topic)
    if whole is not None:
        return whole
    main, tail = split_exception(framed)
    voice = Voice.FIRST if kind is CriterionKind.INCLUSION else Voice.SECOND
    if not tail and _ORPHAN_EXCEPTION.match(main):
        return f"Exception: {main}"
    required = _TRAILING_REQUIRED.search(main)
    if required is not None and kind is CriterionKind.INCLUSION and required.start() > 0:
        return f"{REQUIRED} {lower_first(main[: required.start()])}" + personal(tail, voice)
    head = None
    rules = rules_in(criterion, main) if criterion.rules else []
    if kind is CriterionKind.EXCLUSION:
        reading = exclusion_negation(main)
        if reading is NoReading.UNSURE:
            raise Unsayable  # "No X" under an exclusion heading, X neither a harm nor a need
        if reading is NoReading.RESTATES:
            # "No major surgery within 4 weeks" as an exclusion: you cannot join if you had it
            main = without_no(main)
            rules = [msgspec.structs.replace(r, expect=Expect.ABSENT) for r in rules]
    if rules:
        typed = typed_sentence(rules, kind, main)
        if typed is not None:
            head = protect(typed)
    if head is None:
        clause = clause_of(main, kind) or _topic_clause(main, topic)
        if clause is None and kind is CriterionKind.INCLUSION and _OWN_MODAL.match(main):
            # "Toxicities from prior therapy must have resolved": a requirement that says itself
            return main[:1].upper() + main[1:] + personal(tail, voice)
        head = _said(clause, kind) if clause is not None else _fallback(main, kind)
    if tail:
        head += personal(tail, voice)
    return head


_THOSE_WHO = re.compile(r"^(?:those\s+|ones\s+)?(?=(?:who|whose|with)\b)", _I)


def _later_sentence(criterion: Criterion, sentence: str) -> str:
    kind = criterion.kind
    sentence = NOTE.sub("", sentence)
    # "Patients who had X, but who had only Y could be enrolled": the second part's subject is the first's
    sentence = _THOSE_WHO.sub("Patients ", sentence, count=1)
    disallowed = disallowance_sentence(sentence)
    if disallowed is not None:
        return disallowed
    if states_itself(sentence):
        return personal(sentence, Voice.FIRST if kind is CriterionKind.INCLUSION else Voice.SECOND)
    if allows(sentence):
        return allowance_sentence(sentence, kind, first=False)
    main, tail = split_exception(sentence)
    voice = Voice.FIRST if kind is CriterionKind.INCLUSION else Voice.SECOND
    clause = clause_of(main, kind)
    head = _said(clause, kind) if clause is not None else personal(main, voice)
    return head + personal(tail, voice) if tail else head


def _child_exceptions(criterion: Criterion) -> list[str]:
    """The allowing sub-points recorded as this criterion's exceptions, said as allowances."""
    out = []
    for exception in criterion.exceptions:
        inside = criterion.span.start <= exception.span.start and exception.span.end <= criterion.span.end
        if inside:
            continue
        words = tidy(exception.text)
        if not words or NOT_ALLOWED.search(words):
            continue
        out.append(allowance_sentence(words, criterion.kind, first=False))
    return out


def is_allowance(criterion: Criterion) -> bool:
    """Whether a criterion allows something ("Subjects with treated brain metastases are eligible
    provided ...") rather than requiring or excluding it."""
    words = tidy(criterion.text)
    first = sentences_of(words)[:1]
    return bool(first) and allows(NOTE.sub("", first[0]))


def lists_conditions(criterion: Criterion) -> bool:
    """An allowing criterion whose conditions follow as sub-points ("... are eligible provided
    the following criteria are met:")."""
    return (
        criterion.text.rstrip().endswith(":")
        and is_allowance(criterion)
        and bool(_CONDITIONAL_LIST.search(tidy(criterion.text) + ":"))
    )


def lists_allowed(criterion: Criterion) -> bool:
    """An allowing criterion whose sub-points are the things allowed ("The following are allowed:")."""
    return (
        criterion.text.rstrip().endswith(":") and is_allowance(criterion) and not lists_conditions(criterion)
    )


_BARE_ITEM_WORDS = 8


def is_list_item(criterion: Criterion, parent: Criterion) -> bool:
    """A short item under a parent that introduces a list ("No prior biologic therapy, including:"
    / "- Immunotoxins"): it means nothing alone and is said with its parent's frame."""
    if not parent.text.rstrip().endswith(":") or is_allowance(parent):
        return False
    words = tidy(criterion.text)
    if len(words.split()) > _BARE_ITEM_WORDS or _FINITE_WORD.search(words) or ":" in words:
        return False
    clause = clause_of(words, criterion.kind)
    return clause is None or (
        clause.aux in {Aux.HAVE, Aux.PERFECT} and not clause.negated and not _STANDALONE.match(words)
    )


_STANDALONE = re.compile(
    r"^(?:history|known|presence|evidence|diagnosis|prior|previous|active|uncontrolled|current|concurrent|patients?"
    r"|subjects?|participants?)\b",
    _I,
)


def compose(criterion: Criterion, parent: Criterion | None = None) -> str:
    """The plain sentence(s) of a criterion (may raise on a bug; `plain_sentence` does not).
    ``parent`` is the criterion it sits under: the conditions under an allowing sub-point are
    said as conditions of that exception, the items under "The following are allowed:" as allowed."""
    text = tidy(criterion.text)
    if not text:
        return ""
    if criterion.scope is not None:
        return _scoped(criterion, parent, text)
    sentences = sentences_of(text) or [text]
    if criterion.role is CriterionRole.EXCEPTION and not is_allowance(criterion):
        return _exception_item(criterion, text)
    if parent is not None and lists_conditions(parent):
        clause = clause_of(sentences[0], CriterionKind.INCLUSION)
        said = (
            clause.say(Voice.FIRST)
            if clause is not None
            else lower_first(personal(sentences[0], Voice.FIRST))
        )
        lead = _CONDITION_OF_EXCEPTION if criterion.kind is CriterionKind.EXCLUSION else _CONDITION_OF_POINT
        parts = [f"{lead} {said}", *(personal(s, Voice.FIRST) for s in sentences[1:])]
    elif parent is not None and lists_allowed(parent):
        parts = [f"Allowed: {text}"]
    elif parent is not None and is_list_item(criterion, parent):
        above = sentences_of(tidy(parent.text))
        if not above:  # a parent of no words ("- :") gives the item no frame to sit in
            raise Unsayable
        head = _main_sentence(parent, above[0], parent.topic).rstrip(" .:;,")
        parts = [f"{head}: {lower_first(text)}"]
    else:
        parts = [_main_sentence(criterion, sentences[0], criterion.topic)]
        parts.extend(_later_sentence(criterion, s) for s in sentences[1:])
        parts.extend(_child_exceptions(criterion))
    used: set[str] = set()
    explained = []
    for part in parts:
        explained.append(finish(unprotect(glossary().explain(part, used))))
    return " ".join(p for p in explained if p)


_SCOPE_FILLER = frozenset(
    re.findall(
        r"\w+",
        "a an the and or of for with who whose are is if in on patients patient subjects subject participants"
        " participant people persons individuals those",
    )
)


def _scoped(criterion: Criterion, parent: Criterion | None, text: str) -> str:
    """A criterion with a ``scope``: said as a condition (`_within_scope`), else as its words
    frame it when the sentence names the scope itself ("You can still join if you have treated
    brain metastases, provided ...") or the criterion sits under the point that states it."""
    assert criterion.scope is not None
    said = compose(msgspec.structs.replace(criterion, scope=None), parent)
    if scoped_sentence(text, criterion.kind) is not None:
        return said  # the words start with whom they are for, and the sentence says it
    try:
        return _within_scope(criterion, parent)
    except Unsayable:
        pass
    inherited = not (criterion.span.start <= criterion.scope.span.start < criterion.span.end)
    if inherited and (parent is not None or criterion.parent is not None):
        return said  # the point above states the scope and is shown with it
    named = {w for w in re.findall(r"[a-z0-9]+", criterion.scope.text.lower()) if w not in _SCOPE_FILLER}
    shown = set(re.findall(r"[a-z0-9]+", strip_explanations(said).lower()))
    if named <= shown:
        return said
    raise Unsayable


def _exception_item(criterion: Criterion, text: str) -> str:
    """A sub-point that is an exception to the point above ("No concurrent corticosteroids
    except:" / "- Chronic therapy at low doses"): said as what it allows, never as a requirement."""
    main, tail = split_exception(text)
    clause = clause_of(main, CriterionKind.INCLUSION)
    if clause is None or clause.negated or clause.aux is Aux.PLAIN or sentences_of(text)[1:]:
        raise Unsayable
    said = f"You can still join if {clause.say(Voice.SECOND)}" + personal(tail, Voice.SECOND)
    return finish(unprotect(glossary().explain(said, set())))


def _within_scope(criterion: Criterion, parent: Criterion | None) -> str:
    """A criterion for some people only (its ``scope``), said as a condition: "If I have brain
    metastases, ...", "You cannot join if you could become pregnant and ..."."""
    assert criterion.scope is not None
    voice = Voice.FIRST if criterion.kind is CriterionKind.INCLUSION else Voice.SECOND
    condition = scope_condition(criterion.scope.text, voice)
    start = criterion.scope.span.start - criterion.span.start
    end = criterion.scope.span.end - criterion.span.start
    if condition is None or not 0 <= start < end <= len(criterion.text):
        raise Unsayable
    rest = (criterion.text[:start] + " " + criterion.text[end:]).strip(" ,:;")
    rest = re.sub(r"^(?:,|:|;|\bthen\b)\s*", "", rest, flags=_I)
    if not rest:
        raise Unsayable
    main = compose(msgspec.structs.replace(criterion, text=rest, scope=None, rules=()), parent)
    if criterion.kind is CriterionKind.INCLUSION and main.startswith(("I ", "My ")):
        return f"If {condition}, {main[0].lower() if main.startswith('My ') else 'I'}{main[1:]}"
    if criterion.kind is CriterionKind.EXCLUSION and main.startswith(f"{EXCLUDED} you "):
        return f"{EXCLUDED} {condition} and {main.removeprefix(EXCLUDED + ' you ')}"
    raise Unsayable


def plain_sentence(criterion: Criterion, *, parent: Criterion | None = None) -> str:
    """A short sentence a patient understands, faithful to the criterion, or "" where none can be
    built faithfully (the caller then shows the registry's own words, marked as such). Never raises.

    ``parent``, when given, is the criterion this one sits under (see `compose`)."""
    try:
        said = compose(criterion, parent)
    except Unsayable:
        return ""
    except Exception:  # noqa: BLE001 - a bug in a rewrite must cost the rewrite, not the criterion
        return ""
    said = mend(said)
    bare = strip_explanations(said)
    kept = faithful(
        bare,
        criterion.text,
        criterion.topic,
        parent=parent.text if parent is not None else None,
        excluding=criterion.kind is CriterionKind.EXCLUSION,
        own=criterion.role is CriterionRole.REQUIREMENT,
    )
    return said if sound(bare) and kept else ""


def context(criteria: Sequence[Criterion]) -> dict[str, Criterion]:
    """For each sub-point, the criterion it sits under: its parent, or, where a list is written
    flat, the allowing sibling before it whose conditions it lists ("Subjects with treated brain
    metastases are eligible provided the following criteria are met:" then "- Subject is
    asymptomatic ...")."""
    by_id = {c.id: c for c in criteria}
    under: dict[str, Criterion] = {}
    introducing: dict[str, Criterion | None] = {}
    for criterion in criteria:
        if criterion.parent is None:
            continue
        parent = by_id.get(criterion.parent)
        if parent is not None and (lists_conditions(parent) or lists_allowed(parent)):
            under[criterion.id] = parent
            continue
        if is_allowance(criterion):
            introducing[criterion.parent] = criterion if lists_conditions(criterion) else None
            continue
        sibling = introducing.get(criterion.parent)
        if sibling is not None:
            under[criterion.id] = sibling
        elif parent is not None:
            under[criterion.id] = parent
    return under


def plain_sentences(criteria: Sequence[Criterion]) -> tuple[str, ...]:
    """The plain sentence of each criterion, read in its context (see `context`)."""
    under = context(criteria)
    return tuple(plain_sentence(c, parent=under.get(c.id)) for c in criteria)
