"""Find the study records in the files users have, one record at a time.

`iter_source(paths)` walks files, directories and zip archives and yields, in order:

- `RawRecord`: the bytes of one study (one API v2 study object, or one `<clinical_study>`);
- `Rejection`: something that is not a study this reader takes, with the reason;
- `SkippedFile`: a file in a walked directory that is not a registry file type at all.

Records are streamed: a JSON array is read item by item (ijson), an archive member by member,
so memory stays flat whatever the size of the download. XML members of an archive come as
`ArchivedRecord`s, read where they are parsed. `parse_record` turns a RawRecord into a
`Trial`; it is a plain function of bytes, so it can run in worker processes.

No input may crash, hang or exhaust memory, so what is read is bounded, and what passes a bound
is reported (a `Rejection` with the reason) and skipped:

- only regular files are read: a FIFO, device or socket, named or found in a folder, is "not a
  regular file" (reading one could block for ever, or never end: /dev/zero);
- one study record is at most `MAX_RECORD_BYTES` (32 MiB; the largest real records, with
  results, are a few MB), and a JSON document read whole (one study, one API page) at most
  `MAX_DOCUMENT_BYTES`; registry arrays and JSON lines are streamed, so their files may be any
  size, but each record in them is held to the record bound;
- JSON that is not a registry download is nested at most `MAX_JSON_DEPTH` levels (a study
  needs under ten);
- a zip member is read only if unencrypted, in a compression method Python reads, and at most
  `MAX_MEMBER_BYTES` uncompressed (its record bound when it is one record): checked against the
  size it declares and again while it is read, since a zip bomb can declare any size.
"""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import ijson
import msgspec
import orjson
from ijson.common import ObjectBuilder

from trialscout.errors import RecordError
from trialscout.model.enums import SourceFormat
from trialscout.model.trial import Trial
from trialscout.sources.ctgov_json import is_v2_study, trial_from_v2_json
from trialscout.sources.ctgov_xml import trial_from_xml_bytes

#: File types a registry download comes in; other files in a walked directory are skipped.
REGISTRY_SUFFIXES = frozenset({".json", ".xml", ".zip", ".jsonl", ".ndjson"})

#: The largest study record read: 32 MiB. The registry's largest records (with results) are a
#: few MB; anything larger is damaged or not a study, and is reported instead of held in memory.
MAX_RECORD_BYTES = 32 << 20
#: The largest JSON document read whole: one study, or an API page (at most 1,000 studies).
#: Registry downloads (JSON arrays, JSON lines) are streamed and may be any size.
MAX_DOCUMENT_BYTES = 256 << 20
#: The deepest nesting of JSON read item by item; an API v2 study needs under ten levels.
MAX_JSON_DEPTH = 64
#: The largest zip member read (uncompressed) when it holds many records (a JSON array); a
#: member that is one record is held to `MAX_RECORD_BYTES`.
MAX_MEMBER_BYTES = 4 << 30
#: The zip compression methods Python reads.
_ZIP_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})
_UTF8_BOM = b"\xef\xbb\xbf"

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
        """The member's bytes; RecordError with the reason if it cannot be read (encrypted, an
        unsupported compression method, damaged, or over `MAX_RECORD_BYTES`)."""
        # One open archive per process: a forked worker must not share its parent's file offset.
        key = (os.getpid(), self.file)
        archive = _open_archives.get(key)
        if archive is None:
            try:
                handle = open_regular(Path(self.file))
                archive = zipfile.ZipFile(handle)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise RecordError(f"cannot read the archive: {_os_reason(exc)}") from exc
            _open_archives[key] = archive
        try:
            info = archive.getinfo(self.record)
        except KeyError as exc:
            raise RecordError("the archive no longer holds this member") from exc
        return RawRecord(self.file, self.record, self.format, read_member(archive, info, MAX_RECORD_BYTES))


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
        return trial_from_xml_bytes(raw.data)
    return trial_from_v2_json(raw.data)


