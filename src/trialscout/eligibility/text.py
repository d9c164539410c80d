"""A view of criteria text for pattern matching that keeps every character offset.

Registry text comes in two dialects: legacy XML writes "&gt;", "≥" or ">=" as typed; API v2
writes markdown with escapes ("\\>", "\\<", "\\*", "\\^"). Patterns are written once, against
`matchable(text)`: the same length as the text, with each markdown escape's backslash turned
into a space and typographic variants of comparison signs, dashes and spaces made plain, so a
match's offsets are offsets in the original text.
"""

from __future__ import annotations

import re

_ESCAPE = re.compile(r"\\(?=[\\`*_{}\[\]()#+\-.!<>^~|=])")
_SAME_LENGTH = str.maketrans(
    {
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2212": "-",  # minus sign
        "\u00a0": " ",  # no-break space
        "\u2009": " ",  # thin space
        "\u202f": " ",  # narrow no-break space
        "\u00d7": "x",  # multiplication sign, as in "3 × ULN"
        "\u2264": "≤",
        "\u2265": "≥",
        "\u2019": "'",
        "\u2018": "'",
    }
)


def matchable(text: str) -> str:
    """`text` made regular for patterns, character for character (same length, same offsets)."""
    return _ESCAPE.sub(" ", text).translate(_SAME_LENGTH)
