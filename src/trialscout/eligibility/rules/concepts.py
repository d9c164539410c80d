"""Concept rules: what a criterion says about diseases, treatments and comorbidities.

`read_concepts(text, view, kind)` reads one criterion once (`clauses.reading`: the named
conditions, drugs and procedures, the time windows, the exceptions) and runs the concept
readers over it in an order that lets the most specific speak first; each claims the words it
read, so that a later, more general reader leaves them:

1. `comorbidities`: CNS metastases, organ transplant, autoimmune disease, another malignancy;
2. `infections`: HIV, hepatitis B and C, tuberculosis, active infection;
3. `diagnosis`: the trial's target disease with histology, stage, setting, confirmation;
4. `therapy`: prior therapy (lines, progression, windows), procedures, concurrent medications;
5. `conditions`: every other condition, with its qualifier and window.

Words in an exception ("except adequately treated non-melanoma skin cancer") or an allowing
clause ("patients with treated brain metastases are eligible") make no rule of their own; they
are kept as exceptions, and parts, of the rule they qualify.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from trialscout.eligibility.model import CriterionKind, Rule
from trialscout.eligibility.rules import comorbidities, conditions, diagnosis, infections, therapy
from trialscout.eligibility.rules.clauses import Claimed, Reading, reading

# "SURGERY: Not specified" states nothing.
_NOTHING_STATED = re.compile(
    r"(?:^|:)\s*(?:not\s+specified|not\s+applicable|none|n/?a)\.?\s*$", re.IGNORECASE
)
ConceptReader = Callable[[Reading, Claimed], list[Rule]]

CONCEPT_READERS: tuple[ConceptReader, ...] = (
    *comorbidities.READERS,
    *infections.READERS,
    *diagnosis.READERS,
    *therapy.READERS,
    *conditions.READERS,
)


def read_concepts(text: str, view: str, kind: CriterionKind) -> list[Rule]:
    """Every concept rule in one criterion's words (spans are offsets in ``text``)."""
    if not text.strip() or _NOTHING_STATED.search(view):
        return []
    shared = reading(text, view, kind)
    claimed = Claimed()
    rules: list[Rule] = []
    for reader in CONCEPT_READERS:
        try:
            rules.extend(reader(shared, claimed))
        except Exception:  # noqa: BLE001 - one reader's bug must cost its rules, not the criterion's
            continue
    return rules


READERS = (read_concepts,)
