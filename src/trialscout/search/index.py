"""The text index beside the store: built from it, kept in step with it, rebuilt by one command.

The index lives in the folder the store names (`TrialReader.index_folder`; for a SQLite file,
``trialscout.db.index/`` unless set otherwise): the tantivy index, the site columns (see
`sites`), the gazetteer of place names prebuilt for fast opening (``places/``), and
``meta.json``, which records the store's identity and the last change (the store's
``change_seq``) the index holds. Trials are keyed by the number of their NCT ID, never by a
store's row ids, so an index follows any store.

Only the writer (load, sync, ``trialscout index``) changes the index: `update` adds what changed
since, and rebuilds a folder made for another store or by an older layout. `SearchIndex.open`
only reads: it never takes the index writer's lock, so searches run while a load writes, and it
works on read-only files. Because the store is the record and the index only follows it, an
interrupted update leaves an index that the next update completes.
"""

from __future__ import annotations

import atexit
import errno
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec
import tantivy

from trialscout.errors import StoreError
from trialscout.model.nct import nct_key
from trialscout.search.schema import SCHEMA_VERSION, build_schema, register
from trialscout.store.base import TrialReader, TrialStore

if TYPE_CHECKING:
    from trialscout.concepts.graph import ConceptGraph
    from trialscout.search.sites import SiteTable

_WRITER_HEAP = 256_000_000
_TEXT = "text"
_SITES_PREFIX = "sites."
_PLACES = "places"
_CONCEPTS = "concepts.msgpack"
_OPEN_ATTEMPTS = 3
_RETRY_PAUSE_S = 0.05


class IndexMeta(msgspec.Struct, frozen=True, kw_only=True):
    """What the index folder holds: for which store, under which layout, up to which change."""

    schema_version: int
    store_id: str
    indexed_seq: int
    total: int
    sites: int
    sites_folder: str = ""  # the current generation of the site columns


class IndexReport(msgspec.Struct, frozen=True, kw_only=True):
    """What an index build or update did."""

    rebuilt: bool
    indexed: int  # trials (re)written into the index
    total: int  # trials the index holds now
    sites: int
    seconds: float


class IndexState(msgspec.Struct, frozen=True, kw_only=True):
    """Whether a store's index is there and current, for /health and `trialscout status`."""

    folder: str
    present: bool
    current: bool  # built for this store, by this layout, holding its latest change
    trials: int
    behind_by: int  # store changes not yet in the index


ProgressCallback = Callable[[int], None]


