"""How the gold criteria were drawn: uniformly at random over every criterion of every registry
record in ../shared/data, with a fixed seed, so the draw can be repeated and checked.

The registry records are read from the shared data (the 2023 XML slice, the API v2 exports,
the AACT fixtures, the TREC 2023 sample; each NCT number once, the first copy read), each
trial's eligibility text is split as trialscout split it on 2026-12-02 (parser version 2),
and ``SIZE`` criteria are drawn without replacement from all of them (seed ``SEED``). What was
drawn is kept as spans of the record's text, so a later splitter is scored on the same words.

Run ``python -m tests.eligibility.gold.draw`` to print the draw as JSON lines.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson

from trialscout.eligibility.split import split_criteria
from trialscout.model.trial import Trial
from trialscout.sources.files import ArchivedRecord, RawRecord, iter_source, parse_record

SEED = 20261202
SIZE = 300
SOURCES = (
    "ctgov-xml-2023-slice/ctgov_legacy_xml_6786.zip",
    "ctgov-api-v2-exports",
    "aact-fixtures/json_v2",
    "aact-fixtures/xml_legacy",
    "trec2023-xml-sample",
)


def registry_trials(data: Path) -> Iterator[Trial]:
    """Every readable registry record of the shared data, each NCT number once."""
    seen: set[str] = set()
    for item in iter_source([data / s for s in SOURCES]):
        raw = item.read() if isinstance(item, ArchivedRecord) else item
        if not isinstance(raw, RawRecord):
            continue
        try:
            trial = parse_record(raw)
        except Exception:  # noqa: BLE001 - an unreadable record is not drawn from
            continue
        if trial.nct_id not in seen:
            seen.add(trial.nct_id)
            yield trial


def draw(data: Path) -> list[dict[str, object]]:
    population = []
    for trial in sorted(registry_trials(data), key=lambda t: t.nct_id):
        text = trial.eligibility.criteria if trial.eligibility and trial.eligibility.criteria else ""
        pieces = split_criteria(text)
        by_id = {p.id: p for p in pieces}
        for piece in pieces:
            parent = by_id.get(piece.parent or "")
            population.append(
                {
                    "nct_id": trial.nct_id,
                    "span": [piece.span.start, piece.span.end],
                    "text": piece.text,
                    "section": str(piece.kind),
                    "topic": piece.topic,
                    "parent": parent.text if parent else None,
                }
            )
    chosen = random.Random(SEED).sample(range(len(population)), SIZE)
    return [{"n": n, **population[i]} for n, i in enumerate(sorted(chosen))]


if __name__ == "__main__":
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data")
    for row in draw(data):
        sys.stdout.buffer.write(orjson.dumps(row) + b"\n")
