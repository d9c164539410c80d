"""The badges of a trial's patient page: placebo group, randomized, blinded, pivotal, prior
safety data, healthy volunteers and results posted, each read from the registry's own fields and
carrying the rule and the words it rests on.

A badge has three values: True (the badge applies), False (the record says it does not) and None
(the record does not say). A False is a claim too, so it is given only where the record makes it:

- "No placebo group" only for an interventional trial that registers its groups, where no group's
  type, label or description, no intervention's name, other name or description and no title
  mentions a placebo, sham or dummy, and the summary does not either. Without registered groups
  the page says nothing about a placebo ("No groups registered"), never "no placebo".
- A phase 1 trial is "Early-phase", not "not pivotal"; a phase 1 trial with no earlier trial of
  its intervention in the store gets no prior-safety claim either way.
- Badges about a comparison of groups (placebo, randomized, blinded, pivotal, prior safety) are
  left out for observational studies and expanded access, which assign no treatment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import msgspec

from trialscout.model.enums import (
    Allocation,
    ArmGroupType,
    InterventionModel,
    Masking,
    OverallStatus,
    Phase,
    PrimaryPurpose,
    StudyType,
)
from trialscout.model.trial import Intervention, Trial
from trialscout.trialpage.design import control, masking_words
from trialscout.trialpage.provenance import Derived, Evidence
from trialscout.trialpage.results import results_status

_ID = "protocolSection.identificationModule"
_STATUS = "protocolSection.statusModule"
_DESIGN = "protocolSection.designModule"
_INFO = f"{_DESIGN}.designInfo"
_ARMS = "protocolSection.armsInterventionsModule"
_DESC = "protocolSection.descriptionModule"


class PriorTrial(msgspec.Struct, frozen=True, kw_only=True):
    """An earlier trial in the store of the same intervention, as a service looked it up."""

    nct_id: str
    title: str
    phases: tuple[str, ...]  # ("PHASE1",), as registered
    completion_date: str | None  # ISO, of the precision registered
    intervention: str  # the name as the earlier trial registers it


class Badge(msgspec.Struct, frozen=True, kw_only=True):
    """One badge of the page: what it shows, whether it applies, and why."""

    key: str  # "placebo", "randomized", "blinded", "pivotal", "prior-safety", ...
    label: str  # what the page shows: "Has a placebo group", "Open label", ...
    value: bool | None  # True: applies; False: the record says it does not; None: not said
    derived: Derived


def badges(trial: Trial, prior: Sequence[PriorTrial] = ()) -> tuple[Badge, ...]:
    """The badges of `trial`'s page, in the order the page shows them. `prior`: earlier trials
    of its interventions that a service found in the store (checked again here)."""
    out: list[Badge] = []
    if trial.study_type is StudyType.INTERVENTIONAL:
        out.append(placebo_badge(trial))
        out.extend(b for b in (randomized_badge(trial), blinded_badge(trial)) if b is not None)
        out.append(pivotal_badge(trial))
        out.append(prior_safety_badge(trial, prior))
    out.append(healthy_volunteers_badge(trial))
    out.append(results_badge(trial))
    return tuple(out)


# -- Placebo -------------------------------------------------------------------------------------

#: A placebo, sham or dummy, not negated: "no placebo", "without placebo", "non-placebo",
#: "not a placebo", "placebo-free" do not count; "placebo-controlled" and "Placebo, no ozone" do.
_MENTION = re.compile(
    r"(?<!\bno )(?<!\bnon-)(?<!\bnon )(?<!\bwithout )(?<!\bwithout a )(?<!\bnot )(?<!\bnot a )"
    r"(?<!\bno a )(?<!\bnor )\b(?:placebos?|sham|dummy|dummies)\b(?![- ]?(?:free|less)\b)",
    re.IGNORECASE,
)
_PLACEBO_WORD = re.compile(r"\b(?:placebos?|dummy|dummies)\b", re.IGNORECASE)
#: A title that names a placebo or sham comparison ("A Placebo-Controlled Study of ...").
_TITLE = re.compile(
    r"\b(?:placebo|sham)[- ]controlled\b|\b(?:versus|vs\.?|compared (?:with|to)|or|and) "
    r"(?:a |matching |matched )?(?:placebo|sham)\b|\b(?:placebo|sham) (?:versus|vs\.?|or)\b",
    re.IGNORECASE,
)

PLACEBO_RULE = (
    "Has a placebo group: a group registered as PLACEBO_COMPARATOR or SHAM_COMPARATOR, or a group "
    "of any type whose label or interventions name a placebo, sham or dummy ('Placebo Q2W + "
    "Cetuximab'), or an intervention of the trial so named, or a title that says placebo- or "
    "sham-controlled. 'No placebo', 'without placebo' and 'placebo-free' do not count. A placebo "
    "only in a group's or an intervention's description, or only in the summary, is shown as "
    "mentioned (value unknown), not as a group. 'No placebo group' only for a trial that registers "
    "its groups and mentions no placebo, sham or dummy anywhere; a single group: 'one arm'. No "
    "groups registered: not stated."
)


def placebo_badge(trial: Trial) -> Badge:
    """'Has a placebo group' / 'No placebo group' / not stated, consistent with design.control."""
    named, mentioned = _placebo_evidence(trial)
    if named:
        placebo = any(
            e.words == ArmGroupType.PLACEBO_COMPARATOR.value or _PLACEBO_WORD.search(e.words) for e in named
        )
        return Badge(
            key="placebo",
            label="Has a placebo group" if placebo else "Has a sham group",
            value=True,
            derived=Derived(rule=PLACEBO_RULE, evidence=tuple(named)),
        )
    summary = _summary_mentions(trial)
    if mentioned or summary:
        where = "a group's description" if mentioned else "the summary"
        return Badge(
            key="placebo",
            label=f"Placebo mentioned in {where} (see the groups)",
            value=None,
            derived=Derived(rule=PLACEBO_RULE, evidence=tuple(mentioned or summary)),
        )
    arms = trial.arm_groups
    model = trial.design.intervention_model if trial.design is not None else None
    plain = control(trial)
    control_ev = plain.derived.evidence if plain is not None else ()
    if len(arms) == 1 or (not arms and model is InterventionModel.SINGLE_GROUP):
        return Badge(
            key="placebo",
            label="No placebo group (one arm)",
            value=False,
            derived=Derived(
                rule=PLACEBO_RULE + " Here: one arm, everyone gets the study intervention.",
                evidence=control_ev,
            ),
        )
    if arms and all(a.type is not None for a in arms):
        return Badge(
            key="placebo",
            label="No placebo group",
            value=False,
            derived=Derived(rule=PLACEBO_RULE, evidence=control_ev),
        )
    return Badge(
        key="placebo",
        label="Placebo group: not stated in the registry",
        value=None,
        derived=Derived(
            rule=PLACEBO_RULE + " Here: the record registers no groups (or leaves a type out).",
            evidence=control_ev,
        ),
    )


def _placebo_evidence(trial: Trial) -> tuple[list[Evidence], list[Evidence]]:
    """The fields that name a placebo (a group, an intervention, a title), and those that only
    mention one (descriptions)."""
    named: list[Evidence] = []
    mentioned: list[Evidence] = []
    for n, arm in enumerate(trial.arm_groups):
        field = f"{_ARMS}.armGroups[{n}]"
        if arm.type in (ArmGroupType.PLACEBO_COMPARATOR, ArmGroupType.SHAM_COMPARATOR):
            assert arm.type is not None
            named.append(Evidence(field=f"{field}.label", words=arm.label))
            named.append(Evidence(field=f"{field}.type", words=arm.type.value))
        if _MENTION.search(arm.label):
            named.append(Evidence(field=f"{field}.label", words=arm.label))
        for k, name in enumerate(arm.intervention_names):
            if _MENTION.search(name):
                named.append(Evidence(field=f"{field}.interventionNames[{k}]", words=name))
        if arm.description and _MENTION.search(arm.description):
            mentioned.append(Evidence(field=f"{field}.description", words=arm.description))
    for k, i in enumerate(trial.interventions):
        field = f"{_ARMS}.interventions[{k}]"
        if _MENTION.search(i.name):
            named.append(Evidence(field=f"{field}.name", words=i.name))
        for m, other in enumerate(i.other_names):
            if _MENTION.search(other):
                named.append(Evidence(field=f"{field}.otherNames[{m}]", words=other))
        if i.description and _MENTION.search(i.description):
            mentioned.append(Evidence(field=f"{field}.description", words=i.description))
    for field, title in (
        (f"{_ID}.officialTitle", trial.official_title),
        (f"{_ID}.briefTitle", trial.brief_title),
    ):
        if title and _TITLE.search(title) and _MENTION.search(title):
            named.append(Evidence(field=field, words=title))
    return _dedupe(named), _dedupe(mentioned)


def _summary_mentions(trial: Trial) -> list[Evidence]:
    hits = []
    for field, text in (
        (f"{_DESC}.briefSummary", trial.brief_summary),
        (f"{_DESC}.detailedDescription", trial.detailed_description),
    ):
        if text and (match := _MENTION.search(text)):
            hits.append(Evidence(field=field, words=_sentence_around(text, match.start())))
    return hits


def _sentence_around(text: str, at: int) -> str:
    start = max(text.rfind(". ", 0, at) + 2, 0) if ". " in text[:at] else 0
    end = text.find(". ", at)
    return " ".join(text[start : end + 1 if end >= 0 else len(text)].split())


def _dedupe(items: list[Evidence]) -> list[Evidence]:
    seen: dict[tuple[str, str], Evidence] = {}
    for e in items:
        seen.setdefault((e.field, e.words), e)
    return list(seen.values())


# -- Randomized, blinded -------------------------------------------------------------------------


def randomized_badge(trial: Trial) -> Badge | None:
    """'Randomized' / 'Not randomized' / 'One group (not randomized)'; None: not registered."""
    design = trial.design
    allocation = design.allocation if design is not None else None
    model = design.intervention_model if design is not None else None
    evidence = []
    if allocation is not None:
        evidence.append(Evidence(field=f"{_INFO}.allocation", words=allocation.value))
    if model is not None:
        evidence.append(Evidence(field=f"{_INFO}.interventionModel", words=model.value))
    rule = "The registry's allocation: RANDOMIZED, NON_RANDOMIZED, or NA (a single group)."
    if allocation is Allocation.RANDOMIZED:
        label, value = "Randomized", True
    elif allocation is Allocation.NON_RANDOMIZED:
        label, value = "Not randomized", False
    elif allocation is Allocation.NA or (allocation is None and model is InterventionModel.SINGLE_GROUP):
        label, value = "One group (not randomized)", False
    else:
        return Badge(
            key="randomized",
            label="Randomized: not stated in the registry",
            value=None,
            derived=Derived(rule=rule, evidence=tuple(evidence)),
        )
    return Badge(
        key="randomized", label=label, value=value, derived=Derived(rule=rule, evidence=tuple(evidence))
    )


_ROLE = {
    "PARTICIPANT": "participant",
    "CARE_PROVIDER": "care provider",
    "INVESTIGATOR": "investigator",
    "OUTCOMES_ASSESSOR": "outcomes assessor",
}


_LEVEL = {
    Masking.SINGLE: "Single-blind",
    Masking.DOUBLE: "Double-blind",
    Masking.TRIPLE: "Triple-blind",
    Masking.QUADRUPLE: "Quadruple-blind",
}


def blinded_badge(trial: Trial) -> Badge | None:
    """'Open label' / 'Blinded (participant, investigator)' with exactly the roles registered."""
    design = trial.design
    if design is None or design.masking is None:
        return Badge(
            key="blinded",
            label="Blinding: not stated in the registry",
            value=None,
            derived=Derived(rule="The registry's masking; the record gives none."),
        )
    evidence = [Evidence(field=f"{_INFO}.maskingInfo.masking", words=design.masking.value)]
    if design.who_masked:
        evidence.append(
            Evidence(
                field=f"{_INFO}.maskingInfo.whoMasked", words=", ".join(w.value for w in design.who_masked)
            )
        )
    rule = "The registry's masking, with exactly the roles it lists as masked: " + masking_words(
        design.masking, design.who_masked
    )
    if design.masking is Masking.NONE:
        label, value = "Open label", False
    elif design.who_masked:
        label = "Blinded (" + ", ".join(_ROLE[w.value] for w in design.who_masked) + ")"
        value = True
    else:
        label, value = f"{_LEVEL[design.masking]} (who is blinded is not stated)", True
    return Badge(
        key="blinded", label=label, value=value, derived=Derived(rule=rule, evidence=tuple(evidence))
    )


# -- Pivotal, prior safety -----------------------------------------------------------------------

_PIVOTAL_PURPOSES = frozenset(
    {PrimaryPurpose.TREATMENT, PrimaryPurpose.PREVENTION, PrimaryPurpose.DIAGNOSTIC}
)
PIVOTAL_RULE = (
    "Late-stage: phase 3 (or phase 2/3), interventional, randomized, with a primary purpose of "
    "treatment, prevention or diagnosis: the kind of trial whose results regulators weigh to "
    "approve a treatment. Phase 4: the treatment is already approved (for some use, not "
    "necessarily this one). Phase 1: early-phase. Anything else: no badge claim."
)


def phase_words(phases: Sequence[str]) -> str:
    """('PHASE1', 'PHASE2') -> 'phase 1/2'; ('EARLY_PHASE1',) -> 'early phase 1'."""
    words = []
    for p in phases:
        if p == "EARLY_PHASE1":
            words.append("early phase 1")
        elif p.startswith("PHASE"):
            words.append(p[5:])
    if not words:
        return ""
    if words[0].startswith("early"):
        return "/".join(words)
    return "phase " + "/".join(words)


def pivotal_badge(trial: Trial) -> Badge:
    phases = set(trial.phases)
    design = trial.design
    evidence = [
        Evidence(field=f"{_DESIGN}.phases", words=", ".join(p.value for p in trial.phases) or "(none)")
    ]
    if design is not None and design.allocation is not None:
        evidence.append(Evidence(field=f"{_INFO}.allocation", words=design.allocation.value))
    if design is not None and design.primary_purpose is not None:
        evidence.append(Evidence(field=f"{_INFO}.primaryPurpose", words=design.primary_purpose.value))
    derived = Derived(rule=PIVOTAL_RULE, evidence=tuple(evidence))
    words = phase_words([p.value for p in trial.phases])
    randomized = design is not None and design.allocation is Allocation.RANDOMIZED
    purpose = design.primary_purpose if design is not None else None
    if Phase.PHASE3 in phases and randomized and purpose in _PIVOTAL_PURPOSES:
        return Badge(
            key="pivotal", label=f"Late-stage ({words}) randomized trial", value=True, derived=derived
        )
    if phases == {Phase.PHASE4}:
        return Badge(key="pivotal", label="Approved treatment (phase 4)", value=None, derived=derived)
    if phases and phases <= {Phase.PHASE1, Phase.EARLY_PHASE1}:
        return Badge(key="pivotal", label=f"Early-phase ({words})", value=False, derived=derived)
    if not words:
        label = "Phase: not stated in the registry" if not phases else "Phase: not applicable (as registered)"
    else:
        label = words[0].upper() + words[1:]
    return Badge(key="pivotal", label=label, value=None, derived=derived)


PRIOR_RULE = (
    "Earlier safety testing: a trial of phase 2 or later follows earlier testing of the treatment's "
    "safety in people (phase 1 comes first; phase 4 is after approval); or the store holds an "
    "earlier completed trial of the same intervention, named here. A phase 1 (or phase 1/2) trial "
    "with none in the store: not known, never a claim that there was none."
)


def prior_safety_badge(trial: Trial, prior: Sequence[PriorTrial] = ()) -> Badge:
    earlier = [p for p in prior if _is_earlier(trial, p)]
    phases = set(trial.phases)
    phase_ev = Evidence(field=f"{_DESIGN}.phases", words=", ".join(p.value for p in trial.phases) or "(none)")
    if earlier:
        first = earlier[0]
        done = f", completed {first.completion_date[:7]}" if first.completion_date else ""
        phase = phase_words(first.phases)
        inside = (phase[0].upper() + phase[1:] if phase else "phase not stated") + done
        label = f"Tested before: {first.nct_id} ({inside})"
        if len(earlier) > 1:
            label += f" and {len(earlier) - 1} more"
        evidence = [phase_ev]
        for p in earlier:
            evidence.append(Evidence(field=f"{p.nct_id}:{_ARMS}.interventions.name", words=p.intervention))
            if p.completion_date:
                evidence.append(
                    Evidence(field=f"{p.nct_id}:{_STATUS}.completionDateStruct", words=p.completion_date)
                )
        return Badge(
            key="prior-safety",
            label=label,
            value=True,
            derived=Derived(rule=PRIOR_RULE, evidence=tuple(evidence)),
        )
    if phases and phases <= {Phase.PHASE2, Phase.PHASE3, Phase.PHASE4}:
        words = phase_words([p.value for p in trial.phases])
        return Badge(
            key="prior-safety",
            label=f"Follows earlier safety testing ({words})",
            value=True,
            derived=Derived(rule=PRIOR_RULE, evidence=(phase_ev,)),
        )
    return Badge(
        key="prior-safety",
        label="Earlier safety testing: no earlier trial in this store",
        value=None,
        derived=Derived(rule=PRIOR_RULE, evidence=(phase_ev,)),
    )


def _is_earlier(trial: Trial, prior: PriorTrial) -> bool:
    """A prior trial counts when it is another trial, has completed (a completion date), ended no
    later than this one started (where both are known), and its intervention's name and one of
    this trial's intervention names (or other names) contain one another word for word."""
    if prior.nct_id == trial.nct_id or not prior.completion_date:
        return False
    if trial.start_date is not None and prior.completion_date[:10] > trial.start_date.latest().isoformat():
        return False
    return any(_same_intervention(prior.intervention, i) for i in trial.interventions)


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9]+", text.casefold()))


