"""Cost per criterion of mention recognition and of the concept readers.

Reads the eligibility text of the 6,786-record legacy XML slice, splits it naively into lines
(one line ~ one criterion; for timing only), and times `find_mentions` and `read_concepts` on
every non-empty line, after a warm-up that loads the lexicon; then the same per criterion and
per trial on the criteria as `split_criteria` cuts them.

    python benchmarks/concepts_cost.py [--limit N]
"""

from __future__ import annotations

import argparse
import re
import time
import zipfile

from benchmarks.common import DATA, machine
from trialscout.eligibility.mentions import find_mentions, lexicon
from trialscout.eligibility.model import CriterionKind
from trialscout.eligibility.rules.concepts import read_concepts
from trialscout.eligibility.text import matchable

SLICE = DATA / "ctgov-xml-2023-slice" / "ctgov_legacy_xml_6786.zip"
_CRITERIA = re.compile(rb"<criteria>\s*<textblock>(.*?)</textblock>", re.DOTALL)


def criteria_lines(limit: int | None = None) -> list[tuple[str, CriterionKind]]:
    lines: list[tuple[str, CriterionKind]] = []
    with zipfile.ZipFile(SLICE) as archive:
        for name in archive.namelist():
            if not name.endswith(".xml"):
                continue
            match = _CRITERIA.search(archive.read(name))
            if not match:
                continue
            kind = CriterionKind.INCLUSION
            for line in match.group(1).decode("utf-8", "replace").splitlines():
                text = line.strip(" -*\t")
                if not text:
                    continue
                if "exclusion" in text.lower()[:30]:
                    kind = CriterionKind.EXCLUSION
                lines.append((text, kind))
            if limit and len(lines) >= limit:
                break
    return lines


def trial_criteria(limit: int | None = None) -> list[list[tuple[str, CriterionKind]]]:
    """Each trial's criteria as the splitter cuts them (unescaped XML text)."""
    from html import unescape

    from trialscout.eligibility.split import split_criteria

    trials = []
    with zipfile.ZipFile(SLICE) as archive:
        for name in archive.namelist():
            match = _CRITERIA.search(archive.read(name)) if name.endswith(".xml") else None
            if match:
                text = unescape(match.group(1).decode("utf-8", "replace"))
                trials.append([(p.text, p.kind) for p in split_criteria(text)])
            if limit and len(trials) >= limit:
                break
    return trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    lexicon()
    load = time.perf_counter() - started
    lines = criteria_lines(args.limit)
    started = time.perf_counter()
    mentions = sum(len(find_mentions(text)) for text, _ in lines)
    mention_time = time.perf_counter() - started
    started = time.perf_counter()
    rules = sum(len(read_concepts(text, matchable(text), kind)) for text, kind in lines)
    concept_time = time.perf_counter() - started
    n = len(lines)
    trials = trial_criteria()
    criteria = [c for trial in trials for c in trial]
    started = time.perf_counter()
    for text, _ in criteria:
        find_mentions(text)
    mentions_split = time.perf_counter() - started
    started = time.perf_counter()
    for text, kind in criteria:
        read_concepts(text, matchable(text), kind)
    per_trial = time.perf_counter() - started
    print(machine())
    chars = sum(len(t) for t, _ in lines) / n
    print(f"lexicon load {load * 1000:.0f} ms; {n} lines, {chars:.0f} characters on average")
    print(f"find_mentions: {mention_time / n * 1e3:.3f} ms per line ({mentions} mentions)")
    print(f"read_concepts (mentions included): {concept_time / n * 1e3:.3f} ms per line ({rules} rules)")
    per_criterion_ms = per_trial / len(criteria) * 1e3
    per_trial_ms = per_trial / len(trials) * 1e3
    chars = sum(len(t) for t, _ in criteria) / len(criteria)
    print(
        f"split criteria: {len(trials)} trials, {len(criteria)} criteria, {chars:.0f} characters on average"
    )
    print(f"find_mentions: {mentions_split / len(criteria) * 1e3:.3f} ms per criterion")
    print(f"read_concepts: {per_criterion_ms:.3f} ms per criterion, {per_trial_ms:.2f} ms per trial")


if __name__ == "__main__":
    main()
