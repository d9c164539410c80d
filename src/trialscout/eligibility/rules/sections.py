"""Sections of a legacy criterion: "PRIOR CONCURRENT THERAPY: Biologic therapy: Not specified
Chemotherapy: No prior chemotherapy ... Surgery: No more than 5 weeks between surgery and ...".

Such a criterion is one sentence of labelled sections. A label that states nothing ("Biologic
therapy: Not specified") asks nothing of the patient; a time window belongs to the section it is
in, never to a drug named under another label ("5 weeks" is the surgery's, not the biologic
therapy's).
"""

from __future__ import annotations

import re

import msgspec

from trialscout.eligibility.mentions import Mention
from trialscout.eligibility.model import TimeWindow
from trialscout.eligibility.rules import clauses
from trialscout.eligibility.rules.clauses import Reading

# A label: a capitalised word and up to three lowercase ones, then a colon ("Endocrine therapy: ";
# in "... corticosteroids allowed Radiotherapy:" the label is "Radiotherapy").
_LABEL = re.compile(r"(?<![\w,;(/-])[A-Z][A-Za-z/&-]*(?:[ \t]+[a-z/&-][A-Za-z/&-]*){0,3}:(?=\s)")
_STATES_NOTHING = re.compile(
    r"\s*:\s*(?:not\s+specified|none|n/?a|not\s+applicable|unspecified|see\s+(?:\w+\s+){0,2}characteristics)\b"
)


_COLON = re.compile(r"\s*:\s")


def label_over_its_words(reading: Reading, mention: Mention) -> bool:
    """Whether the mention is a section's label with other drugs or procedures named under it
    ("Chemotherapy: No prior chemotherapy", "Biologic therapy: No prior trastuzumab"): the words
    under it say what the section asks, the label nothing."""
    end = mention.span.end
    if _COLON.match(reading.view, end) is None:
        return False
    following = _LABEL.search(reading.view, end + 1)
    stop = following.start() if following else len(reading.view)
    return any(end < m.span.start < stop for m in reading.mentions)


def after_label(reading: Reading, start: int, end: int) -> int:
    """Where the words under a label begin ("Chemotherapy: |At least 4 weeks since prior"), for
    the phrase at [start, end) when it is one; else ``start``."""
    colon = _COLON.match(reading.view, end)
    return colon.end() if colon is not None else start


def section(reading: Reading, start: int) -> tuple[int, int]:
    """The section holding ``start``: from the last label at or before it (the label's words are
    its section's) to the next label, within the sentence; the sentence where it has no labels."""
    low, high = clauses.sentence(reading, start)
    section_low, section_high = low, high
    for label in _LABEL.finditer(reading.view, low, high):
        if label.start() <= start:
            section_low = label.start()
        else:
            section_high = label.start()
            break
    return section_low, section_high


def section_start(reading: Reading, low: int, start: int) -> int:
    """Where the section holding ``start`` begins: after the last label before it, or ``low``."""
    labels = [m.end() for m in _LABEL.finditer(reading.view, low, start)]
    return labels[-1] if labels else low


def states_nothing(reading: Reading, end: int) -> bool:
    """Whether the words ending at ``end`` are a label that states nothing ("Chemotherapy: Not
    specified")."""
    return _STATES_NOTHING.match(reading.lower, end) is not None


def window_for(reading: Reading, start: int, end: int) -> TimeWindow | None:
    """`clauses.window_for`, among the windows of the phrase's own section: none from across a
    label ("5 weeks" under "Surgery:" is no window of the chemotherapy before it)."""
    low, high = section(reading, start)
    if (low, high) == clauses.sentence(reading, start):
        return clauses.window_for(reading, start, end)
    inside = tuple(w for w in reading.windows if w.span is not None and low <= w.span.start < high)
    return clauses.window_for(msgspec.structs.replace(reading, windows=inside), start, end)
