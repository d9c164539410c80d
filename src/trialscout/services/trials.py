"""One trial: its full model (as JSON and for display), its original record, its criteria.

Reads only. Parsed criteria come from the store when current; a trial whose stored parse is
stale (changed since, or read by an older parser) is parsed in memory for the answer and left
for the writer to store (`trialscout criteria --rebuild`, or the next load or sync).
"""

from __future__ import annotations

import msgspec

from trialscout.eligibility.model import ParsedEligibility
from trialscout.errors import StoreError
from trialscout.model.enums import SourceFormat
from trialscout.model.trial import Trial
from trialscout.search.results import SearchHit
from trialscout.services.registry import LocalRegistry
from trialscout.store.base import StoredTrial


class TrialPage(msgspec.Struct, frozen=True, kw_only=True):
    """What a trial's page shows: the stored trial and the trials related to it."""

    stored: StoredTrial
    related: tuple[SearchHit, ...] = ()


class TrialCriteria(msgspec.Struct, frozen=True, kw_only=True):
    """A trial's parsed criteria beside the trial they were read from."""

    trial: Trial
    parsed: ParsedEligibility


def stored_trial(registry: LocalRegistry, nct_id: str) -> StoredTrial:
    """Raises `TrialNotFoundError` for an NCT ID the store does not hold."""
    return registry.store.get(nct_id)


def trial_json(stored: StoredTrial) -> dict[str, object]:
    """The full model of a stored trial, plus its recruitment check and where it was read from."""
    data: dict[str, object] = msgspec.to_builtins(stored.trial)
    data["recruitment_check"] = msgspec.to_builtins(stored.recruitment_check)
    data["stored_from"] = {
        "file": stored.source_file,
        "record": stored.source_record,
        "loaded_at": stored.loaded_at,
    }
    return data


def original_record(registry: LocalRegistry, nct_id: str) -> tuple[SourceFormat, bytes]:
    """The source record exactly as it was read (API v2 JSON or legacy XML)."""
    return registry.store.raw_record(nct_id)


def trial_page(registry: LocalRegistry, nct_id: str, *, related: int = 5) -> TrialPage:
    """A stored trial and its related trials, by title (none when the store has no search
    index yet: showing a trial never builds one)."""
    stored = registry.store.get(nct_id)
    hits: tuple[SearchHit, ...] = ()
    if related:
        try:
            hits = tuple(registry.search.related(nct_id, limit=related, locations=False, trial=stored.trial))
        except StoreError:
            hits = ()
    return TrialPage(stored=stored, related=hits)


def trial_criteria(registry: LocalRegistry, nct_id: str) -> TrialCriteria:
    """The trial's criteria, one by one, with their rules and plain sentences."""
    # Imported here: the parser is large, and only a stale or missing parse needs it.
    from trialscout.store.criteria import current_criteria

    return TrialCriteria(trial=registry.store.trial(nct_id), parsed=current_criteria(registry.store, nct_id))