def iter_source(paths: Iterable[str | os.PathLike[str]]) -> Iterator[SourceItem]:
    """Yield the records of every path given: files, directories (walked) and zip archives."""
    for path in paths:
        p = Path(path)
        try:
            mode = p.stat().st_mode
        except FileNotFoundError:
            yield Rejection(str(p), "-", "no such file or directory")
            continue
        except OSError as exc:
            yield Rejection(str(p), "-", f"cannot read the file: {_os_reason(exc)}")
            continue
        if stat.S_ISDIR(mode):
            for file in _walk(p):
                yield from _walked_file(file)
        else:
            yield from _iter_file(p)


def _walked_file(file: Path) -> Iterator[SourceItem]:
    try:
        mode = file.stat().st_mode
    except OSError as exc:
        yield Rejection(str(file), "-", f"cannot read the file: {_os_reason(exc)}")
        return
    if not stat.S_ISREG(mode):
        yield Rejection(str(file), "-", not_regular_reason(mode))
    elif file.suffix.lower() in REGISTRY_SUFFIXES:
        yield from _iter_file(file)
    else:
        yield SkippedFile(str(file))


def not_regular_reason(mode: int) -> str:
    """Why a path that is not a regular file is not read."""
    kind = (
        "a FIFO (named pipe)"
        if stat.S_ISFIFO(mode)
        else "a character device"
        if stat.S_ISCHR(mode)
        else "a block device"
        if stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a file"
    )
    return f"not a regular file: it is {kind}; trialscout reads regular files, folders and zip archives"


class NotRegularFileError(RecordError):
    """A path that is a FIFO, device or socket, not a regular file."""


def open_regular(path: Path) -> IO[bytes]:
    """Open a regular file for reading, never blocking: opening a FIFO waits for a writer, so
    the file is opened non-blocking and checked before anything is read from it.
    Raises NotRegularFileError, or OSError when it cannot be opened."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFileError(not_regular_reason(mode))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _os_reason(exc: BaseException) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            yield Path(dirpath) / name


def _iter_file(path: Path) -> Iterator[SourceItem]:
    name = str(path)
    suffix = path.suffix.lower()
    try:
        handle = open_regular(path)
    except NotRegularFileError as exc:
        yield Rejection(name, "-", str(exc))
        return
    except OSError as exc:
        yield Rejection(name, "-", f"cannot read the file: {_os_reason(exc)}")
        return
    with handle:
        try:
            if suffix == ".zip" or (suffix not in REGISTRY_SUFFIXES and zipfile.is_zipfile(handle)):
                handle.seek(0)
                yield from _iter_zip(name, handle)
                return
            handle.seek(0)
            yield from _iter_stream(name, "-", suffix, handle)
        except RecordError as exc:
            yield Rejection(name, "-", str(exc))
        except OSError as exc:
            yield Rejection(name, "-", f"cannot read the file: {_os_reason(exc)}")
        except Exception as exc:  # noqa: BLE001 - a file we did not foresee must not stop a load
            yield Rejection(name, "-", f"unreadable file ({type(exc).__name__}: {exc})")


def _iter_zip(name: str, handle: IO[bytes]) -> Iterator[SourceItem]:
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
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
                with open_member(archive, info, MAX_MEMBER_BYTES) as member:
                    yield from _iter_stream(name, info.filename, suffix, member)
            except RecordError as exc:
                yield Rejection(name, info.filename, str(exc))
            except Exception as exc:  # noqa: BLE001 - nor a member we did not foresee
                yield Rejection(name, info.filename, f"unreadable member ({type(exc).__name__}: {exc})")


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A zip member's bytes, or RecordError saying why not (see `open_member`)."""
    member = _open_checked(archive, info, limit)
    try:
        with member:
            data = member.read(limit + 1)
    except _MEMBER_READ_ERRORS as exc:
        raise RecordError(f"the archive member is damaged: {exc}") from exc
    if len(data) > limit:
        raise RecordError(f"the archive member is larger than {_size(limit)} uncompressed: not read")
    return data


def open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> IO[bytes]:
    """A zip member to read, at most ``limit`` bytes of it, or RecordError saying why not:
    encrypted, compressed in a method Python does not read, declared larger than ``limit``, or
    damaged (a read that fails raises RecordError too; so does reading past ``limit``)."""
    return io.BufferedReader(_BoundedMember(_open_checked(archive, info, limit), limit))


_MEMBER_READ_ERRORS = (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError)


