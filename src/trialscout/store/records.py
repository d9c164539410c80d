"""A trial turned into the rows a store keeps: the same columns in every store.

Preparing is pure CPU work (encoding, hashing, compressing, the recruitment check), done in
worker processes during a load; a store's writer only writes the prepared rows. An incoming
record replaces the stored one only when it is a more recent version of the trial (its last
update date, then the richer format, then the registry's version date), which `version_key`
orders.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import threading
from enum import StrEnum
from pathlib import Path

import msgspec
import orjson
import zstandard

from trialscout.model.enums import SourceFormat
from trialscout.model.recruitment import check_recruitment
from trialscout.model.trial import Trial
from trialscout.store.base import PreparedRecord

_ENCODER = msgspec.json.Encoder()
_ZSTD_LEVEL = 1
#: With a dictionary, level 3 compresses about as fast as level 1 without one, and smaller.
_ZSTD_DICT_LEVEL = 3
#: zstandard's compressors and decompressors may not be used by two threads at once (records
#: read by concurrent API requests came back corrupted): each thread keeps its own.
_ZSTD = threading.local()

TRIAL_DECODER = msgspec.json.Decoder(Trial)
REASONS_DECODER = msgspec.json.Decoder(tuple[str, ...])

#: When two versions of a trial carry the same last-update date, the richer format wins.
FORMAT_RANK = {SourceFormat.CTGOV_LEGACY_XML: 1, SourceFormat.CTGOV_API_V2_JSON: 2}

#: The columns of a trial row, in order; a store adds change_seq and loaded_at at write time.
TRIAL_COLUMNS = (
    "nct_id",
    "brief_title",
    "official_title",
    "acronym",
    "overall_status",
    "phases",
    "study_type",
    "start_date",
    "primary_completion_date",
    "completion_date",
    "last_update",
    "has_results",
    "enrollment",
    "enrollment_type",
    "minimum_age_years",
    "maximum_age_years",
    "sex",
    "healthy_volunteers",
    "lead_sponsor",
    "source_format",
    "source_file",
    "source_record",
    "version_date",
    "record",
    "raw",
    "content_hash",
    "possibly_stale",
    "stale_reasons",
    "stale_checked_on",
    "stale_grade",
)


#: The zstd dictionaries blobs are compressed with, by kind (scripts/train_dictionaries.py trains
#: them on real records). A blob's frame names its dictionary's ID, so a store holds blobs
#: made with or without one, and an ID, once shipped, always means the same dictionary.
DICTIONARY_FOLDER = Path(__file__).with_name("dictionaries")
DICTIONARY_IDS: dict[str, int] = {
    "record": 0x74730001,  # the normalised trial, as JSON
    "raw-json": 0x74730002,  # the original record, API v2 JSON
    "raw-xml": 0x74730003,  # the original record, legacy XML
    "criteria": 0x74730004,  # a trial's parsed criteria, as JSON
}
_RAW_KIND = {SourceFormat.CTGOV_API_V2_JSON: "raw-json", SourceFormat.CTGOV_LEGACY_XML: "raw-xml"}


@functools.cache
def _dictionary(kind: str) -> zstandard.ZstdCompressionDict | None:
    path = DICTIONARY_FOLDER / f"{kind}.zdict"
    if not path.is_file():  # only while training them
        return None
    found = zstandard.ZstdCompressionDict(path.read_bytes())
    if found.dict_id() != DICTIONARY_IDS[kind]:
        raise RuntimeError(f"{path} is dictionary {found.dict_id()}, not {DICTIONARY_IDS[kind]}")
    return found


@functools.cache
def _dictionary_by_id(dict_id: int) -> zstandard.ZstdCompressionDict | None:
    for kind, known in DICTIONARY_IDS.items():
        if known == dict_id:
            return _dictionary(kind)
    return None


def compress(data: bytes, kind: str | None = None) -> bytes:
    """``data`` zstd-compressed, with the dictionary of its ``kind`` when there is one."""
    compressors: dict[str | None, zstandard.ZstdCompressor] | None = getattr(_ZSTD, "compressors", None)
    if compressors is None:
        compressors = _ZSTD.compressors = {}
    compressor = compressors.get(kind)
    if compressor is None:
        found = _dictionary(kind) if kind else None
        if found is None:
            compressor = zstandard.ZstdCompressor(level=_ZSTD_LEVEL)
        else:
            compressor = zstandard.ZstdCompressor(level=_ZSTD_DICT_LEVEL, dict_data=found)
        compressors[kind] = compressor
    return bytes(compressor.compress(data))


def decompress(blob: bytes) -> bytes:
    """A blob of `compress`, with or without a dictionary (its frame says which)."""
    decompressors: dict[int, zstandard.ZstdDecompressor] | None = getattr(_ZSTD, "decompressors", None)
    if decompressors is None:
        decompressors = _ZSTD.decompressors = {}
    dict_id = zstandard.get_frame_parameters(blob).dict_id
    decompressor = decompressors.get(dict_id)
    if decompressor is None:
        found = _dictionary_by_id(dict_id) if dict_id else None
        if dict_id and found is None:
            raise ValueError(f"a blob needs zstd dictionary {dict_id:#x}, which this version does not have")
        decompressor = zstandard.ZstdDecompressor(dict_data=found) if found else zstandard.ZstdDecompressor()
        decompressors[dict_id] = decompressor
    return bytes(decompressor.decompress(blob))


def compress_raw(raw: bytes, source_format: SourceFormat) -> bytes:
    return compress(raw, _RAW_KIND[source_format])


def record_json(value: str | bytes) -> bytes:
    """A stored trial record as JSON: compressed blobs since store migration 6, text before."""
    return value.encode() if isinstance(value, str) else decompress(value)


def decode_trial(value: str | bytes) -> Trial:
    return TRIAL_DECODER.decode(record_json(value))


def version_key(trial: Trial) -> tuple[str, int, str]:
    return (trial.last_update or "", FORMAT_RANK[trial.source.format], trial.source.version_date or "")


def stored_version_key(
    last_update: str | None, source_format: str, version_date: str | None
) -> tuple[str, int, str]:
    """The version key of a stored row, from its columns."""
    return (last_update or "", FORMAT_RANK[SourceFormat(source_format)], version_date or "")


def prepare_record(trial: Trial, raw: bytes, file: str, record: str, today: dt.date) -> PreparedRecord:
    encoded = _ENCODER.encode(trial)
    # Hash what the registry says, not where we read it (`source` is the last field), so the
    # same version from two downloads is unchanged.
    content = memoryview(encoded)[: encoded.rindex(b',"source":')]
    digest = hashlib.blake2b(content, digest_size=16).digest()
    nct = trial.nct_id
    return PreparedRecord(
        nct_id=nct,
        version_key=version_key(trial),
        content_hash=digest,
        trial_row=_trial_row(trial, encoded, raw, digest, file, record, today),
        sites=[
            (
                nct,
                n,
                s.facility,
                s.city,
                s.state,
                s.zip,
                s.country,
                s.status.value if s.status else None,
                s.latitude,
                s.longitude,
            )
            for n, s in enumerate(trial.locations)
        ],
        conditions=[(nct, n, c) for n, c in enumerate(trial.conditions)],
        interventions=[
            (nct, n, i.type.value if i.type else None, i.name) for n, i in enumerate(trial.interventions)
        ],
        organizations=_organizations(trial),
    )


def _organizations(trial: Trial) -> list[tuple[object, ...]]:
    """(nct_id, name, role) of the lead sponsor and each collaborator, each name once."""
    roles: dict[str, str] = {}
    if trial.lead_sponsor is not None and trial.lead_sponsor.name:
        roles[trial.lead_sponsor.name] = "lead"
    for org in trial.collaborators:
        if org.name:
            roles.setdefault(org.name, "collaborator")
    return [(trial.nct_id, name, role) for name, role in roles.items()]


def _trial_row(
    t: Trial, encoded: bytes, raw: bytes, digest: bytes, file: str, record: str, today: dt.date
) -> tuple[object, ...]:
    """The trials row (`TRIAL_COLUMNS`), without change_seq and loaded_at, set at write time."""
    e = t.eligibility
    check = check_recruitment(t, today)

    def value(x: StrEnum | None) -> str | None:
        return x.value if x is not None else None

    return (
        t.nct_id,
        t.brief_title,
        t.official_title,
        t.acronym,
        value(t.overall_status),
        "|".join(p.value for p in t.phases) or None,
        value(t.study_type),
        t.start_date.date if t.start_date else None,
        t.primary_completion_date.date if t.primary_completion_date else None,
        t.completion_date.date if t.completion_date else None,
        t.last_update,
        int(t.has_results),
        t.enrollment.count if t.enrollment else None,
        value(t.enrollment.type) if t.enrollment else None,
        e.minimum_age_years if e else None,
        e.maximum_age_years if e else None,
        value(e.sex) if e else None,
        None if e is None or e.healthy_volunteers is None else int(e.healthy_volunteers),
        t.lead_sponsor.name if t.lead_sponsor else None,
        t.source.format.value,
        file,
        record,
        t.source.version_date,
        compress(encoded, "record"),
        compress_raw(raw, t.source.format),
        digest,
        int(check.possibly_stale),
        orjson.dumps(check.reasons).decode(),
        check.checked_on,
        check.grade.value if check.grade else None,
    )
