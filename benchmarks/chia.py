"""How well the eligibility rules find what clinicians annotated: precision and recall on Chia.

Chia (Kury et al., Sci Data 2020) annotates the inclusion and exclusion criteria of 1,000
trials; 693 are in ../shared/data/chia (the other 307 are held out for independent evaluation).
Each criterion line is read with `read_rules` (inclusion or exclusion, as its file says), and
the parts of the rules are scored against the gold entities of the types the rules produce:

| rule part   | Chia entity |
|-------------|-------------|
| person      | Person (age and sex words) |
| measurement | Measurement |
| value       | Value |
| temporal    | Temporal |
| condition   | Condition |
| drug        | Drug |
| procedure   | Procedure |

Two matchings: *exact* (same start and end) and *overlap* (the spans share a character; each
gold entity is matched at most once). A second configuration adds the mentions that the
concept recogniser finds outside any rule (`mentions.find_mentions`), to show how much of the
gap is recognition rather than rule reading.

    python -m benchmarks.chia        # writes docs/eligibility-chia.md
"""

from __future__ import annotations

import datetime as dt
import platform
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import msgspec

from benchmarks.common import DATA, REPO
from trialscout.eligibility.model import CriterionKind, PartRole
from trialscout.eligibility.rules.read import read_rules

ENTITY_OF_ROLE = {
    PartRole.PERSON: "Person",
    PartRole.MEASUREMENT: "Measurement",
    PartRole.VALUE: "Value",
    PartRole.TEMPORAL: "Temporal",
    PartRole.CONDITION: "Condition",
    PartRole.DRUG: "Drug",
    PartRole.PROCEDURE: "Procedure",
}
TYPES = tuple(ENTITY_OF_ROLE.values())
_ENTITY = re.compile(r"^T\d+\t(?P<type>\w+) (?P<spans>[\d ;]+)\t")


class Scores(msgspec.Struct, kw_only=True):
    """Counts for one entity type and one matching."""

    gold: int = 0
    predicted: int = 0
    matched_gold: int = 0
    matched_predicted: int = 0

    @property
    def precision(self) -> float:
        return self.matched_predicted / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched_gold / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


Span = tuple[int, int]


def _gold(annotation: str) -> dict[str, list[Span]]:
    """Gold entities of the scored types; a discontinuous entity counts by its outer span."""
    found: dict[str, list[Span]] = defaultdict(list)
    for line in annotation.splitlines():
        match = _ENTITY.match(line)
        if not match or match.group("type") not in TYPES:
            continue
        numbers = [int(x) for x in re.split(r"[ ;]", match.group("spans").strip()) if x]
        found[match.group("type")].append((min(numbers), max(numbers)))
    return found


def documents(archive: Path) -> Iterator[tuple[str, CriterionKind, str, str]]:
    """(name, kind, text, annotation) of every Chia criteria file (the with-scope version)."""
    with zipfile.ZipFile(archive) as z:
        names = sorted(n for n in z.namelist() if n.startswith("chia_with_scope/") and n.endswith(".txt"))
        for name in names:
            stem = name[: -len(".txt")]
            kind = CriterionKind.EXCLUSION if stem.endswith("_exc") else CriterionKind.INCLUSION
            text = z.read(name).decode("utf-8")
            annotation = z.read(stem + ".ann").decode("utf-8") if stem + ".ann" in z.namelist() else ""
            yield stem.rsplit("/", 1)[-1], kind, text, annotation


def predictions(text: str, kind: CriterionKind, with_mentions: bool) -> dict[str, list[Span]]:
    """The rules' parts (and, optionally, unclaimed mentions) as entity spans, line by line."""
    found: dict[str, set[Span]] = defaultdict(set)
    offset = 0
    for line in text.split("\n"):
        claimed: list[Span] = []
        for rule in read_rules(line, kind):
            for part in rule.parts:
                span = (offset + part.span.start, offset + part.span.end)
                found[ENTITY_OF_ROLE[part.role]].add(span)
                claimed.append(span)
        if with_mentions:
            from trialscout.eligibility.mentions import find_mentions

            for mention in find_mentions(line):
                span = (offset + mention.span.start, offset + mention.span.end)
                entity = mention.kind.capitalize()
                if entity in TYPES and not any(a < span[1] and span[0] < b for a, b in claimed):
                    found[entity].add(span)
        offset += len(line) + 1
    return {k: sorted(v) for k, v in found.items()}


# A naive tagger, the baseline: what plain patterns find without reading any rule.
_NAIVE = {
    "Person": re.compile(
        r"\b(?:age|aged|women|woman|men|man|males?|females?|patients?|subjects?|children|adults?|participants?)\b",
        re.I,
    ),
    "Value": re.compile(
        r"(?:[<>≤≥=]=?\s*)?\d+(?:[.,]\d+)?\s*(?:%|mg/dl|g/dl|x\s*uln|years?|months?|weeks?|days?|/mm3|mmhg|kg/m2)?",
        re.I,
    ),
    "Temporal": re.compile(
        r"\b(?:within|during|in\s+the\s+(?:last|past)|prior\s+to|before|after|since)\b[^.,;]{0,30}?\d+\s*"
        r"(?:days?|weeks?|months?|years?)",
        re.I,
    ),
}
_NAIVE_MEASUREMENT = re.compile(
    r"([A-Za-z][\w\-]*(?:\s+[A-Za-z][\w\-]*){0,2})\s*"
    r"(?:[<>≤≥]=?|of at least|at least|greater than|less than)\s*\d",
    re.I,
)


