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
from trialscout.settings import is_postgres_url
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


def open_store(
    db: str | Path, *, read_only: bool = False, index_folder: str | Path | None = None
) -> TrialStore:
    """The store a ``--db`` value names: a ``postgresql://`` or ``postgres://`` URL opens the
    PostgreSQL store (its index folder, unless given, is named after the store's identity under
    ``~/.local/share/trialscout/indexes/``); anything else is a SQLite file (index beside it,
    ``<file>.index``). ``read_only``: for reading, no migration and no write."""
    if is_postgres_url(db):
        # Imported here: a SQLite command never loads the PostgreSQL driver.
        from trialscout.store.postgres import PostgresStore

        return PostgresStore(str(db), read_only=read_only, index_folder=index_folder)
    return SQLiteStore(_store_file(db), read_only=read_only, index_folder=index_folder)


def open_registry(db: str | Path, *, index_folder: str | Path | None = None) -> LocalRegistry:
    """The registry in a store, for reading (raises `StoreError` when there is none)."""
    return LocalRegistry(open_store(db, read_only=True, index_folder=index_folder))


def open_writer(db: str | Path, *, index_folder: str | Path | None = None) -> TrialStore:
    """The store opened as its one writer (created and migrated as needed)."""
    return open_store(db, index_folder=index_folder)


_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):/")
#: The kinds of store a location may name.
SUPPORTED_STORES = (
    "a SQLite file path (registry.db)",
    "a PostgreSQL URL (postgresql://user@host:5432/dbname)",
)


def _store_file(db: str | Path) -> Path:
    """The SQLite file a store location names; a URL of another kind of store is refused, never
    taken for a file name (``mysql://host/db`` would otherwise create a folder ``mysql:``)."""
    found = _URL.match(str(db))  # "mysql://..." (a Path has made it "mysql:/...")
    if found:
        raise StoreError(
            f"{found.group(1)}:// stores are not supported by this trialscout; a store is one of: "
            + "; ".join(SUPPORTED_STORES)
        )
    return Path(db)
