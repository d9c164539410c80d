"""Typed rules read from one criterion's words.

`read.read_rules(text, kind)` runs every reader over the criterion and returns the rules found, in
the order of their spans. Each reader is a function ``(text, view, kind) -> list[Rule]`` where
``view`` is `matchable(text)` (the same offsets, regular characters); spans are offsets in
``text``. Readers never raise on any text: a reader that cannot read leaves the words to the
free-text criterion.

- `quantities`: age, sex, pregnancy/breast-feeding/contraception, performance status,
  laboratory thresholds with units, life expectancy, measurable disease, biomarkers;
- `concepts`: diagnosis/histology/stage, other conditions, prior therapy and lines, procedures,
  CNS metastases, HIV/hepatitis, transplant, autoimmune disease, other malignancy, concurrent
  medications.
"""

from __future__ import annotations

from collections.abc import Callable

from trialscout.eligibility.model import CriterionKind, Rule

Reader = Callable[[str, str, CriterionKind], list[Rule]]
