"""The text index beside the store: built from it, kept in step with it, rebuilt by one command.

The index lives in a folder next to the SQLite file (``trialscout.db.index/``): the tantivy
index, the site columns (see `sites`) and ``meta.json``, which records the store's identity and
the last change (the store's ``change_seq``) the index holds. `update` adds what changed since;
a folder built for another store, or by an older layout, is rebuilt from scratch. Because the
store is the record and the index only follows it, an interrupted update leaves an index that
the next update completes.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import msgspec
import tantivy

from trialscout.errors import StoreError
from trialscout.search.documents import VIEW_DECODER, document_fields
from trialscout.search.schema import SCHEMA_VERSION, build_schema, register
from trialscout.search.sites import SiteTable
from trialscout.store.database import TrialStore

_STORE_ID_KEY = "store.id"
_WRITER_HEAP = 256_000_000
_READ_BATCH = 2000


class IndexMeta(msgspec.Struct, frozen=True, kw_only=True):
    """What the index folder holds: for which store, under which layout, up to which change."""

    schema_version: int
    store_id: str
    indexed_seq: int
    total: int
    sites: int


class IndexReport(msgspec.Struct, frozen=True, kw_only=True):
    """What an index build or update did."""

    rebuilt: bool
    indexed: int  # trials (re)written into the index
    total: int  # trials the index holds now
    sites: int
    seconds: float


ProgressCallback = Callable[[int], None]


def index_folder(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".index")


def store_identity(store: TrialStore) -> str:
    """A random identity given to a store once, so an index knows which store it follows."""
    identity = store.get_state(_STORE_ID_KEY)
    if identity is None:
        identity = uuid.uuid4().hex
        store.set_state(_STORE_ID_KEY, identity)
    return identity


class SearchIndex:
    """The text index and site table that follow one store."""

    def __init__(self, folder: Path, index: tantivy.Index, sites: SiteTable, meta: IndexMeta) -> None:
        self.folder = folder
        self.index = index
        self.sites = sites
        self.meta = meta
        self.schema = index.schema

    # --- opening --------------------------------------------------------------------------

    @classmethod
    def open(cls, store: TrialStore, *, update: bool = True) -> SearchIndex:
        """The store's index, brought up to date with the store first (unless ``update`` is off)."""
        if update:
            cls.update(store)
        folder = index_folder(store.path)
        meta = _read_meta(folder)
        if meta is None:
            raise StoreError(f"the search index at {folder} is missing; build it with: trialscout index")
        index = tantivy.Index.open(str(folder / "text"))
        register(index)
        return cls(folder, index, SiteTable.load(folder), meta)

    def searcher(self) -> tantivy.Searcher:
        return self.index.searcher()

    # --- building -------------------------------------------------------------------------

    @classmethod
    def update(
        cls, store: TrialStore, *, rebuild: bool = False, on_progress: ProgressCallback | None = None
    ) -> IndexReport:
        """Bring the index up to date with the store: rebuild it if asked, absent, made for
        another store or by an older layout; otherwise index only the trials changed since."""
        started = time.perf_counter()
        folder = index_folder(store.path)
        identity = store_identity(store)
        meta = _read_meta(folder)
        fresh = (
            rebuild
            or meta is None
            or meta.store_id != identity
            or meta.schema_version != SCHEMA_VERSION
            or not _index_exists(folder / "text")
        )
        since = 0 if fresh or meta is None else meta.indexed_seq
        target = store.last_change_seq()
        if meta is not None and not fresh and since >= target:
            return IndexReport(rebuilt=False, indexed=0, total=meta.total, sites=meta.sites, seconds=0.0)

        text_folder = folder / "text"
        if fresh:
            shutil.rmtree(folder, ignore_errors=True)
            text_folder.mkdir(parents=True)
            index = tantivy.Index(build_schema(), path=str(text_folder))
        else:
            index = tantivy.Index.open(str(text_folder))
        register(index)
        schema = index.schema
        writer = index.writer(heap_size=_WRITER_HEAP, num_threads=max(1, min(4, os.cpu_count() or 1)))
        changed: list[int] = []
        conn = store.connection
        rows = conn.execute(
            "SELECT rowid, nct_id, record, possibly_stale FROM trials"
            " WHERE change_seq > ? AND change_seq <= ?",
            (since, target),
        )
        try:
            while batch := rows.fetchmany(_READ_BATCH):
                for rowid, nct_id, record, stale in batch:
                    if not fresh:
                        writer.delete_documents_by_term("nct_id", nct_id)
                    view = VIEW_DECODER.decode(record)
                    writer.add_document(
                        tantivy.Document.from_dict(document_fields(rowid, view, bool(stale)), schema)
                    )
                    changed.append(rowid)
                if on_progress is not None:
                    on_progress(len(changed))
            writer.commit()
            writer.wait_merging_threads()
        except BaseException:
            writer.rollback()
            raise

        sites = SiteTable.from_store(conn) if fresh else SiteTable.load(folder).replaced(conn, changed)
        sites.save(folder)
        index.reload()
        total = index.searcher().num_docs
        _write_meta(
            folder,
            IndexMeta(
                schema_version=SCHEMA_VERSION,
                store_id=identity,
                indexed_seq=target,
                total=total,
                sites=len(sites),
            ),
        )
        return IndexReport(
            rebuilt=fresh,
            indexed=len(changed),
            total=total,
            sites=len(sites),
            seconds=time.perf_counter() - started,
        )


def _index_exists(folder: Path) -> bool:
    try:
        return folder.is_dir() and tantivy.Index.exists(str(folder))
    except ValueError:
        return False


def _read_meta(folder: Path) -> IndexMeta | None:
    try:
        return msgspec.json.decode((folder / "meta.json").read_bytes(), type=IndexMeta)
    except (OSError, msgspec.DecodeError):
        return None


def _write_meta(folder: Path, meta: IndexMeta) -> None:
    # Written last and atomically: an index without its meta is rebuilt, never trusted.
    tmp = folder / "meta.json.tmp"
    tmp.write_bytes(msgspec.json.encode(meta))
    tmp.replace(folder / "meta.json")
