"""How readable the plain sentences are, beside the registry's own words.

For every criterion of the real records (the legacy XML slice and the API v2 exports in
../shared/data), the original criterion text and its plain sentence are scored with two
readability formulas of the ``textstat`` library:

- Flesch-Kincaid grade level (Kincaid et al. 1975): US school grade from words per sentence and
  syllables per word;
- Coleman-Liau index (Coleman & Liau 1975): grade from letters and sentences per 100 words
  (no syllable counting, so it is steadier on drug names and acronyms).

The plain sentence is scored twice: as shown (with the glossary's explanations in brackets,
which add words) and without the explanations (the rewritten sentence alone). Criteria are split
by whether typed rules were read from them, and by how the sentence was written: from typed
rules, by rewriting the words, or the words kept whole after a faithful frame ("The trial
requires: ...", "You cannot join if: ..."). The time to write the plain sentences is measured
too. Results go to ``docs/eligibility-readability.md``.

    python -m benchmarks.readability            # data from $TRIALSCOUT_DATA or ../shared/data

``textstat`` is needed only here (pinned to 0.7.3: later releases fetch a pronunciation
dictionary over the network on first use).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import msgspec

from benchmarks.common import DATA, REPO
from trialscout.eligibility.model import Criterion
from trialscout.eligibility.parse import parse_criteria_text
from trialscout.eligibility.plain import plain_sentences, said_rules, strip_explanations
from trialscout.model.trial import Trial
from trialscout.sources.files import ArchivedRecord, RawRecord, iter_source, parse_record

XML_SLICE = Path("ctgov-xml-2023-slice") / "ctgov_legacy_xml_6786.zip"
V2_EXPORTS = Path("ctgov-api-v2-exports")
#: Grade bands of the distribution tables (upper bounds, inclusive).
BANDS = ((6.0, "≤ 6"), (8.0, "6-8"), (10.0, "8-10"), (12.0, "10-12"), (16.0, "12-16"), (float("inf"), "> 16"))
FALLBACKS = ("The trial requires:", "You cannot join if:")


class Scored(msgspec.Struct, frozen=True, kw_only=True):
    """One criterion: its group and the grades of its original words and plain sentence."""

    typed: bool  # typed rules were read from it
    path: str  # "rules", "words" or "frame"
    original_fk: float
    original_cl: float
    plain_fk: float
    plain_cl: float
    bare_fk: float  # the plain sentence without the glossary's explanations
    bare_cl: float


class Corpus(msgspec.Struct, frozen=True, kw_only=True):
    trials: int
    criteria: int
    files: tuple[str, ...]
    seconds_plain: float


def trials(data: Path) -> Iterator[Trial]:
    """The trials of the XML slice and the API v2 exports, once each (by NCT ID)."""
    seen: set[str] = set()
    for item in iter_source([data / XML_SLICE, data / V2_EXPORTS]):
        if isinstance(item, ArchivedRecord):
            item = item.read()
        if not isinstance(item, RawRecord):
            continue
        try:
            trial = parse_record(item)
        except Exception:  # noqa: BLE001 - a bad record is skipped here as the loader skips it
            continue
        if trial.nct_id not in seen:
            seen.add(trial.nct_id)
            yield trial


def _path(criterion: Criterion, plain: str) -> str:
    if plain.startswith(FALLBACKS):
        return "frame"
    return "rules" if said_rules(criterion) else "words"


def score(data: Path) -> tuple[list[Scored], Corpus]:
    import textstat  # type: ignore[import-untyped]

    grade: Callable[[str], float] = textstat.flesch_kincaid_grade
    letters: Callable[[str], float] = textstat.coleman_liau_index
    out: list[Scored] = []
    count = 0
    seconds = 0.0
    for trial in trials(data):
        text = trial.eligibility.criteria if trial.eligibility and trial.eligibility.criteria else ""
        criteria = parse_criteria_text(text)
        if not criteria:
            continue
        count += 1
        start = time.perf_counter()
        plains = plain_sentences(criteria)
        seconds += time.perf_counter() - start
        for criterion, plain in zip(criteria, plains, strict=True):
            original = " ".join(criterion.text.split())
            bare = strip_explanations(plain)
            out.append(
                Scored(
                    typed=criterion.is_typed,
                    path=_path(criterion, plain),
                    original_fk=float(grade(original)),
                    original_cl=float(letters(original)),
                    plain_fk=float(grade(plain)),
                    plain_cl=float(letters(plain)),
                    bare_fk=float(grade(bare)),
                    bare_cl=float(letters(bare)),
                )
            )
    files = (str(XML_SLICE), f"{V2_EXPORTS}/ (every *.json)")
    return out, Corpus(trials=count, criteria=len(out), files=files, seconds_plain=seconds)


def _median(values: Iterable[float]) -> float:
    items = list(values)
    return statistics.median(items) if items else float("nan")


def _quartiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return (float("nan"), float("nan"))
    q = statistics.quantiles(values, n=4)
    return q[0], q[2]


def _summary_rows(groups: dict[str, list[Scored]]) -> list[str]:
    rows = [
        "| criteria | n | FK original | FK plain | FK plain, no brackets | CL original | CL plain | "
        "CL plain, no brackets | plain FK lower than original |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, items in groups.items():
        if not items:
            continue
        lower = sum(1 for s in items if s.plain_fk < s.original_fk) / len(items)
        rows.append(
            f"| {name} | {len(items):,} | {_median(s.original_fk for s in items):.1f} | "
            f"{_median(s.plain_fk for s in items):.1f} | {_median(s.bare_fk for s in items):.1f} | "
            f"{_median(s.original_cl for s in items):.1f} | {_median(s.plain_cl for s in items):.1f} | "
            f"{_median(s.bare_cl for s in items):.1f} | {lower:.0%} |"
        )
    return rows


def _distribution_rows(items: list[Scored]) -> list[str]:
    columns: dict[str, list[float]] = {
        "original": [s.original_fk for s in items],
        "plain": [s.plain_fk for s in items],
        "plain, no brackets": [s.bare_fk for s in items],
    }
    rows = ["| Flesch-Kincaid grade | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    low = float("-inf")
    for high, label in BANDS:
        cells = []
        for values in columns.values():
            share = sum(1 for v in values if low < v <= high) / len(values) if values else 0.0
            cells.append(f"{share:.0%}")
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
        low = high
    quartiles = [_quartiles(v) for v in columns.values()]
    rows.append("| lower quartile | " + " | ".join(f"{q[0]:.1f}" for q in quartiles) + " |")
    rows.append("| upper quartile | " + " | ".join(f"{q[1]:.1f}" for q in quartiles) + " |")
    return rows


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def report(items: list[Scored], corpus: Corpus, data: Path) -> str:
    groups = {
        "all": items,
        "typed (rules were read)": [s for s in items if s.typed],
        "free text (no rules)": [s for s in items if not s.typed],
        "said from typed rules": [s for s in items if s.path == "rules"],
        "words rewritten by a frame": [s for s in items if s.path == "words"],
        "words kept whole after a faithful frame": [s for s in items if s.path == "frame"],
    }
    per = corpus.seconds_plain / corpus.criteria * 1000 if corpus.criteria else float("nan")
    cpu = _cpu_model()
    body = [
        "# Readability of the plain sentences\n",
        f"Measured on {dt.date.today().isoformat()} with `python -m benchmarks.readability`",
        f"(Python {platform.python_version()}, {platform.system()} {platform.machine()}, {cpu}, "
        f"{os.cpu_count()} CPUs), textstat 0.7.3, on the {corpus.trials:,} trials with eligibility text and",
        f"their {corpus.criteria:,} criteria in {data}: {', '.join(corpus.files)} (each NCT ID once).\n",
        "Grades are US school grades: Flesch-Kincaid (FK, words per sentence and syllables per word) and",
        "Coleman-Liau (CL, letters and sentences per 100 words). *Plain* is the sentence as shown, with",
        "the glossary's explanations in brackets; *no brackets* is the rewritten sentence alone. The",
        "baseline is the registry's own words for the same criterion. Values are medians.\n",
        "## Medians by group\n",
        *_summary_rows(groups),
        "\n## Distribution (all criteria)\n",
        *_distribution_rows(items),
        "\n## Distribution (criteria said from typed rules)\n",
        *_distribution_rows(groups["said from typed rules"]),
        "\n## Speed\n",
        f"Writing the plain sentences (`plain_sentences`, after splitting and rule reading) took "
        f"{corpus.seconds_plain:.1f} s for {corpus.criteria:,} criteria: {per:.3f} ms per criterion on "
        "average (one process).\n",
        "## Reading the numbers\n",
        "Readability formulas count lengths, not meaning: a sentence that keeps every word of the",
        "registry (as the plain sentences do, to stay faithful) cannot score much lower than the",
        'registry\'s words, and the frames add a few short words ("You cannot join if you have").',
        "The brackets explain jargon on first use, which helps a reader and costs grade points. The",
        "sentences said from typed rules drop the jargon altogether and score lowest; the words kept",
        "whole after a frame are the registry's words.",
    ]
    return "\n".join(body) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.readability",
        description="Readability of the plain sentences beside the registry's words.",
        epilog="Example: python -m benchmarks.readability --data ../shared/data",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DATA,
        help="the shared data folder (default: $TRIALSCOUT_DATA or ../shared/data)",
    )
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "eligibility-readability.md")
    args = parser.parse_args(argv)
    data = args.data.resolve()
    items, corpus = score(data)
    shown = Path(os.path.relpath(data, REPO)) if data.is_relative_to(REPO.parent) else data
    text = report(items, corpus, shown)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
