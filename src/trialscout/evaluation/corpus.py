"""The trials a patient-to-trial benchmark ranks: read from any mix of the formats we have.

`load_corpus(paths)` reads, from files, folders and archives:

- TrialGPT-format JSON lines (``{_id, title, text, metadata{brief_title, phase, drugs_list,
  diseases_list, enrollment, inclusion_criteria, exclusion_criteria, brief_summary}}``), the
  trial texts published with the TrialGPT benchmarks, each made into a `Trial`;
- registry records (API v2 JSON, legacy XML, zip archives of them), read by
  `trialscout.sources` exactly as ``trialscout load`` reads them;
- a trialscout store (a ``.db`` SQLite file).

When several sources hold the same NCT ID, the registry record wins over the TrialGPT text (it
is richer: structured ages, sex, phases), and of two registry records the more recent version.
Every trial gets one searchable text (`trial_text`) built the same way whatever its source, so
that a text ranker sees the same fields for each.

TrialGPT records carry no source format of their own; they were made from the legacy XML of
the TREC and SIGIR collections, so their `SourceInfo` says legacy XML with no version date,
and `BenchmarkTrial.origin` says where the record was really read.
"""

from __future__ import annotations

import ast
import math
import os
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import msgspec
import orjson

from trialscout.errors import BenchmarkInputError, RecordError, StoreError
from trialscout.model.enums import SourceFormat, phases_from_text
from trialscout.model.nct import normalise_nct_id
from trialscout.model.trial import Eligibility, Enrollment, Intervention, SourceInfo, Trial
from trialscout.services.registry import open_registry
from trialscout.sources.ctgov_json import ConcatenatedValuesError
from trialscout.sources.files import (
    REGISTRY_SUFFIXES,
    ArchivedRecord,
    RawRecord,
    Rejection,
    SkippedFile,
    iter_source,
    parse_record,
    split_concatenated,
)

_STORE_SUFFIXES = frozenset({".db", ".sqlite", ".sqlite3"})
_SQLITE_MAGIC = b"SQLite format 3\x00"
_NCT_IN_NAME = re.compile(r"NCT\d{8}")
#: A JSON-lines file is TrialGPT's format when its first line is an object with these keys.
_TRIALGPT_KEYS = frozenset({"_id", "metadata"})
_FIRST_LINE_LIMIT = 4 << 20


class CorpusOrigin(StrEnum):
    """Where a benchmark trial was read."""

    TRIALGPT = "trialgpt"
    REGISTRY = "registry"
    STORE = "store"


class BenchmarkTrial(msgspec.Struct, frozen=True):
    """One trial of a benchmark corpus: the trial, all its searchable text, and its origin."""

    nct_id: str
    trial: Trial
    text: str  # all searchable text: title, conditions, interventions, summary, eligibility
    origin: CorpusOrigin = CorpusOrigin.REGISTRY


class Corpus(msgspec.Struct, kw_only=True):
    """What `read_corpus` found: the trials by NCT ID, where they came from, what it skipped."""

    trials: dict[str, BenchmarkTrial]
    #: Final trials by origin (after the registry record replaced a TrialGPT one).
    origins: dict[str, int]
    #: NCT IDs read from TrialGPT text and also from the registry (the registry record kept).
    replaced_trialgpt: int = 0
    rejected: list[Rejection] = msgspec.field(default_factory=list)
    skipped_files: int = 0


def load_corpus(
    paths: Iterable[str | os.PathLike[str]], *, only: Collection[str] | None = None
) -> dict[str, BenchmarkTrial]:
    """The trials found under ``paths`` by NCT ID (see `read_corpus`)."""
    return read_corpus(paths, only=only).trials


def read_corpus(paths: Iterable[str | os.PathLike[str]], *, only: Collection[str] | None = None) -> Corpus:
    """Read every trial under ``paths``; with ``only``, just the trials with those NCT IDs
    (faster: records whose file name gives another NCT ID are not parsed).

    Raises BenchmarkInputError for a path that does not exist, or that holds no trial in a
    format trialscout reads. Bad records inside a good file are listed in ``rejected``.
    """
    wanted = frozenset(only) if only is not None else None
    collector = _Collector(wanted)
    for path in paths:
        p = Path(path)
        if not p.exists():
            raise BenchmarkInputError(f"corpus path not found: {p}")
        found, rejected = collector.found, len(collector.rejected)
        if p.is_dir():
            for file in _walk(p):
                collector.read_file(file, in_folder=True)
        else:
            collector.read_file(p, in_folder=False)
        if collector.found == found:
            why = f": {collector.rejected[-1].reason}" if len(collector.rejected) > rejected else ""
            raise BenchmarkInputError(
                f"{p} holds no trial records in a format trialscout reads (TrialGPT JSON lines,"
                f" registry JSON or XML, a trialscout store){why}"
            )
    return collector.corpus()


