"""Posted results of a trial's patient page: whether the registry holds results, and a short
summary of them read from the original record (API v2 JSON or legacy XML).

The summary keeps what a patient looks for and nothing the record does not say: every primary
outcome (title, time frame, units, each group's value and dispersion as registered, and the
p-values of the registered analyses), the participant flow's STARTED / COMPLETED / NOT COMPLETED
milestones of one period with the top reasons for leaving, and the serious adverse events (each
group's affected / at risk, and the terms that affected most people). Values stay the registry's
words ("83.7", "NA"); nothing is recomputed but sums of counts, and those say so.

A broken or truncated results section never breaks the page: what can be read is returned, and
`PostedResults.complete` says the rest could not be.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

import msgspec

from trialscout.model.enums import DateType, OverallStatus, SourceFormat
from trialscout.model.trial import RegistryDate, Trial
from trialscout.trialpage.provenance import Derived, Evidence

#: A summary, not the registry's results tables: at most this many groups of each table.
MAX_GROUPS = 10
#: ... this many rows (classes x categories) of an outcome, reasons for leaving, and SAE terms.
MAX_ROWS = 6
MAX_REASONS = 3
MAX_TERMS = 5

_RESULTS = "resultsSection"
_OUTCOMES = f"{_RESULTS}.outcomeMeasuresModule.outcomeMeasures"
_FLOW = f"{_RESULTS}.participantFlowModule"
_EVENTS = f"{_RESULTS}.adverseEventsModule"
_STATUS = "protocolSection.statusModule"

STATUS_RULE = (
    "Results are posted when the registry says so (hasResults, or a results first-posted date); "
    "a trial still running has results pending; a finished one without results says so, with the "
    "year it completed when the registry gives an actual date."
)
SUMMARY_RULE = (
    "The registry's posted results, summarised: every primary outcome (first "
    f"{MAX_GROUPS} groups, {MAX_ROWS} rows), the participant flow of the overall period (else the "
    f"first) with the top {MAX_REASONS} reasons for leaving per group, and serious adverse events "
    f"per group with the {MAX_TERMS} terms that affected most participants (summed over groups). "
    "Values as registered."
)

_ABBREVIATIONS = {
    "standard deviation": "SD",
    "standard error": "SE",
    "inter-quartile range": "IQR",
    "full range": "range",
    "geometric coefficient of variation": "geometric CV",
}
_RUNNING = frozenset(
    {
        OverallStatus.RECRUITING,
        OverallStatus.NOT_YET_RECRUITING,
        OverallStatus.ENROLLING_BY_INVITATION,
        OverallStatus.ACTIVE_NOT_RECRUITING,
        OverallStatus.SUSPENDED,
    }
)
_FINISHED_WORDS = {OverallStatus.COMPLETED: "completed", OverallStatus.TERMINATED: "stopped"}


class ResultsStatus(msgspec.Struct, frozen=True, kw_only=True):
    """Whether the registry holds results for the trial, in one line."""

    posted: bool
    text: str  # "Results posted 2021-03-04" / "Results pending: not yet posted" / "No results posted ..."
    first_posted: str | None  # the registry's results first-posted date (ISO), when it gives one
    derived: Derived


class OutcomeGroup(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    participants: int | None  # analysed in this outcome (the registry's denominator), if given


class MeasuredValue(msgspec.Struct, frozen=True, kw_only=True):
    group: str  # the group's title
    value: str  # as registered: "83.7", "NA"
    dispersion: str | None  # "SD 1.2", "95% CI 0.3 to 1.8"
    comment: str | None  # the registry's note on the value ("NA: median not reached")


class OutcomeRow(msgspec.Struct, frozen=True, kw_only=True):
    label: str | None  # the class and category titles, when the outcome is split ("Week 12")
    values: tuple[MeasuredValue, ...]


class PValue(msgspec.Struct, frozen=True, kw_only=True):
    groups: tuple[str, ...]  # the groups the analysis compares (titles)
    p_value: str  # as registered: "0.0568", "<0.001"
    method: str | None


class OutcomeResult(msgspec.Struct, frozen=True, kw_only=True):
    """One primary outcome as posted."""

    title: str
    time_frame: str | None
    units: str | None
    measure: str | None  # the parameter: "Mean", "Count of Participants"
    dispersion_type: str | None  # "Standard Deviation", "95% Confidence Interval"
    groups: tuple[OutcomeGroup, ...]
    rows: tuple[OutcomeRow, ...]  # empty: no values posted for this outcome
    p_values: tuple[PValue, ...]
    groups_left_out: int
    rows_left_out: int
    field: str  # its API v2 path: "resultsSection.outcomeMeasuresModule.outcomeMeasures[0]"


class DropReason(msgspec.Struct, frozen=True, kw_only=True):
    reason: str  # "Adverse Event", "Lost to Follow-up"
    participants: int


class FlowGroup(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    started: int | None
    completed: int | None
    not_completed: int | None  # the NOT COMPLETED milestone, or started - completed
    reasons: tuple[DropReason, ...]  # the most frequent, at most MAX_REASONS


class ParticipantFlow(msgspec.Struct, frozen=True, kw_only=True):
    period: str | None  # the period read: "Overall Study"
    periods: int  # how many periods the record has
    groups: tuple[FlowGroup, ...]
    groups_left_out: int


class EventGroup(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    affected: int | None  # participants with a serious adverse event
    at_risk: int | None


class EventTerm(msgspec.Struct, frozen=True, kw_only=True):
    term: str
    organ_system: str | None
    affected: int  # participants affected, summed over the groups


class SeriousEvents(msgspec.Struct, frozen=True, kw_only=True):
    groups: tuple[EventGroup, ...]
    top_terms: tuple[EventTerm, ...]
    terms: int  # distinct serious terms the record lists
    groups_left_out: int


class PostedResults(msgspec.Struct, frozen=True, kw_only=True):
    primary_outcomes: tuple[OutcomeResult, ...]
    flow: ParticipantFlow | None
    serious_adverse_events: SeriousEvents | None
    derived: Derived
    complete: bool = True  # False: the record's results could not be read whole (truncated)


def results_status(trial: Trial) -> ResultsStatus:
    """'Results posted <date>', 'Results pending', or 'No results posted' with the reason."""
    posted_date = trial.results_first_posted_date
    status = trial.overall_status
    evidence = [Evidence(field="hasResults", words=str(trial.has_results).lower())]
    posted = trial.has_results or posted_date is not None
    when = posted_date.date if posted_date is not None else None
    if posted_date is not None:
        evidence.append(
            Evidence(field=f"{_STATUS}.resultsFirstPostDateStruct", words=_date_words(posted_date))
        )
    if not posted and status is not None:
        evidence.append(Evidence(field=f"{_STATUS}.overallStatus", words=status.value))
    if posted:
        text = f"Results posted {when}" if when else "Results posted (the registry gives no date)"
    elif status in _RUNNING:
        text = "Results pending: not yet posted"
    elif status is OverallStatus.WITHDRAWN:
        text = "No results posted (the trial was withdrawn)"
    else:
        text = "No results posted"
        done = trial.completion_date or trial.primary_completion_date
        if status in _FINISHED_WORDS and done is not None and done.type is not DateType.ESTIMATED:
            name = "completionDateStruct" if done is trial.completion_date else "primaryCompletionDateStruct"
            evidence.append(Evidence(field=f"{_STATUS}.{name}", words=_date_words(done)))
            text += f" (the trial {_FINISHED_WORDS[status]} in {done.date[:4]})"
    derived = Derived(rule=STATUS_RULE, evidence=tuple(evidence))
    return ResultsStatus(posted=posted, text=text, first_posted=when, derived=derived)


def _date_words(date: RegistryDate) -> str:
    return f"{date.date} ({date.type.value})" if date.type is not None else date.date


def posted_results(fmt: SourceFormat, raw: bytes) -> PostedResults | None:
    """The summary of the record's posted results; None when it has none (or another format)."""
    try:
        if fmt is SourceFormat.CTGOV_API_V2_JSON:
            section, complete = _v2_section(raw)
        elif fmt is SourceFormat.CTGOV_LEGACY_XML:
            section, complete = _xml_section(raw)
        else:
            return None
        if not section:
            return None
        return _summary(section, complete)
    except Exception:  # noqa: BLE001 - a broken results section must not break the page
        return None


