"""The place box: what a person has typed so far -> places to pick, and a place's text -> the
point a search uses. The CLI (`trialscout places`), the API (``/api/v1/places``) and the web
page call these.

Both read the registry's trial-site places as the search does: completion ranks the towns that
trial sites name higher, and resolving finds a site's town that the gazetteer lacks, exactly as
a search near that text would (`trialscout.search.engine.TrialSearch`). A registry without a
search index yet still completes and resolves, from the gazetteer alone.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING

from trialscout.errors import StoreError
from trialscout.geo.complete import DEFAULT_LIMIT, MAX_LIMIT, PlaceCompleter, PlaceSuggestion, place_completer
from trialscout.geo.places import Place, SitePlace, resolve_place
from trialscout.services.registry import LocalRegistry

# DEFAULT_LIMIT and MAX_LIMIT (suggestions by default, and at most) are for the edges too.
__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "complete_places", "resolve_place_text"]

if TYPE_CHECKING:
    from trialscout.search.engine import TrialSearch

# One completer per search index opened (its site places), built on first use.
_completers: weakref.WeakKeyDictionary[TrialSearch, PlaceCompleter] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def complete_places(
    registry: LocalRegistry, prefix: str, limit: int = DEFAULT_LIMIT
) -> list[PlaceSuggestion]:
    """Up to `limit` (at most 50) places that `prefix` begins to name, best first: cities,
    regions, countries, US ZIP codes ("9430") or coordinates; [] when none. Never raises for
    any text. The first call in a process builds the place tables (a few seconds)."""
    return _completer(registry).complete(prefix, limit)


def resolve_place_text(registry: LocalRegistry, text: str) -> Place:
    """The place `text` names, as a search near it reads it ("Palo Alto, CA", "94301",
    "41.88,-87.63"); raises `UnknownPlaceError`, with close matches as ``suggestions``."""
    search = _search(registry)
    return resolve_place(text, extra_places=_site_places(search) if search is not None else None)


def _search(registry: LocalRegistry) -> TrialSearch | None:
    """The registry's search, None without a search index. Opening it also puts the gazetteer
    the writer prebuilt beside the index to use (read in a millisecond instead of built)."""
    try:
        search = registry.search
        search.index.use_places()
    except StoreError:
        return None
    return search


def _site_places(search: TrialSearch) -> Sequence[SitePlace]:
    """The trial-site places: the search's own list, so that both read the same places and it
    is made once per process."""
    return search.site_places()


def _completer(registry: LocalRegistry) -> PlaceCompleter:
    search = _search(registry)
    if search is None:
        return place_completer()
    completer = _completers.get(search)
    if completer is None:
        with _lock:
            completer = _completers.get(search)
            if completer is None:
                completer = _completers[search] = place_completer().with_sites(_site_places(search))
    return completer
