"""Split a trial's eligibility text into atomic criteria, each an exact span of the text.

The registry's text takes many shapes, all handled here:

- section headings: "Inclusion Criteria:", "KEY EXCLUSION CRITERIA", "- Inclusion criteria",
  "Patients may be eligible for this study if they:", "You will not be eligible if you:",
  the NCI format's "DISEASE CHARACTERISTICS:", "PATIENT CHARACTERISTICS:", "PRIOR CONCURRENT
  THERAPY:" (all requirements, so inclusion);
- lists: bullets ("-", "*", "•", "o"), numbers ("1.", "1)", "(1)"), letters ("a.", "(b)") and
  roman numerals, nested by indentation; a continuation line belongs to its item;
- sub-points: an item ending with ":" is the parent of the items under it (the labs of
  "Adequate organ function:", the conditions under which treated brain metastases are allowed);
- topic lines of the NCI format ("Age:", "Hepatic:", "Chemotherapy:") are kept as the ``topic``
  of the criteria under them, not as criteria; "Not specified" under a topic states nothing and
  is skipped;
- run-on paragraphs: split into sentences, keeping abbreviations ("e.g.", "i.e.", "approx.")
  and decimals whole;
- inline enumerations, "(a) female; (b) aged 45 or older", "1) ... 2) ...", "i) ... ii) ...":
  each item is a criterion, a sub-point of the words that introduce it when there are any
  (`split_inline`);
- a heading with text on its line ("DISEASE CHARACTERISTICS: Stage IV ...", "Exclusion
  Criteria: Pregnant women"), and PDQ records that lost their line breaks, where headings,
  topics ("Age: 18 and over Performance status: ECOG 0-1 ...") and items run together
  (`split_legacy`).

Text outside any heading is inclusion (a list of requirements) unless it says otherwise; so is
a combined heading ("Inclusion/Exclusion Criteria:"), whose items carry their own negation.
"""

from __future__ import annotations

import itertools
import re

import msgspec

from trialscout.eligibility.model import CriterionKind, Span
from trialscout.eligibility.split_inline import Unit, enumeration, line_run, units
from trialscout.eligibility.split_legacy import cuts, is_legacy, item_starts
from trialscout.eligibility.text import matchable

