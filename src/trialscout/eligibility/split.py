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
  and decimals whole.

Text outside any heading is inclusion (a list of requirements) unless it says otherwise.
"""

from __future__ import annotations

import re

import msgspec

from trialscout.eligibility.model import CriterionKind, Span
from trialscout.eligibility.text import matchable

_EXCLUSION_HEADING = re.compile(
    r"""^(?:key\s+|main\s+|major\s+|general\s+|additional\s+|specific\s+|other\s+|important\s+)?
        (?:exclusion|non[-\s]?inclusion|ineligibility)\s*(?:criteria|criterion)?\b
      | ^criteria\s+for\s+(?:exclusion|non[-\s]?inclusion)\b
      | ^(?:patients?|participants?|subjects?|you|children|women|men|individuals|volunteers)\s+
        (?:will\s+not|may\s+not|are\s+not|cannot|can\s*not|must\s+not|should\s+not)\s+(?:be\s+)?
        (?:eligible|included|enrolled|participate)
      | ^(?:you\s+)?(?:cannot|can\s*not)\s+(?:take\s+part|participate|join)
      | ^not\s+eligible\b""",
    re.IGNORECASE | re.VERBOSE,
)
_INCLUSION_HEADING = re.compile(
    r"""^(?:key\s+|main\s+|major\s+|general\s+|additional\s+|specific\s+|important\s+)?
        (?:inclusion|eligibility|entry|enrol?lment|selection|participant|patient)\s*(?:criteria|criterion)\b
      | ^criteria\s+for\s+(?:inclusion|eligibility|entry)\b
      | ^(?:disease|patient|participant)\s+characteristics\b
      | ^prior\s+(?:and\s+)?concurrent\s+therapy\b
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
    r"|none|n/?a|no\s+restrictions?|not\s+applicable)\.?$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(
    r"(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)(?<!\betc)(?<!\bapprox)(?<!\bDr)(?<!\bNo)(?<!\bSt)(?<!\bFig)(?<!\bet\sal)"
    r"[.;](?=\s+[A-Z(\"“])"
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
    stripped = _OUTLINE_NUMBER.sub("", line.strip().strip("*#_").strip()).strip()
    if not stripped or len(stripped) > 120:
        return None
    if _EXCLUSION_HEADING.match(stripped):
        return CriterionKind.EXCLUSION
    # "Patient must have ..." is a criterion, not a heading: a heading ends with ":" or is short.
    short = stripped.endswith(":") or len(stripped.split()) <= 6 or stripped.isupper()
    if short and _INCLUSION_HEADING.match(stripped):
        return CriterionKind.INCLUSION
    return None


def _is_topic(content: str) -> bool:
    """An NCI-format topic line ("Age:", "Hepatic:", "Prior chemotherapy:") or a bare label."""
    words = content.rstrip(":").split()
    return content.endswith(":") and 0 < len(words) <= 5 and not any(ch.isdigit() for ch in content)


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


def _sentences(view: str, start: int, end: int) -> list[tuple[int, int]]:
    """A run-on paragraph's sentences (spans); one span when it has one sentence."""
    spans = []
    cursor = start
    for match in _SENTENCE_END.finditer(view, start, end):
        spans.append((cursor, match.end()))
        cursor = match.end()
    spans.append((cursor, end))
    return [s for s in spans if view[s[0] : s[1]].strip(" \t\n.;")]


def split_criteria(text: str) -> list[Piece]:
    """The atomic criteria of an eligibility text, in order, with exact spans."""
    view = _HTML_COMMENT.sub(lambda m: " " * len(m.group(0)), matchable(text))
    kind = CriterionKind.INCLUSION
    topic: str | None = None
    sections: list[tuple[CriterionKind, list[_Item | tuple[int, int]]]] = [(kind, [])]
    stack: list[_Item] = []
    lines = [(start, end, line) for start, end, line in _lines(view)]
    blank_before = True
    for number, (start, end, line) in enumerate(lines):
        content = line.strip()
        if not content:
            blank_before = True
            continue
        marker = _MARKER.match(line)
        body = line[marker.end() :].strip() if marker else content
        heading = _heading_kind(body)
        if heading is not None:
            kind, topic = heading, None
            sections.append((kind, []))
            stack, blank_before = [], False
            continue
        items = sections[-1][1]
        if not marker and (_is_topic(body) or _is_label(body, lines, number)):
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
        elif stack and (not blank_before or indent > stack[-1].indent):
            stack[-1].end = end  # a continuation line of the current item
        elif not blank_before and items and isinstance(items[-1], tuple):
            items[-1] = (items[-1][0], end)  # the next line of a paragraph
        else:
            items.append((start, end))
            stack = []
        blank_before = False

    pieces: list[Piece] = []
    counters = {CriterionKind.INCLUSION: 0, CriterionKind.EXCLUSION: 0}

    def emit(section_kind: CriterionKind, item: _Item, parent: str | None, number: str) -> None:
        start, end = _trim(text, item.start, item.end)
        words = text[start:end]
        if not words or (_NOTHING_STATED.match(words.strip()) and not item.children):
            return
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
        for n, child in enumerate(item.children, start=1):
            emit(section_kind, child, f"{prefix}{number}", f"{number}.{n}")

    for section_kind, items in sections:
        for entry in items:
            if isinstance(entry, _Item):
                counters[section_kind] += 1
                emit(section_kind, entry, None, str(counters[section_kind]))
                continue
            start, end = entry
            if view[start:end].rstrip().endswith(":") and len(view[start:end].split()) <= 20:
                continue  # a preamble to the list that follows ("... if all of the following apply:")
            for s_start, s_end in _sentences(view, start, end):
                counters[section_kind] += 1
                emit(section_kind, _Item(s_start, s_end, 0, None), None, str(counters[section_kind]))
    return pieces
