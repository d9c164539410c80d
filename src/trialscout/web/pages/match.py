"""Match a patient: for clinicians and study coordinators.

    GET  /match                      the form: a clinical note, a FHIR R4 bundle, or a profile
    POST /match                      what was read (editable), the ranked trials, what is missing
    POST /trials/{nct_id}/referral   a printable referral summary for one trial

A patient travels only in POST bodies (``application/x-www-form-urlencoded``, at most 5 MB),
is read in memory and is never stored, logged or put in a URL; every page is ``no-store``.
The answer page is a form pre-filled with what was read, each fact beside the words it came
from: the clinician corrects it and sends it again as a profile. The whole profile read rides
along in a hidden field (``profile_json``) so that what the form does not show (biomarkers,
absent findings, the note used for ranking) is kept; the visible fields replace the parts they
show. "What is missing" questions are fields too (``answer:<key>``); their answers merge into the
profile. The JSON twin of the answer is ``POST /api/v1/match``; of the referral,
``POST /api/v1/trials/{nct_id}/check``. Pages work without JavaScript; static/match.js only
reads a chosen FHIR file into the bundle's text box, in the browser.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import parse_qs

import msgspec
import orjson
from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from trialscout.errors import (
    InvalidRadiusError,
    ProfileError,
    SearchInputError,
    TrialNotFoundError,
    UnknownPlaceError,
)
from trialscout.matching.check import TrialCheck, TrialResult, Verdict
from trialscout.model.labs import CANONICAL_UNITS, analyte_key, plain_name
from trialscout.model.nct import normalise_nct_id
from trialscout.model.patient import (
    Condition,
    Finding,
    LabResult,
    Medication,
    PatientProfile,
    PatientSex,
    PerformanceStatus,
    Procedure,
    Therapy,
    decode_profile,
    encode_profile,
)
from trialscout.patients.intake import PatientInput, patient_from_parts, without_values
from trialscout.services.match import (
    MatchRequest,
    MatchResults,
    MissingQuestion,
    check_patient,
    match_patient,
)
from trialscout.services.registry import LocalRegistry
from trialscout.services.sites import TrialSites, trial_sites
from trialscout.web.deps import Registry
from trialscout.web.pages.forms import FormError, form_number
from trialscout.web.pages.render import render
from trialscout.web.pages.search import RADIUS_CHOICES

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

#: The largest form taken (a FHIR bundle of a long history fits well within it).
MAX_BODY_BYTES = 5 * 1024 * 1024
#: Trials the answer page lists.
MATCH_LIMIT = 20
#: The laboratory values the profile form shows (others read from a record are kept, unseen).
LAB_FIELDS: tuple[str, ...] = ("anc", "platelets", "hemoglobin", "creatinine", "bilirubin", "ast", "alt")
ECOG_CHOICES = ("0", "1", "2", "3", "4")
#: How the page names the fields facts are read into.
FACT_NAMES = {
    "candidate_diagnoses": "suggested by the findings (a lead, not a diagnosis)",
    "other_conditions": "other condition",
    "absent": "does not have",
    "prior_therapies": "prior treatment",
    "performance_status": "performance status",
    "family_history": "family history (not the patient's)",
    "hypothetical": "mentioned as a possibility (not the patient's)",
}
#: The answer that leaves a question open.
NOT_SURE = ""
_SPLIT = re.compile(r"[,;\n]+")
_YES_NO_STATES = {
    "pregnant": "pregnant",
    "breastfeeding": "breastfeeding",
    "contraception": "uses_contraception",
    "childbearing_potential": "childbearing_potential",
}
#: Yes/no questions whose "yes" adds a condition and whose "no" records it as absent.
_CONDITION_KEYS = ("diagnosis", "condition", "infection")
_NAMED_KEYS = {
    "brain_metastases": "brain metastases",
    "other_cancer": "other cancer",
    "transplant": "transplant",
}


class AskedQuestion(msgspec.Struct, frozen=True, kw_only=True):
    """A "what is missing" question as the page asks it: ``kind`` is "number", "sex", "yes_no",
    "yes_only" (a "no" is not something the profile can hold: a procedure or a medication),
    "no_only" (a "yes" needs details only the study team can weigh: another cancer), or "ask"
    (no field: for the study team to answer)."""

    key: str
    text: str
    kind: str
    unit: str | None
    trials: int
    settles: int


def answer_kind(key: str) -> tuple[str, str | None]:
    """How a question is answered on the page, and the unit a number is taken in."""
    family, _, rest = key.partition(":")
    if key in ("age", "ecog"):
        return "number", "years" if key == "age" else "ECOG"
    if key == "sex":
        return "sex", None
    if family == "lab" and analyte_key(rest) in CANONICAL_UNITS:
        return "number", CANONICAL_UNITS[analyte_key(rest)]
    if key == "other_cancer":
        return "no_only", None
    if key in _YES_NO_STATES or key in _NAMED_KEYS:
        return "yes_no", None
    if family in ("procedure", "medication") and rest:
        return "yes_only", None
    if family in (*_CONDITION_KEYS, "therapy") and rest:
        if family == "infection" and rest in ("current", "active_infection"):
            return "ask", None
        return "yes_no", None
    return "ask", None


def asked(questions: tuple[MissingQuestion, ...]) -> list[AskedQuestion]:
    out = []
    for q in questions:
        kind, unit = answer_kind(q.key)
        out.append(
            AskedQuestion(key=q.key, text=q.text, kind=kind, unit=unit, trials=q.trials, settles=q.settles)
        )
    return out


def _names(text: str) -> list[str]:
    return [n.strip() for n in _SPLIT.split(text) if n.strip()]


def merge_answers(
    profile: PatientProfile, answers: Mapping[str, str], errors: list[FormError]
) -> PatientProfile:
    """The profile with the answers to "what is missing" questions merged in (``answers``: the
    question's key to what was typed or chosen; an empty answer leaves it open)."""
    changes: dict[str, Any] = {}
    other = list(profile.other_conditions)
    absent = list(profile.absent)
    therapies = list(profile.prior_therapies)
    procedures = list(profile.procedures)
    medications = list(profile.medications)
    labs = list(profile.labs)
    for key, given in answers.items():
        value = given.strip()
        if value == NOT_SURE:
            continue
        kind, unit = answer_kind(key)
        family, _, rest = key.partition(":")
        field = f"answer:{key}"
        if kind == "number":
            if key == "age":
                age = form_number(value, field, 0, 120, errors)
                if age is not None:
                    changes.update(age=age, birth_date=None)
            elif key == "ecog":
                score = form_number(value, field, 0, 4, errors)
                if score is not None:
                    changes["performance_status"] = PerformanceStatus(scale="ECOG", score=score)
            else:
                number = form_number(value, field, 0, 1e7, errors)
                if number is not None:
                    analyte = analyte_key(rest)
                    labs = [r for r in labs if analyte_key(r.analyte) != analyte]
                    labs.append(LabResult(analyte=analyte, value=number, unit=unit))
        elif kind == "sex":
            if value not in ("female", "male"):
                errors.append(FormError(field=field, message="choose female or male"))
            else:
                changes["sex"] = PatientSex(value)
        elif kind in ("yes_no", "yes_only", "no_only"):
            allowed = {"yes_no": ("yes", "no"), "yes_only": ("yes",), "no_only": ("no",)}[kind]
            if value not in allowed:
                errors.append(FormError(field=field, message=f"choose {' or '.join(allowed)}, or not sure"))
                continue
            yes = value == "yes"
            if key in _YES_NO_STATES:
                changes[_YES_NO_STATES[key]] = yes
                continue
            name = _NAMED_KEYS.get(key, rest)
            if not yes:
                absent.append(Finding(name=name))
            elif family == "therapy":
                therapies.append(Therapy(name=name))
            elif family == "procedure" or key == "transplant":
                procedures.append(Procedure(name=name))
            elif family == "medication":
                medications.append(Medication(name=name))
            else:
                other.append(Condition(name=name))
    return msgspec.structs.replace(
        profile,
        **changes,
        other_conditions=tuple(other),
        absent=tuple(absent),
        prior_therapies=tuple(therapies),
        procedures=tuple(procedures),
        medications=tuple(medications),
        labs=tuple(labs),
    )


def _latest(profile: PatientProfile, analyte: str) -> LabResult | None:
    found = [r for r in profile.labs if analyte_key(r.analyte) == analyte]
    return found[-1] if found else None


def apply_visible(base: PatientProfile, form: Mapping[str, str], errors: list[FormError]) -> PatientProfile:
    """The profile the form's visible fields describe: they replace the parts of ``base`` they
    show (age, sex, diagnoses, ECOG, the listed labs, prior treatments); the rest of ``base`` is
    kept. A diagnosis or treatment whose name is unchanged keeps what was read with it (stage,
    histology, dates)."""
    changes: dict[str, Any] = {}
    age = form_number(form.get("age", ""), "age", 0, 120, errors)
    if age is None:
        changes.update(age=None, birth_date=None)
    elif age != base.age_years():
        changes.update(age=age, birth_date=None)
    sex = form.get("sex", "").strip().lower()
    if sex not in ("", "female", "male"):
        errors.append(FormError(field="sex", message="choose female or male"))
    else:
        changes["sex"] = PatientSex(sex) if sex else None
    read = {c.name.casefold(): c for c in base.diagnoses}
    changes["diagnoses"] = tuple(
        read.get(n.casefold(), Condition(name=n)) for n in _names(form.get("diagnoses", ""))
    )
    treated = {t.name.casefold(): t for t in base.prior_therapies}
    changes["prior_therapies"] = tuple(
        treated.get(n.casefold(), Therapy(name=n)) for n in _names(form.get("therapies", ""))
    )
    ecog = form_number(form.get("ecog", ""), "ecog", 0, 4, errors)
    status = base.performance_status
    if ecog is not None:
        same = status is not None and status.scale.upper() == "ECOG" and status.score == ecog
        changes["performance_status"] = status if same else PerformanceStatus(scale="ECOG", score=ecog)
    elif status is None or status.scale.upper() == "ECOG":
        changes["performance_status"] = None  # else a Karnofsky score read from the record stays
    labs = [r for r in base.labs if analyte_key(r.analyte) not in LAB_FIELDS]
    for analyte in LAB_FIELDS:
        value = form_number(form.get(f"lab:{analyte}", ""), f"lab:{analyte}", 0, 1e7, errors)
        if value is None:
            continue
        unit = form.get(f"unit:{analyte}", "").strip() or CANONICAL_UNITS.get(analyte)
        before = _latest(base, analyte)
        kept = before is not None and before.value == value and (before.unit or "") == (unit or "")
        labs.append(before if kept and before else LabResult(analyte=analyte, value=value, unit=unit))
    changes["labs"] = tuple(labs)
    return msgspec.structs.replace(base, **changes)


def form_of(profile: PatientProfile) -> dict[str, str]:
    """The profile form's visible fields, filled from a profile."""
    age = profile.age_years()
    form = {
        "age": f"{age:g}" if age is not None else "",
        "sex": str(profile.sex) if profile.sex else "",
        "diagnoses": ", ".join(c.name for c in profile.diagnoses),
        "therapies": ", ".join(t.name for t in profile.prior_therapies),
        "ecog": "",
        "profile_json": encode_profile(profile).decode(),
    }
    status = profile.performance_status
    if status is not None and status.scale.upper() == "ECOG":
        form["ecog"] = f"{status.score:g}"
    for analyte in LAB_FIELDS:
        lab = _latest(profile, analyte)
        form[f"lab:{analyte}"] = f"{lab.value:g}" if lab else ""
        form[f"unit:{analyte}"] = (lab.unit or "") if lab else CANONICAL_UNITS.get(analyte, "")
    return form


class PatientForm(msgspec.Struct, frozen=True, kw_only=True):
    """What a POST of the page's form held: the patient read, or the errors that stopped it."""

    patient: PatientInput | None
    errors: tuple[FormError, ...]
    near: str | None
    radius: str | None


def read_form(fields: Mapping[str, str]) -> PatientForm:
    """The patient a form describes: a note, a FHIR bundle, or the profile fields (with the
    profile read before, the corrections and the answers). ``read`` (the button pressed) says
    which; without it, the one given."""
    errors: list[FormError] = []
    note = fields.get("note", "")
    fhir = fields.get("fhir", "")
    mode = fields.get("read", "")
    profile_fields = ("profile_json", "age", "sex", "diagnoses", "therapies", "ecog")
    if mode not in ("note", "fhir", "profile"):
        given = [name for name, text in (("note", note), ("fhir", fhir)) if text.strip()]
        if any(fields.get(f, "").strip() for f in profile_fields) or any(
            fields.get(f"lab:{a}", "").strip() for a in LAB_FIELDS
        ):
            given.append("profile")
        if len(given) > 1:
            errors.append(
                FormError(
                    field="read", message="give one of a note, a FHIR bundle or the profile, not several"
                )
            )
        mode = given[0] if len(given) == 1 else ""
    near = fields.get("near", "").strip() or None
    radius = fields.get("radius", "").strip() or None
    patient: PatientInput | None = None
    try:
        if errors:
            pass
        elif mode == "note":
            if not note.strip():
                errors.append(FormError(field="note", message="the note is empty: paste a clinical note"))
            else:
                patient = patient_from_parts(note=note)
        elif mode == "fhir":
            patient = _fhir(fhir, errors)
        elif mode == "profile":
            patient = _profile(fields, errors)
        else:
            errors.append(
                FormError(
                    field="form",
                    message="the form is empty: paste a clinical note, a FHIR R4 bundle, or fill the profile",
                )
            )
    except ProfileError as exc:
        errors.append(FormError(field=mode or "form", message=str(exc)))
        patient = None
    if errors:
        patient = None
    return PatientForm(patient=patient, errors=tuple(errors), near=near, radius=radius)


def _fhir(text: str, errors: list[FormError]) -> PatientInput | None:
    if not text.strip():
        errors.append(FormError(field="fhir", message="the FHIR box is empty: paste or choose a bundle"))
        return None
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        errors.append(FormError(field="fhir", message=f"the FHIR bundle is not valid JSON: {exc}"))
        return None
    if not isinstance(document, dict):
        errors.append(FormError(field="fhir", message="the FHIR bundle is not a JSON object"))
        return None
    try:
        return patient_from_parts(fhir=document)
    except (msgspec.ValidationError, ValueError, TypeError, KeyError) as exc:
        message = without_values(exc) if isinstance(exc, msgspec.ValidationError) else type(exc).__name__
        errors.append(FormError(field="fhir", message=f"the FHIR bundle cannot be read: {message}"))
        return None


def _profile(fields: Mapping[str, str], errors: list[FormError]) -> PatientInput | None:
    base = PatientProfile()
    carried = fields.get("profile_json", "").strip()
    if carried:
        try:
            base = decode_profile(carried)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            message = without_values(exc) if isinstance(exc, msgspec.ValidationError) else "not JSON"
            errors.append(
                FormError(field="profile_json", message=f"the profile read before is not valid: {message}")
            )
            return None
    profile = apply_visible(base, fields, errors)
    answers = {k.removeprefix("answer:"): v for k, v in fields.items() if k.startswith("answer:")}
    profile = merge_answers(profile, answers, errors)
    if errors:
        return None
    if profile == PatientProfile():
        errors.append(FormError(field="form", message="the profile is empty: give at least one fact"))
        return None
    return patient_from_parts(profile=profile)


async def form_fields(request: Request) -> dict[str, str] | HTMLResponse:
    """The form's fields (the first value of each), or a 413 page when the body is too large."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return _too_large()
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY_BYTES:
            return _too_large()
    parsed = parse_qs(bytes(data).decode("utf-8", errors="replace"), keep_blank_values=True)
    return {key: values[0] for key, values in parsed.items()}


def _too_large() -> HTMLResponse:
    message = (
        f"What was sent is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB: send a shorter note or bundle."
    )
    return render("error.html", status=413, message=message, json_twin="/api/v1/match")


def _page(
    status: int,
    form: Mapping[str, str],
    *,
    errors: tuple[FormError, ...] = (),
    patient: PatientInput | None = None,
    results: MatchResults | None = None,
) -> HTMLResponse:
    return render(
        "match.html",
        status=status,
        form=dict(form),
        errors=errors,
        patient=patient,
        facts=_facts_by_field(patient),
        results=results,
        questions=asked(results.questions) if results else [],
        labs=[(a, plain_name(a), CANONICAL_UNITS.get(a, "")) for a in LAB_FIELDS],
        ecogs=ECOG_CHOICES,
        radii=RADIUS_CHOICES,
        summary=verdict_summary,
        fact_names=FACT_NAMES,
        json_twin="/api/v1/match",
    )


def _facts_by_field(patient: PatientInput | None) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for fact in patient.facts if patient else ():
        grouped.setdefault(fact.field, []).append(fact)
    return grouped


def verdict_summary(check: TrialCheck) -> str:
    """ "eligible", "possibly eligible (3 unknown)" or "not eligible"."""
    if check.result is TrialResult.ELIGIBLE:
        return "eligible"
    if check.result is TrialResult.POSSIBLY_ELIGIBLE:
        return f"possibly eligible ({check.unknown} unknown)" if check.unknown else "possibly eligible"
    return "not eligible"


@router.get("/match")
def match_form() -> HTMLResponse:
    return _page(200, {})


@router.post("/match")
async def match_answer(request: Request, registry: Registry) -> HTMLResponse:
    fields = await form_fields(request)
    if isinstance(fields, HTMLResponse):
        return fields
    read = await run_in_threadpool(read_form, fields)
    if read.patient is None:
        return _page(400, fields, errors=read.errors)
    patient = read.patient
    options = MatchRequest(near=read.near, radius=read.radius, limit=MATCH_LIMIT, include_ineligible=True)
    try:
        results = await run_in_threadpool(match_patient, registry, patient.profile, options)
    except UnknownPlaceError as exc:
        error = FormError(field="near", message=str(exc))
        return _page(400, fields, errors=(error,))
    except (InvalidRadiusError, SearchInputError) as exc:
        return _page(400, fields, errors=(FormError(field="radius", message=str(exc)),))
    shown = {**form_of(patient.profile), "near": read.near or "", "radius": read.radius or ""}
    return _page(200, shown, patient=patient, results=results)


@router.post("/trials/{nct_id}/referral")
async def referral(
    request: Request, registry: Registry, nct_id: Annotated[str, Path(max_length=40)]
) -> HTMLResponse:
    fields = await form_fields(request)
    if isinstance(fields, HTMLResponse):
        return fields
    nct = normalise_nct_id(nct_id)
    if nct is None:
        message = f"{nct_id!r} is not an NCT ID (NCT followed by 8 digits)."
        return render("error.html", status=400, message=message, json_twin="/api/v1/match")
    read = await run_in_threadpool(read_form, fields)
    if read.patient is None:
        return _page(400, fields, errors=read.errors)
    try:
        summary = await run_in_threadpool(referral_summary, registry, read.patient, nct, read.near)
    except TrialNotFoundError:
        message = f"This copy of the registry holds no trial {nct}."
        return render("error.html", status=404, message=message, json_twin="/api/v1/match")
    return render("referral.html", 200, json_twin=f"/api/v1/trials/{nct}/check", **summary)


def referral_summary(
    registry: LocalRegistry, patient: PatientInput, nct_id: str, near: str | None
) -> dict[str, object]:
    """What the referral page shows: the trial, the check criterion by criterion, the nearest
    sites with their contacts (without distances, and why, when the place cannot be read)."""
    trial = registry.store.trial(nct_id)
    check = check_patient(registry, patient.profile, nct_id)
    place_problem: str | None = None
    sites: TrialSites
    try:
        sites = trial_sites(registry, nct_id, near=near, open_first=True, limit=3)
    except (UnknownPlaceError, InvalidRadiusError, SearchInputError) as exc:
        place_problem = str(exc)
        sites = trial_sites(registry, nct_id, open_first=True, limit=3)
    groups: dict[str, list[Any]] = {"inclusion": [], "exclusion": [], "other": []}
    for criterion in check.criteria:
        kind = str(criterion.kind).lower()
        groups[kind if kind in groups else "other"].append(criterion)
    return {
        "trial": trial,
        "check": check,
        "verdict": verdict_summary(check),
        "groups": groups,
        "sites": sites,
        "place_problem": place_problem,
        "patient": patient,
        "profile": patient.profile,
        "age": patient.profile.age_years(),
        "verdict_words": {Verdict.MET: "met", Verdict.NOT_MET: "not met", Verdict.UNKNOWN: "unknown"},
        "form": {**form_of(patient.profile), "near": near or ""},
    }


__all__ = [
    "LAB_FIELDS",
    "MAX_BODY_BYTES",
    "AskedQuestion",
    "FormError",
    "PatientForm",
    "answer_kind",
    "apply_visible",
    "form_of",
    "merge_answers",
    "read_form",
    "referral_summary",
    "router",
    "verdict_summary",
]
