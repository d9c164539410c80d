"""The last look at a built sentence: slips a patient would notice, which cost the sentence.

`sound(sentence)` is False for a sentence with a known slip of the rewriting (two finite verbs
run together, "you are" before a disease, a "negative" left after "I have", brackets run
together, a frame around a frame). Such a criterion gets no sentence of ours: the registry's
own words are shown instead, which is better than a garbled or inverted sentence.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

_SLIPS = re.compile(
    # two finite verbs run together: "My cancer is has", "you have had previously been", "I am is"
    r"\b(?:is|are|am|was|were)\s+(?:has|have|had|is|are|am|was|were)\b"
    r"|\b(?:have|has)\s+had\s+(?:(?:previously|already|ever|recently|also|only|not)\s+)*(?:been|received|undergone|had)\b"
    r"|\b(?:have|has|do|does|am|are|is)\s+(?:have|has|do|does)\s+(?!not\b|to\b)"
    r"|\b(I|you)\s+(?:do\s+not\s+)?(?:have|am|are)\s+(?:\w+\s+)?(?:\([^()]*\)\s+)?(?:negative|positive|seronegative|seropositive)\b"
    r"(?!\s+(?:for|test|result))"
    # brackets run together, a frame inside a frame, a label left at the end
    r"|\)\(|\bYou cannot join if:|\bThe trial requires:\s*(?:you|I)\b|\byou cannot join if you cannot join\b"
    r"|\bI am (?:patients|subjects|participants)\b"
    r"|\b(?:if|and)\s+(?:I|you)\s+(?:am|are)\s+(?:no|not\s+no)\b"
    # a noun of the registry's said as had ("I have failure of X"), a verb left inside a being
    r"|\b(?:I|you)\s+(?:do\s+not\s+)?have\s+(?:failure|progression|relapse|recurrence)\s+(?:of|on|after|during)\b"
    r"|\b(?:I am|you are)\s+(?:a|an)\s[^,.;:]*?\s(?:must|should|shall|need\s+to)\s",
    _I,
)
#: "you are" / "I am" before a noun phrase that names a disease ("you are clinically significant
#: lung disease"): a being is said where a having is meant.
_BE_DISEASE = re.compile(
    r"\b(?:I am|you are)\s+(?!not\b|a\b|an\b|at\b|on\b|in\b|able\b|unable\b|willing\b|receiving\b|taking\b"
    r"|using\b|known\s+to\b|diagnosed\b|treated\b|free\b|allergic\b|being\b|undergoing\b|eligible\b|likely\b)"
    r"(?:(?:clinically|medically|currently|newly|significantly|highly)\s+)?"
    r"(?:(?!(?:from|of|with|to|for|due|by|after|on|in|at|because|without|free)\b)[\w-]+,?\s+){0,6}?"
    r"(?:disease|diseases|disorder|disorders|infection|infections|metastases|metastasis|cancer|tumou?r|failure"
    r"|insufficiency|syndrome|hypertension|diabetes|angina)\b",
    _I,
)


def sound(sentence: str) -> bool:
    """Whether a built sentence is free of the slips the rewriting is known to make."""
    return not (_SLIPS.search(sentence) or _BE_DISEASE.search(sentence))
