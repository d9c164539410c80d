"""How the local registry stands: which store, how many trials, how fresh, and its index.

What `/health` answers, and what an operator checks after a load or sync.
"""

from __future__ import annotations

import msgspec

from trialscout.eligibility.model import PARSER_VERSION
from trialscout.search.index import IndexState, index_state
from trialscout.services.registry import LocalRegistry
from trialscout.store.base import Freshness


class RegistryStatus(msgspec.Struct, frozen=True, kw_only=True):
    store: str  # where the store is ("registry.db")
    trials: int
    freshness: Freshness
    index: IndexState
    criteria_parsed: int  # trials whose stored parsed criteria are current
    criteria_due: int  # trials whose criteria the next load, sync or `criteria` run parses


def registry_status(registry: LocalRegistry) -> RegistryStatus:
    """The store's size and freshness, and whether its search index and parsed criteria are
    current. Reads only."""
    store = registry.store
    criteria = store.criteria_state(PARSER_VERSION)
    return RegistryStatus(
        store=store.location,
        trials=store.count(),
        freshness=store.freshness(),
        index=index_state(store),
        criteria_parsed=criteria.parsed,
        criteria_due=criteria.due,
    )