# --- reading the record: legacy XML is read into the API v2 shape -----------------------------


def _v2_section(raw: bytes) -> tuple[dict[str, Any], bool]:
    complete = True
    try:
        study = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        complete = False
        study = _decode_truncated(raw)
    if isinstance(study, list) and len(study) == 1:  # an export of one study
        study = study[0]
    return _dict(_dict(study).get("resultsSection")), complete


def _decode_truncated(raw: bytes) -> Any:
    """A truncated JSON document closed after its last complete value, decoded (None: unreadable)."""
    text = raw.decode("utf-8", errors="replace")
    stack: list[str] = []
    cut = 0
    for match in re.finditer(r'"(?:[^"\\]|\\.)*"?|[{}\[\],]', text):
        token = match.group()
        if token in ("{", "["):
            stack.append("}" if token == "{" else "]")
            cut = match.end()
        elif token in ("}", "]"):
            if not stack:
                break
            stack.pop()
            cut = match.end()
        elif token == ",":
            cut = match.start()
    if not stack:
        return None
    try:
        return msgspec.json.decode(text[:cut] + "".join(reversed(stack)))
    except msgspec.DecodeError:
        return None


def _xml_section(raw: bytes) -> tuple[dict[str, Any], bool]:
    """<clinical_results> in the API v2 shape; a truncated record gives what precedes the break."""
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start",))
    complete = True
    try:
        parser.feed(raw)
        parser.close()
    except ET.ParseError:
        complete = False
    root: ET.Element | None = None
    try:
        for event in parser.read_events():
            if root is None and isinstance(event[-1], ET.Element):
                root = event[-1]
    except ET.ParseError:
        complete = False
    results = root.find("clinical_results") if root is not None else None
    if results is None:
        return {}, complete
    section: dict[str, Any] = {
        "outcomeMeasuresModule": {
            "outcomeMeasures": [_xml_outcome(o) for o in results.iterfind("outcome_list/outcome")]
        }
    }
    flow = results.find("participant_flow")
    if flow is not None:
        section["participantFlowModule"] = {
            "groups": _xml_groups(flow),
            "periods": [
                {
                    "title": _el(period, "title"),
                    "milestones": [
                        {"type": _el(m, "title"), "achievements": _xml_counts(m)}
                        for m in period.iterfind("milestone_list/milestone")
                    ],
                    "dropWithdraws": [
                        {"type": _el(d, "title"), "reasons": _xml_counts(d)}
                        for d in period.iterfind("drop_withdraw_reason_list/drop_withdraw_reason")
                    ],
                }
                for period in flow.iterfind("period_list/period")
            ],
        }
    events = results.find("reported_events")
    if events is not None:
        groups = {g["id"]: g for g in _xml_groups(events)}
        serious = []
        for category in events.iterfind("serious_events/category_list/category"):
            system = _el(category, "title")
            for item in category.iterfind("event_list/event"):
                counts = [
                    (c.get("group_id", ""), c.get("subjects_affected"), c.get("subjects_at_risk"))
                    for c in item.iterfind("counts")
                ]
                if system.casefold() == "total":
                    # "Total, serious adverse events" gives each group's total; the category may
                    # also hold "Total, all-cause mortality", which is not it.
                    if "serious" not in _el(item, "sub_title").casefold():
                        continue
                    for gid, affected, at_risk in counts:
                        groups.get(gid, {}).update(seriousNumAffected=affected, seriousNumAtRisk=at_risk)
                else:
                    stats = [{"groupId": gid, "numAffected": affected} for gid, affected, _ in counts]
                    serious.append({"term": _el(item, "sub_title"), "organSystem": system, "stats": stats})
        section["adverseEventsModule"] = {"eventGroups": list(groups.values()), "seriousEvents": serious}
    return section, complete