# --- TrialGPT format ----------------------------------------------------------------------------

_INCLUSION_HEADING = re.compile(r"^\s*inclusion criteria\s*(?::|(?=\n)|$)", re.IGNORECASE)
_EXCLUSION_HEADING = re.compile(r"^\s*(?:exclusion criteria\s*)?(?::|(?=\n)|$)", re.IGNORECASE)


def trial_from_trialgpt(doc: dict[str, Any]) -> Trial:
    """A TrialGPT corpus document -> Trial. Raises RecordError when it has no NCT ID."""
    nct_id = normalise_nct_id(str(doc.get("_id") or ""))
    if nct_id is None:
        raise RecordError(f"no NCT ID in _id ({doc.get('_id')!r})")
    meta = doc.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    title = _text(doc.get("title"))
    brief_title = _text(meta.get("brief_title")) or title
    drugs = _literal_list(meta.get("drugs_list"), meta.get("drugs"))
    diseases = _literal_list(meta.get("diseases_list"), meta.get("diseases"))
    return Trial(
        nct_id=nct_id,
        brief_title=brief_title,
        official_title=title if title and title != brief_title else None,
        phases=tuple(
            dict.fromkeys(p for part in _text(meta.get("phase")).split(";") for p in phases_from_text(part))
        ),
        enrollment=_enrollment(meta.get("enrollment")),
        conditions=tuple(diseases),
        interventions=tuple(Intervention(name=name) for name in drugs),
        eligibility=_eligibility(meta.get("inclusion_criteria"), meta.get("exclusion_criteria")),
        brief_summary=_text(meta.get("brief_summary")) or None,
        source=SourceInfo(format=SourceFormat.CTGOV_LEGACY_XML),
    )


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _literal_list(*values: Any) -> list[str]:
    """The first usable list among ``values``: a list, or a Python-literal string of one
    ("['A', 'B']"); a plain string that is not a literal is one item. Empty items dropped."""
    for value in values:
        items: Any = value
        if isinstance(value, str):
            text = value.strip()
            if not text:
                continue
            try:
                items = ast.literal_eval(text)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                items = [text]
        if isinstance(items, str):
            items = [items]
        if isinstance(items, (list, tuple)):
            names = [str(i).strip() for i in items if isinstance(i, (str, int, float)) and str(i).strip()]
            if names:
                return list(dict.fromkeys(names))
    return []


def _enrollment(value: Any) -> Enrollment | None:
    try:
        count = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(count) or count < 0:
        return None
    return Enrollment(count=int(count))


def _tidy(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines()).strip()


def _eligibility(inclusion: Any, exclusion: Any) -> Eligibility | None:
    include = _tidy(_INCLUSION_HEADING.sub("", _text(inclusion), count=1))
    exclude = _tidy(_EXCLUSION_HEADING.sub("", _text(exclusion), count=1))
    sections = []
    if include:
        sections.append("Inclusion Criteria:\n\n" + include)
    if exclude:
        sections.append("Exclusion Criteria:\n\n" + exclude)
    return Eligibility(criteria="\n\n".join(sections)) if sections else None


# --- searchable text ----------------------------------------------------------------------------


def trial_text(trial: Trial) -> str:
    """All the text a patient description is matched against: titles, conditions,
    interventions (and their other names), the brief summary and the eligibility criteria."""
    parts = [
        trial.brief_title,
        trial.official_title,
        *trial.conditions,
        *(name for i in trial.interventions for name in (i.name, *i.other_names)),
        trial.brief_summary,
        trial.eligibility.criteria if trial.eligibility else None,
    ]
    return "\n".join(p for p in parts if p)


# --- reading paths ------------------------------------------------------------------------------


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            yield Path(dirpath) / name


def _first_line(path: Path) -> bytes:
    with path.open("rb") as handle:
        head = handle.read(1)
        while head.isspace():
            head = handle.read(1)
        if head not in (b"{", b"\xef"):
            return b""
        return (head + handle.readline(_FIRST_LINE_LIMIT)).strip()


def is_trialgpt_file(path: Path) -> bool:
    """Whether ``path`` is TrialGPT-format JSON lines (its first line is such a document)."""
    try:
        line = _first_line(path)
        doc = orjson.loads(line.removeprefix(b"\xef\xbb\xbf")) if line else None
    except (OSError, orjson.JSONDecodeError):
        return False
    return isinstance(doc, dict) and doc.keys() >= _TRIALGPT_KEYS


def _is_store(path: Path) -> bool:
    if path.suffix.lower() in _STORE_SUFFIXES:
        return True
    try:
        with path.open("rb") as handle:
            return handle.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    except OSError:
        return False