def _open_checked(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> IO[bytes]:
    if info.flag_bits & 0x1:
        raise RecordError("the archive member is encrypted; trialscout reads unencrypted zip archives")
    if info.compress_type not in _ZIP_METHODS:
        raise RecordError(
            f"the archive member is compressed with method {info.compress_type}, which trialscout "
            "cannot read (it reads stored, deflate, bzip2 and lzma members)"
        )
    if info.file_size > limit:
        raise RecordError(
            f"the archive member is {_size(info.file_size)} uncompressed, over the {_size(limit)} bound"
        )
    try:
        return archive.open(info)
    except (NotImplementedError, RuntimeError, *_MEMBER_READ_ERRORS) as exc:
        raise RecordError(f"the archive member is damaged: {exc}") from exc


class _BoundedMember(io.RawIOBase):
    """A zip member's stream that turns read failures into RecordError and stops at a bound."""

    def __init__(self, member: IO[bytes], limit: int) -> None:
        self._member = member
        self._limit = limit
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        try:
            data = self._member.read(min(len(view), self._limit + 1 - self._read))
        except _MEMBER_READ_ERRORS as exc:
            raise RecordError(f"the archive member is damaged: {exc}") from exc
        self._read += len(data)
        if self._read > self._limit:
            raise RecordError(
                f"the archive member is larger than {_size(self._limit)} uncompressed "
                "(more than it declares): not read further"
            )
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._member.close()
        super().close()


def _size(n: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):.4g} {unit}"
    return f"{n} bytes"


def read_bounded(stream: IO[bytes], limit: int, what: str) -> bytes:
    """The rest of ``stream``, or RecordError if it holds more than ``limit`` bytes."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise RecordError(f"{what} is larger than {_size(limit)}, the bound trialscout reads")
    return data


def _iter_stream(file: str, member: str, suffix: str, handle: IO[bytes]) -> Iterator[SourceItem]:
    """One file's bytes (on disk or in an archive) -> its records."""
    stream: Any = handle if hasattr(handle, "peek") else io.BufferedReader(handle)
    if stream.peek(3)[:3] == _UTF8_BOM:
        stream.read(3)  # a UTF-8 byte order mark, as Windows tools write them: not part of the JSON
    head = stream.peek(64)[:64].lstrip()
    label = _label(member, None)
    if suffix in {".jsonl", ".ndjson"}:
        yield from _iter_json_lines(file, member, stream)
    elif head.startswith(b"["):
        yield from _iter_json_array(file, member, stream)
    elif head.startswith(b"{"):
        data = read_bounded(stream, MAX_DOCUMENT_BYTES, "the JSON document")
        yield from _iter_json_object(file, member, data)
    elif head.startswith(b"<"):
        data = read_bounded(stream, MAX_RECORD_BYTES, "the XML record")
        record = member if member != "-" else Path(file).name
        yield RawRecord(file, record, SourceFormat.CTGOV_LEGACY_XML, data)
    elif not head:
        yield Rejection(file, label, "empty file")
    else:
        yield Rejection(file, label, "neither JSON nor XML")


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
    skipping = False  # inside a study over MAX_RECORD_BYTES: drop bytes until the next one starts
    while not eof:
        chunk = stream.read(_CHUNK_BYTES)
        eof = not chunk
        buffer += chunk
        starts = [m.start() for m in _STUDY_START.finditer(buffer)]
        if skipping and starts:
            skipping = False
            buffer = buffer[starts[0] :]
            starts = [start - starts[0] for start in starts]
        if not starts:
            buffer = buffer[-_START_TAIL:]  # a start may be cut by the chunk's end
            continue
        # Everything before the last start is complete; the last study may continue.
        ends = [*starts[1:], len(buffer)] if eof else starts[1:]
        for start, end in zip(starts, ends, strict=False):
            piece = buffer[start:end].rstrip()
            piece = piece[:-1].rstrip() if piece.endswith((b",", b"]")) else piece
            if eof and end == len(buffer) and piece.endswith(b"]"):
                piece = piece[:-1].rstrip()
            label = _study_label(member, index, piece)
            if len(piece) > MAX_RECORD_BYTES:
                yield Rejection(file, label, _TOO_LARGE)
            else:
                yield RawRecord(file, label, SourceFormat.CTGOV_API_V2_JSON, piece)
            index += 1
        buffer = b"" if eof else buffer[starts[-1] :]
        if len(buffer) > MAX_RECORD_BYTES:  # the last study goes on past the bound: skip it
            yield Rejection(file, _study_label(member, index, buffer), _TOO_LARGE)
            index += 1
            skipping = True
            buffer = buffer[-_START_TAIL:]


