"""Parsed eligibility criteria, kept beside the trials they come from.

Parsing follows the store like the search index does: a trial whose record changed since it
was parsed (its ``change_seq``), or that an older parser version read, is parsed again by
`update_parsed_criteria`, which `load` and `sync` run after storing. `rebuild=True` re-parses
every trial. Parsing runs in worker processes when there are many trials, and each batch is one
transaction, so an interrupted run leaves every trial either parsed or due for parsing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import msgspec

from trialscout.eligibility.model import Criterion, ParsedEligibility, Rule
from trialscout.eligibility.parse import PARSER_VERSION, parse_eligibility
from trialscout.errors import TrialNotFoundError
from trialscout.model.trial import Trial
from trialscout.store.database import TrialStore

_TRIAL = msgspec.json.Decoder(Trial)
_ENCODE = msgspec.json.Encoder()
_BATCH = 200
#: Below this many trials, parse in this process (a pool costs more to start than it saves).
_INLINE_BELOW = 400

ProgressCallback = Callable[[int, int], None]


class ParseReport(msgspec.Struct, frozen=True, kw_only=True):
    parsed: int
    criteria: int
    typed: int
    seconds: float

    @property
    def trials_per_second(self) -> float:
        return self.parsed / self.seconds if self.seconds > 0 else 0.0


def _parse_rows(rows: Sequence[tuple[str, int, bytes | str]]) -> list[tuple[str, int, ParsedEligibility]]:
    return [(nct_id, seq, parse_eligibility(_TRIAL.decode(record))) for nct_id, seq, record in rows]


_DUE = (
    "SELECT t.nct_id FROM trials t LEFT JOIN parsed_eligibility p ON p.nct_id = t.nct_id"
    " WHERE p.nct_id IS NULL OR p.trial_seq < t.change_seq OR p.parser_version != ?"
)


def count_due(store: TrialStore) -> int:
    """How many trials have no parse, or one older than their record or than the parser."""
    return int(store.connection.execute(f"SELECT count(*) FROM ({_DUE})", (PARSER_VERSION,)).fetchone()[0])


def _chunks(store: TrialStore, rebuild: bool) -> Iterator[list[tuple[str, int, bytes | str]]]:
    """The due trials' records, a batch at a time (the IDs are read first: parsing writes to
    the table the query reads)."""
    conn = store.connection
    if rebuild:
        ids = [r[0] for r in conn.execute("SELECT nct_id FROM trials ORDER BY nct_id")]
    else:
        ids = [r[0] for r in conn.execute(_DUE + " ORDER BY t.nct_id", (PARSER_VERSION,))]
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        marks = ",".join("?" * len(chunk))
        yield conn.execute(
            f"SELECT nct_id, change_seq, record FROM trials WHERE nct_id IN ({marks})", chunk
        ).fetchall()


def update_parsed_criteria(
    store: TrialStore,
    *,
    rebuild: bool = False,
    workers: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> ParseReport:
    """Parse the criteria of every trial not yet parsed (or all with ``rebuild``); store them."""
    started = time.perf_counter()
    total = store.count() if rebuild else count_due(store)
    workers = (os.cpu_count() or 1) if workers is None else workers
    parsed = criteria = typed = 0

    def stored(batch: list[tuple[str, int, ParsedEligibility]]) -> None:
        nonlocal parsed, criteria, typed
        c, t = _store(store, batch)
        parsed, criteria, typed = parsed + len(batch), criteria + c, typed + t
        if on_progress:
            on_progress(parsed, total)

    if workers > 1 and total >= _INLINE_BELOW:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            in_flight = []
            for chunk in _chunks(store, rebuild):
                in_flight.append(pool.submit(_parse_rows, chunk))
                if len(in_flight) >= workers * 2:
                    stored(in_flight.pop(0).result())
            for future in in_flight:
                stored(future.result())
    else:
        for chunk in _chunks(store, rebuild):
            stored(_parse_rows(chunk))
    return ParseReport(parsed=parsed, criteria=criteria, typed=typed, seconds=time.perf_counter() - started)


def rule_type(rule: Rule) -> str:
    """The tag a rule is stored under ("lab", "performance_status", ...)."""
    return str(type(rule).__struct_config__.tag)


def _store(store: TrialStore, batch: list[tuple[str, int, ParsedEligibility]]) -> tuple[int, int]:
    conn = store.connection
    criteria_rows = []
    heads = []
    typed_total = 0
    for nct_id, seq, result in batch:
        typed = sum(1 for c in result.criteria if c.rules)
        typed_total += typed
        heads.append((nct_id, result.parser_version, seq, result.summary, len(result.criteria), typed))
        for ordinal, c in enumerate(result.criteria):
            criteria_rows.append(
                (
                    nct_id,
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
                )
            )
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("DELETE FROM criteria WHERE nct_id=?", [(h[0],) for h in heads])
        conn.executemany(
            "INSERT INTO parsed_eligibility VALUES (?,?,?,?,?,?) ON CONFLICT(nct_id) DO UPDATE SET"
            " parser_version=excluded.parser_version, trial_seq=excluded.trial_seq, summary=excluded.summary,"
            " criteria=excluded.criteria, typed=excluded.typed",
            heads,
        )
        conn.executemany("INSERT INTO criteria VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", criteria_rows)
    return len(criteria_rows), typed_total


def _criteria_rows(store: TrialStore, nct_id: str) -> list[tuple[Any, ...]]:
    return store.connection.execute(
        "SELECT id, kind, role, parent, topic, start, end, text, plain, exceptions, rules FROM criteria"
        " WHERE nct_id=? ORDER BY ordinal",
        (nct_id,),
    ).fetchall()


def parsed_criteria(store: TrialStore, nct_id: str) -> ParsedEligibility:
    """The stored parse of one trial (parsed now, and stored, if it is due)."""
    row = store.connection.execute(
        "SELECT t.change_seq, p.parser_version, p.trial_seq, p.summary FROM trials t"
        " LEFT JOIN parsed_eligibility p ON p.nct_id = t.nct_id WHERE t.nct_id=?",
        (nct_id,),
    ).fetchone()
    if row is None:
        raise TrialNotFoundError(nct_id)
    seq, version, parsed_seq, summary = row
    if version != PARSER_VERSION or parsed_seq is None or parsed_seq < seq:
        result = parse_eligibility(store.trial(nct_id))
        _store(store, [(nct_id, seq, result)])
        return result
    criteria = tuple(
        msgspec.convert(
            {
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
        for cid, kind, role, parent, topic, start, end, text, plain, exceptions, rules in _criteria_rows(
            store, nct_id
        )
    )
    return ParsedEligibility(nct_id=nct_id, criteria=criteria, summary=summary, parser_version=version)
