"""Parsed criteria as stored, and back: one compressed blob per trial, the same in every store."""

from __future__ import annotations

from collections.abc import Sequence
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
