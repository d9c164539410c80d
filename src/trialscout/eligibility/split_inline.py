"""A paragraph's criteria: its sentences, and the items of enumerations inside it.

A paragraph of criteria text may hold several criteria: sentences ("... skin cancer. Patients
with ... can be included."), and enumerations written inline: "(a) female; (b) aged 45 or
older; (c) ...", "a) ... b) ...", "1) ... 2) ...", "i) ... ii) ...". An enumeration's items are
criteria of their own; the words before the first marker, when there are any ("... including:",
"Medications a) ..."), introduce them, and the items are its sub-points.

Only a real run counts as an enumeration: markers of one style, in order from the first ("a",
"1", "i"), at least two, each at a word boundary and, for a marker without its opening
parenthesis, outside any parenthesis ("(grade 1) or 2)" is not one). "grade 2)", "Type 2
diabetes", "(b) cell", decimals, "vs.", "e.g." are words, not markers.
"""

from __future__ import annotations

import itertools
import re

import msgspec

SENTENCE_END = re.compile(
    r"(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)(?<!\betc)(?<!\bapprox)(?<!\bDr)(?<!\bNo)(?<!\bSt)(?<!\bFig)(?<!\bet\sal)"
    r"[.;](?=\s+[A-Z(\"“])"
)
_PERIOD_END = re.compile(
    r"(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)(?<!\betc)(?<!\bapprox)(?<!\bDr)(?<!\bNo)(?<!\bSt)(?<!\bFig)(?<!\bet\sal)"
    r"\.(?=\s+[A-Z\"“])"
)
_MARK = re.compile(r"(?:(?<=[\s:;,])|^)(\(?)([a-z]|[ivx]{1,4}|\d{1,2})\)(?=\s)", re.MULTILINE)
_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")
#: Nouns numbered in criteria: "grade 1) ... 2)" counts grades, not items.
_COUNTED = re.compile(
    r"\b(?:grade|grades|stage|stages|type|types|class|phase|cycle|cycles|day|days|week|weeks|level|arm"
    r"|group|part|cohort|step|tier|visit|dose|doses|line|lines|criterion|version)\s*$",
    re.IGNORECASE,
)


class Unit(msgspec.Struct, frozen=True):
    """One criterion of a paragraph, and the spans of its sub-points (an enumeration it introduces)."""

    start: int
    end: int
    points: tuple[tuple[int, int], ...] = ()


class _Mark(msgspec.Struct, frozen=True):
    start: int  # where the marker begins
    end: int  # where its item's words begin
    style: str  # "(" for "(a)", "" for "a)"
    letter: int  # its place as a letter (a=1), 0 if not one
    roman: int  # as a roman numeral, 0 if not one
    number: int  # as a number, 0 if not one


def sentences(view: str, start: int, end: int) -> list[tuple[int, int]]:
    """A run-on paragraph's sentences (spans); one span when it has one sentence."""
    spans = []
    cursor = start
    for match in SENTENCE_END.finditer(view, start, end):
        spans.append((cursor, match.end()))
        cursor = match.end()
    spans.append((cursor, end))
    return [s for s in spans if view[s[0] : s[1]].strip(" \t\n.;")]


def _marks(view: str, start: int, end: int) -> list[_Mark]:
    found = []
    for match in _MARK.finditer(view, start, end):
        core = match.group(2)
        letter = ord(core) - 96 if len(core) == 1 and core.isalpha() else 0
        roman = _ROMAN.index(core) + 1 if core in _ROMAN else 0
        number = int(core) if core.isdigit() else 0
        found.append(_Mark(match.start(), match.end(), match.group(1), letter, roman, number))
    return found


def _depth(view: str, start: int, end: int, closers: int) -> int:
    """Open parentheses in view[start:end], not counting `closers` markers' ")"."""
    chunk = view[start:end]
    return chunk.count("(") - chunk.count(")") + closers


def _run(view: str, marks: list[_Mark], start: int) -> list[_Mark]:
    """The first enumeration among `marks`: in order from the first value, at least two."""
    for n, first in enumerate(marks):
        for family in ("letter", "roman", "number"):
            if getattr(first, family) != 1:
                continue
            run = [first]
            for mark in marks[n + 1 :]:
                if mark.style == first.style and getattr(mark, family) == len(run) + 1:
                    run.append(mark)
            if len(run) >= 2 and _plausible(view, run, start, family):
                return run
    return []


def _plausible(view: str, run: list[_Mark], start: int, family: str) -> bool:
    for k, mark in enumerate(run):
        if mark.style == "" and _depth(view, start, mark.start, k) != 0:
            return False  # the ")" closes a parenthesis: "(grade 1) ... 2)"
        if (
            family == "number"
            and mark.style == ""
            and _COUNTED.search(view[max(start, mark.start - 12) : mark.start])
        ):
            return False
    return all(view[a.end : b.start].strip(" \t\n;,.") for a, b in itertools.pairwise(run))


def units(view: str, start: int, end: int) -> list[Unit]:
    """The criteria of the paragraph view[start:end]: its sentences, and the items of an inline
    enumeration, under the words that introduce it when there are any."""
    run = _run(view, _marks(view, start, end), start)
    if not run:
        return [Unit(a, b) for a, b in sentences(view, start, end)]
    before = sentences(view, start, run[0].start)
    intro: tuple[int, int] | None = None
    if before and view[before[-1][0] : run[0].start].rstrip()[-1:] not in (".", ";"):
        intro = before.pop()  # "... including:", "Medications a) ..."
    tail = _PERIOD_END.search(view, run[-1].end, end)
    stop = tail.end() if tail else end
    items = [(a.end, b.start) for a, b in itertools.pairwise(run)] + [(run[-1].end, stop)]
    out = [Unit(a, b) for a, b in before]
    if intro is not None:
        out.append(Unit(intro[0], intro[1], tuple(items)))
    else:
        out.extend(Unit(a, b) for a, b in items)
    if stop < end:
        out.extend(units(view, stop, end))
    return out


def enumeration(view: str, start: int, end: int) -> tuple[int, list[tuple[int, int]]] | None:
    """An enumeration inside one list item, after words that introduce it ("Women must use one
    of: a) ... b) ..."): where its first marker begins, and its items' spans (the last to `end`)."""
    run = _run(view, _marks(view, start, end), start)
    if not run or not view[start : run[0].start].strip():
        return None
    items = [(a.end, b.start) for a, b in itertools.pairwise(run)] + [(run[-1].end, end)]
    return run[0].start, items


def line_run(view: str, start: int, end: int) -> list[int]:
    """Where the markers of an enumeration that begins at `start` begin ("1) ... 2) ..."), or []."""
    run = _run(view, _marks(view, start, end), start)
    return [mark.start for mark in run] if run and run[0].start == start else []
