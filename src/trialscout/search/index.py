"""The text index beside the store: built from it, kept in step with it, rebuilt by one command.

The index lives in the folder the store names (`TrialReader.index_folder`; for a SQLite file,
``trialscout.db.index/`` unless set otherwise), as versions that the writer publishes whole::

    current          names the published version ("v-000007"), replaced atomically
    v-000007/        the tantivy index (``text/``), the site columns (``sites/``, see `sites`),
                     the concept graph, and ``meta.json``: the store's identity and the last
                     change (the store's ``change_seq``) the version holds
    v-000006/        the version before, kept for readers still on it
    places/          the gazetteer of place names prebuilt for fast opening

Trials are keyed by the number of their NCT ID, never by a store's row ids, so an index follows
any store.

Only the writer (load, sync, ``trialscout index``) changes the index, and never a published
version: `update` makes the next version from the current one (hard links to its files, which
tantivy never rewrites, then the trials changed since), or a fresh one when the index is absent,
damaged, made for another store or by an older layout; it is synced to disk, then published by
replacing ``current``. Old versions are pruned (`GRACE_S`). An interrupted update leaves an
unpublished version that no reader opens and the next update removes; because the store is the
record and the index only follows it, that update completes the work.

`SearchIndex.open` only reads: it never takes the index writer's lock, and it works on read-only
files; `SearchIndex.latest` moves a reader to a newly published version without a restart. A
folder of the layout before versions (``meta.json`` and ``text/`` in the index folder itself) is
opened as it is, and the writer's next update turns it into a version.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec
import tantivy

from trialscout.errors import StoreError
from trialscout.model.nct import nct_key
from trialscout.search.schema import SCHEMA_VERSION, build_schema, register
from trialscout.store.base import TrialReader

if TYPE_CHECKING:
    from trialscout.concepts.graph import ConceptGraph
    from trialscout.search.sites import SiteTable

_WRITER_HEAP = 256_000_000
_TEXT = "text"
_SITES = "sites"
_LEGACY_SITES_PREFIX = "sites."  # the site columns' generations in the layout before versions
_PLACES = "places"
_CONCEPTS = "concepts.msgpack"
_META = "meta.json"
_POINTER = "current"
_UPDATE_LOCK = ".update.lock"
_VERSION_PREFIX = "v-"
_OPEN_ATTEMPTS = 3
_RETRY_PAUSE_S = 0.05
#: An index version replaced by a newer one stays on disk at least this long (and the one just
#: before the published one always stays), so that a reader in the middle of a request on it
#: finishes there; the writer removes older ones at its next update.
GRACE_S = 600.0
#: tantivy files that a commit replaces whole: copied into a new version, never linked.
_REWRITTEN = frozenset({"meta.json", ".managed.json"})

_log = logging.getLogger(__name__)


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
    """One published version of the text index and site table that follow one store, opened
    for reading."""

    def __init__(
        self, folder: Path, index: tantivy.Index, meta: IndexMeta, version: Path | None = None
    ) -> None:
        self.folder = folder  # the store's index folder
        self.version = version or folder  # the version opened (the folder itself: the old layout)
        self.index = index
        self.meta = meta
        self.schema = index.schema
        self._sites: SiteTable | None = None
        self._view: Path | None = None
        self._concepts: ConceptGraph | None = None
        self._stamp: _Stamp | None = None  # the pointer to the published version, when opened
        self._failed: _Stamp | None = None  # a pointer whose version could not be opened
        self._newer: SearchIndex | None = None
        self._following = threading.Lock()
        self._pointer = os.path.join(folder, _POINTER)  # a str: checked on every request

    @property
    def concepts(self) -> ConceptGraph:
        """The concept graph the index was built with, read on first use (see `trialscout.concepts`)."""
        if self._concepts is None:
            self._concepts = load_concepts(self.version)
        return self._concepts

    @property
    def sites(self) -> SiteTable:
        """The site columns, memory-mapped on first use (numpy is loaded then, not before)."""
        if self._sites is None:
            from trialscout.search.sites import SiteTable

            try:
                table = SiteTable.load(self.version / self.meta.sites_folder)
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

        The writer may publish a new version, and prune the one before it, at the moment a
        reader opens it: a failed open is tried again, twice, a moment later, before the index
        is called damaged."""
        folder = store.index_folder
        for attempt in range(_OPEN_ATTEMPTS):
            try:
                return cls._open(folder)
            except StoreError:
                version = published(folder)
                if attempt == _OPEN_ATTEMPTS - 1 or version is None or read_meta(version) is None:
                    raise
                time.sleep(_RETRY_PAUSE_S)
        raise AssertionError("unreachable")

    @classmethod
    def _open(cls, folder: Path) -> SearchIndex:
        stamp = _pointer_stamp(os.path.join(folder, _POINTER))  # before it is read: a change after is seen
        version = published(folder)
        meta = read_meta(version) if version is not None else None
        if (
            version is None
            or meta is None
            or not _index_exists(version / _TEXT)
            or meta.schema_version != SCHEMA_VERSION
        ):
            raise StoreError(
                f"the search index at {folder} is missing or of an older layout;"
                " build it with: trialscout index"
            )
        try:
            index, view = _open_text(version / _TEXT)
        except StoreError as exc:
            raise StoreError(f"{exc}; rebuild it with: trialscout index --rebuild") from exc
        problem = damage(version, meta, index, counts=False, sites=False)
        if problem is not None:
            raise StoreError(
                f"the search index at {folder} is damaged ({problem});"
                " rebuild it with: trialscout index --rebuild"
            )
        register(index)
        opened = cls(folder, index, meta, version)
        opened._view = view
        opened._stamp = stamp
        return opened

    def latest(self) -> SearchIndex:
        """This index, or the newer version the writer has published since this one was opened
        (opened by the first call that sees it, then shared): a request that holds this one
        finishes on it while the next takes the newer. When nothing was published the check is
        one ``os.stat``. A new version that cannot be opened is reported once, as a warning,
        and this one goes on serving."""
        if self._newer is not None:
            self._newer = self._newer.latest()  # the versions in between can be let go
            return self._newer
        stamp = _pointer_stamp(self._pointer)
        if stamp is None or stamp == self._stamp or stamp == self._failed:
            return self
        with self._following:
            if self._newer is None and stamp not in (self._stamp, self._failed):
                self._follow(stamp)
        return self if self._newer is None else self._newer

    def _follow(self, stamp: _Stamp) -> None:
        try:
            newer = SearchIndex._open(self.folder)
        except StoreError as exc:
            self._failed = stamp
            _log.warning(
                "a new version of the search index could not be opened; still serving %s (%s)",
                self.version.name,
                exc,
            )
            return
        if newer.version == self.version and newer.meta == self.meta:  # seen before it was opened
            self._stamp = newer._stamp
            return
        if self._concepts is not None and _same_file(self.version / _CONCEPTS, newer.version / _CONCEPTS):
            newer._concepts = self._concepts  # an update links the graph: it is not decoded again
        self._newer = newer

    def searcher(self) -> tantivy.Searcher:
        return self.index.searcher()

    # --- building -------------------------------------------------------------------------

    @classmethod
    def update(
        cls, store: TrialReader, *, rebuild: bool = False, on_progress: ProgressCallback | None = None
    ) -> IndexReport:
        """Bring the index up to date with the store: rebuild it if asked, absent, damaged,
        made for another store or by an older layout; otherwise index only the trials changed
        since, in a new version made from the current one. It only reads the store (a reader
        will do: a serving machine keeps its own index of a shared PostgreSQL store without the
        store's writer lock); two updates of the same folder take turns (a lock file in it,
        released when the process ends, however it ends). Raises `StoreError` when the index
        cannot be written (a full disk, a read-only folder); the store is not touched, readers
        keep the version they have, and the same command completes it later."""
        try:
            return cls._update(store, rebuild=rebuild, on_progress=on_progress)
        except (OSError, ValueError) as exc:  # tantivy reports its I/O errors as ValueError
            raise StoreError(
                f"cannot write the search index at {store.index_folder}: {_reason(exc)};"
                " fix that and run: trialscout index"
            ) from exc

    @classmethod
    def _update(
        cls, store: TrialReader, *, rebuild: bool, on_progress: ProgressCallback | None
    ) -> IndexReport:
        started = time.perf_counter()
        folder = store.index_folder
        if not folder.is_dir() and (folder.exists() or folder.is_symlink()):
            folder.unlink()  # a file (or a broken link) where the folder should be
        folder.mkdir(parents=True, exist_ok=True)
        with _update_lock(folder):
            return cls._update_locked(store, folder, rebuild, on_progress, started)

    @classmethod
    def _update_locked(
        cls,
        store: TrialReader,
        folder: Path,
        rebuild: bool,
        on_progress: ProgressCallback | None,
        started: float,
    ) -> IndexReport:
        from trialscout.geo import gazetteer

        current = published(folder)
        _remove_unpublished(folder, current)
        identity = store.identity()
        meta = read_meta(current) if current is not None else None
        fresh = (
            rebuild
            or current is None
            or meta is None
            or meta.store_id != identity
            or meta.schema_version != SCHEMA_VERSION
            or not _index_exists(current / _TEXT)
            or damage(current, meta) is not None
        )
        since = 0 if fresh or meta is None else meta.indexed_seq
        target = store.last_change_seq()
        if meta is not None and not fresh and since >= target:
            gazetteer.save_current(folder / _PLACES)  # an index of an older trialscout may lack it
            prune(folder)
            return IndexReport(rebuilt=False, indexed=0, total=meta.total, sites=meta.sites, seconds=0.0)

        version = folder / _version_name(_next_number(folder))
        base = None if fresh else current
        try:
            changed, total, sites = _build(store, version, base, meta, since, target, on_progress)
            write_meta(
                version,
                IndexMeta(
                    schema_version=SCHEMA_VERSION,
                    store_id=identity,
                    indexed_seq=target,
                    total=total,
                    sites=sites,
                    sites_folder=_SITES,
                ),
            )
            _sync_tree(version)
        except BaseException:
            shutil.rmtree(version, ignore_errors=True)  # a kill leaves it to the next update
            raise
        gazetteer.save_current(folder / _PLACES)
        _publish(folder, version)
        prune(folder)
        return IndexReport(
            rebuilt=fresh,
            indexed=changed,
            total=total,
            sites=sites,
            seconds=time.perf_counter() - started,
        )