def _xml_outcome(outcome: ET.Element) -> dict[str, Any]:
    measure = outcome.find("measure")
    if measure is None:
        measure = ET.Element("measure")
    return {
        "type": _el(outcome, "type").upper(),
        "title": _el(outcome, "title"),
        "timeFrame": _el(outcome, "time_frame"),
        "unitOfMeasure": _el(measure, "units"),
        "paramType": _el(measure, "param"),
        "dispersionType": _el(measure, "dispersion"),
        "groups": _xml_groups(outcome),
        "denoms": [
            {
                "counts": [
                    {"groupId": c.get("group_id"), "value": c.get("value")}
                    for c in a.iterfind("count_list/count")
                ]
            }
            for a in measure.iterfind("analyzed_list/analyzed")
        ],
        "classes": [
            {
                "title": _el(cls, "title"),
                "categories": [
                    {
                        "title": _el(category, "title"),
                        "measurements": [
                            {
                                "groupId": m.get("group_id"),
                                "value": m.get("value"),
                                "spread": m.get("spread"),
                                "lowerLimit": m.get("lower_limit"),
                                "upperLimit": m.get("upper_limit"),
                                "comment": " ".join((m.text or "").split()),
                            }
                            for m in category.iterfind("measurement_list/measurement")
                        ],
                    }
                    for category in cls.iterfind("category_list/category")
                ],
            }
            for cls in measure.iterfind("class_list/class")
        ],
        "analyses": [
            {
                "groupIds": [(g.text or "").strip() for g in a.iterfind("group_id_list/group_id")],
                "pValue": _el(a, "p_value"),
                "statisticalMethod": _el(a, "method"),
            }
            for a in outcome.iterfind("analysis_list/analysis")
        ],
    }


