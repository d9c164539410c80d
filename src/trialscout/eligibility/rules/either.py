"""A value outside a range, on either side: "age < 18 or > 75", "INR < 1.5 or > 3 x ULN".

The words name two limits, either of which the trial means. An exclusion rules out both sides
(two ABSENT rules, each must hold); an inclusion allows either side (two PRESENT rules, one is
enough). A negated inclusion ("No hemoglobin less than 11.0 or greater than 19.0 g/dL") rules
out both sides, which is to say it asks for the range between them: one PRESENT rule,
`between(below, above)`, so that no reader takes the two for alternatives.

`BELOW` and `ABOVE` are the comparators of each side, as patterns.
"""

from __future__ import annotations

from trialscout.eligibility.model import Bound

BELOW = r"<\s*=|<|≤|under|below|(?:less|lower|younger)\s+than|at\s+most|up\s+to"
ABOVE = r">\s*=|>|≥|over|above|beyond|exceeding|(?:more|greater|higher|older)\s+than|at\s+least"


def between(below: Bound, above: Bound) -> Bound:
    """The range left between an upper limit ("< 11") and a lower one ("> 19"): 11 to 19, each
    end included where the limit excluded it."""
    return Bound(
        low=below.high,
        low_inclusive=not below.high_inclusive,
        high=above.low,
        high_inclusive=not above.low_inclusive,
    )


def apart(one: Bound, other: Bound) -> bool:
    """Two one-sided limits that leave a range between them ("< 1.5" and "> 3"), in either order."""
    high = one.high if one.high is not None else other.high
    low = one.low if one.low is not None else other.low
    return high is not None and low is not None and high <= low