#: "Inclusion/Exclusion Criteria:", "Inclusion and exclusion criteria": one section of
#: requirements whose items carry their own negation ("No prior chemotherapy").
_COMBINED_HEADING = re.compile(
    r"^(?:(?:key|main|major|general|study|additional)\s+)?(?:inclusion|exclusion|eligibility)\s*"
    r"(?:/|&|\+|,|and/or|and|or)\s*(?:inclusion|exclusion|ineligibility)"
    r"(?:\s+(?:criteria|criterion))?\b",
    re.IGNORECASE,
)
_EXCLUSION_HEADING = re.compile(
    r"""^(?:key\s+|main\s+|major\s+|general\s+|additional\s+|specific\s+|other\s+|important\s+)?
        (?:exclusion|non[-\s]?inclusion|ineligibility)\s*(?:criteria|criterion)?\b
      | ^criteria\s+for\s+(?:exclusion|non[-\s]?inclusion)\b
      | ^(?:patients?|participants?|subjects?|you|children|women|men|individuals|volunteers)\s+
        (?:will\s+not|may\s+not|are\s+not|cannot|can\s*not|must\s+not|should\s+not)\s+(?:be\s+)?
        (?:eligible|included|enrolled|participate)
      | ^(?:you\s+)?(?:cannot|can\s*not)\s+(?:take\s+part|participate|join)
      | ^not\s+eligible\s*(?::|$)
      | ^not\s+eligible\s+(?:if|when)\b.*:\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_INCLUSION_HEADING = re.compile(
    r"""^(?:key\s+|main\s+|major\s+|general\s+|additional\s+|specific\s+|important\s+)?
        (?:inclusion|eligibility|entry|enrol?lment|selection|participant|patient)\s*(?:criteria|criterion)\b
      | ^criteria\s+for\s+(?:inclusion|eligibility|entry)\b
      | ^(?:disease|patients?|participants?)\s+characteristics\b
      | ^prior\s*(?:/|and\s+)?\s*concurrent\s+therapy\b
      | ^protocol\s+entry\s+criteria\b
      | ^(?:patients?|participants?|subjects?|you|children|women|men|individuals|volunteers)\s+
        (?:may|will|must|can|are)\s+(?:be\s+)?(?:eligible|included|enrolled|able\s+to\s+participate)
      | ^to\s+be\s+eligible\b
      | ^(?:key\s+)?criteria\s*:?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_MARKER = re.compile(
    r"""^(?P<indent>[ \t]*)
        (?P<marker>
            [-*•·▪◦●○‣⁃+]                         # bullets
          | o(?=\s)                                # "o " as a bullet
          | \(?\d{1,3}[.)](?!\d)                   # 1.  1)  (1)
          | \(\d{1,3}\)
          | \(?[a-zA-Z][.)](?=\s)                  # a.  b)  (c)
          | \([a-zA-Z]\)
          | \(?(?:i{1,3}|iv|v|vi{1,3}|ix|x)[.)](?=\s)   # roman i. ii) (iv)
        )
        [ \t]+""",
    re.VERBOSE | re.IGNORECASE,
)
_NOTHING_STATED = re.compile(
    r"^(?:not\s+specified|see\s+(?:disease|patient)\s+characteristics|see\s+general\s+eligibility\s+criteria"
    r"|see\s+prior\s+concurrent\s+therapy"
    r"|none|n/?a|no\s+restrictions?|not\s+applicable)\.?$",
    re.IGNORECASE,
)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


class Piece(msgspec.Struct, frozen=True, kw_only=True):
    """One atomic criterion found in the text, before its rules are read."""

    id: str
    kind: CriterionKind
    span: Span
    text: str
    parent: str | None = None
    topic: str | None = None


class _Item:
    """A list item being assembled: its marker's indentation and family, its lines' spans."""

    __slots__ = ("children", "end", "family", "indent", "start", "topic")

    def __init__(self, start: int, end: int, indent: int, topic: str | None, family: str = "") -> None:
        self.start, self.end, self.indent, self.topic, self.family = start, end, indent, topic, family
        self.children: list[_Item] = []


def _family(marker: str) -> str:
    """bullet, number, letter or roman: lists of another family under a ":" item are sub-points."""
    core = marker.strip("()")[:-1] if marker[-1:] in ".)" else marker.strip("()")
    if core.isdigit():
        return "number"
    if core.lower() in {"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"}:
        return "roman"
    if core.isalpha() and len(core) == 1 and marker not in {"o"}:
        return "letter"
    return "bullet"


def _nests_under(parent: _Item, family: str, view: str) -> bool:
    """At the same indentation, a marker of another family is a sub-point when the item above
    ends with ":" (or already has sub-points of that family)."""
    if parent.family == family:
        return False
    if parent.children and parent.children[-1].family == family:
        return True
    return view[parent.start : parent.end].rstrip().endswith(":")


_OUTLINE_NUMBER = re.compile(r"^(?:[IVX]+|\d+|[A-Z])(?:\.\d+)*[.)]?\s+")


def _heading_kind(line: str) -> CriterionKind | None:
    stripped = _OUTLINE_NUMBER.sub("", line.strip().strip("*#_=-").strip()).strip()
    if not stripped or len(stripped) > 120:
        return None
    if _COMBINED_HEADING.match(stripped):
        return CriterionKind.INCLUSION
    if _EXCLUSION_HEADING.match(stripped):
        return CriterionKind.EXCLUSION
    # "Patient must have ..." is a criterion, not a heading: a heading ends with ":" or is short.
    short = stripped.endswith(":") or len(stripped.split()) <= 6 or stripped.isupper()
    if short and _INCLUSION_HEADING.match(stripped):
        return CriterionKind.INCLUSION
    return None


_SUBJECT_SENTENCE = re.compile(
    r"(?:patients?|subjects?|participants?|individuals|those|children|women|men|volunteers)\s+"
    r"(?:must|should|who|with|may|will|are|have)\b",
    re.IGNORECASE,
)


def _is_topic(content: str) -> bool:
    """An NCI-format topic line ("Age:", "Hepatic:", "Prior chemotherapy:") or a bare label."""
    words = content.rstrip(":").split()
    return (
        content.endswith(":")
        and 0 < len(words) <= 5
        and content[0].isupper()
        and not any(ch.isdigit() for ch in content)
        and content.count("(") == content.count(")")
    )


def _is_label(content: str, lines: list[tuple[int, int, str]], number: int) -> bool:
    """A short unmarked label over a list ("Medical Conditions", "Age"): a few words, no
    sentence punctuation, and the next non-blank line starts a list item."""
    words = content.split()
    if not 0 < len(words) <= 6 or content[-1] in ".;,:" or not content[0].isupper():
        return False
    for _, _, following in lines[number + 1 :]:
        if following.strip():
            return _MARKER.match(following) is not None
    return False


def _lines(text: str) -> list[tuple[int, int, str]]:
    """(start, end, line) for every line of the text, offsets without the newline."""
    out = []
    position = 0
    for line in text.split("\n"):
        out.append((position, position + len(line), line))
        position += len(line) + 1
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow [start, end) to drop surrounding whitespace and trailing ';'/','."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ";,"):
        end -= 1
    return start, end


class _Para:
    """An unmarked paragraph: its span and the topic it stands under."""

    __slots__ = ("end", "start", "topic")

    def __init__(self, start: int, end: int, topic: str | None) -> None:
        self.start, self.end, self.topic = start, end, topic


#: What may follow a heading on its line and still be part of it: "Inclusion Criteria: Patients
#: Must", "Exclusion criteria: subjects will not be enrolled if they:".
_INTRO_REST = re.compile(
    r"^\s*(?:(?:the\s+)?(?:patients?|subjects?|participants?|volunteers?|you|they|candidates)\s+"
    r"(?:must|should|will|may|are|have|has|can|cannot)(?:\s+not)?(?:\s+(?:be|have|meet))?\s*:?|[^\n]*:)\s*$",
    re.IGNORECASE,
)


#: A heading cut out of a paragraph: it ends with ":" or "--", or is in capitals.
_FORCED_HEADING = re.compile(r"(?::|--)\s*$|^[^a-z]*$")


def _heading_prefix(view: str, start: int, end: int) -> int | None:
    """Where the text after a heading on the same line begins ("DISEASE CHARACTERISTICS: Stage
    IV ...", "Exclusion Criteria: Pregnant women"), or None."""
    colon = view.find(":", start, min(end, start + 90))
    if colon < 0 or not view[colon + 1 : end].strip():
        return None
    if _heading_kind(view[start : colon + 1]) is None or _INTRO_REST.match(view[colon + 1 : end]):
        return None
    return colon + 1


def _segments(view: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    """[start, end) cut at headings and topics found inside it (all forced new lines)."""
    found = cuts(view, start, end)
    if not found:
        return [(start, end, False)]  # nothing inside: read as the line it is (a label, a paragraph)
    out = []
    edges = [start, *found, end]
    for a, b in itertools.pairwise(edges):
        a, b = _trim(view, a, b)
        if a < b:
            out.append((a, b, True))
    return out


def _own_run(view: str, start: int, end: int, line: str) -> list[tuple[int, int]]:
    """A line "1) age > 18 2) ECOG 0-1" cut before each of its markers (its items at one level)."""
    marker = _MARKER.match(line)
    if marker is None or marker.group("indent") or not marker.group("marker").endswith(")"):
        return [(start, end)]
    starts = line_run(view, start + len(marker.group("indent")), end)
    if len(starts) < 2 or starts[0] != start:
        return [(start, end)]
    edges = [*starts, end]
    return list(itertools.pairwise(edges))


def _logical_lines(view: str, legacy: bool) -> list[tuple[int, int, bool]]:
    """The text's lines as (start, end, forced): `forced` lines begin a new piece. A line with a
    heading and text after it is two lines; in the PDQ layout, a paragraph without list markers
    is one line cut at its headings and topics (its line breaks are only wrapping)."""
    lines = _lines(view)
    out: list[tuple[int, int, bool]] = []
    n = 0
    while n < len(lines):
        start, end, line = lines[n]
        after_blank = n == 0 or not lines[n - 1][2].strip()
        if legacy and line.strip() and after_blank and not _MARKER.match(line):
            last = n
            while (
                last + 1 < len(lines) and lines[last + 1][2].strip() and not _MARKER.match(lines[last + 1][2])
            ):
                last += 1
            for a, b, forced in _segments(view, start, lines[last][1]):
                out.extend(_after_heading(view, a, b) or [(a, b, forced)])
            n = last + 1
            continue
        split = None if _MARKER.match(line) else _after_heading(view, start, end)
        out.extend(split or [(a, b, False) for a, b in _own_run(view, start, end, line)])
        n += 1
    return out


def _after_heading(view: str, start: int, end: int) -> list[tuple[int, int, bool]] | None:
    """A heading and the text after it on its line, as two lines; None if there is no such heading."""
    a, b = _trim(view, start, end)
    cut = _heading_prefix(view, a, b) if a < b else None
    if cut is None:
        return None
    return [(a, cut, True), (*_trim(view, cut, b), True)]


def _units(view: str, para: _Para, legacy: bool) -> list[Unit]:
    """A paragraph's criteria; in the PDQ layout, each sentence also cut where a lost bullet began."""
    found = units(view, para.start, para.end)
    if not legacy:
        return found
    out = []
    for unit in found:
        if unit.points:
            out.append(unit)
            continue
        edges = [unit.start, *item_starts(view, unit.start, unit.end), unit.end]
        out.extend(Unit(a, b) for a, b in itertools.pairwise(edges))
    return out


def split_criteria(text: str) -> list[Piece]:
    """The atomic criteria of an eligibility text, in order, with exact spans."""
    view = _HTML_COMMENT.sub(lambda m: " " * len(m.group(0)), matchable(text))
    legacy = is_legacy(view)
    kind = CriterionKind.INCLUSION
    topic: str | None = None
    sections: list[tuple[CriterionKind, list[_Item | _Para]]] = [(kind, [])]
    stack: list[_Item] = []
    logical = _logical_lines(view, legacy)
    lines = [(start, end, view[start:end]) for start, end, _ in logical]
    forced = {start for start, _, f in logical if f}
    blank_before = True
    for number, (start, end, line) in enumerate(lines):
        content = line.strip()
        if not content:
            blank_before = True
            continue
        marker = _MARKER.match(line)
        body = line[marker.end() :].strip() if marker else content
        heading = _heading_kind(body)
        if heading is not None and start in forced and not _FORCED_HEADING.search(body):
            heading = None  # a cut-out sentence ("Not eligible for ...") is no heading
        if heading is not None:
            kind, topic = heading, None
            sections.append((kind, []))
            stack, blank_before = [], False
            continue
        items = sections[-1][1]
        if not marker and (_is_topic(body) or (start not in forced and _is_label(body, lines, number))):
            topic, stack, blank_before = body.rstrip(":").strip(), [], False
            continue
        indent = len(line) - len(line.lstrip())
        if marker:
            item = _Item(
                start + marker.end(), end, len(marker.group("indent")), topic, _family(marker.group("marker"))
            )
            while stack and (
                stack[-1].indent > item.indent
                or (stack[-1].indent == item.indent and not _nests_under(stack[-1], item.family, view))
            ):
                stack.pop()
            (stack[-1].children if stack else items).append(item)
            stack.append(item)
        elif start in forced:
            items.append(_Para(start, end, topic))
            stack = []
        elif stack and (not blank_before or indent > stack[-1].indent):
            stack[-1].end = end  # a continuation line of the current item
        elif not blank_before and items and isinstance(items[-1], _Para):
            items[-1].end = end  # the next line of a paragraph
        else:
            if _SUBJECT_SENTENCE.match(body):
                topic = None  # "Patients must have: ..." starts its own list, under no label
            items.append(_Para(start, end, topic))
            stack = []
        blank_before = False

    pieces: list[Piece] = []
    counters = {CriterionKind.INCLUSION: 0, CriterionKind.EXCLUSION: 0}

    def emit(section_kind: CriterionKind, item: _Item, parent: str | None, number: str) -> bool:
        found = enumeration(view, item.start, item.end)
        if found is not None:  # "Women must use one of: a) ... b) ...": the items are sub-points
            item.end = found[0]
            item.children[:0] = [_Item(a, b, item.indent + 1, item.topic) for a, b in found[1]]
        start, end = _trim(text, item.start, item.end)
        words = text[start:end]
        if not words or (_NOTHING_STATED.match(words.strip()) and not item.children):
            return False
        prefix = "I" if section_kind is CriterionKind.INCLUSION else "E"
        pieces.append(
            Piece(
                id=f"{prefix}{number}",
                kind=section_kind,
                span=Span(start, end),
                text=words,
                parent=parent,
                topic=item.topic,
            )
        )
        n = 0
        for child in item.children:
            n += 1
            if not emit(section_kind, child, f"{prefix}{number}", f"{number}.{n}"):
                n -= 1  # "Not specified": no criterion, no number
        return True

    for section_kind, entries in sections:
        for entry in entries:
            if isinstance(entry, _Item):
                counters[section_kind] += 1
                if not emit(section_kind, entry, None, str(counters[section_kind])):
                    counters[section_kind] -= 1
                continue
            start, end = entry.start, entry.end
            if view[start:end].rstrip().endswith(":") and len(view[start:end].split()) <= 20:
                continue  # a preamble to the list that follows ("... if all of the following apply:")
            for unit in _units(view, entry, legacy):
                counters[section_kind] += 1
                piece = _Item(unit.start, unit.end, 0, entry.topic)
                piece.children = [_Item(a, b, 1, entry.topic) for a, b in unit.points]
                if not emit(section_kind, piece, None, str(counters[section_kind])):
                    counters[section_kind] -= 1
    return pieces


#: What any inclusion or exclusion heading holds (a cheap test before the heading patterns).
_MAY_BE_HEADING = (
    "clusion",
    "eligib",
    "criteri",
    "characteristic",
    "entry",
    "enrol",
    "selection",
    "therapy",
    "not",
    "to be",
)


def inclusion_text(criteria: str) -> str:
    """The criteria text without its exclusion sections (what a trial asks its patients to
    have, for ranking by what the trial is about): each line from an exclusion heading up to
    the next inclusion heading is left out. Cheap: one look at each line, no parse."""
    kept: list[str] = []
    excluding = False
    for line in criteria.splitlines():
        head = line.split(":", 1)[0] + ":" if ":" in line[:90] else line
        low = head.lower()
        if len(head) > 100 or not any(word in low for word in _MAY_BE_HEADING):
            if not excluding:
                kept.append(line)
            continue
        kind = _heading_kind(head) or _heading_kind(line)
        if kind is not None:
            excluding = kind is CriterionKind.EXCLUSION
        if not excluding:
            kept.append(line)
    return "\n".join(kept)
