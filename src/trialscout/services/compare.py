"""Two to four trials side by side, as a patient weighs them: one row per question, one cell per
trial, and each row marked where the trials differ.

    compare_trials(registry, ["NCT05813925", "NCT05482516"], near="Boston, MA")

Built on the patient layer (`trialscout.services.trial_page.patient_page`): the title, status with
its recruitment grade, design in plain words, the placebo badge and the nearest open site come
from there; the rest (phase, enrolment, ages, sex, sponsor, what the record says of visits and
duration) is read from the record. Every cell is the record's words or a plain sentence built from
them, with the fields it read; what the record does not state says "not stated in the registry".
Visits and duration are quoted, never computed: a schedule the record does not give is not shown.

With a patient profile, each trial also gets its verdict (`trialscout.services.match.check_patient`);
the profile is used in memory only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import msgspec

from trialscout.errors import SearchInputError
from trialscout.model.enums import OPEN_STATUSES, Sex, StudyType
from trialscout.model.nct import normalise_nct_id
from trialscout.model.patient import PatientProfile
from trialscout.model.recruitment import GRADE_WORDS
from trialscout.model.trial import Trial
from trialscout.services.match import check_patient
from trialscout.services.registry import LocalRegistry
from trialscout.services.sites import TrialSite
from trialscout.services.trial_page import PatientPage, patient_page
from trialscout.trialpage.badges import phase_words
from trialscout.trialpage.design import NOT_STATED, PlainFact
from trialscout.trialpage.provenance import Derived, Evidence

#: How many trials a comparison takes.
MIN_TRIALS, MAX_TRIALS = 2, 4
#: Sentences quoted per trial on visits and duration, and the longest sentence quoted whole.
MAX_QUOTES = 4
MAX_QUOTE_CHARS = 400

_ID = "protocolSection.identificationModule"
_STATUS = "protocolSection.statusModule"
_DESIGN = "protocolSection.designModule"
_DESC = "protocolSection.descriptionModule"
_ARMS = "protocolSection.armsInterventionsModule"
_OUTCOMES = "protocolSection.outcomesModule"
_ELIG = "protocolSection.eligibilityModule"
_SPONSOR = "protocolSection.sponsorCollaboratorsModule"
_SITES = "protocolSection.contactsLocationsModule.locations"

_SCHEDULE = re.compile(r"\b(?:duration|visits?|weeks?)\b", re.IGNORECASE)
# Sentence ends, blank lines and list items; a single line break inside a sentence (records are
# often hard-wrapped) is not an end.
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n\s*\n|\n(?=\s*(?:[-*\u2022]|\d{1,2}[.)])\s)")
_SEX_WORDS = {Sex.ALL: "All sexes", Sex.FEMALE: "Female only", Sex.MALE: "Male only"}
_AGENCY_WORDS = {
    "INDUSTRY": "industry",
    "NIH": "US National Institutes of Health",
    "FED": "US federal agency",
    "OTHER_GOV": "government agency",
    "NETWORK": "research network",
    "INDIV": "individual",
    "OTHER": "university, hospital or other organisation",
}


class Cell(msgspec.Struct, frozen=True, kw_only=True):
    """What one trial's record says for one row, and where it came from (None: not a record fact,
    such as "no place given")."""

    words: str
    derived: Derived | None = None


class Row(msgspec.Struct, frozen=True, kw_only=True):
    """One question, answered for each trial in the order asked; `differs` when the answers do."""

    key: str  # "status", "phase", "allocation", ...
    label: str  # what the row is headed with: "Status", "Phase", ...
    cells: tuple[Cell, ...]
    differs: bool


class ComparedTrial(msgspec.Struct, frozen=True, kw_only=True):
    nct_id: str
    title: str  # the lay title when the record allows one, else the brief title
    brief_title: str | None
    verdict: str | None = None  # the patient's check in words, with a profile only


class Comparison(msgspec.Struct, frozen=True, kw_only=True):
    trials: tuple[ComparedTrial, ...]
    rows: tuple[Row, ...]
    near: str | None  # the place distances are from, as it was read ("Boston, Massachusetts, US")
    differing: int  # how many rows differ


def compare_trials(
    registry: LocalRegistry,
    nct_ids: Sequence[str],
    *,
    near: str | None = None,
    profile: PatientProfile | None = None,
    today: dt.date | None = None,
) -> Comparison:
    """The trials side by side (2 to 4, in the order given; a repeated ID counts once).

    Raises `SearchInputError` for fewer than 2 or more than 4 trials or an ID that is not an NCT
    ID, `TrialNotFoundError` for a trial the store does not hold, and the place errors of
    `trial_sites` for a place that cannot be read.
    """
    ids = checked_ids(nct_ids)
    pages = [patient_page(registry, nct, near=near, sites_limit=1, today=today) for nct in ids]
    trials = [registry.store.trial(nct) for nct in ids]
    verdicts = [check_patient(registry, profile, nct).summary for nct in ids] if profile else None
    columns: list[tuple[str, str, list[Cell]]] = [
        ("title", "Trial", [Cell(words=p.title) for p in pages]),
        ("status", "Status", [_status(p) for p in pages]),
        ("phase", "Phase", [_phase(t) for t in trials]),
        ("allocation", "How groups are formed", [_fact(p.design.allocation) for p in pages]),
        ("masking", "Who knows who gets what", [_fact(p.design.masking) for p in pages]),
        ("control", "Compared with", [_fact(p.design.control) for p in pages]),
        ("placebo", "Placebo", [_placebo(p, t) for p, t in zip(pages, trials, strict=True)]),
        ("time_frames", "When the main result is measured", [_time_frames(t) for t in trials]),
        ("schedule", "Visits and duration, in the record's words", [_schedule(t) for t in trials]),
        ("enrollment", "People taking part", [_enrollment(t) for t in trials]),
    ]
    if near is not None and near.strip():
        columns.append(("nearest_site", "Nearest open site", [_nearest(p) for p in pages]))
    columns += [
        ("ages", "Ages", [_ages(t) for t in trials]),
        ("sex", "Sex", [_sex(t) for t in trials]),
        ("sponsor", "Sponsor", [_sponsor(t) for t in trials]),
    ]
    if verdicts is not None:
        columns.append(("verdict", "Your check", [Cell(words=v) for v in verdicts]))
    rows = tuple(
        Row(key=key, label=label, cells=tuple(cells), differs=_differs(cells))
        for key, label, cells in columns
    )
    place = next((p.sites.place for p in pages if p.sites.place is not None), None)
    return Comparison(
        trials=tuple(
            ComparedTrial(
                nct_id=p.nct_id,
                title=p.title,
                brief_title=p.brief_title,
                verdict=verdicts[i] if verdicts is not None else None,
            )
            for i, p in enumerate(pages)
        ),
        rows=rows,
        near=place.label if place is not None else None,
        differing=sum(r.differs for r in rows),
    )


def checked_ids(nct_ids: Sequence[str]) -> list[str]:
    """The NCT IDs normalised, each once, in the order given; `SearchInputError` unless there are
    2 to 4 of them and each is an NCT ID."""
    ids: list[str] = []
    for text in nct_ids:
        if not text.strip():
            continue
        nct = normalise_nct_id(text)
        if nct is None:
            raise SearchInputError(f"{text!r} is not an NCT ID (NCT followed by 8 digits)")
        if nct not in ids:
            ids.append(nct)
    if not MIN_TRIALS <= len(ids) <= MAX_TRIALS:
        raise SearchInputError(
            f"compare {MIN_TRIALS} to {MAX_TRIALS} different trials, not {len(ids)}: give their NCT IDs"
        )
    return ids


def _differs(cells: Sequence[Cell]) -> bool:
    return len({" ".join(c.words.casefold().split()) for c in cells}) > 1


def _fact(fact: PlainFact | None) -> Cell:
    return Cell(words=NOT_STATED) if fact is None else Cell(words=fact.words, derived=fact.derived)


def _status(page: PatientPage) -> Cell:
    check = page.recruitment
    status = page.sites.overall_status
    if status is None:
        return Cell(words=NOT_STATED)
    words = status.value.replace("_", " ").capitalize()
    grade = GRADE_WORDS.get(check.grade) if check.grade is not None else None
    if grade:
        words += f" ({grade})"
    evidence = [Evidence(field=f"{_STATUS}.overallStatus", words=status.value)]
    evidence += [Evidence(field=f.field, words=f.words) for f in check.findings if f.grade is not None]
    as_of = f" as of {check.as_of}" if check.as_of else ""
    return Cell(
        words=words,
        derived=Derived(
            rule="The registry's overall status; an open status is graded against the record's own"
            f" dates{as_of} (when it was last verified and updated, when enrolment was due to end).",
            evidence=tuple(evidence),
        ),
    )


def _phase(trial: Trial) -> Cell:
    phases = [p.value for p in trial.phases]
    if not phases:
        return Cell(words=NOT_STATED)
    words = phase_words(phases)
    words = words[0].upper() + words[1:] if words else "Not applicable (the registry gives no drug phase)"
    evidence = (Evidence(field=f"{_DESIGN}.phases", words=", ".join(phases)),)
    return Cell(words=words, derived=Derived(rule="The registry's phase, in words.", evidence=evidence))


def _placebo(page: PatientPage, trial: Trial) -> Cell:
    badge = next((b for b in page.badges if b.key == "placebo"), None)
    if badge is not None:
        return Cell(words=badge.label, derived=badge.derived)
    if trial.study_type is None:
        return Cell(words=NOT_STATED)
    kind = "observational" if trial.study_type is StudyType.OBSERVATIONAL else "expanded access"
    return Cell(
        words=f"Not applicable: an {kind} study assigns no treatment to compare",
        derived=Derived(
            rule="A placebo group is a question for interventional trials only.",
            evidence=(Evidence(field=f"{_DESIGN}.studyType", words=trial.study_type.value),),
        ),
    )


def _time_frames(trial: Trial) -> Cell:
    quotes: list[Evidence] = []
    for i, outcome in enumerate(trial.primary_outcomes):
        frame = (outcome.time_frame or "").strip()
        if frame and frame not in {q.words for q in quotes}:
            quotes.append(Evidence(field=f"{_OUTCOMES}.primaryOutcomes[{i}].timeFrame", words=frame))
    return _quoted(quotes, "The primary outcomes' time frames, as registered (each once).")


def _schedule(trial: Trial) -> Cell:
    texts = [
        (f"{_DESC}.briefSummary", trial.brief_summary),
        (f"{_DESC}.detailedDescription", trial.detailed_description),
    ]
    texts += [
        (f"{_ARMS}.armGroups[{i}].description", arm.description) for i, arm in enumerate(trial.arm_groups)
    ]
    quotes: list[Evidence] = []
    for field, text in texts:
        for sentence in _SENTENCE.split(text or ""):
            sentence = " ".join(sentence.split())
            if len(quotes) >= MAX_QUOTES or len(sentence) > MAX_QUOTE_CHARS or not _SCHEDULE.search(sentence):
                continue
            if sentence not in {q.words for q in quotes}:
                quotes.append(Evidence(field=field, words=sentence))
    return _quoted(
        quotes,
        f"Sentences of the summary, description and group descriptions that speak of visits, weeks or"
        f" duration, quoted whole (at most {MAX_QUOTES}, each under {MAX_QUOTE_CHARS} characters).",
    )


def _quoted(quotes: Sequence[Evidence], rule: str) -> Cell:
    if not quotes:
        return Cell(words=NOT_STATED)
    words = " | ".join(f"\u201c{q.words}\u201d" for q in quotes)
    return Cell(words=words, derived=Derived(rule=rule, evidence=tuple(quotes)))


def _enrollment(trial: Trial) -> Cell:
    enrollment = trial.enrollment
    if enrollment is None or enrollment.count is None:
        return Cell(words=NOT_STATED)
    kind = enrollment.type.value.lower() if enrollment.type is not None else None
    people = "person" if enrollment.count == 1 else "people"
    words = f"{enrollment.count:,} {people}" + (f" ({kind})" if kind else "")
    evidence = [Evidence(field=f"{_DESIGN}.enrollmentInfo.count", words=str(enrollment.count))]
    if enrollment.type is not None:
        evidence.append(Evidence(field=f"{_DESIGN}.enrollmentInfo.type", words=enrollment.type.value))
    return Cell(
        words=words,
        derived=Derived(
            rule="The registry's enrolment: a target while it is estimated, a count once actual.",
            evidence=tuple(evidence),
        ),
    )


def _nearest(page: PatientPage) -> Cell:
    sites = page.sites
    if not sites.sites:
        return Cell(words="No sites listed in the registry" if sites.total == 0 else "No site fits")
    site = sites.sites[0]
    where = ", ".join(w for w in (site.facility, site.city, site.state, site.country) if w)
    far = site.distance or "distance unknown (the site could not be placed)"
    status = site.status.value if site.status is not None else "not stated"
    if site.status in OPEN_STATUSES:
        words = f"{far}: {where} ({status.replace('_', ' ').lower()})"
    else:
        words = f"No site registered as open; nearest listed site {far}: {where} (status: {status.lower()})"
    return Cell(
        words=words,
        derived=Derived(
            rule="The trial's sites with an open status of their own (recruiting, not yet recruiting, by"
            " invitation) first, nearest first; a site's coordinates are the registry's, else placed"
            " from its town or ZIP code.",
            evidence=_site_evidence(site),
        ),
    )


def _site_evidence(site: TrialSite) -> tuple[Evidence, ...]:
    field = f"{_SITES}[{site.ordinal}]"
    parts = [
        ("facility", site.facility),
        ("city", site.city),
        ("state", site.state),
        ("country", site.country),
    ]
    evidence = [Evidence(field=f"{field}.{name}", words=value) for name, value in parts if value]
    evidence.append(Evidence(field=f"{field}.status", words=site.status.value if site.status else "(none)"))
    return tuple(evidence)


def _ages(trial: Trial) -> Cell:
    eligibility = trial.eligibility
    if eligibility is None:
        return Cell(words=NOT_STATED)
    low = _age_text(eligibility.minimum_age_text)
    high = _age_text(eligibility.maximum_age_text)
    if low is None and high is None:
        words = "No age limits stated in the registry"
    elif high is None:
        words = f"{low} and older"
    elif low is None:
        words = f"Up to {high}"
    else:
        words = f"{low} to {high}"
    evidence = tuple(
        Evidence(field=f"{_ELIG}.{name}", words=value)
        for name, value in (
            ("minimumAge", eligibility.minimum_age_text),
            ("maximumAge", eligibility.maximum_age_text),
        )
        if value
    )
    return Cell(
        words=words,
        derived=Derived(
            rule="The registry's age limits; N/A or none means no limit is set.", evidence=evidence
        ),
    )


def _age_text(text: str | None) -> str | None:
    text = (text or "").strip()
    return None if not text or text.upper() in {"N/A", "NA", "NONE"} else text


def _sex(trial: Trial) -> Cell:
    eligibility = trial.eligibility
    if eligibility is None or eligibility.sex is None:
        return Cell(words=NOT_STATED)
    words = _SEX_WORDS[eligibility.sex]
    evidence = [Evidence(field=f"{_ELIG}.sex", words=eligibility.sex.value)]
    if eligibility.gender_based and eligibility.gender_description:
        words += f" (based on gender: {eligibility.gender_description.strip()})"
        evidence.append(Evidence(field=f"{_ELIG}.genderDescription", words=eligibility.gender_description))
    return Cell(
        words=words, derived=Derived(rule="The registry's sex eligibility.", evidence=tuple(evidence))
    )


def _sponsor(trial: Trial) -> Cell:
    sponsor = trial.lead_sponsor
    if sponsor is None or not sponsor.name:
        return Cell(words=NOT_STATED)
    evidence = [Evidence(field=f"{_SPONSOR}.leadSponsor.name", words=sponsor.name)]
    words = sponsor.name
    kind = _AGENCY_WORDS.get(sponsor.agency_class.value) if sponsor.agency_class is not None else None
    if sponsor.agency_class is not None and kind:
        words += f" ({kind})"
        evidence.append(Evidence(field=f"{_SPONSOR}.leadSponsor.class", words=sponsor.agency_class.value))
    return Cell(
        words=words,
        derived=Derived(rule="The registry's lead sponsor and its class.", evidence=tuple(evidence)),
    )
