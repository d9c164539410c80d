"""Parsed criteria as stored, and back: one compressed blob per trial, the same in every store."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import msgspec

from trialscout.eligibility.model import Criterion, ParsedEligibility
from trialscout.store.base import ParsedTrial
from trialscout.store.records import compress, decompress

_ENCODE = msgspec.json.Encoder()
_CRITERIA = msgspec.json.Decoder(tuple[Criterion, ...])

#: The columns of one criterion in the `criteria` table of stores before migration 6, in the order
#: `criterion_from_row` reads them (the migration turns them into one blob per trial).
CRITERIA_COLUMNS = (
    "id",
    "kind",
    "role",
    "parent",
    "topic",
    "start",
    "end",
    "text",
    "plain",
    "exceptions",
    "rules",
    "structure",
)


def criteria_json(criteria: Sequence[Criterion]) -> bytes:
    """A trial's parsed criteria as one JSON array (what the criteria blob holds, uncompressed)."""
    return _ENCODE.encode(tuple(criteria))


def criteria_blob(criteria: Sequence[Criterion]) -> bytes:
    """A trial's parsed criteria as stored: one zstd blob, compressed with the criteria dictionary.
    Each criterion's words, plain sentence, rules and structure are kept once, in one place."""
    return compress(criteria_json(criteria), "criteria")


def criteria_from_blob(blob: bytes) -> tuple[Criterion, ...]:
    return _CRITERIA.decode(decompress(blob))


def criteria_heads(batch: Sequence[ParsedTrial]) -> tuple[list[tuple[object, ...]], int, int]:
    """The parsed_eligibility rows (nct_id, parser_version, trial_seq, summary, criteria, typed,
    criteria_blob), the number of criteria and of typed criteria."""
    heads: list[tuple[object, ...]] = []
    total = typed_total = 0
    for item in batch:
        result = item.parsed
        typed = sum(1 for c in result.criteria if c.rules)
        typed_total += typed
        total += len(result.criteria)
        heads.append(
            (
                item.nct_id,
                result.parser_version,
                item.change_seq,
                result.summary,
                len(result.criteria),
                typed,
                criteria_blob(result.criteria),
            )
        )
    return heads, total, typed_total


def _structure(criterion: Criterion) -> dict[str, object]:
    """What the structure adds to a criterion (`trialscout.eligibility.structure`), without
    its defaults: scope, rule groups, alternatives, whether ``plain`` is the original words."""
    fields = {
        "groups": criterion.groups,
        "scope": criterion.scope,
        "alternative_to": criterion.alternative_to,
        "plain_original": criterion.plain_original,
    }
    return {k: v for k, v in fields.items() if v}


def criterion_from_row(row: Sequence[Any]) -> Criterion:
    cid, kind, role, parent, topic, start, end, text, plain, exceptions, rules, structure = row
    return msgspec.convert(
        {
            **msgspec.json.decode(structure),
            "id": cid,
            "kind": kind,
            "role": role,
            "parent": parent,
            "topic": topic,
            "span": {"start": start, "end": end},
            "text": text,
            "plain": plain,
            "exceptions": msgspec.json.decode(exceptions),
            "rules": msgspec.json.decode(rules),
        },
        Criterion,
    )


def parse_head(nct_id: str, summary: str, version: int, criteria: Sequence[Criterion]) -> ParsedEligibility:
    return ParsedEligibility(nct_id=nct_id, criteria=tuple(criteria), summary=summary, parser_version=version)


def current_parse(nct_id: str, row: Sequence[Any], parser_version: int) -> ParsedEligibility | None:
    """The parsed criteria of a row (trial change_seq, parser_version, trial_seq, summary, blob),
    if parsed by this parser version since the trial last changed; else None."""
    seq, version, parsed_seq, summary, blob = row
    if version != parser_version or parsed_seq is None or parsed_seq < seq or blob is None:
        return None
    return parse_head(nct_id, summary, version, criteria_from_blob(blob))


# The SQL both stores run on parsed_eligibility; ``{mark}`` is the driver's placeholder.
#: The trials whose stored parse is missing, older than their record, or of another parser.
DUE_SQL = (
    "SELECT t.nct_id FROM trials t LEFT JOIN parsed_eligibility p ON p.nct_id = t.nct_id"
    " WHERE p.nct_id IS NULL OR p.trial_seq < t.change_seq OR p.parser_version != {mark}"
)
#: The columns `current_parse` reads, from trials ``t`` joined to parsed_eligibility ``p``.
PARSE_COLUMNS = "t.change_seq, p.parser_version, p.trial_seq, p.summary, p.criteria_blob"
#: Store one row of `criteria_heads`.
SAVE_SQL = (
    "INSERT INTO parsed_eligibility VALUES ({marks}) ON CONFLICT(nct_id) DO UPDATE SET"
    " parser_version=excluded.parser_version, trial_seq=excluded.trial_seq,"
    " summary=excluded.summary, criteria=excluded.criteria, typed=excluded.typed,"
    " criteria_blob=excluded.criteria_blob"
)


def current_parses(rows: Iterable[Sequence[Any]], parser_version: int) -> dict[str, ParsedEligibility]:
    """The current parses among rows of (nct_id, *`PARSE_COLUMNS`), by NCT ID."""
    found: dict[str, ParsedEligibility] = {}
    for nct_id, *row in rows:
        parsed = current_parse(nct_id, row, parser_version)
        if parsed is not None:
            found[nct_id] = parsed
    return found


def due_chunks(ids: list[str], nct_ids: Sequence[str] | None, batch_size: int) -> Iterator[list[str]]:
    """The due NCT IDs (only those of ``nct_ids`` when given) in batches of ``batch_size``."""
    if nct_ids is not None:
        wanted = set(nct_ids)
        ids = [i for i in ids if i in wanted]
    for start in range(0, len(ids), batch_size):
        yield ids[start : start + batch_size]