def naive_predictions(text: str) -> dict[str, list[Span]]:
    """The baseline: plain patterns for Person, Value, Temporal and Measurement, and the concept
    lexicon's mentions (no rules) for Condition, Drug and Procedure."""
    from trialscout.eligibility.mentions import find_mentions

    found: dict[str, set[Span]] = defaultdict(set)
    for entity, pattern in _NAIVE.items():
        for match in pattern.finditer(text):
            if match.group(0).strip():
                found[entity].add((match.start(), match.end()))
    for match in _NAIVE_MEASUREMENT.finditer(text):
        found["Measurement"].add((match.start(1), match.end(1)))
    for mention in find_mentions(text):
        entity = mention.kind.capitalize()
        if entity in TYPES:
            found[entity].add((mention.span.start, mention.span.end))
    return {k: sorted(v) for k, v in found.items()}


def score(gold: list[Span], predicted: list[Span], exact: bool) -> tuple[int, int]:
    """(gold matched, predictions matched), each gold entity matched at most once."""
    used: set[int] = set()
    matched_predicted = 0
    for start, end in predicted:
        for n, (g_start, g_end) in enumerate(gold):
            if n in used:
                continue
            hit = (start, end) == (g_start, g_end) if exact else (start < g_end and g_start < end)
            if hit:
                used.add(n)
                matched_predicted += 1
                break
    return len(used), matched_predicted


def evaluate(archive: Path, with_mentions: bool = False, naive: bool = False) -> dict[str, dict[str, Scores]]:
    """Scores by matching ("exact", "overlap") and entity type, over every Chia file."""
    results = {m: {t: Scores() for t in TYPES} for m in ("exact", "overlap")}
    for _, kind, text, annotation in documents(archive):
        gold = _gold(annotation)
        predicted = naive_predictions(text) if naive else predictions(text, kind, with_mentions)
        for entity in TYPES:
            g, p = gold.get(entity, []), predicted.get(entity, [])
            for matching, exact in (("exact", True), ("overlap", False)):
                s = results[matching][entity]
                matched_gold, matched_predicted = score(g, p, exact)
                s.gold += len(g)
                s.predicted += len(p)
                s.matched_gold += matched_gold
                s.matched_predicted += matched_predicted
    return results


def _table(results: dict[str, dict[str, Scores]]) -> list[str]:
    lines = [
        "| entity | gold | predicted | precision (exact) | recall (exact) | F1 (exact) "
        "| precision (overlap) | recall (overlap) | F1 (overlap) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for entity in TYPES:
        e, o = results["exact"][entity], results["overlap"][entity]
        lines.append(
            f"| {entity} | {e.gold:,} | {e.predicted:,} | {e.precision:.3f} | {e.recall:.3f} | {e.f1:.3f} "
            f"| {o.precision:.3f} | {o.recall:.3f} | {o.f1:.3f} |"
        )
    return lines


def main() -> None:
    archive = DATA / "chia" / "chia_dev_brat.zip"
    rules_only = evaluate(archive)
    with_mentions = evaluate(archive, with_mentions=True)
    baseline = evaluate(archive, naive=True)
    files = sum(1 for _ in documents(archive))
    body = [
        "# Eligibility rules against the Chia annotations\n",
        f"Measured on {dt.date.today().isoformat()} ({platform.python_version()}, {platform.machine()}),",
        f"`python -m benchmarks.chia`, on the {files:,} criteria files of the 693 Chia trials in",
        "../shared/data/chia (the other 307 are held out). Gold: the Chia entities of the types the rules",
        "produce. Lexicons were built from other sources (the Leaf Clinical Trials corpus, the trials'",
        "MeSH terms, the Facebook parser's labels), never from Chia.\n",
        "## The rules' parts\n",
        *_table(rules_only),
        "\n## The rules' parts plus the concept mentions outside any rule\n",
        *_table(with_mentions),
        "\n## Baseline: a naive tagger, run the same way\n",
        "Plain patterns (age and sex words; numbers with comparators and units; time phrases with a",
        "number; the words before a comparison) and the concept lexicon's mentions, with no rule",
        "reading: what finding words alone gives.\n",
        *_table(baseline),
        "",
        "Reading the numbers: Chia annotates every condition, drug and procedure a criterion names,",
        "while the rules type what can be checked against a patient's record; recall on Condition,",
        "Drug and Procedure is therefore bounded by what the rules claim, and the second table",
        "shows the recogniser's own reach. *Exact* needs the same span to the character (Chia often",
        'includes or leaves out qualifiers such as "history of"), *overlap* counts a shared span.',
    ]
    target = REPO / "docs" / "eligibility-chia.md"
    target.write_text("\n".join(body) + "\n")
    print(target.read_text())


if __name__ == "__main__":
    main()