def _build(
    store: TrialReader,
    version: Path,
    base: Path | None,
    meta: IndexMeta | None,
    since: int,
    target: int,
    on_progress: ProgressCallback | None,
) -> tuple[int, int, int]:
    """Write a new version: from ``base`` (the current version, whose files it links) plus the
    trials changed since, or afresh when ``base`` is None. Returns how many trials were
    written, how many it holds, and how many sites."""
    from trialscout.concepts.graph import packaged_graph
    from trialscout.search.documents import VIEW_DECODER, document_fields
    from trialscout.search.sites import SiteTable

    text_folder = version / _TEXT
    if base is None or meta is None:
        text_folder.mkdir(parents=True)
        index = tantivy.Index(build_schema(), path=str(text_folder))
        graph = packaged_graph()
        save_concepts(version, graph)
    else:
        _link_tree(base / _TEXT, text_folder)
        if (base / _CONCEPTS).is_file():
            _link_tree(base / _CONCEPTS, version / _CONCEPTS)
        index = tantivy.Index.open(str(text_folder))
        graph = load_concepts(version)
    register(index)
    schema = index.schema
    writer = index.writer(heap_size=_WRITER_HEAP, num_threads=max(1, min(4, os.cpu_count() or 1)))
    changed: list[str] = []
    try:
        for row in store.index_rows(since, target):
            if base is not None:
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
    sites = (
        SiteTable.from_store(store)
        if base is None or meta is None
        else SiteTable.load(base / meta.sites_folder).replaced(store, changed)
    )
    sites.save(version / _SITES)
    index.reload()
    return len(changed), index.searcher().num_docs, len(sites)


