"""Parsed eligibility criteria, kept beside the trials they come from, in any store.

Parsing follows the store like the search index does: a trial whose record changed since it
was parsed (its ``change_seq``), or that an older parser version read, is parsed again by
`update_parsed_criteria`, which the writer runs after a load or sync. `rebuild=True` re-parses
every trial. Parsing runs in worker processes when there are many trials, and each batch is one
transaction, so an interrupted run leaves every trial either parsed or due for parsing.

Readers never write: `current_criteria` returns the stored parse when it is current, and
otherwise parses the trial in memory for the answer and leaves the store as it was (the writer's
next run stores it; `TrialReader.criteria_state` says how many are due).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

import msgspec

from trialscout.eligibility.model import PARSER_VERSION, ParsedEligibility
from trialscout.model.trial import Trial
from trialscout.store.base import DueTrial, ParsedTrial, TrialReader, TrialStore

_TRIAL = msgspec.json.Decoder(Trial)
_BATCH = 200
#: Below this many trials, parse in this process (a pool costs more to start than it saves).
_INLINE_BELOW = 400

ProgressCallback = Callable[[int, int], None]


class ParseReport(msgspec.Struct, frozen=True, kw_only=True):
    parsed: int
    criteria: int
    typed: int
    seconds: float
    #: Trials left unparsed on purpose (`load --no-criteria`): due, parsed by the next load or sync.
    deferred: int = 0

    @property
    def trials_per_second(self) -> float:
        return self.parsed / self.seconds if self.seconds > 0 else 0.0


def current_criteria(store: TrialReader, nct_id: str) -> ParsedEligibility:
    """The parsed criteria of one trial: the stored parse when current, else parsed now (and
    not stored: a reader never writes). Raises `TrialNotFoundError` for an unknown trial."""
    stored = store.stored_criteria(nct_id, PARSER_VERSION)
    if stored is not None:
        return stored
    from trialscout.eligibility.parse import parse_eligibility  # the parser is large: only when due

    return parse_eligibility(store.trial(nct_id))


def _parse_rows(rows: Sequence[DueTrial]) -> list[ParsedTrial]:
    from trialscout.eligibility.parse import parse_eligibility

    return [ParsedTrial(r.nct_id, r.change_seq, parse_eligibility(_TRIAL.decode(r.record))) for r in rows]


def update_parsed_criteria(
    store: TrialStore,
    *,
    rebuild: bool = False,
    workers: int | None = None,
    on_progress: ProgressCallback | None = None,
    nct_ids: Sequence[str] | None = None,
) -> ParseReport:
    """Parse the criteria of every trial not yet parsed (or all with ``rebuild``; only those of
    ``nct_ids`` when given); store them."""
    started = time.perf_counter()
    if nct_ids is not None:
        total = len(set(nct_ids))
    else:
        total = store.count() if rebuild else store.criteria_state(PARSER_VERSION).due
    workers = (os.cpu_count() or 1) if workers is None else workers
    parsed = criteria = typed = 0

    def stored(batch: list[ParsedTrial]) -> None:
        nonlocal parsed, criteria, typed
        c, t = store.save_criteria(batch)
        parsed, criteria, typed = parsed + len(batch), criteria + c, typed + t
        if on_progress:
            on_progress(parsed, total)

    chunks = store.due_criteria(PARSER_VERSION, rebuild=rebuild, batch_size=_BATCH, nct_ids=nct_ids)
    if workers > 1 and total >= _INLINE_BELOW:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            in_flight = []
            for chunk in chunks:
                in_flight.append(pool.submit(_parse_rows, chunk))
                if len(in_flight) >= workers * 2:
                    stored(in_flight.pop(0).result())
            for future in in_flight:
                stored(future.result())
    else:
        for chunk in chunks:
            stored(_parse_rows(chunk))
    return ParseReport(parsed=parsed, criteria=criteria, typed=typed, seconds=time.perf_counter() - started)
