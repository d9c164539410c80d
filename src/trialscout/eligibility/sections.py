"""Split a trial's eligibility text into its inclusion and exclusion parts.

The registry writes one free-text block with headings in many forms ("Inclusion Criteria:",
"INCLUSION CRITERIA", "Key Exclusion Criteria", "Criteria for exclusion"). Each part keeps its
exact character span in the original text.
"""

from __future__ import annotations

import re
from enum import StrEnum

import msgspec


class Kind(StrEnum):
    INCLUSION = "inclusion"
    EXCLUSION = "exclusion"
    OTHER = "other"  # text before any heading, or under a heading that is neither


class Section(msgspec.Struct, frozen=True):
    kind: Kind
    heading: str | None
    start: int  # span of the body (after the heading) in the original text
    end: int

    def text(self, source: str) -> str:
        return source[self.start : self.end]


_HEADING = re.compile(
    r"""^[ \t>*#\-•]*                                   # bullets or markdown before a heading
        (?P<heading>
          (?:key\s+|main\s+|general\s+|major\s+|additional\s+|specific\s+)?
          (?:(?P<inc>inclusion|include|eligibility)|(?P<exc>exclusion|exclude|non[- ]?inclusion))
          (?:\s+criteria|\s+criterion)?
          |criteria\s+for\s+(?:(?P<inc2>inclusion)|(?P<exc2>exclusion))
        )
        [ \t]*(?:\([^)\n]{0,60}\))?[ \t]*[:.\-]?[ \t]*\**[ \t]*$""",
    re.IGNORECASE | re.MULTILINE | re.VERBOSE,
)


def split_sections(text: str) -> list[Section]:
    """The sections of an eligibility text, in order; the whole text is one OTHER section
    when it has no heading."""
    headings = list(_HEADING.finditer(text))
    sections: list[Section] = []
    if not headings:
        return [Section(Kind.OTHER, None, 0, len(text))] if text.strip() else []
    if text[: headings[0].start()].strip():
        sections.append(Section(Kind.OTHER, None, 0, headings[0].start()))
    for index, match in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        kind = Kind.EXCLUSION if match.group("exc") or match.group("exc2") else Kind.INCLUSION
        sections.append(Section(kind, match.group("heading").strip(), match.end(), end))
    return sections
