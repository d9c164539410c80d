"""A patient from a file: a profile (JSON), a FHIR R4 bundle (JSON), or a clinical note (text).

`read_patient` decides by content, not by the file name: JSON with a ``resourceType`` is
FHIR, other JSON is a trialscout profile, anything else is a note whose facts are extracted and
shown, so a person can correct them. A profile whose only content is ``notes`` is read as a
note too. The file is read locally and nothing of it is logged.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import msgspec
import orjson

from trialscout.errors import ProfileError
from trialscout.model.patient import PatientProfile, decode_profile
from trialscout.patients.note import ExtractedFact, extract_profile


class PatientInput(msgspec.Struct, frozen=True, kw_only=True):
    profile: PatientProfile
    source: str  # "profile", "fhir" or "note"
    facts: tuple[ExtractedFact, ...] = ()  # what was read from a note
    skipped: tuple[str, ...] = ()  # FHIR resources or elements not used


_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def without_values(error: msgspec.ValidationError) -> str:
    """The validation message with every quoted value taken out: it names the field and what
    was expected ("Invalid enum value - at `$.sex`"), never what the document held there (a
    name or a record number typed into a coded field)."""
    return re.sub(r"\s+", " ", _QUOTED.sub("", str(error))).replace(" -", " -").strip()


def read_patient(path: Path, *, as_of: dt.date | None = None) -> PatientInput:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProfileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return patient_from_bytes(data, as_of=as_of, name=path.name)


def patient_from_bytes(
    data: bytes, *, as_of: dt.date | None = None, name: str = "the patient file"
) -> PatientInput:
    stripped = data.lstrip()
    if stripped[:1] in (b"{", b"["):
        try:
            document = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise ProfileError(f"{name} looks like JSON but is not valid JSON: {exc}") from exc
        if isinstance(document, dict) and "resourceType" in document:
            return _from_fhir(document, as_of)
        try:
            profile = decode_profile(data)
        except msgspec.ValidationError as exc:
            raise ProfileError(f"{name} is not a valid patient profile: {without_values(exc)}") from exc
        return _from_profile(profile, as_of)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if not text.strip():
        raise ProfileError(f"{name} is empty")
    return _from_note(text, as_of)


def patient_from_parts(
    *,
    profile: PatientProfile | None = None,
    fhir: dict[str, Any] | None = None,
    note: str | None = None,
    as_of: dt.date | None = None,
) -> PatientInput:
    """A patient given as exactly one of a profile, a FHIR R4 Bundle (decoded JSON) or a note,
    as an API request body gives it."""
    given = [
        name for name, part in (("profile", profile), ("fhir", fhir), ("note", note)) if part is not None
    ]
    if len(given) != 1:
        raise ProfileError(
            "give exactly one of profile (a trialscout profile), fhir (a FHIR R4 Bundle) or note"
            f" (a clinical note's text), not {' and '.join(given) or 'none'}"
        )
    if note is not None:
        if not note.strip():
            raise ProfileError("the note is empty")
        return _from_note(note, as_of)
    if fhir is not None:
        if "resourceType" not in fhir:
            raise ProfileError('fhir is not a FHIR resource: it has no "resourceType"')
        return _from_fhir(fhir, as_of)
    assert profile is not None
    return _from_profile(profile, as_of)


def _from_fhir(document: dict[str, Any], as_of: dt.date | None) -> PatientInput:
    # FHIR's models take half a second to import: only when a bundle comes.
    from trialscout.patients.fhir import profile_from_fhir

    imported = profile_from_fhir(document, as_of=as_of)
    return PatientInput(profile=imported.profile, source="fhir", skipped=imported.skipped)


def _from_profile(profile: PatientProfile, as_of: dt.date | None) -> PatientInput:
    if as_of is not None and profile.as_of is None:
        profile = msgspec.structs.replace(profile, as_of=as_of)
    if profile.notes and profile.only_notes():
        extraction = extract_profile(profile.notes, as_of=profile.as_of, patient_id=profile.id)
        return PatientInput(profile=extraction.profile, source="note", facts=extraction.facts)
    return PatientInput(profile=profile, source="profile")


def _from_note(text: str, as_of: dt.date | None) -> PatientInput:
    extraction = extract_profile(text, as_of=as_of)
    return PatientInput(profile=extraction.profile, source="note", facts=extraction.facts)