def _same_intervention(name: str, intervention: Intervention) -> bool:
    wanted = _words(name)
    if not wanted:
        return False
    for candidate in (intervention.name, *intervention.other_names):
        words = _words(candidate)
        if words and (_within(wanted, words) or _within(words, wanted)):
            return True
    return False


def _within(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    """Whether `part` occurs word for word in `whole` ("tipifarnib" in "tipifarnib 300 mg")."""
    return any(whole[k : k + len(part)] == part for k in range(len(whole) - len(part) + 1))


# -- Healthy volunteers, results -----------------------------------------------------------------


def healthy_volunteers_badge(trial: Trial) -> Badge:
    value = trial.eligibility.healthy_volunteers if trial.eligibility is not None else None
    field = "protocolSection.eligibilityModule.healthyVolunteers"
    rule = "The registry's 'accepts healthy volunteers' field, as registered."
    if value is None:
        return Badge(
            key="healthy-volunteers",
            label="Healthy volunteers: not stated in the registry",
            value=None,
            derived=Derived(rule=rule),
        )
    return Badge(
        key="healthy-volunteers",
        label="Accepts healthy volunteers" if value else "No healthy volunteers",
        value=value,
        derived=Derived(rule=rule, evidence=(Evidence(field=field, words=str(value).lower()),)),
    )


_FINISHED = frozenset({OverallStatus.COMPLETED, OverallStatus.TERMINATED})
RESULTS_RULE = (
    "The badge says 'no' only for a completed or terminated trial; a trial not yet finished (or of"
    " unknown status) has no results due yet."
)


def results_badge(trial: Trial) -> Badge:
    """The results line of the page (`results.results_status`) as a badge: True when posted,
    False only for a completed or terminated trial without them, else unknown (none due yet)."""
    status = results_status(trial)
    value = True if status.posted else (False if trial.overall_status in _FINISHED else None)
    derived = Derived(rule=f"{status.derived.rule} {RESULTS_RULE}", evidence=status.derived.evidence)
    return Badge(key="results", label=status.text, value=value, derived=derived)
