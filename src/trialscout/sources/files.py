"""Find the study records in the files users have, one record at a time.

`iter_source(paths)` walks files, directories and zip archives and yields, in order:

- `RawRecord`: the bytes of one study (one API v2 study object, or one `<clinical_study>`);
- `Rejection`: something that is not a study this reader takes, with the reason;
- `SkippedFile`: a file in a walked directory that is not a registry file type at all.

Records are streamed: a JSON array is read item by item (ijson), an archive member by member,
so memory stays flat whatever the size of the download. XML members of an archive come as
`ArchivedRecord`s, read where they are parsed. `parse_record` turns a RawRecord into a
`Trial`; it is a plain function of bytes, so it can run in worker processes.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import ijson
import msgspec
import orjson

from trialscout.errors import RecordError
from trialscout.model.enums import SourceFormat
from trialscout.model.trial import Trial
from trialscout.sources.ctgov_json import is_v2_study, trial_from_v2_json
from trialscout.sources.ctgov_xml import parse_xml, trial_from_xml

#: File types a registry download comes in; other files in a walked directory are skipped.
REGISTRY_SUFFIXES = frozenset({".json", ".xml", ".zip", ".jsonl", ".ndjson"})

_CLASSIC_KEYS = ("FullStudiesResponse", "FullStudy", "StudyFieldsResponse")
CLASSIC_API_REASON = (
    "retired classic ClinicalTrials.gov API JSON: the file holds {key}; trialscout reads API v2 "
    "JSON (https://clinicaltrials.gov/api/v2/studies) and legacy <clinical_study> XML"
)


class RawRecord(msgspec.Struct, frozen=True):
    """One study's bytes and where they came from (file, and record within the file)."""

    file: str
    record: str
    format: SourceFormat
    data: bytes


class ArchivedRecord(msgspec.Struct, frozen=True):
    """A record still inside a zip archive, read where it is parsed (in a worker process).

    Sending the member's name instead of its bytes keeps the reading process light when the
    archive is the AllPublicXML download of half a million files.
    """

    file: str
    record: str
    format: SourceFormat

    def read(self) -> RawRecord:
        # One open archive per process: a forked worker must not share its parent's file offset.
        key = (os.getpid(), self.file)
        archive = _open_archives.get(key)
        if archive is None:
            archive = _open_archives[key] = zipfile.ZipFile(self.file)
        return RawRecord(self.file, self.record, self.format, archive.read(self.record))


_open_archives: dict[tuple[int, str], zipfile.ZipFile] = {}


class Rejection(msgspec.Struct, frozen=True):
    """Something that could not be read as a study, and why."""

    file: str
    record: str
    reason: str


class SkippedFile(msgspec.Struct, frozen=True):
    file: str


SourceItem = RawRecord | ArchivedRecord | Rejection | SkippedFile


def split_concatenated(raw: RawRecord) -> list[RawRecord]:
    """A slice of a JSON array that holds several values (a study whose first key is not
    protocolSection, merged into the one before it by the fast splitter), one record each.
    Raises RecordError if the slice is not valid JSON after all."""
    try:
        values = orjson.loads(b"[" + raw.data + b"]")
    except orjson.JSONDecodeError as exc:
        raise RecordError(f"malformed JSON: {exc}") from exc
    return [
        RawRecord(raw.file, f"{raw.record}+{n}" if n else raw.record, raw.format, orjson.dumps(v))
        for n, v in enumerate(values)
    ]


def parse_record(raw: RawRecord) -> Trial:
    """Bytes of one study -> Trial. Raises RecordError with the reason if it cannot."""
    if raw.format is SourceFormat.CTGOV_LEGACY_XML:
        return trial_from_xml(parse_xml(raw.data))
    return trial_from_v2_json(raw.data)


def iter_source(paths: Iterable[str | os.PathLike[str]]) -> Iterator[SourceItem]:
    """Yield the records of every path given: files, directories (walked) and zip archives."""
    for path in paths:
        p = Path(path)
        if p.is_dir():
            for file in _walk(p):
                if file.suffix.lower() in REGISTRY_SUFFIXES:
                    yield from _iter_file(file)
                else:
                    yield SkippedFile(str(file))
        elif p.exists():
            yield from _iter_file(p)
        else:
            yield Rejection(str(p), "-", "no such file or directory")


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            yield Path(dirpath) / name