_START_TAIL = 256
_TOO_LARGE = (
    f"the record is larger than {MAX_RECORD_BYTES >> 20} MiB, the bound on one study "
    "(real records are at most a few MB)"
)


def _study_label(member: str, index: int, piece: bytes) -> str:
    nct = _NCT_IN_STUDY.search(piece, 0, 4096)
    return _label(member, index) + (f" {nct.group(1).decode()}" if nct else "")


class _RecordTooLargeError(RecordError):
    pass


class _CountingReader:
    """A stream that counts what is read and refuses to read more than ``MAX_RECORD_BYTES``
    (and a read-ahead) past ``mark``, the start of the item being read."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.count = 0
        self.mark = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self.count += len(data)
        if self.count - self.mark > MAX_RECORD_BYTES + _READ_AHEAD:
            raise _RecordTooLargeError(_TOO_LARGE)
        return data


_READ_AHEAD = 1 << 20
_OPEN_EVENTS = frozenset({"start_map", "start_array"})
_CLOSE_EVENTS = frozenset({"end_map", "end_array"})


def _stream_json_array(file: str, member: str, stream: IO[bytes]) -> Iterator[SourceItem]:
    """A JSON array that is not a registry download, parsed event by event, each item held to
    `MAX_JSON_DEPTH` levels and `MAX_RECORD_BYTES`: past either bound, the item is reported and
    the rest of the file is not read (there is no telling where the next item starts)."""
    reader = _CountingReader(stream)
    index = 0
    depth = 0
    builder: Any = None
    try:
        for event, value in ijson.basic_parse(reader, use_float=True):
            if event in _OPEN_EVENTS:
                depth += 1
                if depth == 1:
                    continue  # the array itself
                if depth > MAX_JSON_DEPTH:
                    yield Rejection(
                        file,
                        _label(member, index),
                        f"JSON nested deeper than {MAX_JSON_DEPTH} levels, which no study is: "
                        "the rest of the file is not read",
                    )
                    return
            elif event in _CLOSE_EVENTS:
                depth -= 1
                if depth == 0:
                    return  # the end of the array
            if builder is None:
                builder = ObjectBuilder()
                reader.mark = reader.count
            builder.event(event, value)
            if depth > 1:
                continue
            item, builder = builder.value, None
            if index == 0 and not is_v2_study(item):
                # A file of something else (a corpus, a benchmark): one report, not one per item.
                yield Rejection(
                    file, _label(member, None), unsupported_reason(item, "a JSON array whose first item")
                )
                return
            yield _study_item(file, _label(member, index), item)
            index += 1
    except _RecordTooLargeError as exc:
        yield Rejection(file, _label(member, index), f"{exc}; the rest of the file is not read")
    except ijson.JSONError as exc:
        yield Rejection(
            file, _label(member, index), f"malformed JSON, the rest of the file is unreadable: {exc}"
        )


def _iter_json_lines(file: str, member: str, stream: IO[bytes]) -> Iterator[SourceItem]:
    first = True
    number = 0
    while line := stream.readline(MAX_RECORD_BYTES + 1):
        number += 1
        label = f"{member if member != '-' else ''}line {number}".strip()
        if len(line) > MAX_RECORD_BYTES:
            while line and not line.endswith(b"\n"):  # skip the rest of the line
                line = stream.readline(_CHUNK_BYTES)
            yield Rejection(file, label, _TOO_LARGE)
            continue
        if not line.strip():
            continue
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
        data = data or orjson.dumps(item)
        if len(data) > MAX_RECORD_BYTES:
            return Rejection(file, label, _TOO_LARGE)
        return RawRecord(file, label, SourceFormat.CTGOV_API_V2_JSON, data)
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
