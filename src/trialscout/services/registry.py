"""The local registry as readers see it: a store opened read-only and its search index.

Every read service takes a `LocalRegistry`. Opening one runs no migration and writes nothing;
its search index is opened on first use, read-only, so a process that only shows trials never
touches the index. One `LocalRegistry` can serve many threads (each gets its own connection).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from trialscout.errors import StoreError
from trialscout.store.base import TrialReader, TrialStore
from trialscout.store.sqlite import SQLiteStore

if TYPE_CHECKING:
    from trialscout.search.engine import TrialSearch


class LocalRegistry:
    """A store for reading, and its search index once something searches."""

    def __init__(self, store: TrialReader, search: TrialSearch | None = None) -> None:
        self.store = store
        self._search = search

    @property
    def search(self) -> TrialSearch:
        """The search over this store's index (opened read-only on first use); raises
        `StoreError` when the store has no index yet."""
        if self._search is None:
            # Imported here: a command that never searches (show --json) never loads the index.
            from trialscout.search.engine import TrialSearch
            from trialscout.search.index import SearchIndex

            self._search = TrialSearch(self.store, SearchIndex.open(self.store))
        return self._search

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> LocalRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_registry(db: str | Path, *, index_folder: str | Path | None = None) -> LocalRegistry:
    """The registry in a store file, for reading (raises `StoreError` when there is none)."""
    return LocalRegistry(SQLiteStore(_store_file(db), read_only=True, index_folder=index_folder))


def open_writer(db: str | Path, *, index_folder: str | Path | None = None) -> TrialStore:
    """The store file opened as its one writer (created and migrated as needed)."""
    return SQLiteStore(_store_file(db), index_folder=index_folder)


_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):/")
#: The kinds of store a location may name.
SUPPORTED_STORES = ("a SQLite file path (registry.db)",)


def _store_file(db: str | Path) -> Path:
    """The SQLite file a store location names; a URL of another kind of store is refused, never
    taken for a file name (``postgresql://host/db`` would otherwise create a folder
    ``postgresql:``)."""
    found = _URL.match(str(db))  # "postgresql://..." (a Path has made it "postgresql:/...")
    if found:
        raise StoreError(
            f"{found.group(1)}:// stores are not supported by this trialscout; a store is one of: "
            + "; ".join(SUPPORTED_STORES)
        )
    return Path(db)