class SearchIndex:
    """The text index and site table that follow one store, opened for reading."""

    def __init__(self, folder: Path, index: tantivy.Index, meta: IndexMeta) -> None:
        self.folder = folder
        self.index = index
        self.meta = meta
        self.schema = index.schema
        self._sites: SiteTable | None = None
        self._view: Path | None = None
        self._concepts: ConceptGraph | None = None

    @property
    def concepts(self) -> ConceptGraph:
        """The concept graph the index was built with, read on first use (see `trialscout.concepts`)."""
        if self._concepts is None:
            self._concepts = load_concepts(self.folder)
        return self._concepts

    @property
    def sites(self) -> SiteTable:
        """The site columns, memory-mapped on first use (numpy is loaded then, not before)."""
        if self._sites is None:
            from trialscout.search.sites import SiteTable

            try:
                table = SiteTable.load(self.folder / self.meta.sites_folder)
            except (OSError, ValueError) as exc:
                raise StoreError(
                    f"the search index at {self.folder} is damaged (its site columns: {_reason(exc)});"
                    " rebuild it with: trialscout index --rebuild"
                ) from exc
            lengths = {int(column.shape[0]) for column in table.columns.values()}
            if lengths != {self.meta.sites}:
                raise StoreError(
                    f"the search index at {self.folder} is damaged (its site columns do not hold the"
                    f" {self.meta.sites:,} sites written); rebuild it with: trialscout index --rebuild"
                )
            self._sites = table
        return self._sites

    def use_places(self) -> None:
        """Use the place names the writer prebuilt beside the index, if they are current (else
        the gazetteer is built in memory on first use)."""
        from trialscout.geo import gazetteer

        gazetteer.use_saved(self.folder / _PLACES)

    # --- opening --------------------------------------------------------------------------

    @classmethod
    def open(cls, store: TrialReader) -> SearchIndex:
        """The store's index as it is now, read-only; raises `StoreError` when there is none
        (``trialscout index`` builds it) or it is damaged. Never updates it: the writer does.

        A writer may be replacing files at the moment a reader opens them (a merge of index
        segments, a new generation of site columns): a failed open is tried again, twice, a
        moment later, before the index is called damaged."""
        for attempt in range(_OPEN_ATTEMPTS):
            try:
                return cls._open(store)
            except StoreError:
                if attempt == _OPEN_ATTEMPTS - 1 or read_meta(store.index_folder) is None:
                    raise
                time.sleep(_RETRY_PAUSE_S)
        raise AssertionError("unreachable")

    @classmethod
    def _open(cls, store: TrialReader) -> SearchIndex:
        folder = store.index_folder
        meta = read_meta(folder)
        if meta is None or not _index_exists(folder / _TEXT) or meta.schema_version != SCHEMA_VERSION:
            raise StoreError(
                f"the search index at {folder} is missing or of an older layout;"
                " build it with: trialscout index"
            )
        try:
            index, view = _open_text(folder / _TEXT)
        except StoreError as exc:
            raise StoreError(f"{exc}; rebuild it with: trialscout index --rebuild") from exc
        problem = damage(folder, meta, index, counts=False, sites=False)
        if problem is not None:
            raise StoreError(
                f"the search index at {folder} is damaged ({problem});"
                " rebuild it with: trialscout index --rebuild"
            )
        register(index)
        opened = cls(folder, index, meta)
        opened._view = view
        return opened

    def searcher(self) -> tantivy.Searcher:
        return self.index.searcher()

    # --- building -------------------------------------------------------------------------

    @classmethod
    def update(
        cls, store: TrialStore, *, rebuild: bool = False, on_progress: ProgressCallback | None = None
    ) -> IndexReport:
        """Bring the index up to date with the store: rebuild it if asked, absent, damaged,
        made for another store or by an older layout; otherwise index only the trials changed
        since. Raises `StoreError` when the index cannot be written (a full disk, a read-only
        folder); the store is not touched, and the same command completes it later."""
        try:
            return cls._update(store, rebuild=rebuild, on_progress=on_progress)
        except (OSError, ValueError) as exc:  # tantivy reports its I/O errors as ValueError
            raise StoreError(
                f"cannot write the search index at {store.index_folder}: {_reason(exc)};"
                " fix that and run: trialscout index"
            ) from exc

    @classmethod
    def _update(
        cls, store: TrialStore, *, rebuild: bool, on_progress: ProgressCallback | None
    ) -> IndexReport:
        from trialscout.geo import gazetteer
        from trialscout.search.documents import VIEW_DECODER, document_fields
        from trialscout.search.sites import SiteTable

        started = time.perf_counter()
        folder = store.index_folder
        identity = store.identity()
        meta = read_meta(folder)
        fresh = (
            rebuild
            or meta is None
            or meta.store_id != identity
            or meta.schema_version != SCHEMA_VERSION
            or not _index_exists(folder / _TEXT)
            or damage(folder, meta) is not None
        )
        since = 0 if fresh or meta is None else meta.indexed_seq
        target = store.last_change_seq()
        if meta is not None and not fresh and since >= target:
            gazetteer.save_current(folder / _PLACES)  # an index of an older trialscout may lack it
            return IndexReport(rebuilt=False, indexed=0, total=meta.total, sites=meta.sites, seconds=0.0)

        text_folder = folder / _TEXT
        if fresh:
            if folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)
            elif folder.exists() or folder.is_symlink():  # a file where the folder should be
                folder.unlink()
            text_folder.mkdir(parents=True)
            index = tantivy.Index(build_schema(), path=str(text_folder))
        else:
            index = tantivy.Index.open(str(text_folder))
        register(index)
        schema = index.schema
        from trialscout.concepts.graph import packaged_graph

        graph = packaged_graph() if fresh else load_concepts(folder)
        if fresh:
            save_concepts(folder, graph)
        writer = index.writer(heap_size=_WRITER_HEAP, num_threads=max(1, min(4, os.cpu_count() or 1)))
        changed: list[str] = []
        try:
            for row in store.index_rows(since, target):
                if not fresh:
                    writer.delete_documents_by_term("nct_id", row.nct_id)
                view = VIEW_DECODER.decode(row.record)
                fields = document_fields(nct_key(row.nct_id), view, row.possibly_stale, graph)
                writer.add_document(tantivy.Document.from_dict(fields, schema))
                changed.append(row.nct_id)
                if on_progress is not None and len(changed) % 2000 == 0:
                    on_progress(len(changed))
            writer.commit()
            writer.wait_merging_threads()
        except BaseException:
            writer.rollback()
            raise

        old_sites = None if fresh or meta is None else folder / meta.sites_folder
        sites = (
            SiteTable.from_store(store)
            if old_sites is None
            else SiteTable.load(old_sites).replaced(store, changed)
        )
        # A new generation of the site columns: readers that mapped the old one keep it.
        sites_folder = f"{_SITES_PREFIX}{target}"
        if old_sites is not None and old_sites.name == sites_folder:
            sites_folder += f".{time.time_ns()}"
        sites.save(folder / sites_folder)
        gazetteer.save_current(folder / _PLACES)
        index.reload()
        total = index.searcher().num_docs
        write_meta(
            folder,
            IndexMeta(
                schema_version=SCHEMA_VERSION,
                store_id=identity,
                indexed_seq=target,
                total=total,
                sites=len(sites),
                sites_folder=sites_folder,
            ),
        )
        # The generation before stays: a reader that read the previous meta may still open it.
        keep = {sites_folder, old_sites.name if old_sites is not None else ""}
        for stale in folder.glob(_SITES_PREFIX + "*"):
            if stale.name not in keep:
                shutil.rmtree(stale, ignore_errors=True)
        return IndexReport(
            rebuilt=fresh,
            indexed=len(changed),
            total=total,
            sites=len(sites),
            seconds=time.perf_counter() - started,
        )