def _version_key(trial: Trial) -> tuple[str, int, str]:
    """Orders versions of one trial: last update, then the richer format, then version date."""
    rank = 2 if trial.source.format is SourceFormat.CTGOV_API_V2_JSON else 1
    return (trial.last_update or "", rank, trial.source.version_date or "")


class _Collector:
    """Gathers trials from every source, keeping the preferred version of each NCT ID."""

    def __init__(self, wanted: frozenset[str] | None) -> None:
        self.wanted = wanted
        self.trials: dict[str, BenchmarkTrial] = {}
        self.trialgpt_ids: set[str] = set()
        self.rejected: list[Rejection] = []
        self.skipped_files = 0
        self.found = 0

    def read_file(self, file: Path, *, in_folder: bool) -> None:
        if is_trialgpt_file(file):
            self._read_trialgpt(file)
        elif _is_store(file):
            if in_folder:
                self.skipped_files += 1  # a store is read when named, not found in a folder
            else:
                self._read_store(file)
        elif in_folder and file.suffix.lower() not in REGISTRY_SUFFIXES:
            self.skipped_files += 1
        else:
            self._read_registry(file)

    def add(self, trial: Trial, origin: CorpusOrigin) -> None:
        self.found += 1
        nct = trial.nct_id
        if self.wanted is not None and nct not in self.wanted:
            return
        if origin is CorpusOrigin.TRIALGPT:
            self.trialgpt_ids.add(nct)
        current = self.trials.get(nct)
        if current is not None:
            if origin is CorpusOrigin.TRIALGPT:
                return  # a registry record (or the first TrialGPT text) is kept
            if current.origin is not CorpusOrigin.TRIALGPT and _version_key(current.trial) >= _version_key(
                trial
            ):
                return
        self.trials[nct] = BenchmarkTrial(nct_id=nct, trial=trial, text=trial_text(trial), origin=origin)

    def _read_trialgpt(self, file: Path) -> None:
        with file.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                where = f"line {number}"
                try:
                    doc = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    self.rejected.append(Rejection(str(file), where, f"malformed JSON: {exc}"))
                    continue
                if not isinstance(doc, dict):
                    self.rejected.append(Rejection(str(file), where, "not a JSON object"))
                    continue
                nct = normalise_nct_id(str(doc.get("_id") or ""))
                if self.wanted is not None and nct is not None and nct not in self.wanted:
                    self.found += 1
                    continue
                try:
                    trial = trial_from_trialgpt(doc)
                except RecordError as exc:
                    self.rejected.append(Rejection(str(file), where, str(exc)))
                    continue
                self.add(trial, CorpusOrigin.TRIALGPT)

    def _read_store(self, file: Path) -> None:
        try:
            with open_registry(file) as registry:
                store = registry.store
                if self.wanted is None:
                    for _seq, trial in store.iter_trials():
                        self.add(trial, CorpusOrigin.STORE)
                else:
                    self.found += store.count()
                    for nct in sorted(self.wanted):
                        if store.has(nct):
                            self.add(store.trial(nct), CorpusOrigin.STORE)
        except StoreError as exc:  # the store turns every SQLite error into one
            raise BenchmarkInputError(f"{file} is not a readable trialscout store: {exc}") from exc

    def _read_registry(self, file: Path) -> None:
        for item in iter_source([file]):
            if isinstance(item, Rejection):
                self.rejected.append(item)
            elif isinstance(item, SkippedFile):
                self.skipped_files += 1
            else:
                named = _NCT_IN_NAME.search(item.record)
                if self.wanted is not None and named is not None and named.group(0) not in self.wanted:
                    self.found += 1
                    continue
                for trial in self._parse(item):
                    self.add(trial, CorpusOrigin.REGISTRY)

    def _parse(self, item: RawRecord | ArchivedRecord) -> list[Trial]:
        try:
            raw = item.read() if isinstance(item, ArchivedRecord) else item
            try:
                return [parse_record(raw)]
            except ConcatenatedValuesError:
                return [parse_record(part) for part in split_concatenated(raw)]
        except RecordError as exc:
            self.rejected.append(Rejection(item.file, item.record, str(exc)))
        except Exception as exc:  # noqa: BLE001 - one unforeseen record must not stop the corpus
            self.rejected.append(
                Rejection(item.file, item.record, f"unreadable record ({type(exc).__name__}: {exc})")
            )
        return []

    def corpus(self) -> Corpus:
        origins = Counter(t.origin.value for t in self.trials.values())
        replaced = sum(1 for nct in self.trialgpt_ids if self.trials[nct].origin is not CorpusOrigin.TRIALGPT)
        return Corpus(
            trials=self.trials,
            origins={o.value: origins.get(o.value, 0) for o in CorpusOrigin},
            replaced_trialgpt=replaced,
            rejected=self.rejected,
            skipped_files=self.skipped_files,
        )