_Stamp = tuple[int, int, int]  # the pointer file's inode, size and change time


def _pointer_stamp(pointer: str) -> _Stamp | None:
    try:
        found = os.stat(pointer)
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns


def published(folder: Path) -> Path | None:
    """The folder of the index version readers use now: the one ``current`` names, or the index
    folder itself for an index of the layout before versions; None when there is none."""
    try:
        name = (folder / _POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return folder if _is_file(folder / _META) else None
    except (OSError, UnicodeDecodeError):
        return None
    return folder / name if _version_number(name) is not None else None


def _same_file(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


def _version_name(number: int) -> str:
    return f"{_VERSION_PREFIX}{number:06d}"


def _version_number(name: str) -> int | None:
    digits = name[len(_VERSION_PREFIX) :]
    return int(digits) if name.startswith(_VERSION_PREFIX) and digits.isdigit() else None


def _versions(folder: Path) -> dict[int, Path]:
    """Every version folder in the index folder, published or not, by number."""
    found = {}
    for item in folder.iterdir():
        number = _version_number(item.name)
        if number is not None and item.is_dir():
            found[number] = item
    return found


@contextlib.contextmanager
def _update_lock(folder: Path) -> Iterator[None]:
    """One update of ``folder`` at a time: an exclusive lock on ``<folder>/.update.lock``. A
    second update waits for the first (then finds less or nothing to do) instead of failing; the
    lock goes with the process that holds it, a kill -9 included. Readers never take it."""
    with open(folder / _UPDATE_LOCK, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _next_number(folder: Path) -> int:
    return max(_versions(folder), default=0) + 1


def _remove_unpublished(folder: Path, current: Path | None) -> None:
    """Remove what an interrupted update left: versions newer than the published one (never
    published, so no reader has them) and an unfinished pointer."""
    if current is None and (folder / _POINTER).exists():
        return  # a pointer that cannot be read: readers may be on any version; a rebuild follows
    newest = 0 if current is None or current == folder else _version_number(current.name)
    for number, path in _versions(folder).items():
        if newest is not None and number > newest:
            shutil.rmtree(path, ignore_errors=True)
    (folder / (_POINTER + ".partial")).unlink(missing_ok=True)


def _link_tree(source: Path, target: Path) -> None:
    """Make ``target`` hold the files of ``source`` (a file or a folder) as hard links, or as
    copies where links cannot be made (another disk, a file system without them). tantivy's
    segment files are written once and never changed, so the two versions can share them; the
    files a commit replaces are copied, and lock files are left out."""
    if source.is_file():
        _link_or_copy(source, target)
        return
    target.mkdir(parents=True)
    for item in source.iterdir():
        if item.name.endswith(".lock"):
            continue
        if item.is_dir():
            _link_tree(item, target / item.name)
        elif item.name in _REWRITTEN:
            shutil.copy2(item, target / item.name)
        else:
            _link_or_copy(item, target / item.name)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _sync_tree(folder: Path) -> None:
    """Flush every file and folder of a built version to disk before it is published."""
    for root, _, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _sync_folder(Path(root))


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # a platform that cannot open a folder (Windows) syncs it with its files
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _publish(folder: Path, version: Path) -> None:
    """Make ``version`` the one readers open: the pointer is replaced whole, never edited."""
    partial = folder / (_POINTER + ".partial")
    with open(partial, "w", encoding="utf-8") as out:
        out.write(version.name + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, folder / _POINTER)
    _sync_folder(folder)


def prune(folder: Path, *, now: float | None = None) -> list[str]:
    """Remove old index versions; the names of those removed. Kept: the published version, the
    one before it, and any replaced less than `GRACE_S` ago (a reader may be in the middle of a
    request on it). The files of the layout before versions count as version 0."""
    current = published(folder)
    if current is None or current == folder:
        return []
    newest = _version_number(current.name)
    assert newest is not None
    now = time.time() if now is None else now
    versions = _versions(folder)
    if _is_file(folder / _META) or (folder / _TEXT).is_dir():
        versions[0] = folder
    older = sorted(number for number in versions if number < newest)
    removed = []
    for before, number in enumerate(older[:-1]):  # the last one is the one before the published
        successor = versions[older[before + 1]]
        if now - _published_at(successor) < GRACE_S:
            continue
        if number == 0:
            _remove_old_layout(folder)
            removed.append(folder.name)
        else:
            shutil.rmtree(versions[number], ignore_errors=True)
            removed.append(versions[number].name)
    return removed


def _published_at(version: Path) -> float:
    try:
        return (version / _META).stat().st_mtime
    except OSError:
        return 0.0


def _remove_old_layout(folder: Path) -> None:
    (folder / _META).unlink(missing_ok=True)  # first: nothing opens it as an index after this
    (folder / _CONCEPTS).unlink(missing_ok=True)
    shutil.rmtree(folder / _TEXT, ignore_errors=True)
    for stale in folder.glob(_LEGACY_SITES_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)


def index_state(store: TrialReader) -> IndexState:
    """Whether the store's index is there and current; reads only."""
    folder = store.index_folder
    version = published(folder)
    meta = read_meta(version) if version is not None else None
    present = (
        version is not None
        and meta is not None
        and meta.schema_version == SCHEMA_VERSION
        and _index_exists(version / _TEXT)
    )
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
    """What is wrong with an index version whose meta is readable, or None when it is sound: the
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
        return msgspec.json.decode((folder / _META).read_bytes(), type=IndexMeta)
    except (OSError, msgspec.DecodeError):
        return None


def write_meta(folder: Path, meta: IndexMeta) -> None:
    # Written last and atomically: an index without its meta is rebuilt, never trusted.
    tmp = folder / (_META + ".tmp")
    tmp.write_bytes(msgspec.json.encode(meta))
    tmp.replace(folder / _META)


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