def index_state(store: TrialReader) -> IndexState:
    """Whether the store's index is there and current; reads only."""
    folder = store.index_folder
    meta = read_meta(folder)
    present = meta is not None and meta.schema_version == SCHEMA_VERSION and _index_exists(folder / _TEXT)
    if meta is None or not present:
        return IndexState(folder=str(folder), present=False, current=False, trials=0, behind_by=0)
    latest = store.last_change_seq()
    same_store = meta.store_id == store.identity()
    behind = max(0, latest - meta.indexed_seq) if same_store else latest
    return IndexState(
        folder=str(folder),
        present=True,
        current=same_store and behind == 0,
        trials=meta.total,
        behind_by=behind,
    )


def damage(
    folder: Path,
    meta: IndexMeta,
    index: tantivy.Index | None = None,
    *,
    counts: bool = True,
    sites: bool = True,
) -> str | None:
    """What is wrong with an index folder whose meta is readable, or None when it is sound: the
    text index (``index``, when already open) opens and, with ``counts``, holds the trials its
    meta says, and every site column is there with the length the meta says. Reads only.

    A reader checks without ``counts`` (while the writer updates the index, the text index
    holds its new trials a moment before the meta says so) and without ``sites`` (it checks
    the site columns when it first maps them, so a command that needs none loads no numpy)."""
    view = None
    try:
        if index is None:
            index, view = _open_text(folder / _TEXT)
        found = index.searcher().num_docs
    except (StoreError, OSError, ValueError) as exc:
        return f"the text index cannot be read: {_reason(exc)}"
    finally:
        if view is not None:
            shutil.rmtree(view, ignore_errors=True)
    if counts and found != meta.total:
        return f"the text index holds {found:,} trials where {meta.total:,} were written"
    if not sites:
        return None
    from trialscout.search.sites import column_lengths

    try:
        lengths = column_lengths(folder / meta.sites_folder)
    except (OSError, ValueError) as exc:
        return f"the site columns cannot be read: {_reason(exc)}"
    wrong = sorted(name for name, length in lengths.items() if length != meta.sites)
    if wrong:
        return f"site columns {', '.join(wrong)} do not hold the {meta.sites:,} sites written"
    return None


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or "requested and" in text:
        return "the disk is full"  # numpy says "N requested and M written"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return text or type(exc).__name__


def _open_text(folder: Path) -> tuple[tantivy.Index, Path | None]:
    """Open the tantivy index for reading. tantivy takes a shared lock file even to read; where
    the folder cannot be written (a read-only disk or copy), the index is opened through a
    private folder of links to its files, which holds that lock file instead."""
    try:
        return tantivy.Index.open(str(folder)), None
    except (ValueError, OSError) as exc:
        if os.access(folder, os.W_OK) or "lock" not in str(exc).lower():
            raise StoreError(f"cannot open the search index at {folder}: {exc}") from exc
    view = Path(tempfile.mkdtemp(prefix="trialscout-index-"))
    atexit.register(shutil.rmtree, view, True)
    for item in folder.iterdir():
        if not item.name.endswith(".lock"):
            (view / item.name).symlink_to(item.resolve())
    try:
        return tantivy.Index.open(str(view)), view
    except (ValueError, OSError) as exc:
        raise StoreError(f"cannot open the search index at {folder}: {exc}") from exc


def _index_exists(folder: Path) -> bool:
    try:
        return folder.is_dir() and (folder / "meta.json").is_file()
    except OSError:
        return False


def read_meta(folder: Path) -> IndexMeta | None:
    try:
        return msgspec.json.decode((folder / "meta.json").read_bytes(), type=IndexMeta)
    except (OSError, msgspec.DecodeError):
        return None


def write_meta(folder: Path, meta: IndexMeta) -> None:
    # Written last and atomically: an index without its meta is rebuilt, never trusted.
    tmp = folder / "meta.json.tmp"
    tmp.write_bytes(msgspec.json.encode(meta))
    tmp.replace(folder / "meta.json")


def save_concepts(folder: Path, graph: ConceptGraph) -> None:
    """Keep the concept graph the documents are written with beside them (a reader reads the
    same graph, and an update writes new documents with it)."""
    from trialscout.concepts.graph import encode

    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / (_CONCEPTS + ".partial")
    partial.write_bytes(encode(graph))
    os.replace(partial, folder / _CONCEPTS)


def load_concepts(folder: Path) -> ConceptGraph:
    """The concept graph saved beside the index, or the packaged one when none was saved."""
    from trialscout.concepts.graph import decode, packaged_graph

    try:
        return decode((folder / _CONCEPTS).read_bytes())
    except FileNotFoundError:
        return packaged_graph()
    except (OSError, ValueError) as exc:
        raise StoreError(
            f"the search index at {folder} is damaged (its concept graph: {_reason(exc)});"
            " rebuild it with: trialscout index --rebuild"
        ) from exc