def _xml_groups(parent: ET.Element) -> list[dict[str, Any]]:
    return [
        {"id": g.get("group_id", ""), "title": _el(g, "title")} for g in parent.iterfind("group_list/group")
    ]


def _xml_counts(parent: ET.Element) -> list[dict[str, Any]]:
    return [
        {"groupId": p.get("group_id", ""), "numSubjects": p.get("count")}
        for p in parent.iterfind("participants_list/participants")
    ]


def _el(parent: ET.Element, path: str) -> str:
    return " ".join((parent.findtext(path) or "").split())


# --- the summary, from the API v2 shape --------------------------------------------------------


def _summary(section: dict[str, Any], complete: bool) -> PostedResults:
    outcomes = _outcomes(_dict(section.get("outcomeMeasuresModule")))
    flow = _flow(_dict(section.get("participantFlowModule")))
    events = _events(_dict(section.get("adverseEventsModule")))
    evidence = [Evidence(field=f"{o.field}.title", words=o.title) for o in outcomes]
    if flow is not None:
        evidence.append(
            Evidence(
                field=f"{_FLOW}.periods", words=f"{flow.periods} period(s); read: {flow.period or 'untitled'}"
            )
        )
    if events is not None:
        evidence.append(
            Evidence(field=f"{_EVENTS}.seriousEvents", words=f"{events.terms} serious term(s) listed")
        )
    rule = (
        SUMMARY_RULE
        if complete
        else SUMMARY_RULE + " The record is truncated: only what could be read is shown."
    )
    return PostedResults(
        primary_outcomes=tuple(outcomes),
        flow=flow,
        serious_adverse_events=events,
        derived=Derived(rule=rule, evidence=tuple(evidence)),
        complete=complete,
    )


def _titles(groups: object) -> dict[str, str]:
    return {_text(g.get("id")): _text(g.get("title")) or "?" for g in map(_dict, _list(groups))}


def _outcomes(module: dict[str, Any]) -> list[OutcomeResult]:
    found = []
    for n, outcome in enumerate(map(_dict, _list(module.get("outcomeMeasures")))):
        if _text(outcome.get("type")).upper() != "PRIMARY":
            continue
        titles = _titles(outcome.get("groups"))
        kept = dict(list(titles.items())[:MAX_GROUPS])
        counts: dict[str, int | None] = {}
        for denom in map(_dict, _list(outcome.get("denoms"))[:1]):
            counts = {
                _text(c.get("groupId")): _int(c.get("value")) for c in map(_dict, _list(denom.get("counts")))
            }
        dispersion = _words(_text(outcome.get("dispersionType")))
        rows = []
        for cls in map(_dict, _list(outcome.get("classes"))):
            for category in map(_dict, _list(cls.get("categories"))):
                label = " / ".join(t for t in (_text(cls.get("title")), _text(category.get("title"))) if t)
                values = tuple(
                    MeasuredValue(
                        group=kept[_text(m.get("groupId"))],
                        value=_text(m.get("value")) or "not given",
                        dispersion=_dispersion(
                            dispersion, m.get("spread"), m.get("lowerLimit"), m.get("upperLimit")
                        ),
                        comment=_text(m.get("comment")) or None,
                    )
                    for m in map(_dict, _list(category.get("measurements")))
                    if _text(m.get("groupId")) in kept
                )
                rows.append(OutcomeRow(label=label or None, values=values))
        p_values = tuple(
            PValue(
                groups=tuple(titles.get(_text(g), _text(g)) for g in _list(a.get("groupIds"))),
                p_value=_text(a.get("pValue")),
                method=_text(a.get("statisticalMethod")) or None,
            )
            for a in map(_dict, _list(outcome.get("analyses")))
            if _text(a.get("pValue"))
        )
        found.append(
            OutcomeResult(
                title=_text(outcome.get("title")) or "(untitled outcome)",
                time_frame=_text(outcome.get("timeFrame")) or None,
                units=_text(outcome.get("unitOfMeasure")) or None,
                measure=_words(_text(outcome.get("paramType"))),
                dispersion_type=dispersion,
                groups=tuple(OutcomeGroup(title=t, participants=counts.get(g)) for g, t in kept.items()),
                rows=tuple(rows[:MAX_ROWS]),
                p_values=p_values,
                groups_left_out=len(titles) - len(kept),
                rows_left_out=max(0, len(rows) - MAX_ROWS),
                field=f"{_OUTCOMES}[{n}]",
            )
        )
    return found


