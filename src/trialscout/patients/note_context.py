"""Whose, whether and when: the context of a phrase in a clinical note.

A note names far more than the patient has: "denies chest pain" (negated), "family history of
heart disease" (a relative's), "to rule out pulmonary embolism" (hypothetical), "her boyfriend
uses condoms" (someone else's). For a span of the note, `NoteContext.assertion` says which, in
the manner of NegEx: a cue before the phrase in its clause ("no", "denies", "without",
"negative for", "no history of", "free of", "ruled out", ...) or one just after it ("... was
ruled out", "... is unlikely", "... negative"). A clause ends at ", but", "however", "which",
"presents", a semicolon or the sentence's end, so "no fever but a cough" negates only the fever.

`NoteContext.history` says whether a phrase is told as past ("history of", "past medical history
is notable for", "s/p", "2 years ago"); `NoteContext.therapy_timing` whether a drug is taken now
("takes", "currently on", "medications include") or was taken before ("previously treated with",
"received", "after 4 cycles of"), and whether the disease progressed on it.

Every method reads a bounded window around the span, so a note of any length is read in time
proportional to its length. Nothing here raises on any text.
"""

from __future__ import annotations

import bisect
import re
from enum import StrEnum

from trialscout.eligibility.model import Span

# How far before a phrase a cue may stand (characters), within the phrase's clause.
_REACH = 160
# How many words a negation reaches over ("denies smoking, diabetes, hypercholesterolemia, or a
# family history of heart disease" is eleven).
_NEGATION_WORDS = 11
# How far what is said of a relative reaches (characters), within the sentence.
_PERSON_REACH = 300


class Assertion(StrEnum):
    """What a note says of a phrase: the patient has it, does not, a relative or someone else
    has it, or it is only considered (to rule out, a risk, planned, suspected)."""

    PRESENT = "present"
    NEGATED = "negated"
    FAMILY = "family"
    OTHER_PERSON = "other_person"
    HYPOTHETICAL = "hypothetical"


class Timing(StrEnum):
    CURRENT = "current"
    PAST = "past"