def _iter_file(path: Path) -> Iterator[SourceItem]:
    name = str(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".zip" or (suffix not in REGISTRY_SUFFIXES and zipfile.is_zipfile(path)):
            yield from _iter_zip(path)
            return
        with path.open("rb") as handle:
            yield from _iter_stream(name, "-", suffix, handle)
    except OSError as exc:
        yield Rejection(name, "-", f"cannot read the file: {exc.strerror or exc}")


def _iter_zip(path: Path) -> Iterator[SourceItem]:
    name = str(path)
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        yield Rejection(name, "-", f"not a readable zip archive: {exc}")
        return
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            suffix = Path(info.filename).suffix.lower()
            if suffix not in REGISTRY_SUFFIXES - {".zip"}:
                yield SkippedFile(f"{name}!{info.filename}")
                continue
            if suffix == ".xml":
                yield ArchivedRecord(name, info.filename, SourceFormat.CTGOV_LEGACY_XML)
                continue
            try:
                with archive.open(info) as member:
                    yield from _iter_stream(name, info.filename, suffix, member)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                yield Rejection(name, info.filename, f"cannot read the archive member: {exc}")


def _iter_stream(file: str, member: str, suffix: str, handle: IO[bytes]) -> Iterator[SourceItem]:
    """One file's bytes (on disk or in an archive) -> its records."""
    stream: Any = handle if hasattr(handle, "peek") else io.BufferedReader(handle)
    head = stream.peek(64)[:64].lstrip()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip()
    if suffix in {".jsonl", ".ndjson"}:
        yield from _iter_json_lines(file, member, stream)
    elif head.startswith(b"["):
        yield from _iter_json_array(file, member, stream)
    elif head.startswith(b"{"):
        yield from _iter_json_object(file, member, stream.read())
    elif head.startswith(b"<"):
        yield RawRecord(
            file, member if member != "-" else Path(file).name, SourceFormat.CTGOV_LEGACY_XML, stream.read()
        )
    elif not head:
        yield Rejection(file, member, "empty file")
    else:
        yield Rejection(file, member, "neither JSON nor XML")


def _label(member: str, index: int | None) -> str:
    where = "" if member == "-" else member
    return f"{where}[{index}]" if index is not None else (where or "-")


#: Where a study starts in a registry JSON download: an object whose first key is protocolSection.
#: An unescaped quote cannot occur inside a JSON string, so this only ever matches structure.
_STUDY_START = re.compile(rb'\{\s*"protocolSection"\s*:')
_NCT_IN_STUDY = re.compile(rb'"nctId"\s*:\s*"(NCT\d{8})"')
_CHUNK_BYTES = 8 << 20


def _iter_json_array(file: str, member: str, stream: Any) -> Iterator[SourceItem]:
    """A JSON array: split between studies without parsing when it is a registry download
    (every study starts with protocolSection, as the registry writes them), else stream it
    through ijson. Workers parse each study; see `split_concatenated` for the rare slice
    holding several values."""
    head = stream.peek(1 << 16)[: 1 << 16]
    first = _STUDY_START.search(head)
    if first is not None and head[: first.start()].strip() in (b"[", b"\xef\xbb\xbf["):
        yield from _split_study_array(file, member, stream)
    else:
        yield from _stream_json_array(file, member, stream)


def _split_study_array(file: str, member: str, stream: IO[bytes]) -> Iterator[SourceItem]:
    buffer = b""
    index = 0
    eof = False
    while not eof:
        chunk = stream.read(_CHUNK_BYTES)
        eof = not chunk
        buffer += chunk
        starts = [m.start() for m in _STUDY_START.finditer(buffer)]
        if not starts:
            continue
        # Everything before the last start is complete; the last study may continue.
        ends = [*starts[1:], len(buffer)] if eof else starts[1:]
        for start, end in zip(starts, ends, strict=False):
            piece = buffer[start:end].rstrip()
            piece = piece[:-1].rstrip() if piece.endswith((b",", b"]")) else piece
            if eof and end == len(buffer) and piece.endswith(b"]"):
                piece = piece[:-1].rstrip()
            nct = _NCT_IN_STUDY.search(piece, 0, 4096)
            label = _label(member, index) + (f" {nct.group(1).decode()}" if nct else "")
            yield RawRecord(file, label, SourceFormat.CTGOV_API_V2_JSON, piece)
            index += 1
        buffer = b"" if eof else buffer[starts[-1] :]


def _stream_json_array(file: str, member: str, stream: IO[bytes]) -> Iterator[SourceItem]:
    index = -1
    try:
        for index, item in enumerate(ijson.items(stream, "item", use_float=True)):
            if index == 0 and not is_v2_study(item):
                # A file of something else (a corpus, a benchmark): one report, not one per item.
                yield Rejection(
                    file, _label(member, None), unsupported_reason(item, "a JSON array whose first item")
                )
                return
            yield _study_item(file, _label(member, index), item)
    except ijson.JSONError as exc:
        yield Rejection(
            file, _label(member, index + 1), f"malformed JSON, the rest of the file is unreadable: {exc}"
        )


def _iter_json_lines(file: str, member: str, stream: IO[bytes]) -> Iterator[SourceItem]:
    first = True
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        label = f"{member if member != '-' else ''}line {number}".strip()
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield Rejection(file, label, f"malformed JSON: {exc}")
            continue
        if first and not is_v2_study(item):
            yield Rejection(
                file, _label(member, None), unsupported_reason(item, "JSON lines whose first line")
            )
            return
        first = False
        yield _study_item(file, label, item)


def _iter_json_object(file: str, member: str, data: bytes) -> Iterator[SourceItem]:
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        yield Rejection(file, _label(member, None), f"malformed JSON: {exc}")
        return
    if isinstance(obj, dict) and isinstance(obj.get("studies"), list):
        for index, item in enumerate(obj["studies"]):
            yield _study_item(file, _label(member, index), item)
    else:
        yield _study_item(file, _label(member, None), obj, data)


def _study_item(file: str, record: str, item: Any, data: bytes | None = None) -> SourceItem:
    if is_v2_study(item):
        nct = item["protocolSection"].get("identificationModule", {}).get("nctId")
        label = (
            f"{record} {nct}"
            if isinstance(nct, str) and record not in {"-", ""}
            else (nct if isinstance(nct, str) else record)
        )
        return RawRecord(file, label, SourceFormat.CTGOV_API_V2_JSON, data or orjson.dumps(item))
    return Rejection(file, record, unsupported_reason(item))


def unsupported_reason(item: Any, container: str | None = None) -> str:
    """Why a JSON value is not an API v2 study, in words a user can act on."""
    if isinstance(item, dict):
        for key in _CLASSIC_KEYS:
            if key in item:
                return CLASSIC_API_REASON.format(key=key)
        keys = ", ".join(sorted(str(k) for k in item)[:5])
        detail = f"has no protocolSection (its keys: {keys})"
    else:
        detail = f"is a JSON {type(item).__name__}, not an object"
    if container is None:
        return f"not an API v2 study: the record {detail}"
    return f"not API v2 studies: {container} {detail}"
