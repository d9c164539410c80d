"""Parsed criteria as stored rows, and back: the same columns in every store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from trialscout.eligibility.model import Criterion, ParsedEligibility, Rule
from trialscout.store.base import ParsedTrial

_ENCODE = msgspec.json.Encoder()

#: The stored columns of one criterion that rebuild it, in the order `criterion_from_row` reads.
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


def rule_type(rule: Rule) -> str:
    """The tag a rule is stored under ("lab", "performance_status", ...)."""
    return str(type(rule).__struct_config__.tag)


def criteria_rows(
    batch: Sequence[ParsedTrial],
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], int]:
    """The parsed_eligibility rows, the criteria rows and the number of typed criteria."""
    heads: list[tuple[object, ...]] = []
    rows: list[tuple[object, ...]] = []
    typed_total = 0
    for item in batch:
        result = item.parsed
        typed = sum(1 for c in result.criteria if c.rules)
        typed_total += typed
        heads.append(
            (item.nct_id, result.parser_version, item.change_seq, result.summary, len(result.criteria), typed)
        )
        for ordinal, c in enumerate(result.criteria):
            rows.append(
                (
                    item.nct_id,
                    ordinal,
                    c.id,
                    c.kind.value,
                    c.role.value,
                    c.parent,
                    c.topic,
                    c.span.start,
                    c.span.end,
                    c.text,
                    c.plain,
                    "|".join(dict.fromkeys(rule_type(r) for r in c.rules)) or None,
                    _ENCODE.encode(c.exceptions).decode(),
                    _ENCODE.encode(c.rules).decode(),
                    _ENCODE.encode(_structure(c)).decode(),
                )
            )
    return heads, rows, typed_total


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