_ABBREVIATION = re.compile(
    r"(?:\b(?:mr|mrs|ms|dr|drs|vs|st|no|approx|e\.g|i\.e|etc|fig|pt|pts|inc|sr|jr|prof|lt|mt)|\b[a-z])$",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+")
_BOUNDARY = re.compile(r"[.!?]+(?=[\s\"')\]]|$)|\n")

# A clause ends here: a negation, a cue of timing or of someone else reaches no further.
_SCOPE_END = re.compile(
    r"[;:]|\s-\s|,\s*(?:and\s+)?(?:but|however|although|though|yet|whereas|while)\b"
    r"|\b(?:but|however|although|though|except|besides|apart\s+from|aside\s+from|other\s+than|which|who|whose"
    r"|whom|where|following|after|before|during|due\s+to|because|since|presents?|presented|presenting|complain(?:s|ed|ing)?|comes|came|now|reports?|reported|shows?"
    r"|showed|reveal(?:s|ed)?|demonstrates?|(?:is|was)\s+found|found\s+to|is\s+noted|notable\s+for|significant\s+for"
    r"|remarkable\s+for|and\s+(?:is|was|has|had|takes|took|presents?|developed|reports?|complains?|denies|she|he"
    r"|the\s+patient))\b"
    r"|,\s*(?:and\s+)?(?:a|an|the|he|she|his|her|they|it|there|on|in|at|this|that)\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"\b(?:no|not|none|nor|neither|never|without|denies|denied|deny|denying|absence\s+of|absent|free\s+of"
    r"|lack\s+of|lacks|lacking|ruled\s+out|rules\s+out|unremarkable\s+for|unable\s+to|cannot|can't|doesn't"
    r"|don't|didn't|isn't|wasn't|hasn't|haven't|hadn't|negative\s+for)\b",
    re.IGNORECASE,
)
# Words that look like a negation but negate nothing the phrase after them names.
_PSEUDO_NEGATION = re.compile(
    r"\b(?:no\s+(?:increase|change|further|significant\s+change|longer)|not\s+(?:only|necessarily|compliant"
    r"|adherent|controlled|well[\s-]controlled|responding|responsive|relieved|improved|tolerat\w*|certain|sure"
    r"|increased|decreased|as)|non[\s-]?(?:compliant|adherent|productive|ruptured|complicated|palpable|tender"
    r"|specific|invasive|caseating)|without\s+(?:difficulty|relief|improvement|success|complications?)"
    r"|can't\s+rule\s+out|cannot\s+(?:be\s+)?(?:rule|ruled)\s+out|not\s+(?:be\s+)?ruled\s+out)\b",
    re.IGNORECASE,
)
_NEGATIVE_NEAR = re.compile(r"\bnegative\s+(?:\w+\s+){0,1}$", re.IGNORECASE)
_NEGATION_AFTER = re.compile(
    r"\s*(?:\([^()]{0,30}\)\s*)?(?::\s*)?(?:(?:test|tests|testing|result|screen|study|was|were|is|are|has\s+been"
    r"|have\s+been|had\s+been|also)\s+){0,3}(?:ruled\s+out|excluded|unlikely|negative|absent|not\s+(?:seen|found"
    r"|present|detected|identified|observed)|(?:was|were)\s+not\s+(?:seen|found|detected|identified)|resolved)\b",
    re.IGNORECASE,
)
_AFFIRMED_AFTER = re.compile(r"\s*(?:\+|[\s-]*positive\b)", re.IGNORECASE)
_HYPOTHETICAL = re.compile(
    r"\b(?:rule\s+out|r/o|to\s+exclude|risk\s+(?:of|for)|at\s+risk|concern\s+for|concerned\s+about|worried\s+about"
    r"|afraid\s+of|fear\s+of|possible|possibly|probable|probably|likely|suspect(?:s|ed)?|suspicion\s+(?:of|for)"
    r"|suspicious\s+for|differential|vs\.?|versus|if|would\s+like\s+to|wish(?:es)?\s+to|plans?\s+to|planned"
    r"|planning|scheduled|candidate\s+for|referred\s+(?:to|for)|will|to\s+undergo|advice\s+on|advised|prevent"
    r"|prevention|preventing|prophyla\w*|screening\s+for|in\s+favou?r\s+of|deferring|recommend\w*|consider\w*"
    r"|evaluate\s+for|to\s+become|trying\s+to|attempt(?:ing)?\s+to|question\s+of|questionable|cannot\s+rule\s+out"
    r"|can't\s+rule\s+out|may\s+have|might|could)\b",
    re.IGNORECASE,
)
_HYPOTHETICAL_AFTER = re.compile(
    r"\s*(?:prevention|prophylaxis|screening|risk\b|(?:is|was|are|were)\s+(?:suspected|possible|likely|considered"
    r"|planned|scheduled)|\?)",
    re.IGNORECASE,
)

_FAMILY_NOUN = (
    r"mother|father|parents?|brothers?|sisters?|siblings?|sons?|daughters?|uncles?|aunts?|grandmothers?"
    r"|grandfathers?|grandparents?|cousins?|twin|nieces?|nephews?|mom|dad|relatives?|family\s+members?"
)
_OTHER_NOUN = (
    r"wife|husband|partners?|boyfriend|girlfriend|spouse|roommates?|friends?|classmates|teacher|colleagues?"
    r"|co-?workers?"
)
_PERSON = re.compile(
    rf"\b(?:(?P<family>{_FAMILY_NOUN})|(?P<other>{_OTHER_NOUN}))\b(?!'s|\s+(?:and|or)\b)",
    re.IGNORECASE,
)
_OBJECT_BEFORE = re.compile(
    r"\b(?:by|to|with|for|of|from|and)\s+(?:(?:his|her|their|the|a|an|patient's)\s+)?"
    r"(?:(?:older|younger|elder|maternal|paternal)\s+)?$",
    re.IGNORECASE,
)
# After someone else is named: do they tell (the patient's story) or have (their own)?
_TELLS = re.compile(
    r"\b(?:reports?|reported|says?|said|states?|stated|recalls?|recalled|tells?|told|notes?|noted|assures?"
    r"|suspects?|suspected|brought|brings?|bring|deny|denies|denied|heard|noticed|contacted|accompan\w+|asks?"
    r"|asked|explains?|mentions?|describes?|worried|concerned|thinks?|believes?|wants?|requests?|is\s+concerned)\b",
    re.IGNORECASE,
)
_HAS = re.compile(
    r"\b(?:has|had|have|having|with|was\s+diagnosed|were\s+diagnosed|died|dies|developed|suffer(?:s|ed)?"
    r"|exhibits?|underwent|carries|carried|is\s+healthy|are\s+healthy|(?:is|are)\s+(?:currently\s+)?well|looks"
    r"|(?:is|are|was|were)\s+affected|history|also|uses|used|takes|took)\b",
    re.IGNORECASE,
)
_FAMILY_HISTORY = re.compile(r"\b(?:family\s+(?:history|hx)|(?-i:FHx?)\b)", re.IGNORECASE)
_IN_RELATIVE = re.compile(
    rf"\b(?:in|of)\s+(?:his|her|their|the\s+patient'?s)\s+(?:(?:maternal|paternal|older|younger|elder|late|twin)\s+)"
    rf"{{0,2}}(?:(?P<family>{_FAMILY_NOUN})|(?P<other>{_OTHER_NOUN}))\b",
    re.IGNORECASE,
)
_PERSON_SCOPE_END = re.compile(
    r";|,?\s*(?:and|but|while|whereas)\s+(?:the\s+patient|(?:he|she)\s+(?:has|had|is|was|takes|denies|presents))\b",
    re.IGNORECASE,
)

_HISTORY_SECTION = re.compile(
    r"\b(?:past\s+medical\s+history|(?:past\s+|prior\s+)?medical\s+history|(?-i:PMH|PMHx)|past\s+history"
    r"|surgical\s+history)\b",
    re.IGNORECASE,
)
_SECTION_END = re.compile(
    r"\b(?:but|however|now|presents?|presented|presenting|comes|came|complains?|complaining|admitted|reports?)\b",
    re.IGNORECASE,
)
_HISTORY = re.compile(
    r"\b(?:history\s+of|hx\s+of|h/o|s/p|status\s+post|previous(?:ly)?|prior(?!\s+to\b)|former(?:ly)?|in\s+the\s+past"
    r"|childhood|remote)\b",
    re.IGNORECASE,
)
_HISTORY_STOP = re.compile(r"\b(?:with|now|presents?|presenting|complains?|complaining)\b", re.IGNORECASE)
_NOT_HISTORY_BEFORE = re.compile(
    r"(?:\b\d+|\b(?:a|one|two|three|four|five|six|several|few))[\s-]+(?:hours?|days?|weeks?|months?)[\s-]+$",
    re.IGNORECASE,
)
_NOT_HISTORY_AFTER = re.compile(
    r"\s*(?:\d+|a|one|two|three|four|five|six|several|few)\s+(?:hours?|days?|weeks?|months?)\b", re.IGNORECASE
)
_HISTORY_AFTER = re.compile(
    r"[^.;]{0,40}?\b(?:(?:\d+|a|an|one|two|three|four|five|six|several|many)\s+(?:years?|months?|decades?)\s+"
    r"(?:ago|earlier|before|prior)|at\s+(?:the\s+)?age\s+(?:of\s+)?\d+|in\s+(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
# "lung infections during childhood": read to the sentence's end, as "during" ends a clause
_CHILDHOOD_AFTER = re.compile(
    r"[^.;,]{0,30}?\b(?:(?:during|in)\s+(?:(?:his|her|their|early)\s+)*(?:childhood|infancy|adolescence)"
    r"|as\s+an?\s+(?:child|infant|baby|toddler|teenager|adolescent))\b",
    re.IGNORECASE,
)

_CURRENT = re.compile(
    r"\b(?:currently|current\s+medications?|medications?\s+(?:include|includes|including|are|is|list)"
    r"|medication\s+history\s+includes?|only\s+medication\s+is|takes|taking|take|is\s+on|are\s+on|remains\s+on"
    r"|maintained\s+on|started\s+on|initiated\s+on|(?:under|on)\s+treatment\s+(?:of|with)|treated\s+with"
    r"|treatment\s+with|receives|receiving|using|uses|use\s+of|prescribed|on|including|regimen\s+of)\b",
    re.IGNORECASE,
)
_PAST = re.compile(
    r"\b(?:previous(?:ly)?|prior|formerly|received|completed|cycles?\s+of|courses?\s+of|(?:was|were)\s+(?:treated"
    r"|given|started|tried)|(?:had|has|have)\s+(?:been\s+)?(?:treated|taken|received|used|tried|had)|used"
    r"|tried|stopped|discontinued|failed|progress(?:ed|ion|ing)\s+(?:on|after|while\s+on|despite|through)"
    r"|refractory\s+to|resistant\s+to|relapsed\s+(?:on|after)|intolerant\s+(?:to|of)|despite|history\s+of"
    r"|control\s+with)\b",
    re.IGNORECASE,
)
_PAST_AFTER = re.compile(
    r"[^.;]{0,30}?\b(?:(?:was|were|had\s+been)\s+(?:discontinued|stopped|completed|held|tried)"
    r"|with\s+(?:minimal|no|little|partial|some)\s+(?:relief|response|effect|improvement)"
    r"|with\s+(?:disease\s+)?progression|(?:disease\s+)?progressed)\b",
    re.IGNORECASE,
)
_PAST_TENSE_BEFORE = re.compile(r"\b(?:was|were|been|previously|had)\s+$", re.IGNORECASE)
_PROGRESSION = re.compile(
    r"\b(?:progress(?:ed|ion|ing|ive\s+disease)|refractory|failed|failure|resistant|resistance|relapsed"
    r"|recurr(?:ed|ence))\b",
    re.IGNORECASE,
)


class Cues:
    """Every match of one cue pattern in the note, found in one pass, for queries by range."""

    def __init__(self, pattern: re.Pattern[str], view: str) -> None:
        self.matches = list(pattern.finditer(view))
        self._starts = [match.start() for match in self.matches]

    def within(self, low: int, high: int) -> list[re.Match[str]]:
        """The matches that start at or after ``low`` and end by ``high``, in order."""
        index = bisect.bisect_left(self._starts, low)
        found = []
        while index < len(self.matches) and self._starts[index] < high:
            if self.matches[index].end() <= high:
                found.append(self.matches[index])
            index += 1
        return found

    def first(self, low: int, high: int) -> re.Match[str] | None:
        """The first match that starts in [low, high)."""
        index = bisect.bisect_left(self._starts, low)
        if index < len(self.matches) and self._starts[index] < high:
            return self.matches[index]
        return None


class NoteContext:
    """The sentences of a note and the scopes of its cues, read once; questions about a span.

    Each cue pattern is run over the note once (`cues`), so every question costs a look-up in
    a sorted list, and a note of any length is read in time proportional to its length."""

    def __init__(self, view: str) -> None:
        self.view = view
        self._sentence_starts, self._sentence_ends = _sentences(view)
        self._cues: dict[re.Pattern[str], Cues] = {}
        self._family, self._other = _person_scopes(self)

    def cues(self, pattern: re.Pattern[str]) -> Cues:
        """The matches of ``pattern`` over the note (found on first use, then kept)."""
        found = self._cues.get(pattern)
        if found is None:
            found = self._cues[pattern] = Cues(pattern, self.view)
        return found

    # ------------------------------------------------------------------------------- sentences

    def sentence(self, position: int) -> Span:
        """The sentence holding ``position``."""
        index = bisect.bisect_right(self._sentence_starts, position) - 1
        if index < 0:
            return Span(0, self._sentence_ends[0] if self._sentence_ends else len(self.view))
        return Span(self._sentence_starts[index], self._sentence_ends[index])

    def sentence_index(self, position: int) -> int:
        return max(0, bisect.bisect_right(self._sentence_starts, position) - 1)

    def sentence_count(self) -> int:
        return len(self._sentence_starts)

    def sentence_at(self, index: int) -> Span:
        return Span(self._sentence_starts[index], self._sentence_ends[index])

    def clause_start(self, position: int) -> int:
        """Where the clause holding ``position`` begins (never more than `_REACH` before it)."""
        floor = max(self.sentence(position).start, position - _REACH)
        ends = self.cues(_SCOPE_END).within(floor, position)
        return ends[-1].end() if ends else floor

    def clause_end(self, position: int) -> int:
        end = min(self.sentence(position).end, position + _REACH)
        match = self.cues(_SCOPE_END).first(position, end)
        return match.start() if match else end

    # ------------------------------------------------------------------------------- assertion

    def assertion(self, span: Span) -> Assertion:
        """Whether the note says the patient has what is named at ``span``."""
        if span.start in self._family:
            return Assertion.FAMILY
        if span.start in self._other:
            return Assertion.OTHER_PERSON
        start = self.clause_start(span.start)
        end = self.clause_end(span.end)
        hypothetical = self.cues(_HYPOTHETICAL).within(start, span.start)
        if hypothetical or _HYPOTHETICAL_AFTER.match(self.view, span.end, end):
            return Assertion.HYPOTHETICAL
        if self.negated(span, start, end):
            return Assertion.NEGATED
        return Assertion.PRESENT

    def negated(self, span: Span, start: int | None = None, end: int | None = None) -> bool:
        """Whether a negation governs the phrase at ``span`` (NegEx: a cue before it in its
        clause, within `_NEGATION_WORDS` words, or one just after it)."""
        view = self.view
        start = self.clause_start(span.start) if start is None else start
        end = self.clause_end(span.end) if end is None else end
        if _AFFIRMED_AFTER.match(view, span.end, end):
            return False
        if view[max(0, span.start - 4) : span.start].lower() in ("non-", "non "):
            return True
        pseudo = {m.start() for m in self.cues(_PSEUDO_NEGATION).within(start, span.end)}
        for cue in self.cues(_NEGATION).within(start, span.start):
            if (
                cue.start() not in pseudo
                and cue.group(0).lower() != "negative"
                and _words_between(view, cue.end(), span.start) <= _NEGATION_WORDS
            ):
                return True
        if _NEGATIVE_NEAR.search(view, max(start, span.start - 25), span.start):
            return True
        return _NEGATION_AFTER.match(view, span.end, end) is not None

    # ------------------------------------------------------------------------------- timing

    def history(self, span: Span) -> bool:
        """Whether the phrase at ``span`` is told as the patient's past."""
        view = self.view
        sentence = self.sentence(span.start)
        sections = self.cues(_HISTORY_SECTION).within(max(sentence.start, span.start - 400), span.start)
        if sections and not self.cues(_SECTION_END).within(sections[-1].end(), span.start):
            return True
        start = self.clause_start(span.start)
        for match in self.cues(_HISTORY).within(start, span.start):
            if _NOT_HISTORY_BEFORE.search(view, max(0, match.start() - 30), match.start()) or (
                match.group(0).lower().startswith("history") and _NOT_HISTORY_AFTER.match(view, match.end())
            ):
                continue  # "a 9 month history of weight loss": the complaint, not the past
            if not self.cues(_HISTORY_STOP).within(match.end(), span.start):
                return True
        if _CHILDHOOD_AFTER.match(view, span.end, self.sentence(span.start).end):
            return True
        return _HISTORY_AFTER.match(view, span.end, self.clause_end(span.end)) is not None

    def therapy_timing(self, span: Span) -> tuple[Timing | None, bool | None]:
        """Whether a drug at ``span`` is taken now or was taken before (None: the note does not
        say), and whether the disease progressed on it (None: not said)."""
        view = self.view
        start = max(self.sentence(span.start).start, span.start - _REACH)
        end = self.clause_end(span.end)
        nearest: tuple[int, Timing] | None = None
        past = self.cues(_PAST).within(start, span.start)
        for match in self.cues(_CURRENT).within(start, span.start):
            if any(p.start() <= match.start() < p.end() for p in past):
                continue  # the "on" of "progressed on"
            words = match.group(0).lower()
            if words == "on" and span.start - match.end() > 40:
                continue
            timing = Timing.CURRENT
            before = max(0, match.start() - 16)
            if words.startswith("treat") and _PAST_TENSE_BEFORE.search(view, before, match.start()):
                timing = Timing.PAST  # "was treated with"
            nearest = (match.start(), timing)
        for match in past:
            if nearest is None or match.start() >= nearest[0]:
                nearest = (match.start(), Timing.PAST)
        timing_found = nearest[1] if nearest else None
        if _PAST_AFTER.match(view, span.end, end):
            timing_found = Timing.PAST
        progression = None
        if timing_found is Timing.PAST:
            low = max(start, self.clause_start(span.start) - 60)
            if self.cues(_PROGRESSION).within(low, end):
                progression = True
        return timing_found, progression


def _words_between(view: str, start: int, end: int) -> int:
    return len(_WORD.findall(view, start, end))


def _sentences(view: str) -> tuple[list[int], list[int]]:
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for match in _BOUNDARY.finditer(view):
        if match.group(0) == "." and _ABBREVIATION.search(view, max(0, match.start() - 6), match.start()):
            continue
        end = match.end()
        if end > position:
            starts.append(position)
            ends.append(end)
        position = end
    if position < len(view) or not starts:
        starts.append(position)
        ends.append(len(view))
    return starts, ends


def _person_scopes(context: NoteContext) -> tuple[_Scopes, _Scopes]:
    """The parts of the note about a relative, and about someone else (a partner, a friend)."""
    view = context.view
    family: list[tuple[int, int]] = []
    other: list[tuple[int, int]] = []
    for match in _FAMILY_HISTORY.finditer(view):
        family.append((match.start(), _person_scope_end(context, match.end())))
    for match in _PERSON.finditer(view):
        if _OBJECT_BEFORE.search(view, max(0, match.start() - 24), match.start()):
            continue  # "brought in by his mother", "lives with her husband": not the one who has
        ahead_end = min(context.sentence(match.start()).end, match.end() + 70)
        tells = _TELLS.search(view, match.end(), ahead_end)
        has = _HAS.search(view, match.end(), ahead_end)
        if has is None or (tells is not None and tells.start() < has.start()):
            continue
        scope = (match.start(), _person_scope_end(context, match.end()))
        (family if match.group("family") else other).append(scope)
    for match in _IN_RELATIVE.finditer(view):
        scope = (max(context.clause_start(match.start()), match.start() - 50), match.end())
        (family if match.group("family") else other).append(scope)
    return _Scopes(family), _Scopes(other)


def _person_scope_end(context: NoteContext, position: int) -> int:
    end = min(context.sentence(position).end, position + _PERSON_REACH)
    stop = context.cues(_PERSON_SCOPE_END).first(position, end)
    return stop.start() if stop else end


class _Scopes:
    """Disjoint stretches of the note, for a quick "is this position inside one?"."""

    def __init__(self, scopes: list[tuple[int, int]]) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for start, end in sorted(scopes):
            if self.ends and start <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)

    def __contains__(self, position: int) -> bool:
        index = bisect.bisect_right(self.starts, position) - 1
        return index >= 0 and position < self.ends[index]