def _flow(module: dict[str, Any]) -> ParticipantFlow | None:
    periods = [_dict(p) for p in _list(module.get("periods"))]
    if not periods:
        return None
    titles = _titles(module.get("groups"))
    period = next((p for p in periods if _text(p.get("title")).casefold() == "overall study"), periods[0])

    def per_group(entries: object, counts: str) -> dict[str, dict[str, int | None]]:
        return {
            _text(e.get("type")): {
                _text(a.get("groupId")): _int(a.get("numSubjects")) for a in map(_dict, _list(e.get(counts)))
            }
            for e in map(_dict, _list(entries))
        }

    milestones = {k.upper(): v for k, v in per_group(period.get("milestones"), "achievements").items()}
    reasons = per_group(period.get("dropWithdraws"), "reasons")
    groups = []
    for gid, title in list(titles.items())[:MAX_GROUPS]:
        started = milestones.get("STARTED", {}).get(gid)
        completed = milestones.get("COMPLETED", {}).get(gid)
        not_completed = milestones.get("NOT COMPLETED", {}).get(gid)
        if not_completed is None and started is not None and completed is not None and started >= completed:
            not_completed = started - completed
        left = sorted(((r, c.get(gid) or 0) for r, c in reasons.items()), key=lambda x: -x[1])
        groups.append(
            FlowGroup(
                title=title,
                started=started,
                completed=completed,
                not_completed=not_completed,
                reasons=tuple(
                    DropReason(reason=r or "(no reason given)", participants=n) for r, n in left if n > 0
                )[:MAX_REASONS],
            )
        )
    return ParticipantFlow(
        period=_text(period.get("title")) or None,
        periods=len(periods),
        groups=tuple(groups),
        groups_left_out=max(0, len(titles) - MAX_GROUPS),
    )


def _events(module: dict[str, Any]) -> SeriousEvents | None:
    groups = [_dict(g) for g in _list(module.get("eventGroups"))]
    if not groups:
        return None
    # A "Total" group beside the others counts their participants again: not added to the terms.
    totals = {_text(g.get("id")) for g in groups if _text(g.get("title")).casefold() == "total"}
    totals = totals if len(totals) < len(groups) else set()
    affected: Counter[tuple[str, str | None]] = Counter()
    for event in map(_dict, _list(module.get("seriousEvents"))):
        key = (_text(event.get("term")) or "(no term given)", _text(event.get("organSystem")) or None)
        stats = [s for s in map(_dict, _list(event.get("stats"))) if _text(s.get("groupId")) not in totals]
        affected[key] += sum(_int(s.get("numAffected")) or 0 for s in stats)
    return SeriousEvents(
        groups=tuple(
            EventGroup(
                title=_text(g.get("title")) or "?",
                affected=_int(g.get("seriousNumAffected")),
                at_risk=_int(g.get("seriousNumAtRisk")),
            )
            for g in groups[:MAX_GROUPS]
        ),
        top_terms=tuple(
            EventTerm(term=t, organ_system=s, affected=n) for (t, s), n in affected.most_common() if n > 0
        )[:MAX_TERMS],
        terms=len(affected),
        groups_left_out=max(0, len(groups) - MAX_GROUPS),
    )


def _dispersion(kind: str | None, spread: object, lower: object, upper: object) -> str | None:
    name = _ABBREVIATIONS.get((kind or "").casefold(), kind or "").replace("Confidence Interval", "CI")
    spread, lower, upper = _text(spread), _text(lower), _text(upper)
    if spread:
        return f"{name} {spread}".strip()
    if lower or upper:
        return f"{name} {lower or '?'} to {upper or '?'}".strip()
    return None


def _words(token: str) -> str | None:
    """'LEAST_SQUARES_MEAN' -> 'Least squares mean'; prose ('Standard Deviation') stays."""
    if not token:
        return None
    if token.isupper() or "_" in token:
        return token.replace("_", " ").capitalize()
    return token


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: object) -> str:
    return (
        " ".join(str(value).split())
        if isinstance(value, str | int | float) and not isinstance(value, bool)
        else ""
    )


def _int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
